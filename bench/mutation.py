"""Mutation testing of the pure core, one module at a time: `python bench/mutation.py [MODULE ...]`.

mutmut (configured under `[tool.mutmut]` in pyproject.toml: the modules and the tests that
cover them) changes one operator, constant or condition at a time and runs the tests that
cover the changed function. This script runs it module by module (`mutmut run "MODULE.x*"`,
so a 2-core machine can be given one module at a time), times each module, and prints per
module: mutants, killed (timeouts included, counted apart too), survived, no tests,
equivalent (listed with a reason in docs/testing.md, left out of the score) and the score
killed / (mutants - equivalent).

    python bench/mutation.py                      # every module (tens of minutes)
    python bench/mutation.py lookup.mail.syntax   # one module (dotted name or last part)
    python bench/mutation.py --survivors syntax   # re-run its last survivors (and unrun ones)
    python bench/mutation.py --report-only --show 5

Results stay in mutants/ (mutmut's `.meta` files, and bench-times.json for the times), so
`--report-only` prints the last figures of every module without running anything. A
benchmark, not a CI gate.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
import tomllib
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")
MUTANTS = ROOT / "mutants"
TIMES = MUTANTS / "bench-times.json"
EQUIVALENT_DOC = ROOT / "docs" / "testing.md"
# mutmut 3's exit codes of a mutant's test run, by what they mean (mutmut.stats)
KILLED, SURVIVED, NO_TESTS, TIMEOUT = {1, 3}, {0}, {5, 33}, {24, 36, -24, 152, 255}
TARGET = 0.85
_EQUIVALENT = re.compile(r"`(lookup\.[^`\s]+__mutmut_\d+)`")


def modules() -> list[str]:
    """The mutated modules, from pyproject's [tool.mutmut] source_paths."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["mutmut"]
    return [p.removesuffix(".py").replace("/", ".") for p in config["source_paths"]]


def resolve(names: list[str]) -> list[str]:
    """Dotted module names from what the user typed (full name or its last part)."""
    known = modules()
    chosen = []
    for name in names:
        hits = [m for m in known if m == name or m.rsplit(".", 1)[-1] == name]
        if not hits:
            sys.exit(f"{name!r} is not a mutated module; these are: {', '.join(known)}.")
        chosen += hits
    return chosen


def equivalents() -> dict[str, str]:
    """Mutants listed as equivalent in docs/testing.md: bullets ``- `key`, `key`: why``."""
    if not EQUIVALENT_DOC.exists():
        return {}
    found = {}
    for line in EQUIVALENT_DOC.read_text("utf-8").splitlines():
        if line.lstrip().startswith(("- ", "* ")):
            keys = _EQUIVALENT.findall(line)
            why = line.rsplit("`:", 1)[-1].strip()
            found.update(dict.fromkeys(keys, why))
    return found


def exit_codes(module: str) -> dict[str, int | None]:
    """mutmut's last exit code per mutant of ``module`` (None: never run)."""
    meta = MUTANTS / (module.replace(".", "/") + ".py.meta")
    if not meta.exists():
        return {}
    return json.loads(meta.read_text("utf-8"))["exit_code_by_key"]


def tally(module: str, equivalent: dict[str, str]
          ) -> tuple[Counter, list[str], list[str], list[str]]:
    """Counts of each outcome, the survivors, listed equivalents that were killed, and the
    mutants not run yet (new or changed since the last run)."""
    counts: Counter = Counter()
    survivors, stale, unrun = [], [], []
    for key, code in exit_codes(module).items():
        counts["mutants"] += 1
        if key in equivalent:
            counts["equivalent"] += 1
            if code in KILLED or code in TIMEOUT:
                stale.append(key)
        elif code in KILLED:
            counts["killed"] += 1
        elif code in TIMEOUT:
            counts["killed"] += 1
            counts["timeout"] += 1
        elif code in SURVIVED:
            counts["survived"] += 1
            survivors.append(key)
        elif code in NO_TESTS:
            counts["no tests"] += 1
            survivors.append(key)
        else:
            counts["not run"] += 1
            unrun.append(key)
    return counts, sorted(survivors, key=_natural), stale, unrun


def _natural(key: str) -> tuple[str, int]:
    head, _, number = key.rpartition("_")
    return head, int(number) if number.isdigit() else 0


def run(module: str, names: list[str], children: int) -> float:
    """Run mutmut on ``names`` (mutant keys or globs); its output goes to mutants/."""
    MUTANTS.mkdir(exist_ok=True)
    log = MUTANTS / f"bench-{module}.log"
    began = time.perf_counter()
    with log.open("w") as out:
        subprocess.run([str(MUTMUT), "run", "--max-children", str(children), *names],
                       cwd=ROOT, check=False, stdout=out, stderr=subprocess.STDOUT)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("module", nargs="*", help="modules to run (default: all)")
    parser.add_argument("--report-only", action="store_true", help="print the last results")
    parser.add_argument("--survivors", action="store_true",
                        help="re-run only the last survivors and the mutants not run yet")
    parser.add_argument("--show", type=int, default=0, help="diffs of N survivors per module")
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    chosen = resolve(args.module) if args.module else modules()
    equivalent = equivalents()
    times = json.loads(TIMES.read_text("utf-8")) if TIMES.exists() else {}
    began = time.perf_counter()
    if not args.report_only:
        for module in chosen:
            if args.survivors:
                _, survivors, _, unrun = tally(module, equivalent)
                names = survivors + unrun
                if not names:
                    continue
            else:
                names = [f"{module}.x*"]
            seconds = run(module, names, args.max_children)
            if not args.survivors:  # a full module run: its time is the module's figure
                times[module] = round(seconds)
                TIMES.write_text(json.dumps(times, indent=1, sort_keys=True), "utf-8")
            print(f"ran {module} in {seconds:.0f} s", file=sys.stderr)
    report(chosen if args.module else modules(), equivalent, times, args.show)
    if not args.report_only:
        print(f"(this run: {time.perf_counter() - began:.0f} s)")


def report(chosen: list[str], equivalent: dict[str, str], times: dict, show: int) -> None:
    header = ("module", "mutants", "killed", "t/o", "surv.", "no tests", "equiv.", "score",
              "time")
    print(f"{header[0]:<30}" + "".join(f"{h:>9}" for h in header[1:]))
    for module in chosen:
        t, survivors, stale, _ = tally(module, equivalent)
        if not t["mutants"] or t["not run"] == t["mutants"]:
            print(f"{module:<30}{'not run':>9}")
            continue
        scored = t["mutants"] - t["equivalent"] - t["not run"]
        score = t["killed"] / scored if scored else 1.0
        when = f"{times[module]} s" if module in times else "-"
        notes = ([] if score >= TARGET else ["below 0.85"]) + (
            [f"{t['not run']} not run"] if t["not run"] else [])
        print(f"{module:<30}" + "".join(f"{t[k]:>9}" for k in (
            "mutants", "killed", "timeout", "survived", "no tests", "equivalent"))
            + f"{score:>9.3f}{when:>9}" + (f"  {', '.join(notes)}" if notes else ""))
        for key in stale:
            print(f"    listed as equivalent but killed (out of date?): {key}")
        for key in survivors[:show]:
            shown = subprocess.run([str(MUTMUT), "show", key], cwd=ROOT, capture_output=True,
                                   text=True).stdout
            diff = [line for line in shown.splitlines() if line.startswith(("-", "+"))
                    and not line.startswith(("---", "+++"))]
            print(f"    {key}")
            print("\n".join("      " + line for line in diff))


if __name__ == "__main__":
    main()
