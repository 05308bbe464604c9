"""WHO ATC drug classification, curated subset shipped in ``data/atc.csv``.

The list holds the 14 anatomical main groups, the whole of L01 (antineoplastic agents) and
L02 (endocrine therapy) with their substances as of the 2024-2025 ATC index, and the
supportive drugs common in oncology (antiemetics, G-CSF, corticosteroids, bone agents,
heparins, opioids, folinates). Every level is a valid code: ``L``, ``L01``, ``L01F``,
``L01FD``, ``L01FD01``.
"""

from entrepot.vocab._files import read_rows
from entrepot.vocab.base import WHITESPACE, EnumeratedCodeSystem, Labels


def _clean(raw: str) -> str:
    return WHITESPACE.sub("", raw).upper()


def _load() -> dict[str, Labels]:
    return {row["code"]: Labels(row["name_en"], row["name_fr"]) for row in read_rows("atc.csv")}


ATC = EnumeratedCodeSystem(
    "atc", "ATC (WHO Anatomical Therapeutic Chemical classification)", load=_load, clean=_clean
)
