"""Reading each part of a world directory: world.toml's tables, search.jsonl, sites/.

Every mistake becomes a ``WorldError`` naming the file and the line or key.
"""

from __future__ import annotations

import ipaddress
import json
import tomllib
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from lookup.errors import WorldError
from lookup.world import _values as check
from lookup.world._model import (
    DEFAULT_TTL,
    DNS_KEYS,
    DNS_RCODES,
    DNS_TYPES,
    FAULT_KEYS,
    LATENCY_KEYS,
    MACHINE_KEYS,
    MAIL_KEYS,
    MAIL_SOFTWARE,
    REDIRECT_KEYS,
    SEARCH_KEYS,
    SERVICES,
    SMTP_KEYS,
    SMTP_STAGES,
    DnsRecords,
    Fault,
    Latency,
    Machine,
    MailDomain,
    Redirect,
    SearchDocument,
    SmtpOptions,
)

__all__ = [
    "parse_dns",
    "parse_fault",
    "parse_latency",
    "parse_machine",
    "parse_mail",
    "parse_max_results",
    "parse_redirect",
    "parse_smtp",
    "read_documents",
    "read_toml",
    "site_hosts",
]

def read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise WorldError(f"The world has no {path.name}: expected the file {path}.")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise WorldError(f"{path} is not valid TOML: {exc}.") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise WorldError(f"{path} could not be read: {exc}.") from exc


def parse_latency(where: str, table: Mapping[str, Any]) -> Latency:
    check.check_keys(where, "[latency_ms]", table, LATENCY_KEYS)
    return Latency(**{k: _millis(where, f"latency_ms.{k}", v) for k, v in table.items()})


def _millis(where: str, key: str, value: Any) -> Any:
    """A number of milliseconds, or a ``[low, high]`` range (each request draws from it)."""
    if not isinstance(value, list):
        return check.non_negative(where, key, value)
    if len(value) != 2:
        raise WorldError(f"{where}: {key} must be a number or [low, high], not {value!r}.")
    low, high = (check.non_negative(where, key, v) for v in value)
    if low > high:
        raise WorldError(f"{where}: {key} is a range [low, high]; {low} is above {high}.")
    return (low, high)


def parse_dns(where: str, table: Mapping[str, Any]) -> dict[str, DnsRecords]:
    zone: dict[str, DnsRecords] = {}
    for raw_name, records in table.items():
        name, label = _entry(where, "dns", raw_name, records, DNS_KEYS)
        listed = partial(_listed, where, label, records)
        zone[name] = DnsRecords(
            a=tuple(check.ip(where, f"{label} a", v, 4) for v in listed("a"))
            if "a" in records
            else None,
            aaaa=tuple(check.ip(where, f"{label} aaaa", v, 6) for v in listed("aaaa")),
            mx=tuple(_mx(where, label, v) for v in listed("mx")),
            txt=listed("txt"),
            ptr=tuple(check.host_name(where, f"{label} ptr", v) for v in listed("ptr")),
            ttl=int(check.non_negative(where, f"{label} ttl", records.get("ttl", DEFAULT_TTL))),
        )
    return zone


def _entry(where: str, section: str, raw_name: str, values: Any, keys: Any) -> tuple[str, str]:
    """Check one ``[section."name"]`` table; its host name and the label errors quote."""
    what = "DNS name" if section == "dns" else "mail domain"
    name = check.host_name(where, f"the {what} {raw_name!r}", raw_name)
    label = f'[{section}."{raw_name}"]'
    if not isinstance(values, Mapping):
        kind = "a table of records" if section == "dns" else "a table"
        raise WorldError(f"{where}: {label} must be {kind}.")
    _no_dotted_name(where, section, raw_name, values)
    check.check_keys(where, label, values, keys)
    return name, label


def _listed(where: str, label: str, table: Mapping[str, Any], key: str) -> tuple[str, ...]:
    return check.strings(where, f"{label} {key}", table.get(key, []))


def _flag(where: str, label: str, table: Mapping[str, Any], key: str) -> bool:
    return check.typed(where, f"{label} {key}", table.get(key, False), bool)


def _no_dotted_name(where: str, section: str, name: str, values: Mapping[str, Any]) -> None:
    """Catch [mail.acme.test]: TOML reads the unquoted dots as nested tables."""
    if not any(isinstance(value, Mapping) for value in values.values()):
        return
    dotted = _first_leaf_path(name, values)
    raise WorldError(
        f"{where}: [{section}.{dotted}] is read by TOML as nested tables; write the name in "
        f'double quotes: [{section}."{dotted}"].'
    )


def _first_leaf_path(name: str, values: Mapping[str, Any]) -> str:
    for key, value in values.items():
        if isinstance(value, Mapping):
            return _first_leaf_path(f"{name}.{key}", value)
    return name


def _mx(where: str, label: str, value: str) -> tuple[int, str]:
    preference, _, host = value.strip().partition(" ")
    host = host.strip().lower()
    if not preference.isdigit() or not host or int(preference) > 65535:
        raise WorldError(
            f'{where}: {label} mx holds {value!r}; write "PREFERENCE HOST", '
            f'e.g. "10 mx1.acme.test" (or "0 ." for a null MX).'
        )
    return int(preference), host if host == "." else host.rstrip(".")


def parse_mail(where: str, table: Mapping[str, Any]) -> dict[str, MailDomain]:
    domains: dict[str, MailDomain] = {}
    for raw_domain, options in table.items():
        domain, label = _entry(where, "mail", raw_domain, options, MAIL_KEYS)
        boxes = check.strings(where, f"{label} mailboxes", options.get("mailboxes", []))
        flag = partial(_flag, where, label, options)
        wait = options.get("greylist_seconds", 0)
        limit = options.get("max_rcpts_per_session", 0)
        domains[domain] = MailDomain(
            domain=domain,
            mailboxes=frozenset(_local_part(box, domain) for box in boxes),
            catch_all=flag("catch_all"),
            greylist=flag("greylist"),
            greylist_seconds=float(check.non_negative(where, f"{label} greylist_seconds", wait)),
            helo=check.choice(where, f"{label} helo", options.get("helo", "any"),
                              ("any", "fqdn", "known")) or "any",
            sender=check.choice(where, f"{label} sender", options.get("sender", "any"),
                                ("any", "known")) or "any",
            null_sender=check.typed(where, f"{label} null_sender",
                                    options.get("null_sender", True), bool),
            max_rcpts_per_session=int(check.non_negative(
                where, f"{label} max_rcpts_per_session", check.typed(
                    where, f"{label} max_rcpts_per_session", limit, int))),
            software=check.choice(where, f"{label} software", options.get("software", "postfix"),
                                  MAIL_SOFTWARE) or "postfix",
        )
    return domains


def parse_machine(where: str, table: Mapping[str, Any]) -> Machine | None:
    """The ``[machine]`` table: this machine's public IP as the world sees it, or None."""
    if not table:
        return None
    check.check_keys(where, "[machine]", table, MACHINE_KEYS)
    if "public_ip" not in table:
        raise WorldError(f"{where}: [machine] needs public_ip, the address the world's echo "
                         'answers (a documentation address such as "203.0.113.25").')
    raw = check.typed(where, "machine.public_ip", table["public_ip"], str)
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        raise WorldError(f"{where}: machine.public_ip {raw!r} is not an IP address.") from None
    if not (ip.is_loopback or any(ip in net for net in DOCUMENTATION_NETS)):
        raise WorldError(
            f"{where}: machine.public_ip {raw!r} must be a documentation address (192.0.2.x, "
            "198.51.100.x, 203.0.113.x, 2001:db8::) or loopback, so a world never names a "
            "real machine."
        )
    reverse = table.get("reverse_dns", "")
    return Machine(
        public_ip=str(ip),
        reverse_dns=check.host_name(where, "machine.reverse_dns", reverse) if reverse else "",
        listed_on=tuple(check.host_name(where, "machine.listed_on", zone) for zone in
                        check.strings(where, "machine.listed_on", table.get("listed_on", []))),
    )


# RFC 5737 (IPv4) and RFC 3849 (IPv6): addresses reserved for documentation, never routed.
DOCUMENTATION_NETS = tuple(ipaddress.ip_network(n) for n in (
    "192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32",
))


def _local_part(box: str, domain: str) -> str:
    # "jane.doe" and "jane.doe@acme.test" both name the same mailbox.
    local, at, box_domain = box.strip().lower().rpartition("@")
    return local if at and box_domain == domain else box.strip().lower()


def parse_fault(where: str, index: int, item: Mapping[str, Any]) -> Fault:
    label = f"[[fault]] number {index + 1}"
    service = item.get("service", "http")
    if service not in SERVICES:
        raise WorldError(
            f"{where}: {label} has service {service!r}; use one of {', '.join(SERVICES)}."
        )
    check.check_keys(where, f"{label} (service {service!r})", item, FAULT_KEYS[service])
    fault = Fault(
        service=service,
        host=check.host_name(where, f"{label} host", item["host"]) if "host" in item else None,
        path=check.typed(where, f"{label} path", item["path"], str) if "path" in item else None,
        query=check.typed(where, f"{label} query", item["query"], str) if "query" in item else None,
        type=check.choice(where, f"{label} type", item.get("type"), DNS_TYPES),
        stage=check.choice(where, f"{label} stage", item.get("stage"), SMTP_STAGES)
        or ("rcpt" if "host" in item and service == "smtp" else "banner"),
        status=check.status(where, f"{label} status", item["status"]) if "status" in item else None,
        rcode=check.choice(where, f"{label} rcode", item.get("rcode"), DNS_RCODES),
        retry_after=int(check.non_negative(where, f"{label} retry_after", item["retry_after"]))
        if "retry_after" in item
        else None,
        reply=_smtp_reply(where, f"{label} reply", item["reply"]) if "reply" in item else None,
        delay_ms=int(check.non_negative(where, f"{label} delay_ms", item.get("delay_ms", 0))),
        reset=check.typed(where, f"{label} reset", item.get("reset", False), bool),
        drop=check.typed(where, f"{label} drop", item.get("drop", False), bool),
        times=int(check.non_negative(where, f"{label} times", item["times"]))
        if "times" in item
        else None,
        index=index,
        drip_bytes_per_s=int(check.non_negative(where, f"{label} drip_bytes_per_s",
                                                item["drip_bytes_per_s"]))
        if "drip_bytes_per_s" in item else None,
        chunked=check.typed(where, f"{label} chunked", item.get("chunked", False), bool),
        content_length=int(check.non_negative(where, f"{label} content_length",
                                              item["content_length"]))
        if "content_length" in item else None,
        body=_fault_body(where, label, item),
        headers=_headers(where, f"{label} headers", item.get("headers", {})),
    )
    if (fault.body is not None or fault.headers) and not fault.status:
        raise WorldError(
            f"{where}: {label} gives a body or headers but no status; they are what the "
            "forced status answers with (e.g. status = 403 with a bot-challenge page)."
        )
    effects = (fault.status, fault.rcode, fault.reply, fault.delay_ms, fault.reset, fault.drop,
               fault.drip_bytes_per_s, fault.chunked, fault.content_length is not None)
    if not any(effects):
        raise WorldError(
            f"{where}: {label} does nothing; give it status, delay_ms or reset (HTTP faults "
            f"also: drip_bytes_per_s, chunked, content_length) (DNS faults: rcode, drop or delay_ms; SMTP faults: reply, delay_ms or reset)."
        )
    if fault.service == "smtp" and fault.host is not None and fault.stage != "rcpt":
        raise WorldError(
            f"{where}: {label} names the mail domain {fault.host!r}, so it can only act at "
            f'stage "rcpt" (the server learns the domain from RCPT TO); drop host to break '
            f"the {fault.stage} stage for every domain."
        )
    if fault.service == "http" and fault.host is None:
        raise WorldError(f"{where}: {label} needs a host (the site it breaks).")
    return fault


def _fault_body(where: str, label: str, item: Mapping[str, Any]) -> bytes | None:
    """The body a forced status answers with: ``body`` text, or ``body_file`` in the world."""
    if "body" in item and "body_file" in item:
        raise WorldError(f"{where}: {label} gives both body and body_file; keep one.")
    if "body" in item:
        return check.typed(where, f"{label} body", item["body"], str).encode()
    if "body_file" not in item:
        return None
    name = check.typed(where, f"{label} body_file", item["body_file"], str)
    root = Path(where).parent.resolve()
    path = (root / name).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise WorldError(
            f"{where}: {label} body_file {name!r} must name a file inside the world folder "
            f"({root})."
        )
    return path.read_bytes()


def _headers(where: str, key: str, value: Any) -> tuple[tuple[str, str], ...]:
    """Extra response headers, a table of names to strings ({"Server" = "cloudflare"})."""
    if not isinstance(value, Mapping):
        raise WorldError(f'{where}: {key} must be a table, e.g. {{ "Server" = "cloudflare" }}.')
    found = []
    for name, text in value.items():
        text = check.typed(where, f"{key}.{name}", text, str)
        if not name or any(c in name + text for c in "\r\n") or ":" in name:
            raise WorldError(f"{where}: {key} has a header {name!r} that is not a valid header.")
        found.append((name, text))
    return tuple(found)


def _smtp_reply(where: str, key: str, value: Any) -> str:
    text = check.typed(where, key, value, str).strip()
    if not text.isascii():  # a server may send UTF-8 only after SMTPUTF8, which the world lacks
        raise WorldError(
            f"{where}: {key} {value!r} is not ASCII; the world's SMTP server does not offer "
            "SMTPUTF8, so its replies are ASCII (write the reply without accents)."
        )
    if len(text) < 5 or not text[:3].isdigit() or text[0] not in "2345" or text[3] != " ":
        raise WorldError(
            f'{where}: {key} must be an SMTP reply line such as "421 4.3.2 Service not available", '
            f"not {value!r}."
        )
    return text


def parse_redirect(where: str, index: int, item: Mapping[str, Any]) -> Redirect:
    label = f"[[redirect]] number {index + 1}"
    check.check_keys(where, label, item, REDIRECT_KEYS)
    for key in ("host", "to"):
        if key not in item:
            raise WorldError(f"{where}: {label} needs {key}.")
    status = check.status(where, f"{label} status", item.get("status", 301))
    if status not in (301, 302, 303, 307, 308):
        raise WorldError(
            f"{where}: {label} status must be 301, 302, 303, 307 or 308, not {status}."
        )
    return Redirect(
        host=check.host_name(where, f"{label} host", item["host"]),
        path=check.typed(where, f"{label} path", item.get("path", "/"), str),
        to=check.typed(where, f"{label} to", item["to"], str),
        status=status,
    )


def parse_max_results(where: str, table: Mapping[str, Any]) -> int:
    check.check_keys(where, "[search]", table, SEARCH_KEYS)
    value = check.typed(where, "search.max_results", table.get("max_results", 10), int)
    if value < 1:
        raise WorldError(f"{where}: search.max_results must be at least 1, not {value}.")
    return value


def parse_smtp(where: str, table: Mapping[str, Any]) -> SmtpOptions:
    check.check_keys(where, "[smtp]", table, SMTP_KEYS)
    return SmtpOptions(
        starttls=check.typed(where, "smtp.starttls", table.get("starttls", False), bool),
        hostname=check.host_name(where, "smtp.hostname", table.get("hostname", "mx.world.test")),
        pipelining=check.typed(where, "smtp.pipelining", table.get("pipelining", True), bool),
    )


# -- search.jsonl and sites/ ---------------------------------------------


def read_documents(path: Path) -> tuple[SearchDocument, ...]:
    if not path.exists():
        return ()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise WorldError(f"{path} could not be read: {exc}.") from exc
    numbered = enumerate(lines, 1)
    return tuple(_document(path, number, line) for number, line in numbered if line.strip())


def _document(path: Path, number: int, line: str) -> SearchDocument:
    where = f"{path} line {number}"
    try:
        item = json.loads(line)
    except json.JSONDecodeError as exc:
        raise WorldError(f"{where} is not valid JSON: {exc.msg} (column {exc.colno}).") from exc
    if not isinstance(item, dict):
        raise WorldError(f"{where} must be a JSON object with title, url and snippet.")
    unknown = sorted(set(item) - {"title", "url", "snippet"})
    if unknown:
        raise WorldError(
            f"{where}: unknown key {unknown[0]!r}; a document has title, url and snippet."
        )
    for key in ("title", "url"):
        if not isinstance(item.get(key), str) or not item[key].strip():
            raise WorldError(f"{where}: {key} must be a non-empty string.")
    snippet = item.get("snippet", "")
    if not isinstance(snippet, str):
        raise WorldError(f"{where}: snippet must be a string.")
    parts = urlsplit(item["url"])
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WorldError(f"{where}: url {item['url']!r} must be an absolute http(s) URL.")
    return SearchDocument(title=item["title"], url=item["url"], snippet=snippet)


def site_hosts(sites: Path) -> frozenset[str]:
    if not sites.is_dir():
        return frozenset()
    hosts = {entry.name for entry in sites.iterdir() if entry.is_dir()}
    upper = sorted(h for h in hosts if h != h.lower())
    if upper:
        raise WorldError(f"{sites}: site folder {upper[0]!r} must be written in lower case.")
    return frozenset(hosts)
