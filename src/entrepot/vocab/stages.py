"""Stage groups: AJCC/UICC TNM stage groups and FIGO 2014 ovarian cancer stages.

Stages are written in Roman numerals only (an Arabic "3" is ambiguous between systems and is
rejected), case-insensitively, with an optional leading "stage", "stade" or "FIGO".
"""

import re

from entrepot.vocab.base import Labels, case_insensitive

_STAGE_WORDS = re.compile(r"^(?:STAGE|STADE|FIGO)+")

_STAGE_GROUPS = [
    "0", "I", "IA", "IA1", "IA2", "IA3", "IB", "II", "IIA", "IIB",
    "III", "IIIA", "IIIB", "IIIC", "IV", "IVA", "IVB",
]  # fmt: skip

_FIGO_STAGES = {
    "I": Labels(
        "Tumour confined to the ovaries or fallopian tubes",
        "Tumeur limitée aux ovaires ou aux trompes",
    ),
    "IA": Labels(
        "Tumour limited to one ovary (capsule intact) or one fallopian tube",
        "Tumeur limitée à un ovaire (capsule intacte) ou à une trompe",
    ),
    "IB": Labels(
        "Tumour limited to both ovaries (capsules intact) or both fallopian tubes",
        "Tumeur limitée aux deux ovaires (capsules intactes) ou aux deux trompes",
    ),
    "IC": Labels(
        "Tumour limited to the ovaries or fallopian tubes with spill, rupture or malignant "
        "cells in ascites or washings",
        "Tumeur limitée aux ovaires ou aux trompes avec rupture ou cellules malignes dans "
        "l'ascite ou le lavage péritonéal",
    ),
    "IC1": Labels("Surgical spill", "Rupture peropératoire"),
    "IC2": Labels(
        "Capsule ruptured before surgery or tumour on the ovarian or tubal surface",
        "Rupture capsulaire avant la chirurgie ou tumeur à la surface de l'ovaire ou de la trompe",
    ),
    "IC3": Labels(
        "Malignant cells in the ascites or peritoneal washings",
        "Cellules malignes dans l'ascite ou le liquide de lavage péritonéal",
    ),
    "II": Labels(
        "Pelvic extension below the pelvic brim, or primary peritoneal cancer",
        "Extension pelvienne sous le détroit supérieur, ou cancer péritonéal primitif",
    ),
    "IIA": Labels(
        "Extension or implants on the uterus, fallopian tubes or ovaries",
        "Extension ou implants sur l'utérus, les trompes ou les ovaires",
    ),
    "IIB": Labels(
        "Extension to other pelvic intraperitoneal tissues",
        "Extension aux autres tissus intrapéritonéaux pelviens",
    ),
    "III": Labels(
        "Peritoneal spread outside the pelvis or retroperitoneal lymph node metastasis",
        "Atteinte péritonéale extra-pelvienne ou métastases ganglionnaires rétropéritonéales",
    ),
    "IIIA": Labels(
        "Retroperitoneal lymph node metastasis or microscopic extrapelvic peritoneal spread",
        "Métastases ganglionnaires rétropéritonéales ou atteinte péritonéale extra-pelvienne "
        "microscopique",
    ),
    "IIIA1": Labels(
        "Positive retroperitoneal lymph nodes only",
        "Atteinte ganglionnaire rétropéritonéale seule",
    ),
    "IIIA1(i)": Labels(
        "Retroperitoneal lymph node metastasis of 10 mm or less",
        "Métastase ganglionnaire rétropéritonéale de 10 mm ou moins",
    ),
    "IIIA1(ii)": Labels(
        "Retroperitoneal lymph node metastasis of more than 10 mm",
        "Métastase ganglionnaire rétropéritonéale de plus de 10 mm",
    ),
    "IIIA2": Labels(
        "Microscopic extrapelvic peritoneal spread, with or without positive nodes",
        "Atteinte péritonéale extra-pelvienne microscopique, avec ou sans atteinte ganglionnaire",
    ),
    "IIIB": Labels(
        "Macroscopic peritoneal metastasis beyond the pelvis, 2 cm or less",
        "Métastases péritonéales macroscopiques extra-pelviennes de 2 cm ou moins",
    ),
    "IIIC": Labels(
        "Macroscopic peritoneal metastasis beyond the pelvis, more than 2 cm",
        "Métastases péritonéales macroscopiques extra-pelviennes de plus de 2 cm",
    ),
    "IV": Labels(
        "Distant metastasis, excluding peritoneal metastasis",
        "Métastases à distance, hors métastases péritonéales",
    ),
    "IVA": Labels(
        "Pleural effusion with positive cytology",
        "Épanchement pleural avec cytologie positive",
    ),
    "IVB": Labels(
        "Parenchymal or extra-abdominal metastasis, including inguinal lymph nodes",
        "Métastases parenchymateuses ou extra-abdominales, ganglions inguinaux compris",
    ),
}


def _stage_key(stage: str) -> str:
    return _STAGE_WORDS.sub("", stage)


STAGE_GROUP = case_insensitive(
    "stage_group",
    "Stage group (AJCC/UICC TNM 8)",
    {stage: Labels(f"Stage {stage}", f"Stade {stage}") for stage in _STAGE_GROUPS},
    _stage_key,
)

FIGO_STAGE = case_insensitive(
    "figo_stage", "FIGO 2014 ovarian cancer stage", _FIGO_STAGES, _stage_key
)


def is_metastatic_stage(stage: str) -> bool:
    """Tell whether a stage group or FIGO stage says distant metastasis (stage IV, IVA, IVB)."""
    canonical = STAGE_GROUP.normalise(stage) or FIGO_STAGE.normalise(stage)
    return canonical is not None and canonical.startswith("IV")
