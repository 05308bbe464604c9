"""Training the model: u by random sampling, then m by EM in two sessions.

Random pairs almost never share three stays, so Splink's sample may not hold a single
pair at that level: it then leaves u unset and falls back to a default worth about ten
bits, half what three shared stays are worth, and true matches drop below the
threshold. A level never seen in N random pairs gets u = 3 / N instead (the "rule of
three": the upper end of a 95 % interval for an event not seen in N trials), which
keeps the weight conservative without inventing precision.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from splink import Linker

from entrepot.linkage import specification

#: Random pairs drawn to estimate u (how often non-matches agree by chance).
U_SAMPLE_PAIRS = 5e6
#: Blocked pairs kept per EM session; Splink samples records by hash beyond this.
EM_MAX_PAIRS = 5e6
#: Records per side Splink's probe samples, at least, to count a training rule's pairs.
EM_PROBE_RECORDS = 20_000


@dataclass(frozen=True)
class Training:
    linker: Linker
    #: Levels (`comparison: level`) no random pair fell in, given u = 3 / N.
    u_unseen: list[str]


def train(tables: list[Any], prior: float, *, seed: int, smaller_side: int) -> Training:
    """A linker over the two registered `tables`, its m and u estimated."""
    linker = _linker(tables, specification.settings(prior=prior))
    # One pass over the sample: Splink can stop early once every level has been seen a
    # hundred times, but three shared stays never will be, so its chunks only add jobs.
    linker.training.estimate_u_using_random_sampling(
        max_pairs=U_SAMPLE_PAIRS, seed=seed, num_chunks=1, min_count_per_level=None
    )
    # Rebuilt from its own saved model: the public way to set a parameter by hand.
    model = linker.misc.save_model_to_json()
    unseen = [(name, level) for name, level in levels(model) if level.get("u_probability") is None]
    for _, level in unseen:
        level["u_probability"] = 3 / U_SAMPLE_PAIRS
    linker = _linker(tables, model)

    # Splink counts a rule's pairs on a sample of records before deciding to sample for
    # EM; its default 1 % finds no pair at all in a small linkage, and says so loudly.
    probe = min(1.0, max(0.01, EM_PROBE_RECORDS / smaller_side))
    for rule in specification.training_rules():
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, max_pairs=EM_MAX_PAIRS, record_sample_proportion=probe
        )
    return Training(linker, [name for name, _ in unseen])


def _linker(tables: list[Any], settings: Any) -> Linker:
    return Linker(tables, settings, log_level=logging.WARNING)


def levels(model: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The non-null levels of a saved model, each with its `comparison: level` name."""
    return [
        (f"{comparison['output_column_name']}: {level['label_for_charts']}", level)
        for comparison in model["comparisons"]
        for level in comparison["comparison_levels"]
        if not level.get("is_null_level")
    ]
