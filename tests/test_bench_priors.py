"""bench/make_priors.py on small fictional pairs: a domain that cuts long names at 8."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import make_priors  # noqa: E402

SHORT = ["Ada Quill", "Bo Lind", "Cleo Vag", "Dan Roe", "Eva Mars", "Ivo Pell", "Uma Kay"]
LONG = ["Farid Nolander", "Gina Holtzmann", "Hugo Brennerman"]


def _pairs() -> dict[str, list[tuple[str, str]]]:
    def flast(name: str, cut: int | None) -> str:
        first, last = name.lower().split()
        return (first[0] + last)[:cut]

    return {
        "cut.test": [(n, f"{flast(n, 8)}@cut.test") for n in SHORT + LONG],
        "plain.test": [(n, f"{flast(n, None)}@plain.test") for n in SHORT + LONG],
    }


def _main(counts: Counter) -> str:
    return max((s for s in counts if s != "__unexplained__"), key=counts.__getitem__)


def test_a_domain_cutting_its_long_names_has_the_cut_format_as_main():
    """Short names count for the cut format where the long ones are cut, not elsewhere."""
    per_domain = make_priors.domain_counts(make_priors.observe_all(_pairs()))
    assert _main(per_domain["cut.test"]) == "{f}{last}~8"
    assert _main(per_domain["plain.test"]) == "{f}{last}"


def test_a_cut_format_too_rare_to_ship_counts_for_its_uncut_form():
    """The main vote of a cut format seen at too few domains goes to its uncut form."""
    per_domain = {f"d{i}.test": Counter({"{f}{last}": 10.0}) for i in range(3)}
    per_domain["cut.test"] = Counter({"{f}{last}~12": 10.0, "{f}{last}": 2.0})
    data = make_priors.prior_counts(per_domain)
    assert data["main"] == {"{f}{last}": 4.0}
    assert data["main_unexplained"] == 0
