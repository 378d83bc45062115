"""The calibration map (lookup/address/calibration.py) and how bench/ fits it out of fold."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import pytest

from lookup.address.calibration import FEATURES, IDENTITY, Calibration, features, name_kind
from lookup.address.names import parse_name
from lookup.address.patterns import DEFAULT_CALIBRATION

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import protocols  # noqa: E402


def test_the_identity_map_gives_back_the_raw_share():
    """With only the raw share's logit at weight 1, the probability is the raw share."""
    for raw in (0.01, 0.3, 0.5, 0.9):
        x = features(raw, support=1, total=3, kind="simple", cut=False)
        assert IDENTITY.probability(x) == pytest.approx(raw, rel=1e-6)


def test_an_unknown_feature_in_the_file_is_an_error_that_names_it():
    """A calibration file naming a feature the code does not compute is refused, by name."""
    with pytest.raises(ValueError, match="shoe_size"):
        Calibration.from_json({"weights": {"logit": 1.0, "shoe_size": 2.0}})


def test_the_shipped_map_uses_known_features_and_keeps_order():
    """The shipped weights name known features, and a higher raw share never scores lower."""
    assert set(DEFAULT_CALIBRATION.weights) <= set(FEATURES)
    probs = [DEFAULT_CALIBRATION.probability(features(r, support=0, total=0, kind="simple",
                                                      cut=False)) for r in (0.05, 0.2, 0.5, 0.8)]
    assert probs == sorted(probs)


def test_one_colleague_and_a_middle_name_have_features_of_their_own():
    """The logit gets a slope of its own when one colleague alone is known, and a middle
    name counts apart when every known colleague follows the candidate's format."""
    one = features(0.7, support=1, total=1, kind="middle", cut=False)
    three = features(0.7, support=3, total=3, kind="middle", cut=False)
    assert one["one_logit"] == pytest.approx(math.log(0.7 / 0.3))
    assert three["one_logit"] == 0.0
    assert one["all_middle"] == three["all_middle"] == 1.0
    assert features(0.7, support=2, total=3, kind="middle", cut=False)["all_middle"] == 0.0
    assert features(0.7, support=1, total=1, kind="simple", cut=False)["all_middle"] == 0.0
    assert features(0.7, support=0, total=0, kind="middle", cut=False)["all_middle"] == 0.0


@pytest.mark.parametrize(
    ("name", "kind"),
    [("Ada Lovelace", "simple"), ("Ada Byron Lovelace", "middle"),
     ("Marie-Claire van der Berg", "complex"), ("Jürgen Müller", "complex")],
)
def test_name_kinds(name, kind):
    """Names with one obvious spelling are simple; a middle name or other spellings are not."""
    assert name_kind(parse_name(name)) == kind


def test_the_fit_recovers_a_known_logistic_map():
    """Rows drawn from a known map give back its probabilities (within sampling error)."""
    truth = {"bias": -0.5, "logit": 1.3, "none": -0.8, "middle": -0.4}
    rng = random.Random(3)
    rows = protocols.FitRows()
    for _ in range(20000):
        raw = rng.uniform(0.02, 0.95)
        x = features(raw, support=rng.choice([0, 1]), total=1,
                     kind=rng.choice(["simple", "middle"]), cut=False)
        z = sum(truth.get(f, 0.0) * v for f, v in x.items())
        hit = rng.random() < 1 / (1 + math.exp(-z))
        key = tuple(x[f] for f in FEATURES)
        row = rows.rows.setdefault(key, [0.0, 0.0])
        row[0] += 1
        row[1] += hit
    fitted = protocols.fit_calibration(rows)
    known = Calibration(truth)
    for raw in (0.05, 0.3, 0.7):
        for support in (0, 1):
            for kind in ("simple", "middle"):
                x = features(raw, support=support, total=1, kind=kind, cut=False)
                assert fitted.probability(x) == pytest.approx(known.probability(x), abs=0.03)


def test_company_folds_are_balanced_and_stratified():
    """Folds hold about equal pairs, and each main format's companies are spread over them."""
    sizes = {f"d{i}.test": 10 + (i * 7) % 50 for i in range(30)}
    strata = {d: ("a" if i % 3 else "b") for i, d in enumerate(sorted(sizes))}
    folds = protocols.company_folds(sizes, 5, 0, sizes, strata)
    assert sorted(d for f in folds for d in f) == sorted(sizes)
    loads = [sum(sizes[d] for d in f) for f in folds]
    assert max(loads) - min(loads) <= max(sizes.values())
    for stratum in ("a", "b"):
        per_fold = [sum(sizes[d] for d in f if strata[d] == stratum) for f in folds]
        assert max(per_fold) - min(per_fold) <= max(sizes.values())
    assert folds == protocols.company_folds(sizes, 5, 0, sizes, strata)  # seeded
