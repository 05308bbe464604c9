"""Synthetic hospital exports calibrated on published French figures, with ground truth.

>>> from entrepot.synth import generate_hospitals
>>> summary = generate_hospitals(Path("out"), patients=20_000, centres=12, seed=7)  # doctest: +SKIP
"""

from entrepot.synth.hospitals import HospitalsSummary, generate_hospitals

__all__ = ["HospitalsSummary", "generate_hospitals"]
