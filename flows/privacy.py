"""Forgetting a person in Prefect too: their research flow runs, logs, card artifacts, events.

``lookup forget`` deletes our own rows and files first; this removes what
Prefect recorded about the same person. Through Prefect's API: every
``research-interviewer`` flow run whose ``name`` parameter is theirs (with its task
runs) and every artifact keyed ``briefing-<slug>``. Prefect has no API to delete
log lines or events, so where Prefect's database is the local SQLite file this tool
manages (``<data>/prefect/prefect.db``), ``scrub_local_database`` deletes the rows that
name the person from those tables and reclaims the freed pages (VACUUM, then a WAL
checkpoint), so nothing stays readable in the file. With a remote server, the CLI says
plainly what could not be removed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowFilter,
    FlowFilterName,
)

from lookup.slug import name_key

__all__ = [
    "RESEARCH_FLOW", "artifact_key", "forget_in_prefect", "forget_prefect", "scrub_local_database",
]

PAGE = 200
RESEARCH_FLOW = "research-interviewer"


async def forget_in_prefect(name: str, slug: str) -> dict[str, int]:
    """Delete the person's research flow runs and card artifacts; return how many of each."""
    wanted = name_key(name)
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[artifact_key(slug)]))
        )
        for artifact in artifacts:
            await client.delete_artifact(artifact.id)
        doomed = []
        offset = 0
        while True:
            page = await client.read_flow_runs(
                flow_filter=FlowFilter(name=FlowFilterName(any_=[RESEARCH_FLOW])),
                limit=PAGE,
                offset=offset,
            )
            doomed += [r.id for r in page if name_key(str(r.parameters.get("name", ""))) == wanted]
            if len(page) < PAGE:
                break
            offset += PAGE
        for run_id in doomed:
            await client.delete_flow_run(run_id)
    return {"flow_runs": len(doomed), "artifacts": len(artifacts)}


def artifact_key(slug: str) -> str:
    """The key of a person's card artifact: lower-case letters, digits and dashes only."""
    key = "".join(ch if ch.isalnum() else "-" for ch in slug.lower()).strip("-")
    return f"briefing-{key or 'card'}"[:100]


# Tables of Prefect's own database where text about a person can remain after the API
# deletions, and the columns to search (Prefect 3.9's schema).
_SCRUB = {
    "log": ("message",),
    "events": ("resource", "payload", "related"),
    "event_resources": ("resource",),
    "artifact": ("key", "data", "description"),
    "artifact_collection": ("key", "data", "description"),
    "flow_run": ("parameters", "name"),
    "task_run": ("name",),
}


def scrub_local_database(path: Path, needles: Sequence[str]) -> dict[str, int]:
    """Delete every row of ``_SCRUB`` whose text holds a needle; VACUUM; checkpoint the WAL.

    Returns rows deleted per table. Missing tables or columns (another Prefect version)
    are skipped. Raises sqlite3.Error when the file is locked beyond the busy timeout.
    """
    removed: dict[str, int] = {}
    with contextlib.closing(sqlite3.connect(path, timeout=30)) as db:
        db.execute("PRAGMA secure_delete=ON")
        known = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        for table, columns in _SCRUB.items():
            if table not in known:
                continue
            have = {row[1] for row in db.execute(f'PRAGMA table_info("{table}")')}
            cols = [c for c in columns if c in have]
            if not cols:
                continue
            where = " OR ".join(f'instr(lower(CAST("{c}" AS TEXT)), ?) > 0'
                                for c in cols for _ in needles)
            args = [n.lower() for _ in cols for n in needles]
            cursor = db.execute(f'DELETE FROM "{table}" WHERE {where}', args)
            removed[table] = cursor.rowcount
        db.commit()
        db.execute("VACUUM")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return removed


def forget_prefect(settings: Any, name: str, slug: str, *, api: str | None) -> dict[str, Any]:
    """Remove what Prefect holds about the person; say what could not be removed.

    ``api`` is the Prefect API in use (None: the temporary server on the local file).
    """
    database = settings.prefect_home / "prefect.db"
    local = api is None or _is_ours(settings, api)
    if api is None and not database.is_file():
        return {"flow_runs": 0, "artifacts": 0}
    try:
        report = _api_deletions(name, slug, temporary=api is None)
    except Exception as exc:  # Prefect unreachable: say so, keep what was already removed
        return {"error": f"Prefect's records could not be removed ({exc}); start the server "
                         "and run forget again."}
    if local and database.is_file():
        needles = {name, json.dumps(name)[1:-1], slug, artifact_key(slug)}
        try:
            report["scrubbed"] = scrub_local_database(database, sorted(needles))
        except sqlite3.Error as exc:
            report["error"] = (f"Prefect's database {database} could not be cleaned ({exc}); "
                               "stop the server (lookup server stop) and run forget again.")
    else:
        report["not_removed"] = (
            f"The Prefect server at {api} keeps log lines and events that may name this person: "
            "Prefect has no API to delete them. Ask whoever runs that server to remove them.")
    return report


def _api_deletions(name: str, slug: str, *, temporary: bool) -> dict[str, Any]:
    """Run ``forget_in_prefect``; with a temporary server, in a child process, so that the
    server has stopped (and let go of its database file) before the file is cleaned."""
    if not temporary:
        return asyncio.run(forget_in_prefect(name, slug))
    done = subprocess.run([sys.executable, "-m", "flows.privacy", name, slug],
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _is_ours(settings: Any, api: str) -> bool:
    from flows.server import api_url, server_status

    info = server_status(settings)
    return info is not None and api_url(info).rstrip("/") == api.rstrip("/")


if __name__ == "__main__":  # `python -m flows.privacy NAME SLUG`: the API deletions, as JSON
    print(json.dumps(asyncio.run(forget_in_prefect(sys.argv[1], sys.argv[2]))))
