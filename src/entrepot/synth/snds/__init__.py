"""Synthetic SNDS extracts for a population holding every synthetic hospital patient.

>>> from entrepot.synth.snds import generate_snds
>>> summary = generate_snds(Path("hospitals"), Path("snds"), seed=7)  # doctest: +SKIP

The extract follows decision 0004 (HDH column names, one `;` CSV per table and PMSI year,
SAS datetimes); the ground truth of linkage and of every built-in discrepancy is kept aside
in `ground_truth/`. See docs/synthetic-data.md.
"""

from entrepot.synth.snds.generate import DEFAULT_CHUNK_SIZE, SndsSummary, generate_snds
from entrepot.synth.snds.rates import RATE_NAMES, Rates

__all__ = ["DEFAULT_CHUNK_SIZE", "RATE_NAMES", "Rates", "SndsSummary", "generate_snds"]
