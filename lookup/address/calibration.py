"""From a candidate's raw share to an honest probability: a small logistic map. Pure.

The raw share of an address (format share × spelling share × collision share) is
what the model believes; how often such an address is right depends on things the
model does not see as well: whether every known colleague follows the format or
none does, whether the name has one obvious spelling, whether the domain cuts its
ids. The map is

    logit(p) = Σ weight_f · feature_f

over the few features ``features`` computes (the raw share's logit among them), a
logistic regression fitted by ``bench/make_priors.py`` on out-of-fold predictions
(each company predicted with a prior that never saw it, the folds holding out whole
classes of TLD), so it is honest at companies the model has never seen. ``lookup/data/calibration.json`` holds the
weights, nothing else.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from lookup.address.names import ParsedName

__all__ = ["FEATURES", "IDENTITY", "Calibration", "features", "name_kind"]

# bias; the raw share's logit; no colleague known, and the logit then (with no colleague
# the raw shares rest on the prior alone, and are trusted by a slope of their own); every /
# no known colleague follows the candidate's format; only some of a few (FEW) do; a name
# with a middle name / with several spellings; a domain that cuts its ids; the logit when
# one colleague alone is known (one address says less about a company than its raw share
# makes of it: on the train file, out of fold, one-colleague guesses said 0.82 were right
# 0.68); a middle name when every known colleague follows the format (whether the address
# writes the middle name is still open: such guesses said 0.44 were right 0.23)
FEATURES = ("bias", "logit", "cold", "cold_logit", "all", "none", "some", "middle", "complex",
            "cut", "one_logit", "all_middle")
FEW = 5  # "some of a few colleagues": a split this small is still mostly chance
EPS = 1e-4  # raw shares are clipped to [EPS, 1 - EPS] before the logit


@dataclass(frozen=True, slots=True)
class Calibration:
    """Weights of the logistic map, by feature name (a missing feature weighs 0)."""

    weights: Mapping[str, float]

    def probability(self, x: Mapping[str, float]) -> float:
        """The calibrated probability for one candidate's features."""
        z = sum(self.weights.get(f, 0.0) * v for f, v in x.items())
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)

    @classmethod
    def from_json(cls, data: Mapping) -> Calibration:
        """Read the ``weights`` table of ``calibration.json``; unknown features are an error."""
        weights = {str(k): float(v) for k, v in data["weights"].items()}
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"calibration weights name unknown features: {sorted(unknown)}")
        return cls(weights)


IDENTITY = Calibration({"logit": 1.0})  # probabilities are the raw shares


def logit(p: float) -> float:
    """The log-odds of ``p``, clipped away from 0 and 1."""
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def name_kind(name: ParsedName) -> str:
    """``middle`` (a middle name), ``complex`` (spellings beyond the name as written, its
    nickname and its order) or ``simple``: names with one obvious spelling are easier."""
    if name.middle:
        return "middle"
    kinds = {f.kind for f in name.forms if not f.kind.startswith("swapped")}
    kinds -= {"as written", "nickname"}
    return "simple" if not kinds and name.family else "complex"


def features(raw: float, *, support: int, total: int, kind: str, cut: bool) -> dict[str, float]:
    """The map's inputs for one candidate: its raw share, how many of ``total`` known
    colleagues follow its format (``support``), the name's kind and the domain's cut."""
    return {
        "bias": 1.0,
        "logit": logit(raw),
        "cold": float(total == 0),
        "cold_logit": logit(raw) if total == 0 else 0.0,
        "all": float(total > 0 and support >= total),
        "none": float(total > 0 and support == 0),
        "some": float(0 < support < total <= FEW),
        "middle": float(kind == "middle"),
        "complex": float(kind == "complex"),
        "cut": float(cut),
        "one_logit": logit(raw) if total == 1 else 0.0,
        "all_middle": float(total > 0 and support >= total and kind == "middle"),
    }
