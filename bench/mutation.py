"""Mutation testing of the pure core: `python bench/mutation.py [--report-only] [--show N]`.

Runs mutmut (configured in pyproject.toml: the modules and the tests that cover them) and
prints, per module, how many mutants the tests killed, how many survived or were never
reached by a test, and the score killed / all. mutmut keeps its results in mutants/, so a
second run only tries mutants whose function changed. `--show N` prints the diff of up to N
surviving mutants per module (mutmut show). A benchmark, not a CI gate.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTMUT = Path(sys.executable).with_name("mutmut")
# mutmut 3's exit codes of a mutant's test run, by what they mean
KILLED, SURVIVED, NO_TESTS, TIMEOUT = {1, 3}, {0}, {5, 33}, {24, 36, -24}
TARGET = 0.85


def module_of(key: str) -> str:
    return key.split(".x", 1)[0].split("__mutmut")[0].rsplit(".xǁ", 1)[0]


def results() -> dict[str, Counter]:
    per_module: dict[str, Counter] = {}
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = ".".join(meta.relative_to(ROOT / "mutants").with_suffix("").with_suffix("").parts)
        tally = per_module.setdefault(module, Counter())
        for key, code in codes.items():
            tally["killed" if code in KILLED or code in TIMEOUT else "survived" if code in SURVIVED
                  else "no tests" if code in NO_TESTS else "not run"] += 1
            if code in SURVIVED:
                tally[f"survivor:{key}"] = 1
    return per_module


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true", help="print the last results")
    parser.add_argument("--show", type=int, default=0, help="diffs of N survivors per module")
    args = parser.parse_args()
    began = time.perf_counter()
    if not args.report_only:
        subprocess.run([str(MUTMUT), "run"], cwd=ROOT, check=False,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    per_module = results()
    print(f"{'module':<34} {'killed':>6} {'surv.':>6} {'untested':>8} {'score':>6}")
    for module, t in per_module.items():
        total = t["killed"] + t["survived"] + t["no tests"]
        score = t["killed"] / total if total else 1.0
        flag = "" if score >= TARGET else "  below 0.85"
        print(f"{module:<34} {t['killed']:>6} {t['survived']:>6} {t['no tests']:>8} "
              f"{score:>6.3f}{flag}")
        survivors = sorted(k.removeprefix("survivor:") for k in t if k.startswith("survivor:"))
        for key in survivors[: args.show]:
            shown = subprocess.run([str(MUTMUT), "show", key], cwd=ROOT, capture_output=True,
                                   text=True).stdout
            print("\n".join("    " + line for line in shown.splitlines()[-12:]))
    print(f"({time.perf_counter() - began:.0f} s)")


if __name__ == "__main__":
    main()
