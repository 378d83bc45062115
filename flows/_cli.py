"""Shared pieces of the `lookup` command line: the Typer apps, options, errors and output.

``flows.cli`` holds the commands about people; ``flows.cli_ops`` the ones that
run the machinery (server, serve, import, worlds). Both register on ``app``.
"""

from __future__ import annotations

import json
import os
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from flows.runtime import stderr, verbose
from lookup.errors import BadInputError, LookupToolError
from lookup.text import inert, inert_data

app = typer.Typer(
    name="lookup",
    help="Research an interviewer, infer and verify their work address, write a briefing card.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
server_app = typer.Typer(
    help="Manage the local Prefect server that makes runs fast.", no_args_is_help=True
)
world_app = typer.Typer(
    help="Offline worlds: a web, search engine, DNS and mail on loopback.", no_args_is_help=True
)
app.add_typer(server_app, name="server")
app.add_typer(world_app, name="world")


def print_version(value: bool) -> None:
    """`lookup --version`: this tool's version, and Prefect's and Python's for bug reports."""
    if value:
        import platform
        from importlib.metadata import version

        from lookup.resources import PROJECT
        from lookup.resources import version as own

        print(f"{PROJECT} {own()} (Prefect {version('prefect')}, Python {platform.python_version()})")
        raise typer.Exit()


@app.callback()
def global_options(
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v",
                     help="Show full tracebacks, and Prefect's log lines about a failure."),
    ] = False,
    version: Annotated[bool, typer.Option(
        "--version", callback=print_version, is_eager=True, help="Print the version and exit.",
    )] = False,
) -> None:
    """Research an interviewer, infer and verify their work address, write a briefing card."""
    if verbose:
        os.environ["LOOKUP_LOG_LEVEL"] = "DEBUG"  # this process and the flows it runs

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]
SmtpOpt = Annotated[
    bool, typer.Option("--smtp", help="Probe the mail servers over SMTP (off by default).")
]
ProxyOpt = Annotated[
    str | None,
    typer.Option(
        "--smtp-proxy",
        help="Send the SMTP probes through this SOCKS5 proxy, e.g. socks5://127.0.0.1:1080 "
        "after `ssh -D 1080 yourserver` (turns --smtp on; setting smtp.proxy).",
    ),
]
M365Opt = Annotated[
    bool,
    typer.Option(
        "--m365-https",
        help="For Microsoft 365 domains, also check the OneDrive personal site over HTTPS "
        "(works without port 25; setting m365.enabled).",
    ),
]
WorldOpt = Annotated[
    str | None,
    typer.Option("--world", help="Run against an offline world directory (or LOOKUP_WORLD)."),
]
BatchOpt = Annotated[
    Path | None,
    typer.Option("--batch", help="A CSV file of interviews (columns as the options): one run "
                 "per row, on the deployment when one is registered."),
]
WaitOpt = Annotated[
    bool, typer.Option("--wait", help="With a deployment: follow the runs until they finish.")
]


def fail(message: str, code: int = 1) -> NoReturn:
    """One clear sentence on stderr, then exit."""
    stderr(f"Error: {message}")
    raise typer.Exit(code)


def guarded(action: Callable[[], Any]) -> Any:
    """Run ``action`` translating the project's errors into their exit codes."""
    try:
        return action()
    except LookupToolError as exc:
        _trace()
        fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        fail("Interrupted; nothing more was written.", 1)
    except (typer.Exit, SystemExit):
        raise
    except Exception as exc:  # a crash: one sentence here, the traceback with --verbose
        _trace()
        fail(f"The run failed: {type(exc).__name__}: {exc} (run with --verbose for details)", 1)


def _trace() -> None:
    """The current exception's traceback on stderr, with --verbose only."""
    if verbose():
        traceback.print_exc()


def emit(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout, every string made inert first."""
    print(json.dumps(inert_data(data), indent=2, ensure_ascii=False, default=str))


def out(text: str = "", end: str = "\n") -> None:
    """One line for the person at the terminal: no escapes, control or bidi characters from
    the web reach it (names, titles and SMTP replies are untrusted text)."""
    print(inert(text), end=end)


def check_world(world: str | None) -> None:
    """BadInputError when ``--world`` names a directory that does not exist."""
    if world and not Path(world).expanduser().is_dir():
        raise BadInputError(f"The world directory {world} does not exist.")


def open_store(settings: Any) -> Any:
    """The store at the configured database (imported lazily: it pulls in SQLAlchemy)."""
    from lookup.store import Store

    return Store.open(settings.database_url)


def print_summary(summary: dict[str, Any]) -> None:
    """The few lines `lookup research` prints about one finished run."""
    from lookup.card.render import percent

    email = summary.get("email")
    out(f"{summary['name']} — {summary.get('title') or 'title not found'}, {summary['company']}")
    if summary.get("site_domain"):
        out(f"Web site: {summary['site_domain']}; mail domain: {summary.get('domain') or 'not found'}")
    else:
        out(f"Domain: {summary.get('domain') or 'not found'}")
    if email:
        out(f"Address: {email['address']} ({percent(email['probability'])}, {email['status']})")
        for alt in summary.get("alternatives", [])[:3]:
            out(f"  or {alt['address']} ({percent(alt['probability'])}, {alt['status']})")
    else:
        out("Address: none found (the card says why)")
    out(f"Card: {summary['card']}")
    if summary.get("reminder"):
        out(f"Reminder: {summary['reminder']} (open it to add the follow-up deadline to your calendar)")
