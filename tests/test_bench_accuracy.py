"""bench/accuracy.py and bench/ceiling.py on a small fictional pairs file."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))

import accuracy  # noqa: E402
import ceiling  # noqa: E402
import protocols  # noqa: E402

PURE = ["Ada Quill", "Bram Oster", "Cleo Varga", "Dario Lunde", "Elke Marsh", "Farid Nolan"]
MIXED = ["Gina Holt", "Hugo Brenner", "Iris Falk", "Jonas Pell", "Kira Dunmore", "Lars Ekdal"]


def _write(tmp_path: Path, *, mixed: bool = True) -> Path:
    rows = ["domain\tcompany\tfull_name\temail"]
    for name in PURE:
        first, last = name.lower().split()
        rows.append(f"pure.test\tPure\t{name}\t{first}.{last}@pure.test")
    for i, name in enumerate(MIXED if mixed else []):
        first, last = name.lower().split()
        local = f"{first[0]}{last}" if i % 2 else first
        rows.append(f"mixed.test\tMixed\t{name}\t{local}@mixed.test")
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_accuracy_json_has_every_protocol_and_baseline(tmp_path, capsys):
    """--json prints the four protocols with the issue's keys, plus the baselines."""
    assert accuracy.main([str(_write(tmp_path)), "--json", "--draws", "2"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result) == {"cold", "k1", "k3", "loo", "baselines", "model", "by_tld", "spread"}
    assert result["model"] == "shipped"
    for protocol in ("cold", "k1", "k3", "loo"):
        row = result[protocol]
        assert set(row) == {"top1", "top3", "top1_macro", "top3_macro", "ece", "big_gap",
                            "said", "brier", "brier_macro", "reliability", "n"}
        assert row["n"] == 12
        assert 0.0 <= row["top1"] <= row["top3"] <= 1.0
        assert 0.0 <= row["ece"] <= 1.0
        assert 0.0 <= row["brier"] <= 1.0
        assert sum(b["n"] for b in row["reliability"]) == pytest.approx(12)


def test_accuracy_learns_a_pure_domain_from_colleagues(tmp_path):
    """With every colleague known, each person at the one-format domain is guessed first."""
    result = accuracy.run(str(_write(tmp_path, mixed=False)), cv=False, draws=1, seed=0)
    assert result["loo"]["top1"] == 1.0
    assert result["k3"]["top1"] == 1.0


@pytest.mark.parametrize("draws", [1, 3])
def test_ceiling_bounds_a_mixed_domain(tmp_path, draws):
    """One format per domain can explain the pure domain fully but only half the mixed one."""
    result = ceiling.run(str(_write(tmp_path)), draws=draws, seed=0)
    assert result["explained"] == 1.0
    assert result["best_format"] == pytest.approx((6 + 3) / 12, abs=1e-4)
    assert result["best_3_formats"] == 1.0
    assert result["shown_by_loo"] == 1.0
    assert result["shown_by_k1"] <= result["shown_by_k3"] <= result["shown_by_loo"]
    assert result["shown_by_k1"] < 1.0  # one random colleague at the mixed domain often differs


def test_ceiling_cold_bounds_choose_a_format_per_group_of_what_a_run_knows(tmp_path):
    """Cold bounds: one format for all covers the six given-name-and-surname people; per
    name culture the four single-name people get their own format ({first}), so the best
    one format per group covers everyone."""
    rows = ["domain\tcompany\tfull_name\temail"]
    for name in PURE:
        first, last = name.lower().split()
        rows.append(f"pure.test\tPure\t{name}\t{first}.{last}@pure.test")
    for name in MIXED[:4]:
        first = name.split()[0]
        rows.append(f"mono.test\tMono\t{first}\t{first.lower()}@mono.test")
    path = tmp_path / "cold.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = ceiling.run(str(path), draws=1, seed=0)
    assert result["cold_one_format"] == pytest.approx(6 / 10, abs=1e-4)
    assert result["cold_best_1"] == 1.0
    assert result["cold_best_3"] == 1.0


def test_ceiling_counts_a_numbered_address_as_written_only_with_its_digits(tmp_path):
    """'cleo.varga7' is not written by {first}.{last} (no model guesses the 7), so nobody's
    plain address shows it; 'elke.marsh7' shows the same number, and then it counts."""
    rows = ["domain\tcompany\tfull_name\temail"]
    for name, local in [("Ada Quill", "ada.quill"), ("Bram Oster", "bram.oster"),
                        ("Cleo Varga", "cleo.varga7"), ("Dario Lunde", "dario.lunde")]:
        rows.append(f"n.test\tN\t{name}\t{local}@n.test")
    path = tmp_path / "numbered.tsv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = ceiling.run(str(path), draws=1, seed=0)
    assert result["explained"] == 1.0  # {first}.{last}7 writes it
    assert result["best_format"] == 0.75
    assert result["shown_by_loo"] == 0.75
    path.write_text("\n".join([*rows, "n.test\tN\tElke Marsh\telke.marsh7@n.test"]) + "\n",
                    encoding="utf-8")
    assert ceiling.run(str(path), draws=1, seed=0)["shown_by_loo"] == 1.0


def test_ceiling_bounds_k3_on_the_colleagues_accuracy_draws(tmp_path, monkeypatch):
    """The bounds count over the very draws of colleagues the protocols predict from, and
    naming one format first reaches fewer people than "any of 3 colleagues shows it"."""
    path = str(_write(tmp_path))
    drawn: dict[str, list] = {"ceiling": [], "accuracy": []}
    real = protocols.colleague_draws

    def recorder(who):
        def draws(domain, pairs, **kwargs):
            for i, others, picks in real(domain, pairs, **kwargs):
                drawn[who].append((domain, i, picks[1], picks[3]))
                yield i, others, picks
        return draws

    monkeypatch.setattr(ceiling, "colleague_draws", recorder("ceiling"))
    monkeypatch.setattr(protocols, "colleague_draws", recorder("accuracy"))
    result = ceiling.run(path, draws=3, seed=0)
    accuracy.run(path, cv=False, draws=3, seed=0, protocols=("k3",))
    assert drawn["ceiling"] and drawn["ceiling"] == drawn["accuracy"]
    assert result["best_shown_by_k3"] <= result["shown_by_k3"]
    assert result["best_shown_by_k3"] < result["shown_by_loo"]


FIRST = ["Ada", "Bram", "Cleo", "Dario", "Elke", "Farid", "Gina", "Hugo", "Iris", "Jonas"]
LAST = ["Quill", "Oster", "Varga", "Lunde", "Marsh", "Nolan", "Holt", "Brenner", "Falk", "Pell"]
SHAPES = {"first.last": lambda g, s: f"{g}.{s}", "flast": lambda g, s: f"{g[0]}{s}",
          "first": lambda g, s: g}


def _pairs_file(path: Path, companies: list[tuple[str, str]]) -> Path:
    """A pairs file of six fictional people at each (shape, TLD) company, c0, c1, ..."""
    rows = ["domain\tcompany\tfull_name\temail"]
    for c, (shape, tld) in enumerate(companies):
        for i in range(6):
            first, last = FIRST[(i + c) % 10], LAST[(i * 3 + c) % 10]
            local = SHAPES[shape](first.lower(), last.lower())
            rows.append(f"c{c}.{tld}\tC{c}\t{first} {last}\t{local}@c{c}.{tld}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _companies(tmp_path: Path) -> Path:
    return _pairs_file(tmp_path / "companies.tsv", [
        (shape, "test") for shape in ["first.last"] * 4 + ["flast"] * 3 + ["first"]])


def test_nested_cv_fits_every_part_without_the_scored_companies(tmp_path, monkeypatch):
    """Under --cv each fold's prior and calibration are fitted on the other companies only,
    and every company is scored exactly once."""
    events: list[tuple[str, object]] = []
    real_fit, real_predictions = accuracy.fit, accuracy.predictions

    def fit(pairs, observations, domains, **kwargs):
        events.append(("fit", set(domains)))
        return real_fit(pairs, observations, domains, **kwargs)

    def predictions(domain, *args, **kwargs):
        events.append(("score", domain))
        return real_predictions(domain, *args, **kwargs)

    monkeypatch.setattr(accuracy, "fit", fit)
    monkeypatch.setattr(accuracy, "predictions", predictions)
    result = accuracy.run(str(_companies(tmp_path)), cv=True, draws=1, seed=0, folds=4,
                          fit_draws=1)
    assert result["model"] == "nested 4-fold, holding out companies"
    scored = [d for kind, d in events if kind == "score"]
    assert sorted(scored) == sorted(f"c{c}.test" for c in range(8))
    assert sum(kind == "fit" for kind, _ in events) == 4
    train: set = set()
    for kind, value in events:
        if kind == "fit":
            train = value
        else:
            assert value not in train and len(train) == 6
    assert result["loo"]["n"] == 48


def test_picked_colleagues_are_seen_as_predict_sees_them():
    """A format only the target's own address shows (a cut at 7) is not in the picked
    colleagues' evidence, as in predict(), which never sees the target's address."""
    from collections import Counter

    from lookup.address.patterns import DEFAULT_PRIOR, evidence_rows, observe
    from lookup.models import Evidence

    obs = [observe(Evidence("Gina Holtzmann", "gholtzm@cut.test")),
           observe(Evidence("Ada Quill", "aquill@cut.test"))]
    rows = evidence_rows(obs, DEFAULT_PRIOR)
    assert "{f}{last}~7" in dict(rows[1])
    picked = accuracy.picked_groups(rows, obs, [1], set(DEFAULT_PRIOR.shares))
    assert picked == Counter(evidence_rows(obs[1:], DEFAULT_PRIOR))


def test_accuracy_scores_only_the_protocols_asked(tmp_path, capsys):
    """--protocols k3 scores k=3 alone, with the same figures as the full run's k=3 row."""
    path = str(_write(tmp_path))
    full = accuracy.run(path, cv=False, draws=2, seed=0)
    assert accuracy.main([path, "--json", "--draws", "2", "--protocols", "k3"]) == 0
    only = json.loads(capsys.readouterr().out)
    assert set(only) == {"k3", "baselines", "model", "by_tld", "spread"}
    assert only["k3"] == full["k3"]


def test_accuracy_refuses_an_unknown_protocol(tmp_path, capsys):
    """An unknown protocol name is an error naming it and the valid ones."""
    with pytest.raises(SystemExit):
        accuracy.main([str(_write(tmp_path)), "--protocols", "k2"])
    err = capsys.readouterr().err
    assert "unknown protocol k2; choose from cold, k1, k3, loo" in err


def _tlds(tmp_path: Path) -> Path:
    """Eight companies: four .com, two .de, two .net, six people each."""
    return _pairs_file(tmp_path / "tlds.tsv", [
        ("first.last", "com"), ("first.last", "com"), ("flast", "com"), ("first", "com"),
        ("flast", "de"), ("first.last", "de"), ("first.last", "net"), ("flast", "net")])


def test_holdout_by_tld_scores_each_class_with_a_model_that_never_saw_it(tmp_path, monkeypatch):
    """--holdout tld: the .de and the .net companies are each a fold, so they are predicted
    by a model fitted without any company of their class; the .com ones are split."""
    folds: list[set] = []
    real_fit = accuracy.fit

    def fit(pairs, observations, domains, **kwargs):
        folds.append(set(pairs) - set(domains))
        return real_fit(pairs, observations, domains, **kwargs)

    monkeypatch.setattr(accuracy, "fit", fit)
    result = accuracy.run(str(_tlds(tmp_path)), cv=True, draws=1, seed=0, folds=4, fit_draws=1,
                          holdout="tld", protocols=("cold",))
    assert {"c4.de", "c5.de"} in folds and {"c6.net", "c7.net"} in folds
    assert all(len({d.rpartition(".")[2] for d in f}) == 1 for f in folds)
    held = sorted(d for f in folds for d in f)
    assert held == sorted(set(held)) and len(held) == 8  # each company held out once
    assert result["model"].endswith("holding out TLD classes")
    assert set(result["by_tld"]) == {"com", "country", "generic"}
    assert result["by_tld"]["country"]["cold"]["n"] == 12


def test_holdout_by_source_holds_out_the_companies_of_a_file(tmp_path):
    """--holdout source: the companies of --source are one fold, the others the second."""
    path = _tlds(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines()
    source = tmp_path / "source.tsv"
    source.write_text("\n".join([lines[0], *[r for r in lines[1:] if "c0.com" in r or
                                              "c4.de" in r]]) + "\n", encoding="utf-8")
    folds = accuracy.outer_folds(accuracy.read_pairs(str(path)), {}, folds=4, seed=0,
                                 holdout="source", source=str(source))
    assert folds == [["c0.com", "c4.de"], sorted(f"c{c}.{t}" for c, t in enumerate(
        ["com", "com", "com", "com", "de", "de", "net", "net"]) if c not in (0, 4))]
    result = accuracy.run(str(path), cv=True, draws=1, seed=0, folds=4, fit_draws=1,
                          holdout="source", source=str(source), protocols=("cold",))
    assert {k: v["cold"]["n"] for k, v in result["by_source"].items()} == {
        "source 1 (2 companies)": 12, "source 2 (6 companies)": 36}


def _half_right(*, people: int) -> accuracy.Tally:
    """Ten companies of ``people`` each, all said 0.5: every one right at odd companies,
    every one wrong at even ones."""
    tally = accuracy.Tally()
    for c in range(10):
        for _ in range(people):
            tally.add(f"c{c}.test", "a", [("a" if c % 2 else "b", 0.5)])
    return tally


def test_the_ece_spreads_over_populations_of_companies():
    """A population of companies all right at 0.5 said is off by 0.5, one of half right
    and half wrong companies by less; the spread reports both ends of such draws."""
    spread = _half_right(people=4).spread(2, samples=200, seed=0)
    assert spread["companies"] == 2
    assert spread["p90"] == 0.5  # two companies alike: all right or all wrong at 0.5
    assert 0.0 <= spread["median"] <= 0.5
    assert 0.0 < spread["share_ok"] < 1.0  # one of each is exactly calibrated


def test_the_big_bin_gap_spreads_over_populations_of_companies():
    """Fifty people a company, said 0.5: two companies alike fill a bin of 100 that is off
    by 0.5; one of each is exactly calibrated; the spread reports both."""
    spread = _half_right(people=50).spread(2, samples=200, seed=0)
    assert spread["gap_p90"] == 0.5
    assert spread["gap_median"] in (0.0, 0.5)
    assert 0.0 < spread["gap_share_ok"] < 1.0


def test_a_big_bins_gap_is_reported_only_for_bins_of_a_hundred():
    """The largest gap counts bins with 100 predictions or more."""
    table = [{"said": 0.45, "right": 0.2, "n": 99.0}, {"said": 0.75, "right": 0.7, "n": 150.0}]
    assert accuracy.big_gap(table) == 0.05
    assert accuracy.ece(table) == round((0.25 * 99 + 0.05 * 150) / 249, 4)
