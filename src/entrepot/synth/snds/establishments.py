"""The hospitals where the population's stays take place, beside the network's own centres.

Every département gets two public hospitals and one private clinic (synthetic FINESS
numbers with a valid check digit, none equal to a network centre's). Paris and its inner
suburbs, Lyon and Marseille also hold the sites of AP-HP, HCL and AP-HM: these three
groups report their PMSI stays twice, once under the legal entity's FINESS (750712184,
690781810, 130786049 — the real numbers of the legal entities) and once under the
geographical site's, a known trap of the national data that analyses must de-duplicate.
The network's centres never belong to these groups (their FINESS are synthetic), so only
stays of the wider population show the duplication. Site numbers are synthetic.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from entrepot.synth.snds.demography import ALL_DEPARTEMENTS, DEPARTEMENT_INDEX
from entrepot.vocab.finess import finess_with_check_digit

#: Legal entity → (its FINESS, départements of its sites, number of sites there).
HOSPITAL_GROUPS: dict[str, tuple[str, tuple[tuple[str, int], ...]]] = {
    "AP-HP": ("750712184", (("75", 4), ("92", 1), ("93", 1), ("94", 1))),
    "HCL": ("690781810", (("69", 3),)),
    "AP-HM": ("130786049", (("13", 2),)),
}
_PER_DEPARTEMENT = (("public", 2), ("private", 1))


@dataclass(frozen=True)
class Establishments:
    """FINESS numbers of the hospitals outside the network, by département.

    `finess[i]` is establishment `i`; `departement[i]` its index in `ALL_DEPARTEMENTS`;
    `private[i]` tells a private clinic (its expensive drugs go through the DCIR);
    `legal[i]` the legal entity's FINESS that also reports its stays ("" if none).
    """

    finess: np.ndarray
    departement: np.ndarray
    private: np.ndarray
    legal: np.ndarray


def _prefix(departement: str) -> str:
    return "97" + departement[2] if len(departement) == 3 else departement + "0"


def build_establishments(taken: set[str]) -> Establishments:
    """All establishments outside the network; `taken` holds the network's FINESS numbers,
    which are never reused."""
    used = set(taken) | {legal for legal, _ in HOSPITAL_GROUPS.values()}
    rows: list[tuple[str, int, bool, str]] = []
    counter = 0

    def next_finess(departement: str) -> str:
        nonlocal counter
        while True:
            body = (counter * 7727 + 31_337) % 100_000
            counter += 1
            candidate = finess_with_check_digit(f"{_prefix(departement)}{body:05d}")
            if candidate not in used:
                used.add(candidate)
                return candidate

    for departement in ALL_DEPARTEMENTS:
        for kind, count in _PER_DEPARTEMENT:
            for _ in range(count):
                rows.append(
                    (
                        next_finess(departement),
                        DEPARTEMENT_INDEX[departement],
                        kind == "private",
                        "",
                    )
                )
    for legal, sites in HOSPITAL_GROUPS.values():
        for departement, count in sites:
            for _ in range(count):
                rows.append(
                    (next_finess(departement), DEPARTEMENT_INDEX[departement], False, legal)
                )
    return Establishments(
        finess=np.array([r[0] for r in rows], dtype=object),
        departement=np.array([r[1] for r in rows], dtype=np.int64),
        private=np.array([r[2] for r in rows], dtype=bool),
        legal=np.array([r[3] for r in rows], dtype=object),
    )


def choose_establishments(
    rng: np.random.Generator, places: Establishments, residence: np.ndarray
) -> np.ndarray:
    """An establishment per stay: in the residence département for 85 % of the stays
    (assumption), anywhere otherwise; a group's site is chosen like any other hospital of
    its département."""
    n = len(residence)
    departement = np.where(
        rng.random(n) < 0.85, residence, rng.integers(0, len(ALL_DEPARTEMENTS), n)
    )
    # Establishments are grouped by département: pick uniformly within the group.
    order = np.argsort(places.departement, kind="stable")
    sorted_departement = places.departement[order]
    first = np.searchsorted(sorted_departement, departement, side="left")
    count = np.searchsorted(sorted_departement, departement, side="right") - first
    return order[first + np.floor(rng.random(n) * count).astype(np.int64)]
