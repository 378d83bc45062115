"""Run extraction over every saved page under a folder and print what it found and how fast.

    python bench/extract.py DIR [--json]

Each .html/.htm file under DIR (recursively) is decoded with ``decode_html`` (no
Content-Type header, so BOM, <meta> and the UTF-8/windows-1252 fallback decide)
and passed to ``extract``. Failures must be 0; times are wall-clock, for
comparing runs on the same machine, not thresholds.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lookup.web.extract import decode_html, extract  # noqa: E402


def _url_for(path: Path, root: Path) -> str:
    """A plausible URL for a saved page: sites/<host>/<path> becomes https://<host>/<path>."""
    rel = path.relative_to(root).as_posix()
    return f"https://{rel}" if "." in rel.split("/", 1)[0] else f"https://pages.test/{rel}"


def run(root: Path) -> dict:
    """Extract every page under ``root``; return the figures."""
    files = sorted(p for p in root.rglob("*") if p.suffix.lower() in (".html", ".htm"))
    totals = {"emails": 0, "people": 0, "links": 0, "jsonld": 0, "titles": 0}
    failures: list[str] = []
    slowest = ("", 0.0)
    started = time.perf_counter()
    for path in files:
        begun = time.perf_counter()
        try:
            facts = extract(decode_html(path.read_bytes(), ""), _url_for(path, root))
        except Exception as exc:  # a benchmark counts every crash instead of stopping
            failures.append(f"{path}: {type(exc).__name__}: {exc}")
            continue
        took = time.perf_counter() - begun
        slowest = max(slowest, (str(path.relative_to(root)), took), key=lambda s: s[1])
        totals["emails"] += len(facts.emails)
        totals["people"] += len(facts.people)
        totals["links"] += len(facts.links)
        totals["jsonld"] += len(facts.jsonld)
        totals["titles"] += bool(facts.title)
    return {
        "pages": len(files),
        "failures": len(failures),
        "failed": failures,
        "slowest_page": slowest[0],
        "slowest_s": round(slowest[1], 4),
        "total_s": round(time.perf_counter() - started, 3),
        **totals,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.dir.is_dir():
        print(f"{args.dir} is not a folder of saved pages.", file=sys.stderr)
        return 2
    figures = run(args.dir)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"pages     {figures['pages']}")
        print(f"failures  {figures['failures']}")
        for failure in figures["failed"]:
            print(f"  {failure}")
        print(f"slowest   {figures['slowest_page']} ({figures['slowest_s'] * 1000:.1f} ms)")
        print(f"total     {figures['total_s']:.2f} s")
        print(f"found     {figures['emails']} addresses, {figures['people']} people, "
              f"{figures['links']} profile/talk/paper/post links, {figures['jsonld']} JSON-LD "
              f"objects, {figures['titles']} titles")
    return 1 if figures["failures"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
