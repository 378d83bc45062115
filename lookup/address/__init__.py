"""Stage ``address``: a name, a domain and colleagues' addresses → ranked candidates. Pure.

- ``names``: a full name → its parts, spellings, nicknames and transliterations;
- ``formats``: the grammar of address formats (``{first}.{last}``, ``{f}{last}~8``, ...);
- ``observations``: colleagues' known addresses → which formats and spellings they show;
- ``context``: what is known before any address (the domain's TLD, the name's culture);
- ``inference``: priors (conditioned on that context) and posteriors over formats;
- ``patterns``: ``predict()`` — ranked candidates with probabilities and reasons;
- ``evidence``: published addresses on pages → colleagues' evidence, the person's own address;
- ``namematch``: finding one person's name in text, however it is written.
"""

from __future__ import annotations

from lookup._exports import lazy_exports

__all__, __getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Format": "formats",
        "NameMatcher": "namematch",
        "ParsedName": "names",
        "candidates": "patterns",
        "colleague_evidence": "evidence",
        "is_role_address": "evidence",
        "parse_format": "formats",
        "parse_known": "patterns",
        "parse_name": "names",
        "predict": "patterns",
        "published_address": "evidence",
    },
)
