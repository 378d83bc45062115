"""The `lookup` command line, arranged by noun: find a command's code from its name.

| module | commands |
|---|---|
| ``people`` | ``research`` (one, a panel, ``--batch``), ``guess``, ``list``, ``show``, ``forget``, ``reverify`` |
| ``mail`` | ``verify``, ``doctor`` |
| ``operations`` | ``server start/stop/status``, ``serve``, ``deploy``, ``import``, ``world serve``, ``demo`` |

Beside them, private helpers: ``_app`` (the Typer apps and shared options),
``_output`` (the convention every command keeps: stdout data, stderr words, one
JSON document, exit codes 0/1/2/130), ``_runs`` (starting research runs and
reporting batches). The console script ``lookup`` is ``main``.
"""

from __future__ import annotations

import sys

from flows.cli._app import app

# isort: off
# The command modules register on ``app`` when imported, in the order --help lists them.
from flows.cli import people  # noqa: F401, E402
from flows.cli import mail  # noqa: F401, E402
from flows.cli import operations  # noqa: F401, E402
# isort: on

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    from flows import _gc
    from flows.runtime import no_sdk_telemetry

    no_sdk_telemetry()  # before anything imports Prefect
    _gc.own_process()
    try:
        app()
    except BrokenPipeError:  # `lookup list | head`
        sys.stderr.close()
