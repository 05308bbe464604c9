"""The synthetic hospital exports: layout, styles, faults exactly where the ground truth says,
and clean rows that pass every ingestion rule (checked here with pandas, independently of
the warehouse validator, which cross-checks them later)."""

from __future__ import annotations

import csv
import filecmp
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from entrepot.model import (
    CLINICAL_TABLES,
    IDENTITY,
    MEASUREMENT_UNITS,
    TABLES,
    VALUE_SETS,
    ColumnType,
    Layer,
)
from entrepot.synth import generate_hospitals
from entrepot.synth.faults import BAD_CODES, CHILD_TABLES
from entrepot.synth.faults import KINDS as FAULT_KINDS
from entrepot.vocab import code_system
from entrepot.vocab.nir import is_valid_nir

PATIENTS = 3000
CENTRES = 7
TABLE_NAMES = ("identity", *(t.name for t in CLINICAL_TABLES))
IDENTITY_ONLY = set(IDENTITY.column_names(Layer.EXPORT)) - {"ipp"}
END = pd.Timestamp("2025-12-31")


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("network")
    generate_hospitals(
        out, patients=PATIENTS, centres=CENTRES, seed=20240611, fault_rate=0.02, chunk_size=1200
    )
    return out


# --- reading the exports as a hospital's partner would -------------------------------------


def centres(out: Path) -> pd.DataFrame:
    return pd.read_csv(out / "centres.csv", dtype=str, keep_default_na=False)


def faults(out: Path) -> pd.DataFrame:
    return pd.read_csv(
        out / "ground_truth" / "faults.csv",
        dtype={"finess": str, "column": str},
        keep_default_na=False,
    )


def physical_lines(out: Path, centre: pd.Series, table: str) -> list[str]:
    """Lines of a file decoded in the centre's declared encoding; index 0 is line 1."""
    text = (out / centre.finess / f"{table}.csv").read_bytes().decode(centre.encoding)
    return text.split("\n")[:-1]


def read_rows(out: Path, centre: pd.Series, table: str) -> tuple[list[str], pd.DataFrame]:
    """(header, rows) with a `_line` column; rows with a wrong field count are left out."""
    path = out / centre.finess / f"{table}.csv"
    with path.open(encoding=centre.encoding, newline="") as handle:
        reader = csv.reader(handle, delimiter=centre.separator)
        header = next(reader)
        records = [(reader.line_num, *row) for row in reader if len(row) == len(header)]
    return header, pd.DataFrame(records, columns=["_line", *header])


def clean_rows(out: Path, centre: pd.Series, table: str, fault_lines: set[int]) -> pd.DataFrame:
    _, rows = read_rows(out, centre, table)
    return rows[~rows["_line"].isin(fault_lines)].reset_index(drop=True)


def parse_dates(values: pd.Series, style: str) -> pd.Series:
    fmt = "%Y-%m-%d" if style == "iso" else "%d/%m/%Y"
    return pd.to_datetime(values.where(values != ""), format=fmt, errors="coerce")


def parse_decimal(values: pd.Series) -> pd.Series:
    return pd.to_numeric(
        values.str.replace(",", ".", regex=False).where(values != ""), errors="coerce"
    )


def code_valid(vocabulary: str, value: str) -> bool:
    if vocabulary in VALUE_SETS:
        return value in VALUE_SETS[vocabulary].codes()
    return code_system(vocabulary).is_valid(value)


def load_centre(out: Path, centre: pd.Series) -> dict[str, pd.DataFrame]:
    """Clean rows of every table of a centre, typed."""
    f = faults(out)
    tables = {}
    for table in TABLE_NAMES:
        lines = set(f[(f.finess == centre.finess) & (f.table == table)].line)
        rows = clean_rows(out, centre, table, lines)
        for column in TABLES[table].columns_in(Layer.EXPORT):
            if column.type is ColumnType.DATE:
                rows[column.name + "_d"] = parse_dates(rows[column.name], centre.date_style)
            elif column.type in (ColumnType.DECIMAL, ColumnType.INTEGER):
                rows[column.name + "_n"] = parse_decimal(rows[column.name])
        tables[table] = rows
    return tables


# --- rule checks on clean rows ----------------------------------------------------------------


def rule_violations(out: Path) -> list[str]:
    """Every ingestion rule of the brief, on every clean row; returns the violations."""
    problems: list[str] = []
    for _, centre in centres(out).iterrows():
        t = load_centre(out, centre)
        where = f"{centre.finess}"
        problems += _value_checks(t, where, centre)
        problems += _key_checks(t, where)
        problems += _date_checks(t, where)
        problems += _tumour_checks(t, where)
        problems += _treatment_checks(t, where)
        problems += _stay_checks(t, where)
    return problems


def _value_checks(t: dict[str, pd.DataFrame], where: str, centre: pd.Series) -> list[str]:
    problems = []
    for table, rows in t.items():
        for column in TABLES[table].columns_in(Layer.EXPORT):
            values = rows[column.name]
            if column.required and (values == "").any():
                problems.append(f"{where} {table}.{column.name}: required value missing")
            filled = values[values != ""]
            if (
                column.type is ColumnType.DATE
                and rows.loc[values != "", column.name + "_d"].isna().any()
            ):
                problems.append(f"{where} {table}.{column.name}: unreadable date")
            if column.type in (ColumnType.DECIMAL, ColumnType.INTEGER):
                number = rows.loc[values != "", column.name + "_n"]
                if number.isna().any():
                    problems.append(f"{where} {table}.{column.name}: unreadable number")
                if column.minimum is not None and (number < column.minimum).any():
                    problems.append(f"{where} {table}.{column.name}: below minimum")
                if column.maximum is not None and (number > column.maximum).any():
                    problems.append(f"{where} {table}.{column.name}: above maximum")
            if column.type is ColumnType.BOOLEAN and not set(filled) <= {
                "true",
                "false",
                "oui",
                "non",
            }:
                problems.append(f"{where} {table}.{column.name}: boolean not in the centre's words")
            if column.vocabulary:
                distinct = set(filled.str.split("|").explode()) if column.multiple else set(filled)
                bad = sorted(v for v in distinct if not code_valid(column.vocabulary, v))
                if bad:
                    problems.append(f"{where} {table}.{column.name}: invalid codes {bad[:5]}")
    m = t["measurement"]
    declared = m.kind.map(lambda k: MEASUREMENT_UNITS.get(k, ("?", np.nan, np.nan)))
    if (m.unit != declared.str[0]).any():
        problems.append(f"{where} measurement: unit differs from the declared unit")
    low, high = declared.str[1], declared.str[2]
    if ((m.value_n < low) | (m.value_n > high)).any():
        problems.append(f"{where} measurement: value outside the kind's range")
    return problems


_KEYS = {
    "identity": ["ipp"],
    "patient": ["ipp"],
    "tumour": ["ipp", "tumour_number"],
    "treatment": ["ipp", "treatment_number"],
    "tumour_event": ["ipp", "tumour_number", "event_kind", "event_date", "site"],
    "measurement": ["ipp", "measurement_date", "kind"],
    "family_history": ["ipp", "relative", "cancer_site"],
    "centre_stay": ["ipp", "nda"],
}


def _key_checks(t: dict[str, pd.DataFrame], where: str) -> list[str]:
    problems = [
        f"{where} {table}: duplicate key"
        for table, key in _KEYS.items()
        if t[table].duplicated(key).any()
    ]
    if t["centre_stay"].nda.duplicated().any():
        problems.append(f"{where} centre_stay: NDA not unique in the centre")
    patients = set(t["patient"].ipp)
    if set(t["identity"].ipp) != patients:
        problems.append(f"{where} identity and patient list different patients")
    tumours = set(zip(t["tumour"].ipp, t["tumour"].tumour_number, strict=True))
    for table in ("treatment", "tumour_event"):
        rows = t[table]
        if not set(zip(rows.ipp, rows.tumour_number, strict=True)) <= tumours:
            problems.append(f"{where} {table}: tumour missing")
    for table in ("tumour", "measurement", "family_history", "centre_stay"):
        if not set(t[table].ipp) <= patients:
            problems.append(f"{where} {table}: patient missing")
    return problems


def _life(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    patient = t["patient"].drop_duplicates("ipp")
    life = patient.set_index("ipp")[["vital_status", "death_date_d", "last_news_date_d"]]
    birth = t["identity"].drop_duplicates("ipp").set_index("ipp").birth_date_d
    life["birth_start"] = birth.dt.to_period("M").dt.to_timestamp()
    return life


def _date_checks(t: dict[str, pd.DataFrame], where: str) -> list[str]:
    problems = []
    life = _life(t)
    deceased = life.vital_status == "deceased"
    if (deceased & life.death_date_d.isna()).any() or (~deceased & life.death_date_d.notna()).any():
        problems.append(f"{where} patient: vital status and death date disagree")
    if (deceased & (life.last_news_date_d != life.death_date_d)).any():
        problems.append(f"{where} patient: last news is not the death date")
    for table in ("patient", "tumour", "treatment", "tumour_event", "measurement", "centre_stay"):
        rows = t[table].merge(
            life, left_on="ipp", right_index=True, how="left", suffixes=("", "_life")
        )
        for column in (
            c.name for c in TABLES[table].columns_in(Layer.EXPORT) if c.type is ColumnType.DATE
        ):
            date = rows[column + "_d"]
            for name, bad in (
                ("before birth month", date < rows.birth_start),
                (
                    "after last news",
                    date > rows.last_news_date_d
                    if table != "patient"
                    else date > rows.last_news_date_d_life,
                ),
                (
                    "after death",
                    date > (rows.death_date_d if table != "patient" else rows.death_date_d_life),
                ),
                ("after 2025-12-31", date > END),
            ):
                if bad.fillna(False).any():
                    problems.append(f"{where} {table}.{column}: date {name}")
    return problems


_SITE_PREFIX = {"breast": ("C50", "C50."), "ovary": ("C56", "C56."), "lung": ("C34", "C34.")}


def _tumour_checks(t: dict[str, pd.DataFrame], where: str) -> list[str]:
    problems = []
    tumour = t["tumour"]
    icd10 = tumour.icd10.map(code_system("icd10").normalise)
    for cancer, (icd, topo) in _SITE_PREFIX.items():
        rows = tumour.cancer_type == cancer
        if (
            not icd10[rows].str.startswith(icd).all()
            or not tumour.topography[rows].str.startswith(topo).all()
        ):
            problems.append(f"{where} tumour: {cancer} with another site's code")
    metastatic = tumour.metastatic_at_diagnosis.isin(["true", "oui"])
    m1 = tumour.clinical_m.str.startswith("M1")
    if ((tumour.clinical_m != "") & (m1 != metastatic)).any():
        problems.append(f"{where} tumour: clinical M disagrees with metastatic at diagnosis")
    stage = tumour.stage_group.where(tumour.stage_group != "", tumour.figo_stage)
    if (
        metastatic & ((stage != "") & ~stage.str.startswith("IV") | (tumour.metastatic_sites == ""))
    ).any():
        problems.append(f"{where} tumour: metastatic without stage IV or sites")
    if (~metastatic & (stage.str.startswith("IV") | (tumour.metastatic_sites != ""))).any():
        problems.append(f"{where} tumour: stage IV or sites without metastasis")
    sex = tumour.ipp.map(t["patient"].drop_duplicates("ipp").set_index("ipp").sex)
    if ((tumour.cancer_type == "ovary") & (sex == "M")).any():
        problems.append(f"{where} tumour: ovarian cancer in a man")
    dx = tumour.diagnosis_date_d
    if ((dx < pd.Timestamp("2008-01-01")) | (dx > END)).any():
        problems.append(f"{where} tumour: diagnosis outside 2008–2025")
    return problems


def _treatment_checks(t: dict[str, pd.DataFrame], where: str) -> list[str]:
    problems = []
    tumour = (
        t["tumour"].drop_duplicates(["ipp", "tumour_number"]).set_index(["ipp", "tumour_number"])
    )
    treatment = t["treatment"].join(
        tumour[["diagnosis_date_d", "metastatic_at_diagnosis"]], on=["ipp", "tumour_number"]
    )
    if (treatment.start_date_d < treatment.diagnosis_date_d).any():
        problems.append(f"{where} treatment: starts before diagnosis")
    if (treatment.end_date_d < treatment.start_date_d).any():
        problems.append(f"{where} treatment: ends before it starts")
    metastatic_setting = treatment.setting == "metastatic"
    if (metastatic_setting != (treatment.line_number != "")).any():
        problems.append(f"{where} treatment: line number outside the metastatic setting")
    events = t["tumour_event"]
    distant = events[events.event_kind.isin(["distant_progression", "new_metastatic_site"])]
    first_distant = (
        distant.groupby(["ipp", "tumour_number"]).event_date_d.min().rename("first_distant")
    )
    treatment = treatment.join(first_distant, on=["ipp", "tumour_number"])
    known = treatment.metastatic_at_diagnosis.isin(["true", "oui"]) | (
        treatment.first_distant <= treatment.start_date_d
    )
    if (metastatic_setting & ~known).any():
        problems.append(f"{where} treatment: metastatic line before any metastasis")
    events = events.join(tumour[["diagnosis_date_d"]], on=["ipp", "tumour_number"])
    if (events.event_date_d < events.diagnosis_date_d).any():
        problems.append(f"{where} tumour_event: before diagnosis")
    age = t["family_history"].age_at_diagnosis_n
    if ((age < 0) | (age > 110)).any():
        problems.append(f"{where} family_history: age outside 0–110")
    return problems


def _stay_checks(t: dict[str, pd.DataFrame], where: str) -> list[str]:
    stay = t["centre_stay"]
    day_case = stay.stay_type == "day_case"
    problems = []
    if (day_case & (stay.discharge_date_d != stay.admission_date_d)).any():
        problems.append(f"{where} centre_stay: day case over several days")
    if (~day_case & (stay.discharge_date_d <= stay.admission_date_d)).any():
        problems.append(f"{where} centre_stay: inpatient stay without a night")
    return problems


# --- the tests --------------------------------------------------------------------------------


def test_clean_rows_pass_every_ingestion_rule(network: Path) -> None:
    assert rule_violations(network) == []


def test_every_file_has_the_model_export_header(network: Path) -> None:
    for _, centre in centres(network).iterrows():
        for table in TABLE_NAMES:
            header = physical_lines(network, centre, table)[0].split(centre.separator)
            assert tuple(header) == TABLES[table].column_names(Layer.EXPORT), (centre.finess, table)


def test_centre_files_use_the_declared_encoding_separator_and_date_style(network: Path) -> None:
    listed = centres(network)
    assert set(listed.encoding) == {"utf-8", "cp1252"}
    assert (listed.encoding == "cp1252").sum() == round(CENTRES / 3)
    for _, centre in listed.iterrows():
        raw = (network / centre.finess / "identity.csv").read_bytes()
        text = raw.decode(centre.encoding)
        assert re.search("[éèêëàçîïôû]", text), "accents lost"
        if centre.encoding == "cp1252":
            assert centre.separator == ";" and centre.date_style == "dmy"
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
        else:
            assert centre.separator == "," and centre.date_style == "iso"
        _, patients = read_rows(network, centre, "patient")
        date = r"\d{4}-\d{2}-\d{2}" if centre.date_style == "iso" else r"\d{2}/\d{2}/\d{4}"
        assert patients.last_news_date.str.fullmatch(date).all()
        _, measurements = read_rows(network, centre, "measurement")
        decimals = measurements.value[measurements.value.str.contains(r"[.,]")]
        assert decimals.str.contains("," if centre.separator == ";" else r"\.").all()


def test_no_identity_column_or_nir_in_clinical_files(network: Path) -> None:
    for _, centre in centres(network).iterrows():
        _, identity = read_rows(network, centre, "identity")
        nirs = set(identity.nir[identity.nir != ""])
        for table in (t.name for t in CLINICAL_TABLES):
            lines = physical_lines(network, centre, table)
            assert not IDENTITY_ONLY & set(lines[0].split(centre.separator))
            text = "\n".join(lines)
            assert not any(nir in text for nir in list(nirs)[:200])


def test_nir_valid_and_consistent_with_sex_and_birth(network: Path) -> None:
    shares = []
    for _, centre in centres(network).iterrows():
        t = load_centre(network, centre)
        rows = t["identity"].join(t["patient"].set_index("ipp")[["sex"]], on="ipp")
        shares.append((rows.nir == "").mean())
        with_nir = rows[rows.nir != ""]
        assert with_nir.nir.map(is_valid_nir).all()
        assert (with_nir.nir.str[0] == with_nir.sex.map({"M": "1", "F": "2"})).all()
        assert (with_nir.nir.str[1:3].astype(int) == with_nir.birth_date_d.dt.year % 100).all()
        assert (with_nir.nir.str[3:5].astype(int) == with_nir.birth_date_d.dt.month).all()
    assert 0.02 < np.mean(shares) < 0.09


def test_ipp_and_nda_look_like_hospital_numbers(network: Path) -> None:
    for _, centre in centres(network).iterrows():
        t = load_centre(network, centre)
        assert t["patient"].ipp.str.fullmatch(r"\d{8,10}").all()
        assert t["centre_stay"].nda.str.fullmatch(r"\d{10}").all()


def test_every_fault_is_on_its_line_and_is_that_fault(network: Path) -> None:
    listed = faults(network)
    # Every kind the injector knows shows up at this size, and no other.
    assert set(listed.fault) == set(FAULT_KINDS)
    by_finess = centres(network).set_index("finess")
    for (finess, table), group in listed.groupby(["finess", "table"]):
        centre = by_finess.loc[finess].copy()
        centre["finess"] = finess
        lines = physical_lines(network, centre, table)
        header = lines[0].split(centre.separator)
        life = _life(load_centre(network, centre))
        for fault in group.itertuples():
            line = lines[fault.line - 1]
            fields = next(csv.reader([line], delimiter=centre.separator))
            _assert_fault(fault, fields, header, lines[fault.line - 2], line, centre, life)


def _assert_fault(fault, fields, header, previous, line, centre, life) -> None:
    where = f"{fault.finess} {fault.table} line {fault.line}: {fault.fault}"
    if fault.fault == "truncated_line":
        assert len(fields) < len(header), where
        return
    assert len(fields) == len(header), where
    if fault.fault == "duplicate_row":
        assert line == previous, where
        return
    value = dict(zip(header, fields, strict=True))[fault.column]
    column = TABLES[fault.table].column(fault.column)
    if fault.fault == "missing_required":
        assert column.required and value == "", where
    elif fault.fault == "invalid_code":
        parts = value.split("|") if column.multiple else [value]
        assert not all(code_valid(column.vocabulary, p) for p in parts), where
    elif fault.fault == "unparseable_date":
        assert value != "" and pd.isna(parse_dates(pd.Series([value]), centre.date_style)[0]), where
    elif fault.fault == "date_after_death":
        ipp = fields[0]
        death = life.loc[ipp].death_date_d
        assert pd.notna(death) and parse_dates(pd.Series([value]), centre.date_style)[0] > death, (
            where
        )
    else:
        raise AssertionError(where)


def test_fault_rate_is_about_the_requested_share(network: Path) -> None:
    listed = faults(network)
    child = listed[listed.table.isin(CHILD_TABLES)]
    rows = sum(
        len(read_rows(network, c, t)[1])
        for _, c in centres(network).iterrows()
        for t in CHILD_TABLES
    )
    assert 0.015 < len(child) / rows < 0.025


def test_bad_codes_are_outside_their_vocabularies() -> None:
    for name, values in BAD_CODES.items():
        vocabularies = {
            c.vocabulary
            for t in CLINICAL_TABLES
            for c in t.columns
            if c.name == name and c.vocabulary
        }
        for vocabulary in vocabularies:
            assert not any(code_valid(vocabulary, v) for v in values), (name, vocabulary)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        generate_hospitals(out, patients=400, centres=4, seed=3, chunk_size=150)
    compared = filecmp.dircmp(first, second)
    assert not compared.diff_files and not compared.left_only and not compared.right_only
    for sub in compared.subdirs.values():
        assert not sub.diff_files, sub.diff_files
    other = tmp_path / "c"
    generate_hospitals(other, patients=400, centres=4, seed=4, chunk_size=150)
    assert (first / "centres.csv").read_bytes() != (other / "centres.csv").read_bytes() or any(
        (first / f).read_bytes() != (other / f).read_bytes() for f in ("ground_truth/faults.csv",)
    )


def test_ground_truth_patients_match_the_exports(network: Path) -> None:
    truth = pd.read_parquet(network / "ground_truth" / "patients.parquet")
    assert len(truth) == PATIENTS
    assert not truth.duplicated(["finess", "ipp"]).any()
    assert truth.nir.map(is_valid_nir).all()
    # The dates give back the drawn age: within half a day of it, plus the rounding of the
    # written age to 0.1 year.
    days = (pd.to_datetime(truth.diagnosis_date) - pd.to_datetime(truth.birth_date)).dt.days
    assert ((days / 365.25 - truth.age_at_diagnosis).abs() <= 0.05 + 0.5 / 365.25 + 1e-9).all()
    for _, centre in centres(network).iterrows():
        _, patients = read_rows(network, centre, "patient")
        mine = truth[truth.finess == centre.finess]
        assert set(mine.ipp) == set(patients.ipp)


def test_progress_reports_patients_written_and_refuses_a_used_folder(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    summary = generate_hospitals(
        tmp_path / "net",
        patients=250,
        centres=2,
        seed=1,
        chunk_size=100,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, 250), (100, 250), (200, 250), (250, 250)]
    assert summary.rows["patient"] >= 250 and len(summary.centres) == 2
    with pytest.raises(FileExistsError):
        generate_hospitals(tmp_path / "net", patients=10, centres=2, seed=1)


def test_nearly_every_patient_has_a_stay_at_the_centre_around_the_diagnosis(
    network: Path,
) -> None:
    # The diagnostic work-up (biopsy, bronchoscopy, laparoscopy) is a stay: without it,
    # patients treated by oral drugs alone had no stay, unlike real cancer patients.
    truth = pd.read_parquet(network / "ground_truth" / "patients.parquet")
    truth["diagnosis"] = pd.to_datetime(truth["diagnosis_date"], unit="D")
    near_diagnosis = set()
    for _, centre in centres(network).iterrows():
        _, stays = read_rows(network, centre, "centre_stay")
        stays["admission"] = parse_dates(stays["admission_date"], centre.date_style)
        joined = stays.merge(truth[truth.finess == centre.finess][["ipp", "diagnosis"]], on="ipp")
        days_before = (joined["diagnosis"] - joined["admission"]).dt.days
        close = joined[(days_before >= 0) & (days_before <= 3)]
        near_diagnosis |= {(centre.finess, ipp) for ipp in close["ipp"]}
    # Faults (an unreadable date, a truncated line) take a few stays away.
    assert len(near_diagnosis) >= 0.97 * len(truth)
