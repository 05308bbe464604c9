"""Metropolitan départements, their regions, and a fixed synthetic gazetteer of communes.

Commune names are built from Faker's fr_FR word lists (the same recipes as Faker's own
`city_formats`), once, with a fixed seed: the same commune always has the same postcode, in
every run, and the postcode always leads back to its département (Corsica: 200xx–201xx is
2A, 202xx–206xx is 2B, as La Poste numbers them).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from faker.providers.address.fr_FR import Provider as AddressWords
from faker.providers.person.fr_FR import Provider as PersonWords

#: Region of each metropolitan département (2016 regions).
REGIONS: dict[str, tuple[str, ...]] = {
    "Auvergne-Rhône-Alpes": (
        "01",
        "03",
        "07",
        "15",
        "26",
        "38",
        "42",
        "43",
        "63",
        "69",
        "73",
        "74",
    ),
    "Bourgogne-Franche-Comté": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "Bretagne": ("22", "29", "35", "56"),
    "Centre-Val de Loire": ("18", "28", "36", "37", "41", "45"),
    "Corse": ("2A", "2B"),
    "Grand Est": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "Hauts-de-France": ("02", "59", "60", "62", "80"),
    "Île-de-France": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "Normandie": ("14", "27", "50", "61", "76"),
    "Nouvelle-Aquitaine": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "Occitanie": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "Pays de la Loire": ("44", "49", "53", "72", "85"),
    "Provence-Alpes-Côte d'Azur": ("04", "05", "06", "13", "83", "84"),
}
DEPARTEMENTS: tuple[str, ...] = tuple(sorted(d for ds in REGIONS.values() for d in ds))
DEPARTEMENT_INDEX = {d: i for i, d in enumerate(DEPARTEMENTS)}
REGION_OF = {d: region for region, ds in REGIONS.items() for d in ds}

COMMUNES_PER_DEPARTEMENT = 24
_GAZETTEER_SEED = 1790  # the year départements were created


def _postcode(departement: str, k: int) -> str:
    """Postcode of the k-th commune of a département (unique within the département)."""
    if departement == "75":
        return f"750{k % 20 + 1:02d}"  # Paris arrondissements
    if departement == "2A":
        return f"20{k % 2}{k // 2 % 10}0"  # 200x0 and 201x0
    if departement == "2B":
        return f"20{2 + 2 * (k % 3)}{k // 3 % 10}0"  # 202x0, 204x0, 206x0
    return f"{departement}{k * 10:03d}"


@cache
def gazetteer() -> tuple[np.ndarray, np.ndarray]:
    """(names, postcodes): object arrays of shape (n_departements, COMMUNES_PER_DEPARTEMENT)."""
    rng = np.random.default_rng(_GAZETTEER_SEED)
    last = PersonWords.last_names
    first = PersonWords.first_names_female + PersonWords.first_names_male
    prefixes, suffixes = (
        AddressWords.city_prefixes,
        ("-les-Bains", "-sur-Mer", "-la-Forêt", "-le-Château", "-en-Vallée"),
    )
    names = np.empty((len(DEPARTEMENTS), COMMUNES_PER_DEPARTEMENT), dtype=object)
    postcodes = np.empty_like(names)
    for i, departement in enumerate(DEPARTEMENTS):
        for k in range(COMMUNES_PER_DEPARTEMENT):
            recipe = rng.integers(5)
            if recipe == 0:
                name = f"{prefixes[rng.integers(len(prefixes))]}-{first[rng.integers(len(first))]}"
            elif recipe == 1:
                name = f"{last[rng.integers(len(last))]}{suffixes[rng.integers(len(suffixes))]}"
            elif recipe == 2:
                name = f"{last[rng.integers(len(last))]}-sur-{last[rng.integers(len(last))]}"
            else:
                name = last[rng.integers(len(last))]
            names[i, k] = "Paris" if departement == "75" else name
            postcodes[i, k] = _postcode(departement, k)
    return names, postcodes
