"""Registrable domains, from the Public Suffix List. Pure: the list is read once, at import,
and parsed at first use (or handed over parsed: ``adopt``, from ``suffix_cache``).

The list is the snapshot bundled with ``publicsuffixlist`` (no download, ever): its
ICANN section says ``firma.co.at`` and ``shop.acme.com.au`` are registered under
``co.at`` and ``com.au``, its private section that ``group.github.io`` is a tenant of a
hosting provider, not part of github.io's owner.

``.test``, the special-use name offline worlds use, is a public suffix here. A world
renames real top-level domains to ``.test`` and keeps the hosting provider's name
(``group.github.test`` stands for ``group.github.io``, docs/world.md), so a ``.test``
host is also read as its provider's: ``NAME.test`` is a hosting suffix when the
private section lists ``NAME.<tld>`` for some top-level domain.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from publicsuffixlist import PublicSuffixList, encode_idn

__all__ = ["WORLD_SUFFIX", "Lists", "adopt", "country_suffix", "list_text", "parse_lists",
           "public_suffix", "registrable_domain"]

WORLD_SUFFIX = "test"
_PRIVATE_MARK = "===BEGIN PRIVATE DOMAINS==="


def _list_text() -> str:
    return resources.files("publicsuffixlist").joinpath("public_suffix_list.dat").read_text(
        "utf-8")


def _hosting_providers(text: str) -> frozenset[str]:
    """Providers whose tenants get their own registrable domain: github (github.io), ...

    Two-label private rules only: a provider named by its own label and a top-level
    domain, the shape a world keeps when it renames the top-level domain to ``.test``.
    """
    _, _, private = text.partition(_PRIVATE_MARK)
    rules = (line.strip() for line in private.splitlines())
    return frozenset(rule.split(".")[0] for rule in rules
                     if rule and not rule.startswith(("//", "*", "!")) and rule.count(".") == 1)


def _with_punycode(text: str) -> list[str]:
    """The list's lines, each rule in Unicode followed by its punycode form (``xn--…``).

    What ``PublicSuffixList(accept_encoded_idn=True)`` adds itself, but encoding only the
    ~500 non-ASCII rules rather than all ~10,000 (an ASCII rule is its own encoding):
    both lists parse in a third of the time, at every start of a run (issue 31).
    """
    lines = []
    for line in text.splitlines():
        lines.append(line)
        if line.isascii():  # nearly all: nothing to add
            continue
        rule = line.lower().split(" ")[0].rstrip()
        if rule and not rule.startswith("//") and not rule.isascii():
            encoded = encode_idn(rule.lstrip("!"))
            lines.append(f"!{encoded}" if rule.startswith("!") else encoded)
    return lines


Lists = tuple[PublicSuffixList, PublicSuffixList]  # the whole list, its ICANN section


def parse_lists(text: str) -> Lists:
    """The whole list and its ICANN section, parsed, with the offline worlds' suffix."""
    source = _with_punycode(f"{text}\n// offline worlds (docs/world.md)\n{WORLD_SUFFIX}\n")
    return (PublicSuffixList(source=source, accept_encoded_idn=False),
            PublicSuffixList(source=source, accept_encoded_idn=False, only_icann=True))


def list_text() -> str:
    """The list this module answers from (the snapshot bundled with ``publicsuffixlist``)."""
    return _TEXT


def adopt(lists: Lists) -> None:
    """Answer from ``lists``, parsed from ``list_text()`` elsewhere (a cache), from now on."""
    global _LISTS
    _LISTS = lists


def _lists() -> Lists:
    global _LISTS
    if _LISTS is None:  # two threads may both parse once: the same lists either way
        _LISTS = parse_lists(_TEXT)
    return _LISTS


_TEXT = _list_text()
_LISTS: Lists | None = None
_PROVIDERS = _hosting_providers(_TEXT)
# A tenant label that is never a hosting tenant: the web host of a company's own domain.
_NOT_TENANTS = frozenset({"www", "mail", "mx"})


@lru_cache(maxsize=4096)
def public_suffix(host: str) -> str:
    """The public suffix of ``host``: ``co.uk`` for www.acme.co.uk, ``github.test`` for a
    tenant of a world's github.test."""
    labels = _labels(host)
    if len(labels) >= 3 and labels[-1] == WORLD_SUFFIX and labels[-2] in _PROVIDERS \
            and labels[-3] not in _NOT_TENANTS:
        return ".".join(labels[-2:])
    return _lists()[0].publicsuffix(".".join(labels)) or labels[-1]


def country_suffix(domain: str) -> bool:
    """True for a country's registry: acme.de, acme.co.uk, acme.com.co; not acme.io, acme.ai
    or acme.co (used as generic ones), nor a hosting tenant (group.github.io)."""
    suffix = _lists()[1].publicsuffix(".".join(_labels(domain))) or ""
    tld = suffix.rsplit(".", 1)[-1]
    return len(tld) == 2 and ("." in suffix or tld not in {"io", "ai", "co"})


@lru_cache(maxsize=4096)
def registrable_domain(host: str) -> str:
    """The part of a host name a company registers: brightwater.test, example.co.uk,
    group.github.io (a hosting tenant). A leading ``www.`` never counts."""
    labels = _labels(host)
    if not labels:
        return ""
    suffix = public_suffix(".".join(labels)).split(".")
    keep = min(len(labels), len(suffix) + 1)
    return ".".join(labels[-keep:])


def _labels(host: str) -> list[str]:
    name = host.lower().strip(".")
    name = name.removeprefix("www.") if name.count(".") >= 2 else name
    return [label for label in name.split(".") if label]
