"""The one convention every `lookup` command keeps: where words go, and how it exits.

- **stdout carries data only**: the results, one line each as they come in text, or
  with ``--json`` exactly one JSON document (an object, or an array when a command
  gives several results) printed at the end. ``out`` and ``emit``.
- **stderr carries words for the person**: progress, tips, notes, warnings and
  errors (``say``; an error is one ``Error:`` sentence). Prefect's log lines go
  there too.
- **exit codes**: 0 success; 1 a run failed, or some runs of a batch ("Error: 2 of
  40 runs failed"); 2 bad input (nothing was started or written); 130 interrupted
  (Ctrl-C). ``convention`` wraps each command so that every path keeps them.

Every string that may come from the web is made inert first (``lookup.text``): no
terminal escapes, control, bidi or zero-width characters reach the terminal.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from typing import Any, NoReturn, TypeVar

import typer

from flows.runtime import verbose
from lookup.errors import LookupToolError
from lookup.text import inert, inert_data

__all__ = [
    "BAD_INPUT", "FAILED", "INTERRUPTED", "OK", "convention", "emit", "fail", "fail_some",
    "out", "say",
]

OK, FAILED, BAD_INPUT, INTERRUPTED = 0, 1, 2, 130
Command = TypeVar("Command", bound=Callable[..., Any])


def out(text: str = "", end: str = "\n") -> None:
    """One line of data on stdout, inert (names, titles and SMTP replies are untrusted)."""
    print(inert(text), end=end)


def emit(data: Any) -> None:
    """The command's one JSON document on stdout, every string in it made inert."""
    print(json.dumps(inert_data(data), indent=2, ensure_ascii=False, default=str))


def say(message: str) -> None:
    """One line for the person at the terminal, on stderr (stdout may be JSON)."""
    print(inert(message), file=sys.stderr, flush=True)


def fail(message: str, code: int = FAILED) -> NoReturn:
    """One clear sentence on stderr, then exit with ``code``."""
    say(f"Error: {message}")
    raise typer.Exit(code)


def fail_some(failed: int, total: int, noun: str = "run") -> None:
    """Exit 1 with "Error: 2 of 40 runs failed" when any of ``total`` failed."""
    if failed:
        fail(f"{failed} of {total} {noun}{'' if total == 1 else 's'} failed.")


def convention(command: Command) -> Command:
    """Run a command translating the project's errors, crashes and Ctrl-C into the
    convention's sentence and exit code (Typer reads the wrapped signature)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except LookupToolError as exc:
            _trace()
            fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            fail("Interrupted; what finished before is kept, nothing more was started.",
                 INTERRUPTED)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a crash: one sentence here, the traceback with --verbose
            _trace()
            fail(f"The run failed: {type(exc).__name__}: {exc} (run with --verbose for details)")

    return run  # type: ignore[return-value]


def _trace() -> None:
    """The current exception's traceback on stderr, with --verbose only."""
    if verbose():
        traceback.print_exc()
