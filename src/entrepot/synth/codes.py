"""Classification codes the generator draws from: ICD-10 and ICD-O-3 sites and histologies,
TNM combinations per stage group, metastatic sites, CCAM procedures.

Every code here must be valid in its `entrepot.vocab` code system; a unit test checks them
all. Shares are generator assumptions unless a key `[Sn]` says otherwise (they shape the
data, the calibrated figures live in `calibration.py`).
"""

from __future__ import annotations

from entrepot.model import VALUE_SETS

#: Breast sub-sites: (ICD-10 canonical, ICD-O-3 topography, share). Upper-outer quadrant
#: is the most frequent (assumption).
BREAST_SITES = (
    ("C500", "C50.0", 0.01),
    ("C501", "C50.1", 0.05),
    ("C502", "C50.2", 0.12),
    ("C503", "C50.3", 0.06),
    ("C504", "C50.4", 0.40),
    ("C505", "C50.5", 0.09),
    ("C506", "C50.6", 0.01),
    ("C508", "C50.8", 0.16),
    ("C509", "C50.9", 0.10),
)
#: Lung sub-sites; the middle lobe (C34.2) exists only on the right.
LUNG_SITES = (
    ("C340", "C34.0", 0.04),
    ("C341", "C34.1", 0.55),
    ("C342", "C34.2", 0.05),
    ("C343", "C34.3", 0.30),
    ("C348", "C34.8", 0.02),
    ("C349", "C34.9", 0.04),
)
OVARY_SITE = ("C56", "C56.9")

#: Breast morphology (ICD-O-3) per subtype group: (code, share).
BREAST_MORPHOLOGY = {
    "lobular_prone": (
        ("8500/3", 0.74),
        ("8520/3", 0.15),
        ("8522/3", 0.05),
        ("8480/3", 0.03),
        ("8211/3", 0.03),
    ),
    "other": (("8500/3", 0.93), ("8520/3", 0.02), ("8575/3", 0.03), ("8480/3", 0.02)),
}
#: Lung histology group -> ICD-O-3 morphology.
LUNG_MORPHOLOGY = {
    "adenocarcinoma": "8140/3",
    "squamous": "8070/3",
    "large_cell": "8012/3",
    "nsclc_nos": "8046/3",
    "small_cell": "8041/3",
    "other": "8240/3",
}
#: Ovary: high-grade serous, then the other epithelial types: (code, share among non-HGSC).
OVARY_HGSC_MORPHOLOGY = "8461/3"
OVARY_OTHER_MORPHOLOGY = (
    ("8380/3", 0.35),
    ("8310/3", 0.25),
    ("8480/3", 0.20),
    ("8460/3", 0.20),
)

#: (T, N, M, share) per stage group, AJCC/UICC 8th edition, anatomic stage.
BREAST_TNM = {
    "IA": (("T1a", "N0", "M0", 0.10), ("T1b", "N0", "M0", 0.25), ("T1c", "N0", "M0", 0.65)),
    "IIA": (("T1c", "N1", "M0", 0.40), ("T2", "N0", "M0", 0.60)),
    "IIB": (("T2", "N1", "M0", 0.80), ("T3", "N0", "M0", 0.20)),
    "IIIA": (("T1c", "N2", "M0", 0.10), ("T2", "N2", "M0", 0.40), ("T3", "N1", "M0", 0.50)),
    "IIIB": (("T4b", "N0", "M0", 0.30), ("T4b", "N1", "M0", 0.40), ("T4d", "N1", "M0", 0.30)),
    "IIIC": (("T2", "N3", "M0", 0.50), ("T3", "N3", "M0", 0.30), ("T4b", "N3", "M0", 0.20)),
    "IV": (
        ("T1c", "N0", "M1", 0.20),
        ("T2", "N1", "M1", 0.40),
        ("T3", "N2", "M1", 0.20),
        ("T4b", "N1", "M1", 0.20),
    ),
}
LUNG_TNM = {
    "IA": (("T1a", "N0", "M0", 0.20), ("T1b", "N0", "M0", 0.40), ("T1c", "N0", "M0", 0.40)),
    "IB": (("T2a", "N0", "M0", 1.0),),
    "IIA": (("T2b", "N0", "M0", 1.0),),
    "IIB": (("T1c", "N1", "M0", 0.30), ("T2a", "N1", "M0", 0.30), ("T3", "N0", "M0", 0.40)),
    "IIIA": (
        ("T1c", "N2", "M0", 0.20),
        ("T2a", "N2", "M0", 0.30),
        ("T3", "N1", "M0", 0.30),
        ("T4", "N0", "M0", 0.20),
    ),
    "IIIB": (("T2a", "N3", "M0", 0.30), ("T3", "N2", "M0", 0.40), ("T4", "N2", "M0", 0.30)),
    "IIIC": (("T3", "N3", "M0", 0.50), ("T4", "N3", "M0", 0.50)),
    "IVA": (
        ("T2a", "N2", "M1a", 0.25),
        ("T3", "N2", "M1a", 0.25),
        ("T4", "N3", "M1b", 0.25),
        ("T2b", "N1", "M1b", 0.25),
    ),
    "IVB": (("T2a", "N2", "M1c", 0.30), ("T3", "N3", "M1c", 0.30), ("T4", "N2", "M1c", 0.40)),
}
#: Lung M1 categories (IVA = M1a or M1b, IVB = M1c): shares (assumption).
LUNG_METASTATIC_STAGE = {"IVA": 0.45, "IVB": 0.55}
OVARY_TNM = {
    "IA": (("T1a", "N0", "M0", 1.0),),
    "IC": (("T1c", "N0", "M0", 1.0),),
    "IIA": (("T2a", "N0", "M0", 1.0),),
    "IIB": (("T2b", "N0", "M0", 1.0),),
    "IIIA": (("T1", "N1", "M0", 0.40), ("T3a", "N0", "M0", 0.60)),
    "IIIB": (("T3b", "N0", "M0", 0.70), ("T3b", "N1", "M0", 0.30)),
    "IIIC": (("T3c", "N0", "M0", 0.60), ("T3c", "N1", "M0", 0.40)),
    "IVA": (("T3c", "N0", "M1a", 0.60), ("T3c", "N1", "M1a", 0.40)),
    "IVB": (("T3c", "N0", "M1b", 0.50), ("T3c", "N1", "M1b", 0.50)),
}

#: Metastatic sites, in the order of the `metastatic_site` value set; bit i of a site mask.
METASTATIC_SITES = tuple(VALUE_SETS["metastatic_site"].values)
#: Relative weight of each site per cancer (assumption).
SITE_WEIGHTS = {
    "breast": {
        "bone": 0.65,
        "liver": 0.30,
        "lung": 0.25,
        "distant_lymph_nodes": 0.20,
        "pleura": 0.12,
        "brain": 0.07,
        "skin": 0.05,
    },
    "lung": {
        "bone": 0.35,
        "brain": 0.28,
        "liver": 0.18,
        "adrenal": 0.15,
        "pleura": 0.25,
        "lung": 0.20,
        "distant_lymph_nodes": 0.10,
    },
    "ovary": {
        "peritoneum": 0.80,
        "liver": 0.25,
        "pleura": 0.25,
        "distant_lymph_nodes": 0.20,
        "lung": 0.10,
    },
}

#: CCAM procedures (IR_CCAM_V63, schema-snds nomenclature), with shares inside each group.
CCAM = {
    "breast_conserving": (
        ("QEFA004", 0.55),
        ("QEFA001", 0.25),
        ("QEFA017", 0.15),
        ("QEFA008", 0.05),
    ),
    "mastectomy": (("QEFA019", 0.45), ("QEFA020", 0.50), ("QEFA010", 0.05)),
    "lung_resection": (
        ("GFFA013", 0.45),
        ("GFFA009", 0.30),
        ("GFFA029", 0.12),
        ("GFFA024", 0.08),
        ("GFFA018", 0.05),
    ),
    "ovary_debulking": (("JKFA028", 0.75), ("HPFA004", 0.15), ("JJFA005", 0.10)),
    "ovary_early": (("JJFA004", 0.40), ("JJFC010", 0.35), ("JKFC003", 0.25)),
    "radiotherapy": (("ZZNL050", 0.45), ("ZZNL065", 0.30), ("ZZNL063", 0.25)),
}
