"""Forgetting a person in Prefect too: their research flow runs (parameters, logs) and card artifacts.

``lookup forget`` deletes our own rows and files first; this removes what
Prefect recorded about the same person: every ``research-interviewer`` flow
run whose ``name`` parameter is theirs (with its task runs and logs) and every
artifact keyed ``briefing-<slug>``.
"""

from __future__ import annotations

from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterKey,
    FlowFilter,
    FlowFilterName,
)

from lookup.slug import name_key

__all__ = ["RESEARCH_FLOW", "artifact_key", "forget_in_prefect"]

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
