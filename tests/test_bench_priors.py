"""bench/make_priors.py on small fictional pairs: a domain that cuts long names at 8."""

from __future__ import annotations

import json
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


GIVEN = ["Ada", "Bram", "Cleo", "Dario", "Elke", "Farid", "Gina", "Hugo", "Iris", "Jonas"]
FAMILY = ["Quill", "Oster", "Varga", "Lunde", "Marsh", "Nolan", "Holt", "Brenner", "Falk", "Pell"]


def _companies(shapes: dict[str, str]) -> dict[str, list[tuple[str, str]]]:
    """Eight people at each fictional domain, every address in the domain's shape."""
    write = {"first.last": lambda g, s: f"{g}.{s}", "f.last": lambda g, s: f"{g[0]}.{s}",
             "flast": lambda g, s: f"{g[0]}{s}"}
    out = {}
    for c, (domain, shape) in enumerate(shapes.items()):
        rows = []
        for i in range(8):
            g, s = GIVEN[(i + c) % 10], FAMILY[(i * 3 + c) % 10]
            rows.append((f"{g} {s}", f"{write[shape](g.lower(), s.lower())}@{domain}"))
        out[domain] = rows
    return out


def test_groups_ship_counts_of_five_companies_or_more_and_never_a_domain():
    """Six .de companies make a group, and six .test ones; two .fr ones do not (they count
    in "country"); the file names formats and group keys only."""
    shapes = {f"d{i}.de": "f.last" for i in range(6)}
    shapes |= {f"f{i}.fr": "flast" for i in range(2)}
    shapes |= {f"c{i}.test": "first.last" for i in range(6)}
    pairs = _companies(shapes)
    data = make_priors.fitted_counts(make_priors.observe_all(pairs), sorted(pairs))
    assert set(data["groups"]) == {"tld:.de", "tld:country", "tld:generic", "tld:.test",
                                   "name:plain"}
    assert data["groups"]["tld:.de"]["main"] == {"{f}.{last}": 6.0}
    assert data["groups"]["tld:country"]["companies"] == 8
    text = json.dumps(data)
    assert not any(word in text.lower() for word in [*pairs, *map(str.lower, GIVEN + FAMILY)])


def test_strengths_are_fitted_weak_where_groups_differ_and_off_where_they_do_not():
    """.de companies all write {f}.{last} and the others {first}.{last}: the TLD may move the
    main format a lot (a small strength). Where every company is alike it is not used."""
    differ = _companies({f"d{i}.de": "f.last" for i in range(6)} |
                        {f"c{i}.test": "first.last" for i in range(6)})
    fitted = make_priors.fitted_counts(make_priors.observe_all(differ), sorted(differ))["fitted"]
    assert fitted["groups"]["tld.main"] <= 4
    alike = _companies({f"d{i}.de": "first.last" for i in range(6)} |
                       {f"c{i}.test": "first.last" for i in range(6)})
    fitted = make_priors.fitted_counts(make_priors.observe_all(alike), sorted(alike))["fitted"]
    assert fitted["groups"]["tld.main"] >= 256
    assert 0.3 <= fitted["loyalty"] <= 0.96 and fitted["loyalty_strength"] > 0
    assert fitted["loyalty"] >= 0.9  # every company's people all follow its main format
