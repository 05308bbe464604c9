"""Identities: names, NIR, address, contact details, socio-professional category.

Names and street words come from Faker's fr_FR provider *word lists*, sampled with numpy:
calling Faker once per patient would dominate the run time at millions of patients. Last
names get Zipf-like weights (the list is ordered by frequency), first names are uniform.
The NIR is built with `entrepot.vocab.nir.make_nir` from the sex, birth year and month and
birth place, so it is valid and consistent with what the hospital knows of the patient.
"""

from __future__ import annotations

import unicodedata

import numpy as np
from faker.providers.address.fr_FR import Provider as AddressWords
from faker.providers.internet.fr_FR import Provider as InternetWords
from faker.providers.person.fr_FR import Provider as PersonWords

from entrepot.synth import calibration as cal
from entrepot.synth.cohort import Arrays
from entrepot.synth.places import DEPARTEMENTS, gazetteer
from entrepot.synth.sampling import categorical, draw_keys
from entrepot.vocab.nir import make_nir

_FEMALE = np.array(PersonWords.first_names_female, dtype=object)
_MALE = np.array(PersonWords.first_names_male, dtype=object)
_LAST = np.array(PersonWords.last_names, dtype=object)
_LAST_WEIGHTS = 1.0 / (np.arange(len(_LAST)) + 10.0)
_STREET_PREFIXES = np.array(
    [*AddressWords.street_prefixes, "place", "allée", "impasse"], dtype=object
)
_DOMAINS = np.array(InternetWords.free_email_domains, dtype=object)
#: INSEE country codes (the 3 digits after 99) of frequent birth countries abroad.
_COUNTRIES = ("352", "350", "351", "127", "134", "139", "109", "131")
#: PCS first level, under 62 years at diagnosis (assumption; retirees are "7").
_PCS_ACTIVE = {"1": 0.01, "2": 0.06, "3": 0.17, "4": 0.25, "5": 0.28, "6": 0.12, "8": 0.11}
_RETIRED_FROM_AGE = 62


def identities(rng: np.random.Generator, cohort: Arrays) -> Arrays:
    """Identity columns (export layer of `identity`, minus `ipp`) plus ground-truth keys
    `_nir` (the true NIR, also when the hospital has none), `_birth_departement`,
    `_residence_departement`, and the patient's `socio_professional_category`."""
    n = len(cohort["sex"])
    female = cohort["sex"] == "F"
    first = np.where(
        female, _FEMALE[rng.integers(0, len(_FEMALE), n)], _MALE[rng.integers(0, len(_MALE), n)]
    )
    compound = rng.random(n) < 0.08
    first[compound] = np.where(female[compound], "Marie-", "Jean-") + first[compound]
    last = _LAST[categorical(rng, _LAST_WEIGHTS, n)]
    married = female & (rng.random(n) < 0.55)
    birth_name = np.where(married, _LAST[categorical(rng, _LAST_WEIGHTS, n)], last)
    birth_name[~married & (rng.random(n) < 0.2)] = ""

    birth = cohort["birth"].astype("datetime64[D]")
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    birth_month = birth.astype("datetime64[M]").astype(np.int64) % 12 + 1
    residence = np.array(DEPARTEMENTS, dtype=object)[cohort["residence"]]
    born_where = categorical(
        rng,
        (
            cal.BORN_IN_RESIDENCE_DEPARTEMENT,
            cal.BORN_ABROAD_SHARE,
            1 - cal.BORN_IN_RESIDENCE_DEPARTEMENT - cal.BORN_ABROAD_SHARE,
        ),
        n,
    )
    birth_departement = np.select(
        [born_where == 0, born_where == 1],
        [residence, np.full(n, "99", dtype=object)],
        np.array(DEPARTEMENTS, dtype=object)[rng.integers(0, len(DEPARTEMENTS), n)],
    )
    commune = np.where(
        born_where == 1,
        np.array(_COUNTRIES, dtype=object)[rng.integers(0, len(_COUNTRIES), n)],
        np.char.zfill(rng.integers(1, 1000, n).astype(str), 3).astype(object),
    )
    order = rng.integers(1, 1000, n)
    sex_digit = np.where(female, 2, 1)
    nir = np.array(
        [
            make_nir(int(s), int(y), int(m), d, c, int(o))
            for s, y, m, d, c, o in zip(
                sex_digit, birth_year, birth_month, birth_departement, commune, order, strict=True
            )
        ],
        dtype=object,
    )
    on_file = rng.random(n) >= cal.NO_NIR_SHARE

    names, postcodes = gazetteer()
    which = rng.integers(0, names.shape[1], n)
    city = names[cohort["residence"], which]
    postcode = postcodes[cohort["residence"], which]
    no_place = rng.random(n) < 0.03
    return {
        "last_name": last,
        "birth_name": birth_name,
        "first_name": first,
        "nir": np.where(on_file, nir, ""),
        "birth_date": cohort["birth"],
        "address": _addresses(rng, n),
        "postcode": np.where(no_place, "", postcode),
        "city": np.where(no_place, "", city),
        "email": _emails(rng, first, last),
        "phone": _phones(rng, n),
        "socio_professional_category": _pcs(rng, cohort["age"]),
        "_nir": nir,
        "_birth_departement": birth_departement,
        "_residence_departement": residence,
    }


def _addresses(rng: np.random.Generator, n: int) -> np.ndarray:
    """'12, rue Victor Martin' (Faker's fr_FR street formats); 5 % unknown."""
    number = rng.integers(1, 160, n).astype(str).astype(object)
    number[rng.random(n) < 0.03] += " bis"
    prefix = _STREET_PREFIXES[rng.integers(0, len(_STREET_PREFIXES), n)]
    last = _LAST[rng.integers(0, len(_LAST), n)]
    first = np.where(
        rng.random(n) < 0.5,
        _FEMALE[rng.integers(0, len(_FEMALE), n)],
        _MALE[rng.integers(0, len(_MALE), n)],
    )
    recipe = rng.integers(0, 3, n)
    street = np.select([recipe == 0, recipe == 1], [last, first + " " + last], "de " + last)
    address = number + ", " + prefix + " " + street
    address[rng.random(n) < 0.05] = ""
    return address


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return folded.lower().replace(" ", "").replace("'", "")


def _emails(rng: np.random.Generator, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    n = len(first)
    has = np.flatnonzero(rng.random(n) < cal.EMAIL_SHARE)
    email = np.full(n, "", dtype=object)
    domain = _DOMAINS[rng.integers(0, len(_DOMAINS), len(has))]
    suffix = np.where(rng.random(len(has)) < 0.4, rng.integers(1, 99, len(has)).astype(str), "")
    email[has] = [
        f"{_ascii(given)}.{_ascii(family)}{number}@{host}"
        for given, family, number, host in zip(first[has], last[has], suffix, domain, strict=True)
    ]
    return email


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """'06 12 34 56 78': mobiles (06, 07) and landlines (01–05, 09)."""
    has = np.flatnonzero(rng.random(n) < cal.PHONE_SHARE)
    phone = np.full(n, "", dtype=object)
    lead = np.array(["01", "02", "03", "04", "05", "06", "06", "07", "09"])[
        rng.integers(0, 9, len(has))
    ]
    pairs = rng.integers(0, 100, (len(has), 4))
    phone[has] = [
        f"{a} {b:02d} {c:02d} {d:02d} {e:02d}"
        for a, (b, c, d, e) in zip(lead, pairs.tolist(), strict=True)
    ]
    return phone


def _pcs(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    n = len(age)
    pcs = draw_keys(rng, _PCS_ACTIVE, n)
    retired = (age >= _RETIRED_FROM_AGE) & (rng.random(n) < 0.85)
    pcs[retired] = "7"
    pcs[rng.random(n) < 0.15] = ""
    return pcs
