"""A fixed, fictional research run (Dana Okafor at Brightwater Analytics) for card/store tests."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from lookup.models import (
    Interview,
    Link,
    Profile,
    ResearchResult,
    ScoredCandidate,
    SetAside,
    SmtpStep,
    Source,
    TalkingPoint,
    Verification,
)

CHECKED = dt.datetime(2026, 3, 3, 15, 30, tzinfo=dt.UTC)
GENERATED = dt.datetime(2026, 3, 3, 16, 0, tzinfo=dt.UTC)

TEAM_PAGE = Source(
    url="https://www.brightwater.test/team",
    title="Our team — Brightwater Analytics",
    snippet="Dana Okafor, Head of Data Platform",
)
BLOG = Source(
    url="https://www.brightwater.test/blog/streaming-joins",
    title="Streaming joins without tears",
    snippet="Dana Okafor writes about late-arriving events in stream processing.",
)
TALK = Source(
    url="https://dataconf.test/2025/speakers/dana-okafor",
    title="DataConf 2025 speakers",
    snippet="Dana Okafor (Brightwater Analytics): Backfills at scale",
)
NAMESAKE = Source(
    url="https://chess.test/players/dana-okafor",
    title="Dana Okafor — chess club results",
    snippet="Dana Okafor, club champion 2019",
)
SEARCH = Source(
    url="https://search.test/?q=%22Dana+Okafor%22+Brightwater",
    title="search: \"Dana Okafor\" Brightwater",
    kind="search",
)


def dana_verification(address: str = "dana.okafor@brightwater.test", *,
                      status: str = "deliverable", at: dt.datetime = CHECKED) -> Verification:
    """A verdict on one Brightwater address."""
    return Verification(
        address=address,
        status=status,  # type: ignore[arg-type]
        reasons=("MX records found for brightwater.test", "RCPT TO accepted (250 2.1.5)"),
        checked_at=at,
        mx=("10 mx1.brightwater.test",),
        provider="self-hosted",
        smtp=(SmtpStep("RCPT TO:<x>", 250, "2.1.5", "OK"),),
        flags=(),
    )


def dana_result() -> ResearchResult:
    """The whole research run for the fictional Dana Okafor."""
    interview = Interview(
        name="Dana Okafor",
        company="Brightwater Analytics",
        role="Senior Data Engineer",
        interview_date=dt.date(2026, 3, 2),
        recruiter="Sam Lee",
    )
    profile = Profile(
        name="Dana Okafor",
        company="Brightwater Analytics",
        title="Head of Data Platform",
        title_source=TEAM_PAGE,
        team="Data Platform",
        location="Lisbon",
        bio="Dana leads the data platform team at Brightwater Analytics. "
            "Before that she built ingestion pipelines for ten years.",
        bio_source=TEAM_PAGE,
        links=(
            Link("https://code.test/danaokafor", "danaokafor on code.test", "github"),
            Link("https://dataconf.test/2025/speakers/dana-okafor", "DataConf talk", "talk"),
        ),
        work=(TalkingPoint("Talk: Backfills at scale (DataConf 2025)", TALK, "2025-10-14"),),
        talking_points=(
            TalkingPoint("Her post on handling late-arriving events in streaming joins",
                         BLOG, "2026-01-20"),
            TalkingPoint("Her DataConf 2025 talk on backfills at scale", TALK, "2025-10-14"),
        ),
        set_aside=(
            SetAside("Dana Okafor", "A chess player with the same name; no link to "
                     "Brightwater Analytics.", NAMESAKE),
        ),
    )
    chosen = ScoredCandidate(
        address="dana.okafor@brightwater.test",
        probability=0.87,
        inference_probability=0.72,
        status="deliverable",
        reasons=("3 of 4 colleagues' published addresses use first.last",
                 "The mail server accepted the address"),
        format="{first}.{last}",
        verification=dana_verification(),
    )
    alternatives = (
        ScoredCandidate("dokafor@brightwater.test", 0.08, 0.15, "unknown",
                        ("1 of 4 colleagues use first-initial + last",), "{f}{last}"),
        ScoredCandidate("dana@brightwater.test", 0.03, 0.08, "undeliverable",
                        ("The mail server refused the address (550 5.1.1)",), "{first}",
                        verification=dana_verification("dana@brightwater.test",
                                                       status="undeliverable")),
    )
    return ResearchResult(
        interview=interview,
        domain="brightwater.test",
        domain_reasons=("The company homepage www.brightwater.test has MX records",),
        profile=profile,
        candidates=(chosen, *alternatives),
        sources=(SEARCH, TEAM_PAGE, BLOG, TALK),
        stats={"queries": 4, "pages": 6},
    )


def bare_result() -> ResearchResult:
    """A run that found nothing: no domain, no profile, no candidates."""
    return ResearchResult(
        interview=Interview(name="Robin Vale", company="Nowhere Widgets"),
        domain=None,
        domain_reasons=("no search result named a website for Nowhere Widgets",),
        failures=("search: no results for \"Robin Vale\" \"Nowhere Widgets\"",),
    )


def with_interview(result: ResearchResult, **changes: object) -> ResearchResult:
    """The same result with some interview fields changed."""
    return replace(result, interview=replace(result.interview, **changes))


def tanaka_result() -> ResearchResult:
    """A run for a name written family-first ("TANAKA Hiroshi"), with little found."""
    source = Source("https://www.kobe-precision.test/company/people",
                    "People — Kobe Precision Instruments", "TANAKA Hiroshi, Engineering Manager")
    return ResearchResult(
        interview=Interview(name="TANAKA Hiroshi", company="Kobe Precision Instruments"),
        domain="kobe-precision.test",
        domain_reasons=("The company's site kobe-precision.test accepts mail.",),
        profile=Profile(name="TANAKA Hiroshi", company="Kobe Precision Instruments",
                        title="Engineering Manager", title_source=source),
        candidates=(
            ScoredCandidate("hiroshi.tanaka@kobe-precision.test", 0.81, 0.64, "deliverable",
                            ("2 of 2 colleagues' published addresses use first.last",),
                            "{first}.{last}"),
        ),
        sources=(source,),
    )
