"""`lookup demo`: the research flow on the shipped demo world, then the card."""

from __future__ import annotations

from typing import Annotated

import typer

from flows._cli import JsonOpt, app, emit, guarded, out, print_summary
from flows.runtime import stderr

__all__ = ["demo"]


@app.command()
def demo(
    path: Annotated[bool, typer.Option(
        "--path", help="Print the demo world's folder (for `lookup research --world`) and exit.",
    )] = False,
    as_json: JsonOpt = False,
) -> None:
    """Research Dana Okafor in the demo world that ships with the tool, and print her card."""
    from flows.demo import demo_world, run_demo

    if path:
        out(str(guarded(demo_world)))
        return
    summary, card = guarded(run_demo)
    if as_json:
        emit(summary | {"card_text": card})
        return
    print_summary(summary)
    out()
    out("----- the briefing card -----")
    print(card, end="")  # the card is inert Markdown already (its zero-width marks kept)
    stderr(f"The card is in {summary['card']}; `lookup show \"Dana Okafor\"` prints it again.")
