"""Family history of cancer: more relatives, younger, with breast and ovarian cancers, in
germline BRCA carriers (assumption: no figure in the sheet)."""

from __future__ import annotations

import numpy as np

from entrepot.model import VALUE_SETS
from entrepot.synth import calibration as cal
from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import categorical

#: Codes of the `relative` and `family_cancer_site` value sets, in their order: the shares
#: below follow it.
RELATIVES = tuple(VALUE_SETS["relative"].values)
_RELATIVE_SHARES = (0.20, 0.12, 0.15, 0.08, 0.01, 0.01, 0.12, 0.06, 0.12, 0.07, 0.06)
_FEMALE_RELATIVE = np.array(
    [r in ("mother", "sister", "daughter", "grandmother", "aunt") for r in RELATIVES]
)
SITES = tuple(VALUE_SETS["family_cancer_site"].values)
_SITE_SHARES = {
    "carrier": (0.50, 0.25, 0.03, 0.04, 0.07, 0.05, 0.02, 0.04),
    "other": (0.25, 0.03, 0.16, 0.20, 0.14, 0.05, 0.03, 0.14),
}
_SEX_SPECIFIC = {"ovary": True, "endometrium": True, "prostate": False}  # site -> female only?


def family_history(rng: np.random.Generator, gbrca: np.ndarray) -> Arrays:
    """Rows (`patient`, `relative`, `cancer_site`, `age`; age −1 when unknown), unique per
    patient, relative and site."""
    mean = np.where(
        gbrca, cal.FAMILY_HISTORY_MEAN["brca_carrier"], cal.FAMILY_HISTORY_MEAN["non_carrier"]
    )
    count = rng.poisson(mean)
    patient = np.repeat(np.arange(len(gbrca)), count)
    carrier = gbrca[patient]
    n = len(patient)
    relative = categorical(rng, _RELATIVE_SHARES, n)
    site = np.where(
        carrier,
        categorical(rng, _SITE_SHARES["carrier"], n),
        categorical(rng, _SITE_SHARES["other"], n),
    )
    female = _FEMALE_RELATIVE[relative]
    # A man has no ovary or endometrium, a woman no prostate: such draws become "other".
    for name, female_only in _SEX_SPECIFIC.items():
        wrong = (site == SITES.index(name)) & (female != female_only)
        site[wrong] = SITES.index("other")
    age = np.where(carrier, 48.0, 63.0) + np.where(carrier, 10.0, 12.0) * rng.standard_normal(n)
    age = np.round(np.clip(age, 20, 95)).astype(np.int64)
    age[rng.random(n) < 0.15] = -1
    order = np.lexsort((site, relative, patient))
    patient, relative, site, age = patient[order], relative[order], site[order], age[order]
    distinct = np.ones(n, dtype=bool)
    distinct[1:] = (
        (patient[1:] != patient[:-1]) | (relative[1:] != relative[:-1]) | (site[1:] != site[:-1])
    )
    return {
        "patient": patient[distinct],
        "relative": np.array(RELATIVES, dtype=object)[relative[distinct]],
        "cancer_site": np.array(SITES, dtype=object)[site[distinct]],
        "age": age[distinct],
    }
