"""Measure address inference on real (domain, name, address) pairs.

    python bench/accuracy.py FILE.tsv [--json] [--cv] [--folds 10] [--draws 5] [--seed 0]
        [--protocols cold,k1,k3,loo]

For each person, predict their address under four protocols: cold (no
evidence), k=1 and k=3 random colleagues as evidence (seeded, averaged over
``--draws`` draws) and leave-one-out (every colleague). Prints top-1/top-3
accuracy (micro over pairs, macro over companies), the expected calibration
error (ECE, 10 bins) and the Brier score (micro and macro) of the top-1
probability, and a reliability table per protocol (mean probability said vs
share right, per tenth), beside two baselines: always ``{first}.{last}``, and the
leave-one-out majority of 13 simple templates.

Without ``--cv`` the shipped model (``lookup/data/``) is scored on the file,
which flatters it when the file is the one it was fitted on. ``--cv`` is grouped,
nested cross-validation by company: the companies are split into ``--folds``
folds (stratified by their main format, ``protocols.company_folds``), and for each
fold the whole model is fitted on the other folds alone (the prior's counts, and
the calibration map on out-of-fold predictions within them: ``make_priors.fit``
with one fold fewer), then scored on the held-out companies it never saw.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_priors import (  # noqa: E402
    FIT_DRAWS,
    FOLDS,
    domain_counts,
    fit,
    observe_all,
    read_pairs,
    strata,
)
from protocols import PROTOCOLS, Prediction, company_folds, picked_groups, predictions  # noqa: E402

from lookup.address.calibration import Calibration  # noqa: E402
from lookup.address.formats import render  # noqa: E402
from lookup.address.names import parse_name  # noqa: E402
from lookup.address.patterns import (  # noqa: E402
    DEFAULT_CALIBRATION,
    DEFAULT_PRIOR,
    calibrated,
    prior_from_counts,
)
from lookup.errors import InvalidNameError  # noqa: E402

__all__ = ["PROTOCOLS", "Tally", "picked_groups", "reliability", "run"]

SIMPLE = ("{first}.{last}", "{first}", "{f}{last}", "{first}{l}", "{first}_{last}",
          "{first}{last}", "{f}.{last}", "{last}.{first}", "{last}{f}", "{last}",
          "{first}-{last}", "{f}{l}", "{first}.{l}")
BINS = 10


@dataclass
class Tally:
    """Per prediction of one protocol: weight, top-1 and top-3 hits, top-1 probability."""

    rows: list[tuple[float, bool, bool, float]] = field(default_factory=list)
    domain: list[str] = field(default_factory=list)

    def add(self, domain: str, truth: str, ranked: list[tuple[str, float]], weight: float = 1.0):
        """Record one prediction (weight 1/draws for one of several random draws)."""
        addrs = [a for a, _ in ranked]
        self.rows.append((weight, addrs[:1] == [truth], truth in addrs[:3],
                          ranked[0][1] if ranked else 0.0))
        self.domain.append(domain)

    def summary(self) -> dict:
        """top1, top3 (micro and macro), ECE, Brier (micro and macro), reliability and n."""
        by_dom: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for d, (w, t1, t3, p) in zip(self.domain, self.rows, strict=True):
            acc = by_dom[d]
            acc[0] += w * t1
            acc[1] += w * t3
            acc[2] += w * (p - t1) ** 2
            acc[3] += w
        n = sum(v[3] for v in by_dom.values())

        def micro(i: int) -> float:
            return round(sum(v[i] for v in by_dom.values()) / n, 4)

        def macro(i: int) -> float:
            return round(sum(v[i] / v[3] for v in by_dom.values()) / len(by_dom), 4)

        table = reliability(self.rows)
        return {
            "top1": micro(0), "top3": micro(1), "top1_macro": macro(0), "top3_macro": macro(1),
            "ece": round(sum(abs(b["said"] - b["right"]) * b["n"] for b in table) / n, 4),
            "brier": micro(2), "brier_macro": macro(2), "reliability": table, "n": round(n),
        }


def reliability(rows: list[tuple[float, bool, bool, float]]) -> list[dict]:
    """Per tenth of top-1 probability: mean probability said, share right, weighted count."""
    acc: dict[int, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for w, t1, _, p in rows:
        b = min(BINS - 1, int(p * BINS))
        acc[b][0] += w * p
        acc[b][1] += w * t1
        acc[b][2] += w
    return [{"bin": f"{b / BINS:.1f}-{(b + 1) / BINS:.1f}", "said": round(v[0] / v[2], 4),
             "right": round(v[1] / v[2], 4), "n": round(v[2], 1)}
            for b, v in sorted(acc.items()) if v[2]]


def score(pred: Prediction, calibration: Calibration, tallies: dict[str, Tally]) -> None:
    """Calibrate one prediction's addresses and record it."""
    ranked = [(s.local, p) for s, p in calibrated(pred.kept, pred.rest, calibration)[:3]]
    tallies[pred.protocol].add(pred.domain, pred.truth, ranked, pred.weight)


def baselines(pairs_by_domain: dict) -> dict:
    """Always {first}.{last}, and the leave-one-out majority of 13 simple templates."""
    fl = maj = n = 0
    for domain, pairs in pairs_by_domain.items():
        forms = []
        for full_name, _ in pairs:
            try:
                forms.append(parse_name(full_name).primary)
            except InvalidNameError:
                forms.append(None)
        fits = [{t for t in SIMPLE if f and render(t, f) == e.split("@")[0]}
                for f, (_, e) in zip(forms, pairs, strict=True)]
        for i, (_, email) in enumerate(pairs):
            n += 1
            if forms[i] is None:
                continue
            fl += f"{render('{first}.{last}', forms[i])}@{domain}" == email
            votes = Counter(t for j, fit in enumerate(fits) if j != i for t in fit)
            best = max(SIMPLE, key=lambda t: (votes[t], -SIMPLE.index(t)))
            maj += f"{render(best, forms[i])}@{domain}" == email
    return {"first.last_top1": round(fl / n, 4), "loo_majority_top1": round(maj / n, 4), "n": n}


def run(path: str, *, cv: bool, draws: int, seed: int, folds: int = FOLDS,
        fit_draws: int = FIT_DRAWS, protocols: Sequence[str] = PROTOCOLS) -> dict:
    """Every protocol (or those of ``protocols``) over the file; the JSON-able result.

    Scoring fewer protocols is quicker, not different: the colleagues drawn and, under
    ``cv``, the fitted model (whose calibration learns from every protocol) are the same."""
    pairs = read_pairs(path)
    observations = observe_all(pairs)
    protocols = [p for p in PROTOCOLS if p in protocols]
    tallies = {p: Tally() for p in protocols}
    sizes = {d: len(v) for d, v in pairs.items()}
    if cv:
        outer = company_folds(pairs, folds, seed, sizes, strata(domain_counts(observations)))
        inner = max(2, len(outer) - 1)  # inner priors from (K-2)/K of the companies
    else:
        outer = [sorted(pairs)]
    for held in outer:
        if cv:
            train = sorted(set(pairs) - set(held))
            counts, calibration = fit(pairs, observations, train, folds=inner,
                                      draws=fit_draws, seed=seed)
            prior = prior_from_counts(counts)
        else:
            prior, calibration = DEFAULT_PRIOR, DEFAULT_CALIBRATION
        for domain in held:
            for pred in predictions(domain, pairs[domain], observations[domain], prior,
                                    draws=draws, seed=seed, protocols=protocols):
                score(pred, calibration, tallies)
    result: dict = {p: tallies[p].summary() for p in protocols}
    result["baselines"] = baselines(pairs)
    result["model"] = f"nested {len(outer)}-fold by company" if cv else "shipped"
    return result


def main(argv: list[str] | None = None) -> int:
    """Print the accuracy table (or JSON) for a pairs file."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--cv", action="store_true",
                    help="grouped, nested cross-validation by company (the honest figures)")
    ap.add_argument("--folds", type=int, default=FOLDS, help="folds of companies (--cv)")
    ap.add_argument("--fit-draws", type=int, default=FIT_DRAWS,
                    help="draws per person in the predictions the calibration is fitted on")
    ap.add_argument("--draws", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--protocols", type=_protocol_list, default=PROTOCOLS,
                    help="score only these, comma-separated (quicker; same draws and fit)")
    args = ap.parse_args(argv)
    start = time.perf_counter()
    result = run(args.file, cv=args.cv, draws=args.draws, seed=args.seed, folds=args.folds,
                 fit_draws=args.fit_draws, protocols=args.protocols)
    if args.json:
        print(json.dumps(result))
        return 0
    print(_report(result))
    print(f"({time.perf_counter() - start:.1f} s)")
    return 0


def _protocol_list(text: str) -> tuple[str, ...]:
    """``k3`` or ``cold,loo``: protocols to score; an unknown one is an error saying which."""
    names = tuple(p.strip() for p in text.split(",") if p.strip())
    unknown = [p for p in names if p not in PROTOCOLS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown protocol {', '.join(unknown) or '(none given)'}; "
            f"choose from {', '.join(PROTOCOLS)}")
    return names


def _report(result: dict) -> str:
    """The figures as text: one row per protocol, then the reliability tables."""
    model = result["model"]
    shown = [p for p in PROTOCOLS if p in result]
    lines = [f"model: {model}" + (" (every fitted part fitted without the scored companies)"
                                  if model != "shipped" else " (fitted on this file, if it is the dev file)")]
    keys = ("top1", "top3", "top1_macro", "top3_macro", "ece", "brier", "brier_macro")
    head = ("top1", "top3", "top1_mac", "top3_mac", "ece", "brier", "brier_mac", "n")
    lines.append(f"{'protocol':8} " + " ".join(f"{h:>9}" for h in head))
    for p in shown:
        r = result[p]
        lines.append(f"{p:8} " + " ".join(f"{r[k]:9.3f}" for k in keys) + f" {r['n']:9d}")
    b = result["baselines"]
    lines.append(f"baselines: always {{first}}.{{last}} top1 {b['first.last_top1']:.3f}; "
                 f"leave-one-out majority of 13 templates top1 {b['loo_majority_top1']:.3f}")
    lines.append("reliability of the top-1 probability (said / right / predictions per bin):")
    lines.append(f"{'bin':9} " + " ".join(f"{p:>17}" for p in shown))
    for i in range(BINS):
        label = f"{i / BINS:.1f}-{(i + 1) / BINS:.1f}"
        cells = []
        for p in shown:
            row = next((r for r in result[p]["reliability"] if r["bin"] == label), None)
            cells.append(f"{row['said']:.2f}/{row['right']:.2f}/{row['n']:5.0f}" if row
                         else f"{'-':>17}")
        lines.append(f"{label:9} " + " ".join(f"{c:>17}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
