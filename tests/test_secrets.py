"""Secrets are never shown: a database URL SQLAlchemy cannot parse, a proxy's user and password
in labels, keys and errors. (The team test greps files, logs and databases after real runs.)"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from flows.cli import app
from lookup.errors import BadInputError, ConfigError, StoreError
from lookup.mail.portcheck import PortCheck
from lookup.mail.smtpconnect import SmtpRoute, parse_proxy
from lookup.store import Store
from lookup.store.engine import redacted

PASSWORD = "S3cretPW"


@pytest.mark.parametrize("url, shown", [
    ("postgresql+psycopg://alice:S3cretPW@db.internal:5432/lookup",
     "postgresql+psycopg://alice:***@db.internal:5432/lookup"),
    ("postgresql+psycopg://alice:S3cretPW@db.internal:notaport/lookup",
     "postgresql+psycopg://alice:***@db.internal:notaport/lookup"),
    ("postgresql://alice:S3cr@tPW@db.internal/lookup", "postgresql://alice:***@db.internal/lookup"),
    ("sqlite:///data/lookup.db", "sqlite:///data/lookup.db"),
])
def test_a_database_url_is_shown_without_its_password(url, shown):
    """redacted() hides the password whether SQLAlchemy parses the URL or not, and an '@' left
    unescaped in a password does not leave half of it in the host."""
    assert redacted(url) == shown


def test_an_unparsable_store_url_is_said_without_its_password():
    """Opening a store at a URL with a bad port says what to write, never the password."""
    with pytest.raises(StoreError) as refused:
        Store.open("postgresql+psycopg://alice:S3cretPW@db.internal:notaport/lookup")
    assert PASSWORD not in str(refused.value)
    assert "postgresql+psycopg://alice:***@db.internal:notaport/lookup" in str(refused.value)


def test_the_cli_says_a_bad_database_url_without_its_password(monkeypatch):
    """`lookup list` with a broken LOOKUP_DATABASE_URL: one sentence, no password, exit 1."""
    monkeypatch.setenv("LOOKUP_DATABASE_URL",
                       "postgresql+psycopg://alice:S3cretPW@db.internal:notaport/lookup")
    done = CliRunner().invoke(app, ["list"])
    assert done.exit_code == 1 and done.stderr.startswith("Error: The database URL")
    assert PASSWORD not in done.output


def test_an_unparsable_prefect_database_url_is_said_without_its_password():
    """`lookup server start --postgres URL` refuses a URL it cannot read without echoing it."""
    from flows.serverdb import prefect_database_url

    with pytest.raises(BadInputError) as refused:
        prefect_database_url("postgresql://prefect:S3cretPW@db.internal:notaport/prefect")
    assert PASSWORD not in str(refused.value)


def test_a_proxy_is_shown_as_its_address_only():
    """Labels, the day file's key and a malformed proxy's error show host and port, never the
    user or password."""
    route = SmtpRoute(f"socks5://alice:{PASSWORD}@127.0.0.1:1080")
    assert route.shown == "socks5://127.0.0.1:1080"
    assert route.label == "through the proxy socks5://127.0.0.1:1080"
    check = PortCheck(port=25, timeout_s=1, route=route, machine="worker-a")
    assert check.key == "worker-a socks5://127.0.0.1:1080 port 25"
    with pytest.raises(ConfigError) as refused:
        parse_proxy(f"socks5://alice:{PASSWORD}@127.0.0.1")  # no port
    assert PASSWORD not in str(refused.value) and "alice" not in str(refused.value)


def test_a_proxy_password_on_the_command_line_is_refused_before_anything_starts():
    """`lookup research --smtp-proxy socks5://user:password@…` exits 2 saying where the password
    goes instead; nothing is started, so nothing records it."""
    done = CliRunner().invoke(app, ["research", "Dana Okafor", "--company", "Brightwater",
                                    "--smtp-proxy", f"socks5://alice:{PASSWORD}@127.0.0.1:1080"])
    assert done.exit_code == 2 and PASSWORD not in done.output
    assert "give --smtp-proxy NAME" in done.stderr
