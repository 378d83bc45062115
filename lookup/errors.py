"""The project's one exception tree.

Everything the tool raises on purpose derives from ``LookupToolError`` (not
``LookupError``, which is a builtin)::

    LookupToolError
     ├── BadInputError          the user's input cannot be used (CLI exit code 2)
     │    ├── InvalidNameError     empty, absurd or control-character names
     │    └── InvalidDomainError   a domain that is not a domain
     ├── ConfigError            a settings file or variable is wrong
     ├── WorldError             a world directory breaks the documented format
     ├── OfflineError           neither DNS nor the search engine answers: no network
     ├── ProbeRefusedError      SMTP probing refused: this machine's IP is on a DNS blocklist
     ├── SearchError            a search backend failed after its retries
     │    └── SearchBudgetError    the run's query budget is spent
     ├── StoreError             the database cannot be opened or migrated
     │    └── ForgottenError       the person was forgotten while a run was researching them
     └── ServerError            the local Prefect server could not be managed

"No results", "no MX", "mailbox refused", "robots.txt disallows" are results
with a reason, never exceptions. Third-party errors are translated at one
boundary with ``raise ... from exc``. Messages are sentences a user can act on.
"""

from __future__ import annotations

__all__ = [
    "BadInputError",
    "ConfigError",
    "ForgottenError",
    "InvalidDomainError",
    "InvalidNameError",
    "LookupToolError",
    "OfflineError",
    "ProbeRefusedError",
    "SearchBudgetError",
    "SearchError",
    "ServerError",
    "StoreError",
    "WorldError",
]


class LookupToolError(Exception):
    """Base of every error this project raises on purpose."""

    exit_code = 1


class BadInputError(LookupToolError):
    """The user's input cannot be used as given."""

    exit_code = 2


class InvalidNameError(BadInputError):
    """A person's name is empty, absurdly long or contains control characters."""


class InvalidDomainError(BadInputError):
    """A domain name is not a syntactically valid domain."""


class ConfigError(LookupToolError):
    """A settings file or LOOKUP_* variable has a wrong value."""

    exit_code = 2


class WorldError(LookupToolError):
    """A world directory does not follow the documented format."""

    exit_code = 2


class OfflineError(LookupToolError):
    """Neither DNS nor the search engine answers: there is no network to research with."""


class ProbeRefusedError(LookupToolError):
    """SMTP probing will not start: this machine's public IP is on a DNS blocklist today."""


class SearchError(LookupToolError):
    """A search backend failed even after retrying."""


class SearchBudgetError(SearchError):
    """The research run has used all of its search queries."""


class StoreError(LookupToolError):
    """The database could not be opened, migrated or written."""


class ServerError(LookupToolError):
    """The local Prefect server could not be started, reached or stopped."""


class ForgottenError(StoreError):
    """The person was forgotten (``lookup forget``) after this run began: it writes nothing."""
