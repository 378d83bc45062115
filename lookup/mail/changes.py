"""What changed between two verifications of the same address. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lookup.models import Verification

__all__ = ["Change", "describe_changes", "changes_markdown"]


@dataclass(frozen=True, slots=True)
class Change:
    """One noteworthy difference found by re-verification."""

    address: str
    what: str  # a sentence
    kind: str  # "status" | "mx_lost" | "mx_back" | "provider" | "greylist_resolved" | "first_check"
    before: str | None = None
    after: str | None = None


def describe_changes(before: Verification | None, after: Verification) -> list[Change]:
    """The differences worth telling a candidate about, in words."""
    address = after.address
    if before is None:
        return [Change(address, f"first check: {after.status}", "first_check", None, after.status)]
    found: list[Change] = []
    if before.mx and not after.mx:
        found.append(
            Change(
                address,
                "the domain lost its MX records (it may no longer take mail)",
                "mx_lost",
                ", ".join(before.mx),
                None,
            )
        )
    elif after.mx and not before.mx:
        found.append(
            Change(address, "the domain has MX records again", "mx_back", None, ", ".join(after.mx))
        )
    if before.provider != after.provider and before.provider and after.provider:
        found.append(
            Change(
                address,
                f"mail provider changed from {before.provider} to {after.provider}",
                "provider",
                before.provider,
                after.provider,
            )
        )
    if before.retry_after is not None and after.retry_after is None and after.status != "unknown":
        found.append(
            Change(
                address,
                f"greylisting resolved: now {after.status}",
                "greylist_resolved",
                before.status,
                after.status,
            )
        )
    elif before.status != after.status:
        found.append(
            Change(
                address,
                f"status changed from {before.status} to {after.status}"
                + (" — stop using this address" if after.status == "undeliverable" else ""),
                "status",
                before.status,
                after.status,
            )
        )
    return found


def changes_markdown(changes: Sequence[Change], *, checked: int, purged: Sequence[str]) -> str:
    """The Prefect artifact summarising one re-verification run."""
    lines = [
        "# Re-verification",
        "",
        f"Checked {checked} address(es); {len(changes)} change(s); purged {len(purged)} expired contact(s).",
        "",
    ]
    if changes:
        lines += ["| Address | What changed |", "|---|---|"]
        lines += [f"| `{c.address}` | {c.what} |" for c in changes]
    else:
        lines.append("Nothing changed.")
    return "\n".join(lines) + "\n"
