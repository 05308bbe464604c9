"""Every code the generator draws is valid in its `entrepot.vocab` code system, as the
docstring of `entrepot.synth.codes` promises."""

from __future__ import annotations

import ast
import inspect
import re

import pytest

from entrepot.model import VALUE_SETS
from entrepot.synth import codes, family, frontline, stays
from entrepot.synth.regimens import REGIMENS
from entrepot.vocab import code_system

SITES = (*codes.BREAST_SITES, *codes.LUNG_SITES, (*codes.OVARY_SITE, 1.0))
TNM = (codes.BREAST_TNM, codes.LUNG_TNM, codes.OVARY_TNM)


def _invalid(system: str, values: object) -> list[str]:
    vocabulary = code_system(system)
    return sorted({v for v in values if not vocabulary.is_valid(v)})


@pytest.mark.parametrize(
    ("system", "values"),
    [
        ("icd10", [s[0] for s in SITES]),
        ("icdo3_topography", [s[1] for s in SITES]),
        (
            "icdo3_morphology",
            [
                *(c for group in codes.BREAST_MORPHOLOGY.values() for c, _ in group),
                *codes.LUNG_MORPHOLOGY.values(),
                codes.OVARY_HGSC_MORPHOLOGY,
                *(c for c, _ in codes.OVARY_OTHER_MORPHOLOGY),
            ],
        ),
        ("tnm_t", [t for table in TNM for rows in table.values() for t, _, _, _ in rows]),
        ("tnm_n", [n for table in TNM for rows in table.values() for _, n, _, _ in rows]),
        ("tnm_m", [m for table in TNM for rows in table.values() for _, _, m, _ in rows]),
        (
            "stage_group",
            [*codes.BREAST_TNM, *codes.LUNG_TNM, *codes.LUNG_METASTATIC_STAGE],
        ),
        # Ovary stages are FIGO stages, written in `figo_stage`.
        ("figo_stage", list(codes.OVARY_TNM)),
        ("ccam", [c for group in codes.CCAM.values() for c, _ in group]),
        ("atc", [d for r in REGIMENS for d in r.drugs]),
    ],
)
def test_generator_codes_are_valid(system: str, values: list[str]) -> None:
    assert values
    assert _invalid(system, values) == []


def test_ccam_written_outside_codes_py_is_valid() -> None:
    """Procedures hard-coded in the drawing modules (e.g. radiotherapy ZZNL063)."""
    ccam = re.compile(r"[A-Z]{4}\d{3}")
    found = [
        node.value
        for module in (frontline, stays)
        for node in ast.walk(ast.parse(inspect.getsource(module)))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and ccam.fullmatch(node.value)
    ]
    assert "ZZNL063" in found
    assert _invalid("ccam", found) == []


def test_value_sets_drawn_from_come_from_the_model_with_one_share_each() -> None:
    assert set(family.RELATIVES) == VALUE_SETS["relative"].codes()
    assert set(family.SITES) == VALUE_SETS["family_cancer_site"].codes()
    assert set(codes.METASTATIC_SITES) == VALUE_SETS["metastatic_site"].codes()
    assert len(family._RELATIVE_SHARES) == len(family.RELATIVES)
    assert all(len(shares) == len(family.SITES) for shares in family._SITE_SHARES.values())
