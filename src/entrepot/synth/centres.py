"""The network of centres: who they are, how each one writes its exports, how big it is.

The catalogue mirrors the ESMÉ lung platform's mix of 20 CLCCs and 18 public hospitals
[S20], plus two private clinics: 40 possible centres. Names are generic (the data are
synthetic: no real establishment is implied); FINESS numbers are synthetic too, built on the
centre's département with a valid check digit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from entrepot.synth import calibration as cal
from entrepot.vocab.finess import finess_with_check_digit

#: (category, city, département, name, number of extra geographical sites)
CATALOGUE: tuple[tuple[str, str, str, str, int], ...] = (
    ("CLCC", "Paris", "75", "Centre de lutte contre le cancer de Paris", 1),
    ("CLCC", "Villejuif", "94", "Institut de cancérologie de Villejuif", 0),
    ("CLCC", "Saint-Cloud", "92", "Centre de lutte contre le cancer de Saint-Cloud", 0),
    ("CLCC", "Lyon", "69", "Centre de lutte contre le cancer de Lyon", 0),
    ("CLCC", "Marseille", "13", "Institut de cancérologie de Marseille", 0),
    ("CLCC", "Bordeaux", "33", "Institut de cancérologie de Bordeaux", 0),
    ("CLCC", "Toulouse", "31", "Institut universitaire du cancer de Toulouse", 1),
    ("CLCC", "Montpellier", "34", "Institut du cancer de Montpellier", 0),
    ("CLCC", "Nice", "06", "Centre de lutte contre le cancer de Nice", 0),
    ("CLCC", "Saint-Herblain", "44", "Institut de cancérologie de l'Ouest, Saint-Herblain", 1),
    ("CLCC", "Angers", "49", "Institut de cancérologie de l'Ouest, Angers", 0),
    ("CLCC", "Rennes", "35", "Centre de lutte contre le cancer de Rennes", 0),
    ("CLCC", "Caen", "14", "Centre de lutte contre le cancer de Caen", 0),
    ("CLCC", "Rouen", "76", "Centre de lutte contre le cancer de Rouen", 0),
    ("CLCC", "Lille", "59", "Centre de lutte contre le cancer de Lille", 0),
    ("CLCC", "Reims", "51", "Institut de cancérologie de Reims", 0),
    ("CLCC", "Vandœuvre-lès-Nancy", "54", "Institut de cancérologie de Lorraine", 0),
    ("CLCC", "Strasbourg", "67", "Institut de cancérologie Strasbourg Europe", 0),
    ("CLCC", "Dijon", "21", "Centre de lutte contre le cancer de Dijon", 0),
    ("CLCC", "Clermont-Ferrand", "63", "Centre de lutte contre le cancer de Clermont-Ferrand", 0),
    ("CHU", "Brest", "29", "CHU de Brest", 2),
    ("CHU", "Tours", "37", "CHU de Tours", 2),
    ("CHU", "Poitiers", "86", "CHU de Poitiers", 1),
    ("CHU", "Limoges", "87", "CHU de Limoges", 1),
    ("CHU", "Grenoble", "38", "CHU Grenoble-Alpes", 2),
    ("CHU", "Saint-Étienne", "42", "CHU de Saint-Étienne", 2),
    ("CHU", "Amiens", "80", "CHU Amiens-Picardie", 1),
    ("CHU", "Besançon", "25", "CHU de Besançon", 1),
    ("CHU", "Nîmes", "30", "CHU de Nîmes", 1),
    ("CHU", "Créteil", "94", "CHU de Créteil", 2),
    ("CHG", "Le Mans", "72", "Centre hospitalier du Mans", 1),
    ("CHG", "Orléans", "45", "Centre hospitalier régional d'Orléans", 1),
    ("CHG", "Pau", "64", "Centre hospitalier de Pau", 0),
    ("CHG", "Perpignan", "66", "Centre hospitalier de Perpignan", 0),
    ("CHG", "Avignon", "84", "Centre hospitalier d'Avignon", 1),
    ("CHG", "Valence", "26", "Centre hospitalier de Valence", 0),
    ("CHG", "Chambéry", "73", "Centre hospitalier Métropole Savoie", 1),
    ("CHG", "Annecy", "74", "Centre hospitalier Annecy Genevois", 1),
    ("private clinic", "Toulon", "83", "Clinique oncologique du Var", 0),
    ("private clinic", "Bayonne", "64", "Clinique de l'Adour", 0),
)
CATEGORIES = ("CLCC", "CHU", "CHG", "private clinic")


@dataclass(frozen=True)
class ExportStyle:
    """How a centre's information system writes its CSV exports."""

    encoding: str
    separator: str
    #: "iso" (2019-03-04) or "dmy" (04/03/2019).
    date_style: str
    decimal: str
    true: str
    false: str
    #: Share of ICD-10 codes written with a dot (C50.9) rather than without (C509).
    icd10_dot_share: float


UTF8_STYLE = ExportStyle("utf-8", ",", "iso", ".", "true", "false", 0.0)
LATIN1_STYLE = ExportStyle("cp1252", ";", "dmy", ",", "oui", "non", 0.0)


@dataclass(frozen=True)
class Centre:
    finess: str
    name: str
    category: str
    city: str
    departement: str
    #: FINESS of the centre's other geographical sites (stays may take place there).
    sites: tuple[str, ...]
    style: ExportStyle
    #: Relative number of patients.
    weight: float
    #: Hospital patient numbers are ipp_base + ordinal * ipp_stride + jitter: unique, and
    #: not a plain counter (real IPPs are not 1, 2, 3).
    ipp_base: int
    ipp_stride: int


def _finess(catalogue_index: int, site: int) -> str:
    departement = CATALOGUE[catalogue_index][2]
    body = (catalogue_index * 7919 + site * 977 + 1009) % 100_000
    return finess_with_check_digit(f"{departement}0{body:05d}")


def select_centres(count: int, rng: np.random.Generator) -> list[Centre]:
    """`count` centres from the catalogue, deterministic for the generator's seed.

    Categories keep the catalogue's proportions (largest remainder), with at least one CLCC;
    a third of the centres write Latin-1 exports with `;`, dd/mm/yyyy dates and decimal
    commas (at least one as soon as there are two centres).
    """
    if not 1 <= count <= len(CATALOGUE):
        raise ValueError(f"centres must be between 1 and {len(CATALOGUE)}, not {count}")
    by_category = {c: [i for i, row in enumerate(CATALOGUE) if row[0] == c] for c in CATEGORIES}
    exact = np.array([len(by_category[c]) * count / len(CATALOGUE) for c in CATEGORIES])
    quota = np.floor(exact).astype(int)
    for i in np.argsort(-(exact - quota), kind="stable")[: count - quota.sum()]:
        quota[i] += 1
    if quota[0] == 0:
        quota[int(np.argmax(quota))] -= 1
        quota[0] = 1
    chosen = sorted(
        int(i)
        for c, q in zip(CATEGORIES, quota, strict=True)
        for i in rng.permutation(by_category[c])[:q]
    )
    n_latin = round(count * cal.LATIN1_CENTRE_SHARE) if count >= 3 else min(count - 1, 1)
    latin = set(rng.permutation(count)[:n_latin].tolist())
    dot_shares = rng.choice([0.0, 0.5, 1.0], size=count)
    noise = rng.lognormal(0.0, cal.CENTRE_WEIGHT_SIGMA, size=count)
    centres = []
    for k, i in enumerate(chosen):
        category, city, departement, name, n_sites = CATALOGUE[i]
        base = LATIN1_STYLE if k in latin else UTF8_STYLE
        style = replace(base, icd10_dot_share=float(dot_shares[k]))
        centres.append(
            Centre(
                finess=_finess(i, 0),
                name=name,
                category=category,
                city=city,
                departement=departement,
                sites=tuple(_finess(i, s) for s in range(1, n_sites + 1)),
                style=style,
                weight=cal.CENTRE_WEIGHT[category] * float(noise[k]),
                ipp_base=int(rng.integers(10_000_000, 400_000_000)),
                ipp_stride=int(rng.integers(3, 10)),
            )
        )
    return centres
