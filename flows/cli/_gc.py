"""The garbage collector in a `lookup` process of its own (issue 31).

Importing Prefect builds about a million long-lived objects (pydantic models and schemas,
settings). Python's collector walks them again at every full collection: during the
imports (they trigger two or three), during the run, and once more as the interpreter
tears down, which alone took 0.3-0.4 s of every `lookup research` on 2 cores (two thirds
of the exit of Prefect's own trivial flow). So, in a process the console script started:

- while a research run's start loads Prefect, the flow and the world, nothing is collected
  (``loading``), and what was built is then frozen out of later collections
  (``gc.freeze``): they walk only what the run creates;
- the last exit handler freezes everything left, so the final collection has nothing to
  walk (Prefect's log and event flushes and every other exit handler have run by then;
  Python makes no promise to finalize objects alive at exit anyway).

A program embedding the CLI (a test harness's ``CliRunner``) keeps its collector as it is:
freezing there would keep its garbage for the rest of its life.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
from collections.abc import Iterator

__all__ = ["loading", "own_process"]

_OWN = False


def own_process() -> None:
    """Called first by the console script: this process is the command's own."""
    global _OWN
    _OWN = True
    atexit.register(gc.freeze)  # registered before any of Prefect's: it runs after them


@contextlib.contextmanager
def loading() -> Iterator[None]:
    """No collection while the block loads modules; what it built frozen afterwards."""
    if not _OWN or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()
