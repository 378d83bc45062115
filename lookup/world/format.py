"""The offline world format: read and check a world directory into frozen records.

A world is ``world.toml`` + ``search.jsonl`` + ``sites/<host>/...`` (see
docs/world.md). ``load_world(path)`` is the one place that reads those files;
every mistake becomes a ``WorldError`` whose message names the file and the
line or key, so the author can fix it.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

from lookup.errors import WorldError
from lookup.world import _values as check
from lookup.world._model import (
    DNS_KEYS,
    FAULT_KEYS,
    LATENCY_KEYS,
    MACHINE_KEYS,
    MAIL_KEYS,
    REDIRECT_KEYS,
    SEARCH_KEYS,
    SMTP_KEYS,
    TOP_KEYS,
    DnsRecords,
    Fault,
    Latency,
    Machine,
    MailDomain,
    Redirect,
    SearchDocument,
    SmtpOptions,
    World,
)
from lookup.world._sections import (
    parse_dns,
    parse_fault,
    parse_latency,
    parse_machine,
    parse_mail,
    parse_max_results,
    parse_redirect,
    parse_smtp,
    read_documents,
    read_toml,
    site_hosts,
)

__all__ = [
    "DNS_KEYS",
    "FAULT_KEYS",
    "LATENCY_KEYS",
    "MACHINE_KEYS",
    "MAIL_KEYS",
    "REDIRECT_KEYS",
    "SEARCH_KEYS",
    "SMTP_KEYS",
    "TOP_KEYS",
    "DnsRecords",
    "Fault",
    "Latency",
    "Machine",
    "MailDomain",
    "Redirect",
    "SearchDocument",
    "SmtpOptions",
    "World",
    "load_world",
]


def load_world(path: str | Path) -> World:
    """Read a world directory, or raise WorldError naming the file and line or key."""
    directory = Path(path).expanduser().resolve()
    if not directory.is_dir():
        raise WorldError(f"The world directory {directory} does not exist.")
    toml_path = directory / "world.toml"
    config = read_toml(toml_path)
    where = str(toml_path)
    check.check_keys(where, "the top level", config, TOP_KEYS)
    redirects = check.list_of_tables(where, config, "redirect")
    faults = check.list_of_tables(where, config, "fault")
    return World(
        name=check.typed(where, "name", config.get("name", directory.name), str),
        description=check.typed(where, "description", config.get("description", ""), str),
        directory=directory,
        latency=parse_latency(where, check.table(where, config, "latency_ms")),
        dns=MappingProxyType(parse_dns(where, check.table(where, config, "dns"))),
        mail=MappingProxyType(parse_mail(where, check.table(where, config, "mail"))),
        faults=tuple(parse_fault(where, i, item) for i, item in enumerate(faults)),
        redirects=tuple(parse_redirect(where, i, item) for i, item in enumerate(redirects)),
        documents=read_documents(directory / "search.jsonl"),
        site_hosts=site_hosts(directory / "sites"),
        max_results=parse_max_results(where, check.table(where, config, "search")),
        smtp=parse_smtp(where, check.table(where, config, "smtp")),
        machine=parse_machine(where, check.table(where, config, "machine")),
    )
