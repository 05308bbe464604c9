"""The Fellegi–Sunter model: what is compared, which pairs are scored, which pairs train.

Every condition is plain SQL over the columns `records` builds (day numbers, month
counts, string arrays), so the same text runs on DuckDB and on Spark; the one array
function (intersection size) comes from Splink, which spells it per dialect.
"""

from __future__ import annotations

from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.comparison_library import CustomComparison
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from entrepot.linkage.records import (
    ANCHOR_STAY,
    EXACT_STAY_KEYS,
    STAY_COUNT,
    STAY_KEYS,
    UNIQUE_ID,
)

#: Dataset names; Splink puts the alphabetically first on the left of each pair.
HOSPITAL = "hospital"
SNDS = "snds"

#: Death dates this many days apart still agree (registries and hospitals differ by a
#: few days: death at night, date of the certificate, of the report).
DEATH_DATE_TOLERANCE_DAYS = 7


#: Share of the patient's stays found on the SNDS side that makes a strong stays level:
#: a true pair misses a few (stays absent from the PMSI, excluded by its cleaning), a
#: look-alike treated at the same centre shares a handful by coincidence out of dozens.
MOST_STAYS = 0.5


class MostStaysLevel(ComparisonLevelCreator):
    """At least `count` stays shared, and at least `MOST_STAYS` of the patient's stays.

    Splink has no level comparing an intersection with a column, so the SQL is written
    here for each dialect (the one place where the two engines are spelt differently).
    """

    def __init__(self, column: str, count: int, label: str) -> None:
        self.column, self.count, self.label = column, count, label

    def create_sql(self, sql_dialect) -> str:
        left, right = f"{self.column}_l", f"{self.column}_r"
        if sql_dialect.sqlglot_dialect == "spark":
            shared = f"size(array_intersect({left}, {right}))"
        else:
            shared = f"len(list_intersect({left}, {right}))"
        patient_stays = f"coalesce({STAY_COUNT}_l, {STAY_COUNT}_r)"
        return f"{shared} >= {self.count} and {shared} >= {MOST_STAYS} * {patient_stays}"

    def create_label_for_charts(self) -> str:
        return self.label


def _exact(column: str, label: str) -> CustomComparison:
    return CustomComparison(
        [
            cll.NullLevel(column),
            cll.ExactMatchLevel(column),
            cll.ElseLevel(),
        ],
        output_column_name=label,
    )


def comparisons() -> list[CustomComparison]:
    birth_year = CustomComparison(
        [
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year"),
            cll.CustomLevel(
                "abs(birth_year_l - birth_year_r) = 1", label_for_charts="one year apart"
            ),
            cll.ElseLevel(),
        ],
        output_column_name="birth_year",
    )
    birth_month = CustomComparison(
        [
            cll.NullLevel("birth_month"),
            cll.ExactMatchLevel("birth_month"),
            # Counted in months since year 0, so December and the next January are close.
            cll.CustomLevel(
                "abs(birth_months_l - birth_months_r) = 1", label_for_charts="one month apart"
            ),
            cll.ElseLevel(),
        ],
        output_column_name="birth_month",
    )
    death = CustomComparison(
        [
            cll.CustomLevel(
                "death_day_l is null and death_day_r is null", label_for_charts="both alive"
            ).configure(is_null_level=True),
            cll.CustomLevel("death_day_l = death_day_r", label_for_charts="same day"),
            cll.CustomLevel(
                f"abs(death_day_l - death_day_r) <= {DEATH_DATE_TOLERANCE_DAYS}",
                label_for_charts=f"within {DEATH_DATE_TOLERANCE_DAYS} days",
            ),
            cll.CustomLevel(
                "death_day_l is null or death_day_r is null", label_for_charts="one side only"
            ),
            cll.ElseLevel(),
        ],
        output_column_name="death_date",
    )
    shared = {n: cll.ArrayIntersectLevel(STAY_KEYS, min_intersection=n) for n in (3, 2, 1)}
    stays = CustomComparison(
        [
            cll.NullLevel(STAY_KEYS),
            MostStaysLevel(EXACT_STAY_KEYS, 3, "most of the patient's stays, on the same day"),
            MostStaysLevel(STAY_KEYS, 3, "most of the patient's stays, within a day"),
            # Most true pairs share several stays on the very same day; two patients of one
            # centre on the same cycle of treatment a day apart share them only within a
            # day of each other. Without this level the two look alike to the model.
            cll.ArrayIntersectLevel(EXACT_STAY_KEYS, min_intersection=3).configure(
                label_for_charts="3 or more stays on the same day"
            ),
            shared[3],
            shared[2],
            # One shared stay says much more when it is all the hospital knows of the
            # patient than when four of their five stays are missing. Only the hospital
            # side has a count, so `coalesce` reads it whichever side it is on.
            cll.And(
                cll.ArrayIntersectLevel(STAY_KEYS, min_intersection=1),
                cll.CustomLevel(f"coalesce({STAY_COUNT}_l, {STAY_COUNT}_r) = 1"),
            ).configure(label_for_charts="the patient's only stay"),
            shared[1],
            cll.ElseLevel(),
        ],
        output_column_name="stays_at_centre",
    )
    return [
        _exact("sex", "sex"),
        birth_year,
        birth_month,
        _exact("departement", "departement"),
        death,
        stays,
    ]


def prediction_rules() -> list[Any]:
    """Pairs scored: same sex, birth month and département; or a shared stay and the
    same birth year (which catches a discordant birth month or a move). The exploding
    rule comes last: Splink cannot subtract its pairs from the rules after it."""
    return [
        block_on("sex", "birth_year", "birth_month", "departement"),
        block_on(STAY_KEYS, "birth_year", arrays_to_explode=[STAY_KEYS]),
    ]


def training_rules() -> list[Any]:
    """Two EM sessions, so that every comparison's m is estimated in one of them.

    The first blocks on the identity columns and estimates the stays and the death date.
    The second pairs people whose first two stays at a centre fell on the same days
    (`records._anchors`): nearly all true matches, chosen without looking at identity,
    so it estimates the identity columns. It also names `stay_keys`, only so that Splink
    leaves the stays out of that session: pairs picked for sharing stays cannot tell how
    often true matches share none.
    """
    return [
        block_on("sex", "birth_year", "birth_month", "departement"),
        CustomRule(f"l.{ANCHOR_STAY} = r.{ANCHOR_STAY} and l.{STAY_KEYS} is not null"),
    ]


def settings(prior: float) -> SettingsCreator:
    """`prior`: the probability that two records drawn at random match."""
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name=UNIQUE_ID,
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=prediction_rules(),
        probability_two_random_records_match=prior,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
