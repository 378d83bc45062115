"""Scheduled re-verification of stored contacts. Thin: the library does the work.

Contacts due are taken in batches; each batch is verified with one shared
Verifier (so DNS answers are shared across the whole run) and every result is
recorded as soon as its batch finishes. Interrupted half-way, the next run
finds the rest still due and finishes them: nothing recorded is lost and
nothing is checked twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import acreate_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows.politeness.limiters import run_politeness
from flows.privacy import forget_in_prefect
from flows.research import submitted_refusal
from flows.runtime import settings_for_run, world_settings, world_transport
from lookup.card import refresh_history
from lookup.card.write import WORLD_INTO_REAL
from lookup.errors import StoreError
from lookup.intake.request import check_proxy_choice
from lookup.mail.changes import Change, changes_markdown, describe_changes
from lookup.mail.portcheck import REACH_FILE
from lookup.mail.verdicts import BLOCKED_NOTICE
from lookup.mail.verify import Verifier
from lookup.settings import Settings
from lookup.store import Store, forget_files
from lookup.web.fetch import make_client
from lookup.web.session import forget_cached

__all__ = ["CHANGED_EVENT", "announce_changes", "reverify_contacts"]

IO = {"cache_policy": NO_CACHE, "persist_result": False}


@task(name="purge-expired", **IO)
async def purge_task(settings: Settings, now: dt.datetime) -> list[str]:
    """Forget contacts whose interview is older than the retention period, here and in Prefect."""
    purged: list[str] = []
    with Store.for_settings(settings) as store:
        known = store.candidates()
        for slug in store.expired(now=now, retention_days=settings.store.retention_days):
            report = store.forget(slug, now=now, while_locked=lambda r: _files_of(settings, r))
            if report.found and report.name:
                await forget_in_prefect(report.name, slug, known=known)
            purged.append(slug)
    return purged


def _files_of(settings: Settings, report: Any) -> list[Any]:
    """Every candidate's files on a person, and the cached searches and pages naming them."""
    forget_cached(settings.cache_dir / "search", report.name)
    return forget_files(settings.data_dir, report.slug, report.name, cards=report.cards)


@task(name="verify-batch", **IO)
async def batch_task(
    contacts: list, verifier: Verifier, settings: Settings, smtp: bool | None
) -> list[dict[str, Any]]:
    """Verify one batch, record every result, and return what changed."""
    results = await verifier.verify_many([c.address for c in contacts], smtp=smtp)
    changes: list[Change] = []
    with Store.for_settings(settings) as store:
        for result in results:
            history = store.verification_history(result.address)
            before = history[-1] if history else None  # the history is oldest first
            changes += describe_changes(before, result)
            store.record_verification(result)
    return [_change_json(c) for c in changes]


def _change_json(c: Change) -> dict[str, Any]:
    return {
        "address": c.address,
        "what": c.what,
        "kind": c.kind,
        "before": c.before,
        "after": c.after,
    }


@task(name="refresh-cards", **IO)
def cards_task(slugs: list[str], settings: Settings, now: dt.datetime) -> int:
    """Rewrite the verification section of each affected card."""
    with Store.for_settings(settings) as store:
        return sum(refresh_history(store, slug, settings=settings) for slug in slugs)


@flow(name="reverify-contacts")
async def reverify_contacts(
    everything: bool = False,
    research: bool = False,
    smtp: bool | None = None,
    world: str | None = None,
    smtp_proxy: str | None = None,
    m365_https: bool | None = None,
) -> dict[str, Any]:
    """Re-check stored contacts (those due, or all), record results, report what changed."""
    logger = get_run_logger()
    check_proxy_choice(smtp_proxy)
    refused = submitted_refusal({"smtp": smtp, "smtp_proxy": smtp_proxy,
                                 "m365_https": m365_https, "world": world})
    if refused:
        return Failed(message=refused)  # type: ignore[return-value]
    settings = settings_for_run(world, smtp_proxy=smtp_proxy, m365_https=m365_https)
    now = dt.datetime.now(dt.UTC)
    with world_settings(settings) as live:
        _never_a_world_over_real_contacts(live)
        purged = await purge_task(live, now)
        interval = dt.timedelta(0) if everything else dt.timedelta(days=live.reverify.interval_days)
        with Store.for_settings(live) as store:
            due = store.due_for_reverification(now=now, interval=interval, limit=1_000_000)
        logger.info("%d contact(s) due for re-verification", len(due))
        changes: list[dict[str, Any]] = []
        size = max(1, live.reverify.batch_size)
        async with (
            run_politeness(live, logger) as polite,  # SMTP budgets shared by all workers
            make_client(live, transport=world_transport(live)) as client,
        ):
            verifier = Verifier(live, http_client=client, day_cache=live.cache_dir / REACH_FILE,
                                smtp_limiter=polite.smtp if polite else None)
            for start in range(0, len(due), size):
                changes += await batch_task(due[start : start + size], verifier, live, smtp)
        reach = verifier.port_check.answer
        notices = [BLOCKED_NOTICE] if reach is not None and reach.blocked else []
        if notices:  # the sentence itself is said once, by the command
            logger.info("SMTP probes skipped: port 25 is blocked from this network")
        slugs = sorted({c.slug for c in due})
        announce_changes([c for c in changes if c["kind"] != "first_check"], due, live)
        refreshed = cards_task(slugs, live, now)
        if research:
            await _research_again(slugs, live, smtp=smtp, world=world, smtp_proxy=smtp_proxy,
                                  m365_https=m365_https)
    report = {
        "checked": len(due),
        "changes": [c for c in changes if c["kind"] != "first_check"],
        "purged": purged,
        "cards_refreshed": refreshed,
        "notices": notices,
    }
    await acreate_markdown_artifact(
        markdown=changes_markdown(
            [Change(**c) for c in report["changes"]], checked=len(due), purged=purged
        ),
        key="reverification",
        description="What the latest re-verification found",
    )
    return report


def _never_a_world_over_real_contacts(settings: Settings) -> None:
    """StoreError before anything is checked when a world run meets a store of real contacts:
    it would rewrite their verdicts with the world's and announce changes that never were."""
    if not settings.world_mode:
        return
    with Store.for_settings(settings) as store:
        if store.holds_real_contacts():
            raise StoreError(WORLD_INTO_REAL.format(url=store.url))


CHANGED_EVENT = "lookup.contact.changed"


def announce_changes(changes: list[dict[str, Any]], due: list, settings: Settings) -> int:
    """Emit one Prefect event per contact whose verdict changed, for Automations to act on.

    Event ``lookup.contact.changed``; resource ``lookup.person.<slug>`` (named after the
    person); payload: the address and each change (what, kind, before, after).
    """
    from prefect.events import emit_event

    slugs = {c.address.lower(): c.slug for c in due}
    by_person: dict[str, list[dict[str, Any]]] = {}
    for change in changes:
        slug = slugs.get(change["address"].lower())
        if slug is not None:
            by_person.setdefault(slug, []).append(change)
    with Store.for_settings(settings) as store:
        names = {slug: getattr(store.find_person(slug), "name", slug) for slug in by_person}
    for slug, found in sorted(by_person.items()):
        emit_event(
            event=CHANGED_EVENT,
            resource={"prefect.resource.id": f"lookup.person.{slug}",
                      "prefect.resource.name": names[slug]},
            payload={"address": found[0]["address"], "changes": found},
        )
    return len(by_person)


async def _research_again(
    slugs: list[str], settings: Settings, *, smtp: bool | None, world: str | None,
    smtp_proxy: str | None = None, m365_https: bool | None = None,
) -> None:
    """Re-run the research for each contact to catch job changes (the same request as
    ``lookup research NAME --company C --domain D`` with this run's options)."""
    from flows.research import research_interviewer
    from lookup.intake.request import ResearchRequest

    with Store.for_settings(settings) as store:
        people = [p for slug in slugs for p in store.cards_of(slug)]
    for person in people:  # each candidate's card on them, with that candidate's rounds
        request = ResearchRequest(name=person.name, company=person.company,
                                  domain=person.domain, smtp=smtp, world=world,
                                  smtp_proxy=smtp_proxy, m365_https=m365_https,
                                  candidate=person.candidate)
        await research_interviewer(**request.to_params())
