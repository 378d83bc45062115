"""Small checks for world.toml values; each failure is a WorldError naming file and key."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from lookup.errors import WorldError

__all__ = [
    "check_keys",
    "choice",
    "host_name",
    "ip",
    "list_of_tables",
    "non_negative",
    "status",
    "strings",
    "table",
    "typed",
]


def check_keys(where: str, table: str, values: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise WorldError(
            f"{where}: unknown key {unknown[0]!r} in {table}; "
            f"the keys allowed there are {', '.join(allowed)}."
        )


def table(where: str, config: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = config.get(key, {})
    if not isinstance(value, Mapping):
        raise WorldError(f"{where}: {key} must be a table, written [{key}].")
    return value


def list_of_tables(where: str, config: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
    value = config.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise WorldError(f"{where}: {key} must be an array of tables, written [[{key}]].")
    return value


def typed(where: str, key: str, value: Any, kind: type | tuple[type, ...]) -> Any:
    # bool is an int subclass in Python; a number field must not accept true/false.
    kinds = kind if isinstance(kind, tuple) else (kind,)
    wrong_bool = isinstance(value, bool) and bool not in kinds
    if wrong_bool or not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise WorldError(f"{where}: {key} must be a {names}, not {value!r}.")
    return value


def non_negative(where: str, key: str, value: Any) -> Any:
    if typed(where, key, value, (int, float)) < 0:
        raise WorldError(f"{where}: {key} must not be negative, not {value!r}.")
    return value


def strings(where: str, key: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise WorldError(f"{where}: {key} must be a list of strings, not {value!r}.")
    return tuple(value)


def host_name(where: str, key: str, value: Any) -> str:
    host = typed(where, key, value, str).strip().lower().rstrip(".")
    if not host or any(c.isspace() or c in "/:@" for c in host):
        raise WorldError(
            f"{where}: {key} must be a host name such as www.acme.test, not {value!r}."
        )
    return host


def ip(where: str, key: str, value: str, version: int) -> str:
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        address = None
    if address is None or address.version != version:
        raise WorldError(f"{where}: {key} holds {value!r}, which is not an IPv{version} address.")
    return str(address)


def choice(where: str, key: str, value: Any, allowed: tuple[str, ...]) -> str | None:
    if value is None:
        return None
    text = typed(where, key, value, str)
    normalised = text.upper() if allowed[0].isupper() else text.lower()
    if normalised not in allowed:
        raise WorldError(f"{where}: {key} is {value!r}; use one of {', '.join(allowed)}.")
    return normalised


def status(where: str, key: str, value: Any) -> int:
    if not 100 <= typed(where, key, value, int) <= 599:
        raise WorldError(
            f"{where}: {key} must be an HTTP status between 100 and 599, not {value!r}."
        )
    return value
