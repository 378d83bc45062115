"""Compute the shipped format prior: aggregate format counts, nothing else.

    python bench/make_priors.py FILE.tsv [--out lookup/data/format_priors.json]

Reads (domain, full_name, email) pairs, explains each address by the formats of
the grammar that write it, shares each pair between its formats by global EM,
and writes counts per format. No name, address or domain is written: only
format spellings with counts, the unexplained count, and how many pairs and
domains they came from. A format must be seen at ``MIN_DOMAINS`` domains to
ship, and each domain's weight is capped so one big company does not decide
the prior for everyone.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lookup.models import Evidence  # noqa: E402
from lookup.patterns import Observation, observe  # noqa: E402

DOMAIN_CAP = 40  # pairs: a bigger domain counts as this many
MIN_DOMAINS = 3
EM_ROUNDS = 30
TIE = 0.9  # formats within 10% of a domain's most common one share its "main" vote


def read_pairs(path: str) -> dict[str, list[tuple[str, str]]]:
    """Rows of a TSV with domain, full_name, email columns, grouped by domain."""
    by_domain: dict[str, list[tuple[str, str]]] = defaultdict(list)
    with open(path, newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row.get("domain") and row.get("full_name") and row.get("email"):
                by_domain[row["domain"].lower()].append((row["full_name"], row["email"].lower()))
    return dict(by_domain)


def observe_all(pairs: dict[str, list[tuple[str, str]]]) -> dict[str, list[Observation]]:
    """Observe every pair once."""
    return {d: [observe(Evidence(n, e)) for n, e in rows] for d, rows in pairs.items()}


def domain_counts(observations: dict[str, list[Observation]]) -> dict[str, Counter]:
    """Per domain, the (capped, EM-shared) count of pairs each format explains."""
    weights: dict[str, float] = defaultdict(lambda: 1.0)
    result: dict[str, Counter] = {}
    for _ in range(EM_ROUNDS):
        result = {}
        for domain, obs in observations.items():
            cap = min(1.0, DOMAIN_CAP / len(obs))
            counts: Counter = Counter()
            for o in obs:
                scores = {s: weights[s] * m for s, m in o.induced.items()}
                total = sum(scores.values())
                if not total:
                    counts["__unexplained__"] += cap
                    continue
                for s, v in scores.items():
                    counts[s] += cap * v / total
            result[domain] = counts
        merged = sum(result.values(), Counter())
        norm = sum(merged.values())
        weights = defaultdict(lambda: 1e-3, {s: c / norm for s, c in merged.items()})
    return result


def prior_counts(per_domain: dict[str, Counter], exclude: str | None = None) -> dict:
    """Aggregate counts over domains (optionally leaving one out), as the priors file holds.

    ``formats``: pairs each format writes; ``main``: domains whose most common format
    it is; ``background``: pairs written by a format other than their domain's main one.
    """
    merged: Counter = Counter()
    main: Counter = Counter()
    background: Counter = Counter()
    seen: Counter = Counter()
    for domain, counts in per_domain.items():
        if domain == exclude or not counts:
            continue
        merged.update(counts)
        seen.update(s for s, c in counts.items() if c >= 0.5)
        # a near tie (often a format and its name-order twin) shares the domain's vote,
        # so one pair more or less at one domain cannot flip a format in or out of "main"
        best = max(counts.values())
        tops = [s for s, c in counts.items() if c >= TIE * best]
        main.update({s: 1 / len(tops) for s in tops})
        background.update({s: c for s, c in counts.items() if s not in tops})
    keep = {s for s in merged if seen[s] >= MIN_DOMAINS and s != "__unexplained__"}

    def table(counter: Counter) -> dict:
        return {s: round(c, 1) for s, c in counter.most_common() if s in keep and c > 0}

    def rest(counter: Counter) -> float:
        return round(sum(c for s, c in counter.items() if s not in keep), 1)

    return {
        "formats": table(merged), "unexplained": rest(merged),
        "main": table(main), "main_unexplained": rest(main),
        "background": table(background), "background_unexplained": rest(background),
        "domains": sum(main.values()),
    }


def main(argv: list[str] | None = None) -> int:
    """Write the priors file from a pairs TSV."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file")
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1]
                                         / "lookup/data/format_priors.json"))
    args = ap.parse_args(argv)
    per_domain = domain_counts(observe_all(read_pairs(args.file)))
    data = {"_comment": "Aggregate counts of address formats (capped per domain), written by "
            "bench/make_priors.py. Counts only: no names, addresses or domains.",
            **prior_counts(per_domain)}
    Path(args.out).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(data['formats'])} formats to {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
