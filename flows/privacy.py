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
from uuid import UUID

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowFilter,
    FlowFilterName,
)

from lookup.errors import BadInputError
from lookup.slug import candidate_key, name_key

__all__ = [
    "RESEARCH_FLOW", "artifact_key", "cancel_in_flight", "forget_in_prefect", "forget_prefect",
    "scrub_local_database", "wait_ended",
]

PAGE = 200
RESEARCH_FLOW = "research-interviewer"


async def forget_in_prefect(name: str, slug: str, candidates: Sequence[str] | None = None,
                            *, known: Sequence[str] = ()) -> dict[str, int]:
    """Delete the person's research flow runs and card artifacts: only ``candidates``' when
    given; else every run, and the cards of every candidate in ``known`` (the store's) and
    the one from before candidates. Returns how many of each."""
    wanted = name_key(name)
    whose = known if candidates is None else candidates
    keys = [artifact_key(slug, c) for c in whose] + ([artifact_key(slug)] if candidates is None
                                                     else [])
    async with get_client() as client:
        artifacts = await client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=keys))) if keys else []
        for artifact in artifacts:
            await client.delete_artifact(artifact.id)
        doomed = [r.id for r in await _research_runs(client)
                  if name_key(str(r.parameters.get("name", ""))) == wanted
                  and (candidates is None or _whose(r.parameters) in candidates)]
        for run_id in doomed:
            await client.delete_flow_run(run_id)
    return {"flow_runs": len(doomed), "artifacts": len(artifacts)}


def _whose(parameters: dict[str, Any]) -> str | None:
    """The candidate a run's parameters name, as stored (``candidate_key``): a run submitted
    by `prefect deployment run --param candidate="Bea Moss"` keeps the name as typed."""
    given = parameters.get("candidate")
    if not isinstance(given, str) or not given.strip():
        return None
    try:
        return candidate_key(given)
    except BadInputError:  # not a name: such a run was refused, and is nobody's
        return given


IN_FLIGHT = ("SCHEDULED", "PENDING", "RUNNING", "PAUSED", "CANCELLING")
ENDED = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
CANCEL_WAIT_S = 60.0


async def cancel_in_flight(name: str, candidate: str | None) -> list[str]:
    """Cancel every research run for the person that has not ended (``candidate``'s, and
    those naming no candidate; everyone's when None) and return their ids: a worker kills
    a cancelled run's process; a run in a process of its own user is stopped at its write
    by the tombstone `lookup forget` writes next (``Store.forget``)."""
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Cancelling

    wanted = name_key(name)
    going = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
        any_=[StateType(s) for s in IN_FLIGHT])))
    async with get_client() as client:
        runs = await _research_runs(client, going)
        mine = [r for r in runs if name_key(str(r.parameters.get("name", ""))) == wanted
                and (candidate is None or _whose(r.parameters) in (None, candidate))]
        for run in mine:
            await client.set_flow_run_state(run.id, Cancelling(
                message="Cancelled by `lookup forget`: this person is being forgotten."),
                force=True)
    return [str(r.id) for r in mine]


async def wait_ended(ids: Sequence[str], wait_s: float = CANCEL_WAIT_S) -> list[str]:
    """The ids among ``ids`` whose runs have not ended after waiting up to ``wait_s``."""
    async with get_client() as client:
        return [str(i) for i in await _wait_ended(client, [UUID(i) for i in ids], wait_s)]


async def _research_runs(client: Any, flow_run_filter: Any = None) -> list[Any]:
    """Every research flow run (matching ``flow_run_filter``), read in pages."""
    found: list[Any] = []
    offset = 0
    while True:
        page = await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[RESEARCH_FLOW])),
            flow_run_filter=flow_run_filter, limit=PAGE, offset=offset)
        found += page
        if len(page) < PAGE:
            return found
        offset += PAGE


async def _wait_ended(client: Any, ids: Sequence[Any], wait_s: float) -> list[Any]:
    """The ids among ``ids`` whose runs have not ended after waiting up to ``wait_s``."""
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    left = list(ids)
    deadline = asyncio.get_running_loop().time() + wait_s
    while left:
        runs = []
        for start in range(0, len(left), PAGE):
            runs += await client.read_flow_runs(flow_run_filter=FlowRunFilter(
                id=FlowRunFilterId(any_=left[start:start + PAGE])), limit=PAGE)
        left = [r.id for r in runs if r.state is None or r.state.type.value not in ENDED]
        if not left or asyncio.get_running_loop().time() >= deadline:
            return left
        await asyncio.sleep(1.0)
    return left


def artifact_key(slug: str, candidate: str | None = None) -> str:
    """The key of a candidate's card artifact on a person: lower-case letters, digits and
    dashes only (``briefing-<slug>`` for cards from before candidates)."""
    whose = f"{_key_part(candidate)}-" if candidate else ""
    return f"briefing-{whose}{_key_part(slug) or 'card'}"[:100]


def _key_part(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-")


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


def forget_prefect(settings: Any, name: str, slug: str, *, api: str | None,
                   candidates: Sequence[str] | None = None,
                   known: Sequence[str] = ()) -> dict[str, Any]:
    """Remove what Prefect holds about the person (only ``candidates``' runs and cards when
    given: other candidates keep the person); say what could not be removed.

    ``api`` is the Prefect API in use (None: the temporary server on the local file).
    """
    database = settings.prefect_home / "prefect.db"
    local = api is None or _is_ours(settings, api)
    if api is None and not database.is_file():
        return {"flow_runs": 0, "artifacts": 0}
    try:
        report = _api_deletions(name, slug, candidates, known, temporary=api is None)
    except Exception as exc:  # Prefect unreachable: say so, keep what was already removed
        return {"error": f"Prefect's records could not be removed ({exc}); start the server "
                         "and run forget again."}
    if candidates is not None:  # log lines name the person, whoever's run wrote them
        report["kept"] = ("Prefect's log lines and events about this person stay while "
                          "another candidate keeps them.")
    elif local and database.is_file():
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


def _api_deletions(name: str, slug: str, candidates: Sequence[str] | None,
                   known: Sequence[str], *, temporary: bool) -> dict[str, Any]:
    """Run ``forget_in_prefect``; with a temporary server, in a child process, so that the
    server has stopped (and let go of its database file) before the file is cleaned."""
    if not temporary:
        return asyncio.run(forget_in_prefect(name, slug, candidates, known=known))
    whose = ["--known", *known] if candidates is None else ["--candidates", *candidates]
    done = subprocess.run([sys.executable, "-m", "flows.privacy", name, slug, *whose],
                          capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(last)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _is_ours(settings: Any, api: str) -> bool:
    from flows.server import api_url, server_status

    info = server_status(settings)
    return info is not None and api_url(info).rstrip("/") == api.rstrip("/")


if __name__ == "__main__":  # `python -m flows.privacy NAME SLUG [--candidates|--known C…]`
    _flag, _whose = sys.argv[3:4], sys.argv[4:]
    print(json.dumps(asyncio.run(forget_in_prefect(
        sys.argv[1], sys.argv[2], _whose if _flag == ["--candidates"] else None,
        known=_whose if _flag == ["--known"] else ()))))
