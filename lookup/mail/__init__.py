"""Stage ``mail``: an address → a verdict with reasons, and a final score.

Pure: ``syntax`` (is it an address), ``rules`` (providers, role and disposable
addresses, what an SMTP reply means), ``scoring`` (inference and checks → the
final probability), ``changes`` (what re-verification found different).
Edges: ``dnscheck`` (MX, null MX, A fallback), ``smtpprobe`` (one RCPT dialogue),
``identity`` (public IP, reverse DNS, the HELO name and senders the probe uses),
``blocklists`` (is this machine's IP listed?), ``pacing`` (how gently a provider is asked),
``portcheck`` (can port 25 be reached from here?), ``dayfile`` (those two answers kept
for the day), ``verify`` (the ``Verifier`` that composes them).
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Verifier": "verify",
        "check_mail_domain": "dnscheck",
        "check_syntax": "syntax",
        "classify_reply": "rules",
        "describe_changes": "changes",
        "identify_provider": "rules",
        "probe_address": "smtpprobe",
        "score": "scoring",
        "verification_to_json": "verify",
    },
)
