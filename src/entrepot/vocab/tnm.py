"""TNM 8th edition categories (UICC/AJCC) for breast, lung and ovary, without the c/p prefix.

Canonical spellings follow the TNM manual: ``T1c``, ``Tis(DCIS)``, ``T1mi``, ``N0(i+)``,
``N1mi``, ``M1a``. Normalisation is case-insensitive, drops spaces, the prefix saying how the
category was established (``c``, ``p``, ``yc``, ``yp``, and the rarer ``r``/``a`` forms) and
the suffixes that qualify it without changing it: multiple tumours ``(m)`` or ``(3)``,
sentinel node ``(sn)``, fine-needle ``(f)``. So ``pT1c(m)`` is ``T1c`` and ``ypN0(sn)`` is
``N0``.

``MX`` was abolished in the 7th edition but is still written in records; it is accepted so
that such rows are kept (it means "unknown").
"""

import re

from entrepot.vocab.base import Labels, case_insensitive

_PREFIX = re.compile(r"^[RA]?Y?[CP]?(?=[TNM])")
_QUALIFIER = re.compile(r"\((?:M|SN|F|[0-9]+)\)$", re.ASCII)

_T_SPECIAL = {
    "TX": Labels("Primary tumour cannot be assessed", "Tumeur primitive non évaluable"),
    "T0": Labels("No evidence of primary tumour", "Pas de tumeur primitive décelable"),
    "Tis": Labels("Carcinoma in situ", "Carcinome in situ"),
    "Tis(DCIS)": Labels("Ductal carcinoma in situ (breast)", "Carcinome canalaire in situ (sein)"),
    "Tis(LCIS)": Labels(
        "Lobular carcinoma in situ (breast, UICC only)",
        "Carcinome lobulaire in situ (sein, UICC seulement)",
    ),
    "Tis(Paget)": Labels(
        "Paget disease of the nipple without underlying carcinoma (breast)",
        "Maladie de Paget du mamelon sans carcinome sous-jacent (sein)",
    ),
    "Tis(AIS)": Labels("Adenocarcinoma in situ (lung)", "Adénocarcinome in situ (poumon)"),
    "Tis(SCIS)": Labels(
        "Squamous cell carcinoma in situ (lung)", "Carcinome épidermoïde in situ (poumon)"
    ),
    "T1mi": Labels(
        "Microinvasion (breast) or minimally invasive adenocarcinoma (lung)",
        "Micro-invasion (sein) ou adénocarcinome minimement invasif (poumon)",
    ),
}
_T_GENERIC = [
    "T1", "T1a", "T1b", "T1c", "T1c1", "T1c2", "T1c3",
    "T2", "T2a", "T2b",
    "T3", "T3a", "T3b", "T3c",
    "T4", "T4a", "T4b", "T4c", "T4d",
]  # fmt: skip

_N_SPECIAL = {
    "NX": Labels("Regional lymph nodes cannot be assessed", "Ganglions régionaux non évaluables"),
    "N0": Labels("No regional lymph node metastasis", "Pas de métastase ganglionnaire régionale"),
    "N0(i-)": Labels(
        "No regional lymph node metastasis, immunohistochemistry negative (breast)",
        "Pas de métastase ganglionnaire régionale, immunohistochimie négative (sein)",
    ),
    "N0(i+)": Labels(
        "Isolated tumour cells in regional lymph nodes, 0.2 mm or less (breast)",
        "Cellules tumorales isolées dans les ganglions régionaux, 0,2 mm ou moins (sein)",
    ),
    "N0(mol-)": Labels(
        "No regional lymph node metastasis, molecular findings negative (breast)",
        "Pas de métastase ganglionnaire régionale, biologie moléculaire négative (sein)",
    ),
    "N0(mol+)": Labels(
        "Positive molecular findings without detected nodal metastasis (breast)",
        "Biologie moléculaire positive sans métastase ganglionnaire décelée (sein)",
    ),
    "N1mi": Labels(
        "Micrometastasis, more than 0.2 mm and 2 mm or less (breast)",
        "Micrométastase, plus de 0,2 mm et 2 mm ou moins (sein)",
    ),
}
_N_GENERIC = ["N1", "N1a", "N1b", "N1c", "N2", "N2a", "N2b", "N3", "N3a", "N3b", "N3c"]

_M_SPECIAL = {
    "MX": Labels(
        "Distant metastasis cannot be assessed (abolished since TNM 7)",
        "Métastases à distance non évaluables (supprimé depuis la 7e édition)",
    ),
    "M0": Labels("No distant metastasis", "Pas de métastase à distance"),
    "M0(i+)": Labels(
        "Tumour cells of 0.2 mm or less in blood, bone marrow or distant nodes (breast)",
        "Cellules tumorales de 0,2 mm ou moins dans le sang, la moelle ou des ganglions "
        "à distance (sein)",
    ),
    "M1": Labels("Distant metastasis", "Métastases à distance"),
}
_M_GENERIC = ["M1a", "M1b", "M1c"]


def _generic(codes: list[str]) -> dict[str, Labels]:
    return {
        code: Labels(
            f"{code[0]} category {code} (definition depends on the tumour site)",
            f"Catégorie {code[0]} {code} (définition propre à chaque localisation)",
        )
        for code in codes
    }


def _category_key(code: str) -> str:
    return _QUALIFIER.sub("", _PREFIX.sub("", code))


TNM_T = case_insensitive(
    "tnm_t", "TNM 8 primary tumour (T)", {**_T_SPECIAL, **_generic(_T_GENERIC)}, _category_key
)
TNM_N = case_insensitive(
    "tnm_n", "TNM 8 regional lymph nodes (N)", {**_N_SPECIAL, **_generic(_N_GENERIC)}, _category_key
)
TNM_M = case_insensitive(
    "tnm_m", "TNM 8 distant metastasis (M)", {**_M_SPECIAL, **_generic(_M_GENERIC)}, _category_key
)


def is_metastatic_m(m: str) -> bool:
    """Tell whether an M category says distant metastasis (M1, M1a, pM1c...)."""
    canonical = TNM_M.normalise(m)
    return canonical is not None and canonical.startswith("M1")
