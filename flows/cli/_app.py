"""The `lookup` Typer app, its sub-commands' apps, and the options several commands share.

The commands register on these apps from one module per group: ``people``
(research, guess, list, show, forget, reverify), ``mail`` (verify, doctor),
``operations`` (server, serve, deploy, import, world, demo). ``flows/cli/__init__.py``
imports them in that order, which is the order of ``lookup --help``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = [
    "AllCandidatesOpt", "BatchOpt", "CandidateOpt", "DryRunOpt", "JsonOpt", "M365Opt",
    "ProxyOpt", "SmtpOpt", "TimeoutOpt", "WAIT_S", "WaitOpt", "WorldOpt", "app", "open_store",
    "server_app", "wait_timeout", "whose", "world_app",
]

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

        from flows.cli._output import out
        from lookup.resources import PROJECT
        from lookup.resources import version as own

        out(f"{PROJECT} {own()} (Prefect {version('prefect')}, Python {platform.python_version()})")
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


JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document instead of text.")]
SmtpOpt = Annotated[
    bool, typer.Option("--smtp", help="Probe the mail servers over SMTP (off by default).")
]
ProxyOpt = Annotated[
    str | None,
    typer.Option(
        "--smtp-proxy",
        help="Send the SMTP probes through this SOCKS5 proxy, e.g. socks5://127.0.0.1:1080 "
        "after `ssh -D 1080 yourserver`, or one named in smtp.proxies (turns --smtp on; "
        "setting smtp.proxy).",
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
TimeoutOpt = Annotated[
    float | None, typer.Option("--timeout", help="How long --wait follows the runs, in seconds "
                               "(default an hour); the runs go on after it.")
]
WAIT_S = 3600.0  # --wait's default --timeout
CandidateOpt = Annotated[
    str | None,
    typer.Option("--candidate", help="Whose research this is: their notes, recruiter, rounds "
                 "and cards are kept apart (default: general.candidate, else "
                 "followup.sender_name, else your user name)."),
]
AllCandidatesOpt = Annotated[
    bool, typer.Option("--all-candidates", help="Every candidate's, not only yours.")
]
DryRunOpt = Annotated[
    bool, typer.Option("--dry-run", help="Check the input and show what would run; run nothing.")
]


def wait_timeout(wait: bool, timeout: float | None) -> float:
    """How long --wait follows the runs; --timeout without --wait is refused, not ignored."""
    from lookup.errors import BadInputError

    if timeout is not None and not wait:
        raise BadInputError("--timeout limits how long --wait follows the runs; give --wait too.")
    if timeout is not None and timeout <= 0:
        raise BadInputError(f"--timeout {timeout:g} is not a number of seconds above 0.")
    return WAIT_S if timeout is None else timeout


def whose(settings: Any, candidate: str | None, all_candidates: bool = False) -> str | None:
    """The candidate a command acts for (a key), or None with --all-candidates."""
    from lookup.errors import BadInputError
    from lookup.settings import default_candidate
    from lookup.slug import candidate_key

    if all_candidates and candidate:
        raise BadInputError("Give --candidate NAME or --all-candidates, not both.")
    return None if all_candidates else candidate_key(candidate or default_candidate(settings))


def open_store(settings: Any) -> Any:
    """The store at the configured database (imported lazily: it pulls in SQLAlchemy)."""
    from lookup.store import Store

    return Store.for_settings(settings)
