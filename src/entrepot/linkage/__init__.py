"""Linkage of hospital patients to SNDS beneficiaries: direct (the trusted third party's
token) and probabilistic (a Fellegi–Sunter model over sex, birth month, département,
death date and stays at the centre, trained with Splink on DuckDB or Spark), one-to-one,
with a quality report, a deterministic baseline and an evaluation against a truth."""

from entrepot.linkage.baseline import deterministic_baseline
from entrepot.linkage.evaluation import evaluate
from entrepot.linkage.pipeline import STEPS, LinkageResult, link
from entrepot.linkage.reasons import REASONS

__all__ = ["REASONS", "STEPS", "LinkageResult", "deterministic_baseline", "evaluate", "link"]
