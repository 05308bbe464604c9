"""One chunk of patients, from the cohort draw to typed tables ready to be written.

A typed table is a dict of numpy arrays: the export-layer columns of the model table, in
model order, with these conventions: text and codes are str ("" when empty), integers
int64 (−1 when empty), decimals float64 (NaN when empty), dates day numbers (`NEVER` when
empty), booleans bool. Extra keys start with `_`: `_centre` (index in the centre list,
rows grouped by centre in patient order), `_death` (the patient's recorded death day or
`NEVER`, for the `date_after_death` fault), `_anchor` (events that must stay clean).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from entrepot.model import TABLES, Layer
from entrepot.synth import calibration as cal
from entrepot.synth.centres import Centre
from entrepot.synth.cohort import BREAST, CANCERS, LUNG, OVARY, Arrays, draw_cohort
from entrepot.synth.family import family_history
from entrepot.synth.follow_up import END, draw_course
from entrepot.synth.measurements import measure
from entrepot.synth.pathway import finish_events, finish_treatments
from entrepot.synth.people import identities
from entrepot.synth.regimens import DRUGS, KINDS, NAMES
from entrepot.synth.sampling import DAYS_PER_YEAR, NEVER, categorical, years_of
from entrepot.synth.stays import stays
from entrepot.synth.treatments import treat
from entrepot.synth.tumours import classify


@dataclass
class Numbering:
    """Per-centre counters carried from chunk to chunk (patients and stays are numbered
    within their centre, across the whole run)."""

    patients: np.ndarray
    stays: np.ndarray

    @classmethod
    def start(cls, centres: list[Centre]) -> Numbering:
        return cls(np.zeros(len(centres), dtype=np.int64), np.zeros(len(centres), dtype=np.int64))


@dataclass
class Chunk:
    tables: dict[str, Arrays] = field(default_factory=dict)
    truth: Arrays = field(default_factory=dict)


def generate_chunk(
    rng: np.random.Generator, n: int, centres: list[Centre], numbering: Numbering
) -> Chunk:
    """Generate `n` patients spread over `centres`; `numbering` is advanced."""
    cohort = draw_cohort(rng, n, centres)
    # Rows of every table are grouped by centre, in patient order within a centre.
    order = np.argsort(cohort["centre"], kind="stable")
    cohort = {k: v[order] for k, v in cohort.items()}
    first = classify(
        rng,
        cohort["cancer"],
        cohort["sex"],
        cohort["age"],
        years_of(cohort["diagnosis"]),
        np.zeros(n, dtype=bool),
    )
    course = draw_course(rng, cohort, first)
    tumours = _with_second_primaries(rng, cohort, first, course)
    ctx = _context(cohort, tumours, course)
    treatments, events = treat(rng, ctx)
    treatments = finish_treatments(
        treatments, tumours["patient"], course["last_news"], course["death_observed"]
    )
    events = finish_events(events, tumours["patient"], course["last_news"])
    ipp = _ipps(rng, cohort["centre"], centres, numbering)
    person = identities(rng, cohort)
    recorded_death = np.where(course["death_observed"], course["death"], NEVER)
    chunk = Chunk()
    centre = cohort["centre"]
    chunk.tables["identity"] = _identity(ipp, person, centre)
    chunk.tables["patient"] = _patient(ipp, cohort, person, course, centre)
    chunk.tables["tumour"] = _tumour(ipp, tumours, centre)
    chunk.tables["treatment"] = _treatment(ipp, treatments, tumours, centre, recorded_death)
    chunk.tables["tumour_event"] = _events(ipp, events, tumours, centre, recorded_death)
    chunk.tables["measurement"] = _measurement(
        ipp,
        measure(rng, cohort, ctx, treatments, events, course["last_news"]),
        centre,
        recorded_death,
    )
    chunk.tables["family_history"] = _family(
        ipp, family_history(rng, first["_gbrca"]), centre, recorded_death
    )
    chunk.tables["centre_stay"] = _stays(
        rng,
        ipp,
        stays(rng, treatments, ctx, course),
        tumours,
        centre,
        centres,
        numbering,
        recorded_death,
    )
    chunk.truth = _truth(cohort, person, ipp, first, tumours, course, treatments, centres)
    return chunk


def _with_second_primaries(
    rng: np.random.Generator, cohort: Arrays, first: Arrays, course: Arrays
) -> Arrays:
    """Tumour arrays (first primaries, then second ones) with `patient`, `number`,
    `cancer`, `dx`. A second primary is early-stage, diagnosed during follow-up before any
    metastatic relapse (assumption)."""
    n = len(cohort["cancer"])
    dx2 = cohort["diagnosis"] + np.round(rng.uniform(0.5, 12.0, n) * DAYS_PER_YEAR).astype(np.int64)
    has = (
        (rng.random(n) < cal.SECOND_PRIMARY_SHARE)
        & (dx2 < course["last_news"] - 60) & (dx2 < course["trigger"]) & (dx2 <= END)
    )  # fmt: skip
    patient2 = np.flatnonzero(has)
    female = cohort["sex"][patient2] == "F"
    cancer1 = cohort["cancer"][patient2]
    draw = rng.random(len(patient2))
    cancer2 = np.select(
        [cancer1 == BREAST, cancer1 == OVARY, female],
        [
            np.select([draw < 0.5, (draw < 0.8) | ~female], [BREAST, LUNG], OVARY),
            np.full(len(patient2), BREAST),
            np.where(draw < 0.6, BREAST, LUNG),
        ],
        LUNG,
    )
    age2 = cohort["age"][patient2] + (dx2[patient2] - cohort["diagnosis"][patient2]) / DAYS_PER_YEAR
    second = classify(
        rng,
        cancer2,
        cohort["sex"][patient2],
        age2,
        years_of(dx2[patient2]),
        np.ones(len(patient2), dtype=bool),
    )
    tumours = {k: np.concatenate([first[k], second[k]]) for k in first}
    tumours["patient"] = np.concatenate([np.arange(n), patient2])
    tumours["number"] = np.concatenate([np.ones(n, dtype=np.int64), np.full(len(patient2), 2)])
    tumours["cancer"] = np.concatenate([cohort["cancer"], cancer2])
    tumours["dx"] = np.concatenate([cohort["diagnosis"], dx2[patient2]])
    return tumours


def _context(cohort: Arrays, tumours: Arrays, course: Arrays) -> Arrays:
    """Per-tumour arrays the treatment generators read (and `pathological_*` they fill)."""
    patient = tumours["patient"]
    first = tumours["number"] == 1
    second_value = {"first_line": 1, "ovary_surgery": "primary", "parp": "", "untreated": False}
    ctx: Arrays = {
        "patient": patient,
        "number": tumours["number"],
        "cancer": tumours["cancer"],
        "dx": tumours["dx"],
        "year": years_of(tumours["dx"]),
        "age": cohort["age"][patient]
        + (tumours["dx"] - cohort["diagnosis"][patient]) / DAYS_PER_YEAR,
        "sex": cohort["sex"][patient],
        "metastatic": tumours["_metastatic"],
        "sites": tumours["_sites"],
        "stage": tumours["_stage"],
        "subtype": tumours["_subtype"],
        "driver": tumours["_driver"],
        "gbrca": tumours["_gbrca"],
        "brca": (tumours["brca1_status"] == "altered") | (tumours["brca2_status"] == "altered"),
        "her2": tumours["her2_status"],
        "histology": tumours["lung_histology"],
        "pdl1": np.nan_to_num(tumours["pdl1_percent"], nan=-1.0),
        "clinical_t": tumours["clinical_t"],
        "clinical_n": tumours["clinical_n"],
        # The tumour's own arrays: surgery fills in the pathological stage in place.
        "pathological_t": tumours["pathological_t"],
        "pathological_n": tumours["pathological_n"],
        "death": course["death"][patient],
        # A first primary's curative phase stops at its relapse (or, for an ovarian FIGO IV,
        # at the progression ending line 1); a second primary's at the first one's relapse.
        "cutoff": course["trigger"][patient],
        "trigger": np.where(first, course["trigger"][patient], NEVER),
    }
    for key, value in second_value.items():
        ctx[key] = np.where(first, course[key][patient], value)
    return ctx


def _ipps(
    rng: np.random.Generator, centre: np.ndarray, centres: list[Centre], numbering: Numbering
) -> np.ndarray:
    """Hospital patient numbers, unique per centre across chunks (rows grouped by centre)."""
    ordinal = np.empty(len(centre), dtype=np.int64)
    for k in range(len(centres)):
        idx = np.flatnonzero(centre == k)
        ordinal[idx] = numbering.patients[k] + np.arange(len(idx))
        numbering.patients[k] += len(idx)
    base = np.array([c.ipp_base for c in centres])[centre]
    stride = np.array([c.ipp_stride for c in centres])[centre]
    jitter = np.floor(rng.random(len(centre)) * stride).astype(np.int64)
    return (base + ordinal * stride + jitter).astype(str).astype(object)


def _child_table(
    ipp: np.ndarray, patient: np.ndarray, columns: Arrays, centre: np.ndarray, death: np.ndarray
) -> Arrays:
    """A table of rows that belong to a patient (index `patient`): its IPP, the table's own
    `columns`, then the hidden keys every such table carries (see the module docstring), so
    that the centre split and the `date_after_death` fault read them the same way in all."""
    return {"ipp": ipp[patient], **columns, "_centre": centre[patient], "_death": death[patient]}


def _identity(ipp: np.ndarray, person: Arrays, centre: np.ndarray) -> Arrays:
    table = {
        "ipp": ipp,
        **{c: person[c] for c in TABLES["identity"].column_names(Layer.EXPORT) if c != "ipp"},
    }
    return {**table, "_centre": centre}


def _patient(
    ipp: np.ndarray, cohort: Arrays, person: Arrays, course: Arrays, centre: np.ndarray
) -> Arrays:
    observed = course["death_observed"]
    return {
        "ipp": ipp,
        "sex": cohort["sex"],
        "socio_professional_category": person["socio_professional_category"],
        "vital_status": np.where(observed, "deceased", "alive").astype(object),
        "death_date": np.where(observed, course["death"], NEVER),
        "last_news_date": course["last_news"],
        "_centre": centre,
    }


def _tumour(ipp: np.ndarray, tumours: Arrays, centre: np.ndarray) -> Arrays:
    patient = tumours["patient"]
    order = np.lexsort((tumours["number"], patient))
    table = {
        "ipp": ipp[patient],
        "tumour_number": tumours["number"],
        "cancer_type": np.array(CANCERS, dtype=object)[tumours["cancer"]],
        "diagnosis_date": tumours["dx"],
    }
    table.update(
        {
            c: tumours[c]
            for c in TABLES["tumour"].column_names(Layer.EXPORT)
            if c not in table and c != "metastatic_at_diagnosis"
        }
    )
    table["metastatic_at_diagnosis"] = tumours["_metastatic"]
    table = {c: table[c] for c in TABLES["tumour"].column_names(Layer.EXPORT)}
    table["_centre"] = centre[patient]
    return {k: v[order] for k, v in table.items()}


def _treatment(
    ipp: np.ndarray, t: Arrays, tumours: Arrays, centre: np.ndarray, death: np.ndarray
) -> Arrays:
    patient = tumours["patient"][t["tumour"]]
    order = np.lexsort((t["regimen"], t["start"], patient))
    t = {k: v[order] for k, v in t.items()}
    patient = patient[order]
    starts = (
        np.r_[0, np.flatnonzero(patient[1:] != patient[:-1]) + 1]
        if len(patient)
        else np.zeros(0, dtype=np.int64)
    )
    number = np.arange(len(patient)) - np.repeat(starts, np.diff(np.r_[starts, len(patient)])) + 1
    regimen = t["regimen"]
    return _child_table(
        ipp,
        patient,
        {
            "tumour_number": tumours["number"][t["tumour"]],
            "treatment_number": number,
            "kind": KINDS[regimen],
            "setting": t["setting"],
            "line_number": np.where(t["line"] > 0, t["line"], -1),
            "regimen": NAMES[regimen],
            "drugs": DRUGS[regimen],
            "procedure_ccam": t["procedure"],
            "start_date": t["start"],
            "end_date": t["end"],
            "stop_reason": t["stop"],
        },
        centre,
        death,
    )


def _events(
    ipp: np.ndarray, e: Arrays, tumours: Arrays, centre: np.ndarray, death: np.ndarray
) -> Arrays:
    patient = tumours["patient"][e["tumour"]]
    order = np.lexsort((e["date"], tumours["number"][e["tumour"]], patient))
    e = {k: v[order] for k, v in e.items()}
    patient = patient[order]
    table = _child_table(
        ipp,
        patient,
        {
            "tumour_number": tumours["number"][e["tumour"]],
            "event_kind": e["event_kind"],
            "event_date": e["date"],
            "site": e["site"],
        },
        centre,
        death,
    )
    table["_anchor"] = e["anchor"]
    return table


def _measurement(ipp: np.ndarray, m: Arrays, centre: np.ndarray, death: np.ndarray) -> Arrays:
    patient = m["patient"]
    return _child_table(
        ipp,
        patient,
        {
            "measurement_date": m["date"],
            "kind": m["kind"],
            "value": m["value"],
            "unit": m["unit"],
        },
        centre,
        death,
    )


def _family(ipp: np.ndarray, f: Arrays, centre: np.ndarray, death: np.ndarray) -> Arrays:
    patient = f["patient"]
    return _child_table(
        ipp,
        patient,
        {
            "relative": f["relative"],
            "cancer_site": f["cancer_site"],
            "age_at_diagnosis": f["age"],
        },
        centre,
        death,
    )


def _stays(
    rng: np.random.Generator,
    ipp: np.ndarray,
    s: Arrays,
    tumours: Arrays,
    centre: np.ndarray,
    centres: list[Centre],
    numbering: Numbering,
    death: np.ndarray,
) -> Arrays:
    """Stay numbers (NDA) run per centre in admission order: two-digit admission year, then
    a counter unique in the centre."""
    patient = s["patient"]
    stay_centre = centre[patient]
    counter = np.empty(len(patient), dtype=np.int64)
    finess = np.empty(len(patient), dtype=object)
    for k, c in enumerate(centres):
        idx = np.flatnonzero(stay_centre == k)
        counter[idx] = numbering.stays[k] + np.arange(len(idx))
        numbering.stays[k] += len(idx)
        options = np.array([c.finess, *c.sites], dtype=object)
        weights = np.array([0.7] + [0.3 / len(c.sites)] * len(c.sites)) if c.sites else np.ones(1)
        finess[idx] = options[categorical(rng, weights, len(idx))]
    year = years_of(s["admission"]) % 100
    nda = np.char.add(
        np.char.zfill(year.astype(str), 2), np.char.zfill(counter.astype(str), 8)
    ).astype(object)
    return _child_table(
        ipp,
        patient,
        {
            "nda": nda,
            "stay_finess": finess,
            "stay_type": np.where(s["inpatient"], "inpatient", "day_case").astype(object),
            "admission_date": s["admission"],
            "discharge_date": s["discharge"],
            "main_diagnosis": tumours["icd10"][s["tumour"]],
        },
        centre,
        death,
    )


def _truth(
    cohort: Arrays,
    person: Arrays,
    ipp: np.ndarray,
    first: Arrays,
    tumours: Arrays,
    course: Arrays,
    treatments: Arrays,
    centres: list[Centre],
) -> Arrays:
    """True values per patient, for linkage and analysis tests."""
    n = len(ipp)
    second = tumours["number"] == 2
    second_cancer = np.full(n, "", dtype=object)
    second_dx = np.full(n, NEVER, dtype=np.int64)
    second_cancer[tumours["patient"][second]] = np.array(CANCERS, dtype=object)[
        tumours["cancer"][second]
    ]
    second_dx[tumours["patient"][second]] = tumours["dx"][second]
    lines = np.zeros(n, dtype=np.int64)
    np.maximum.at(lines, tumours["patient"][treatments["tumour"]], treatments["line"])
    onset = np.where(first["_metastatic"], cohort["diagnosis"], course["relapse"])
    return {
        "finess": np.array([c.finess for c in centres], dtype=object)[cohort["centre"]],
        "ipp": ipp,
        "nir": person["_nir"],
        "nir_on_file": person["nir"] != "",
        "sex": cohort["sex"],
        "birth_date": cohort["birth"],
        "birth_departement": person["_birth_departement"],
        "residence_departement": person["_residence_departement"],
        "postcode": person["postcode"],
        "last_name": person["last_name"],
        "first_name": person["first_name"],
        "cancer_type": np.array(CANCERS, dtype=object)[cohort["cancer"]],
        "subtype": first["_subtype"],
        "stage": first["_stage"],
        "metastatic_at_diagnosis": first["_metastatic"],
        "diagnosis_date": cohort["diagnosis"],
        "age_at_diagnosis": np.round(cohort["age"], 1),
        "morphology": first["morphology"],
        "driver": first["_driver"],
        "germline_brca": first["_gbrca"],
        # Events after the end of follow-up are a simulated future nobody could know of.
        "metastatic_date": np.where(onset <= END, onset, NEVER),
        "metastatic_lines": lines,
        "second_cancer_type": second_cancer,
        "second_diagnosis_date": second_dx,
        "death_date": np.where(course["death_observed"], course["death"], NEVER),
        "true_death_date": np.where(course["death"] <= END, course["death"], NEVER),
        "cause_of_death": np.where(
            course["death"] <= END, np.where(course["of_cancer"], "cancer", "other"), ""
        ).astype(object),
        "vital_status": np.where(course["death_observed"], "deceased", "alive").astype(object),
        "last_news_date": course["last_news"],
        "lost_to_follow_up": course["lost"],
        "ovary_surgery": np.where(cohort["cancer"] == OVARY, course["ovary_surgery"], "").astype(
            object
        ),
    }
