"""Re-verification reports what changed between two checks of an address."""

from __future__ import annotations

import datetime as dt

from lookup.mail.changes import changes_markdown, describe_changes
from lookup.models import Verification

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def _v(
    status: str,
    mx: tuple[str, ...] = ("mx1.brightwater.test",),
    provider: str | None = "self-hosted",
    retry: dt.datetime | None = None,
    when: dt.datetime = T0,
) -> Verification:
    return Verification(
        "dokafor@brightwater.test",
        status,
        ("r",),
        when,
        mx=mx,
        provider=provider,
        retry_after=retry,
    )


def test_status_change_to_undeliverable_is_reported() -> None:
    """A deliverable address that now bounces is a change that says to stop using it."""
    (change,) = describe_changes(_v("deliverable"), _v("undeliverable"))
    assert change.kind == "status" and "stop using" in change.what


def test_lost_mx_and_provider_change() -> None:
    """Losing the MX records and switching provider are both reported."""
    kinds = {c.kind for c in describe_changes(_v("deliverable"), _v("undeliverable", mx=()))}
    assert kinds == {"mx_lost", "status"}
    (change,) = describe_changes(_v("deliverable"), _v("deliverable", provider="Google Workspace"))
    assert change.kind == "provider"


def test_greylisting_resolved_and_no_change() -> None:
    """A greylisted check followed by a verdict is 'resolved'; identical checks change nothing."""
    (change,) = describe_changes(_v("unknown", retry=T0), _v("deliverable"))
    assert change.kind == "greylist_resolved"
    assert describe_changes(_v("deliverable"), _v("deliverable")) == []
    md = changes_markdown([change], checked=3, purged=["old-contact"])
    assert (
        "Checked 3 address(es); 1 change(s); purged 1" in md and "`dokafor@brightwater.test`" in md
    )
