"""The synthetic SNDS extract: the format of decision 0004, agreement with the hospitals'
truth, and every reality built in, each checked against the ground truth kept aside."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from entrepot.cli.main import app
from entrepot.edge import create_ttp_key, snds_token
from entrepot.synth import generate_hospitals
from entrepot.synth.snds import Rates, generate_snds
from entrepot.synth.snds.drugs import EVERYDAY, LISTED, PHARMACY, cip13
from entrepot.synth.snds.grouping import ERROR_GHMS, OTHER_STAYS
from entrepot.synth.snds.layout import COLUMNS, PMSI_TABLES, PMSI_YEARS, RETURN_CODES, file_stem
from entrepot.synth.snds.token import token
from entrepot.vocab import code_system

PATIENTS = 400
RATES = {"twin": 0.05}  # enough twins in a small network to test them
LEGAL_ENTITIES = {"750712184", "690781810", "130786049"}
REFERENCE = Path("/work/shared/reference/snds/schema-snds")
SAS_DATE = re.compile(r"\d{2}(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\d{4}:00:00:00")


@pytest.fixture(scope="module")
def hospitals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hospitals")
    generate_hospitals(out, patients=PATIENTS, centres=5, seed=11, fault_rate=0.02)
    return out


@pytest.fixture(scope="module")
def ttp_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("secrets") / "ttp.key"
    create_ttp_key(path)
    return path


@pytest.fixture(scope="module")
def extract(hospitals: Path, ttp_key: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snds") / "extract"
    generate_snds(hospitals, out, seed=5, ttp_key_path=ttp_key, chunk_size=1500, **RATES)
    return out


def read(extract: Path, stem: str) -> pd.DataFrame:
    return pd.read_csv(extract / f"{stem}.csv", sep=";", dtype=str, keep_default_na=False)


def pmsi(extract: Path, table: str) -> pd.DataFrame:
    frames = [read(extract, file_stem(table, y)).assign(year=y) for y in PMSI_YEARS]
    return pd.concat(frames, ignore_index=True)


def truth(hospitals: Path) -> pd.DataFrame:
    return pd.read_parquet(hospitals / "ground_truth" / "patients.parquet")


def beneficiaries(extract: Path) -> pd.DataFrame:
    return pd.read_parquet(extract / "ground_truth" / "beneficiaries.parquet")


def sas_day(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%d%b%Y:%H:%M:%S")


@pytest.fixture(scope="module")
def people(extract: Path, hospitals: Path) -> pd.DataFrame:
    """Hospital patients with their BEN_IDT_ANO, truth and pseudonyms."""
    link = read(extract, "ground_truth/linkage")
    patients = link.merge(truth(hospitals), on=["finess", "ipp"], validate="1:1")
    ben = read(extract, "IR_BEN_R")
    first = ben.drop_duplicates("BEN_IDT_ANO")[["BEN_IDT_ANO", "BEN_NIR_PSA", "BEN_RNG_GEM"]]
    return patients.merge(first, on="BEN_IDT_ANO", validate="1:1")


# --- format (decision 0004) ----------------------------------------------------------------


def test_every_table_is_written_with_its_requested_columns(extract: Path) -> None:
    for table, columns in COLUMNS.items():
        years = PMSI_YEARS if table in PMSI_TABLES else (None,)
        for year in years:
            header = (extract / f"{file_stem(table, year)}.csv").read_text("utf-8").split("\n")[0]
            assert header == ";".join(name for name, _ in columns)
    assert sorted(p.name for p in extract.glob("T_MCO*B.csv")) == [
        f"T_MCO{y % 100:02d}B.csv" for y in PMSI_YEARS
    ]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="HDH schemas not available")
def test_every_column_exists_in_the_hdh_schema_of_its_table() -> None:
    for table, columns in COLUMNS.items():
        [path] = (REFERENCE / "schemas").rglob(f"{table}.json")
        known = {field["name"] for field in json.loads(path.read_text())["fields"]}
        assert {name for name, _ in columns} <= known, table


def test_codes_and_dates_are_written_as_the_snds_writes_them(extract: Path) -> None:
    ben = read(extract, "IR_BEN_R")
    for column in ("BEN_DCD_DTE", "BEN_DTE_INS", "BEN_DTE_MAJ"):
        assert ben[column].str.fullmatch(SAS_DATE.pattern).all()
    assert (ben["BEN_DCD_DTE"] == "01JAN1600:00:00:00").mean() > 0.5  # the living
    assert ben["BEN_NAI_MOI"].isin([f"{m:02d}" for m in range(1, 13)]).all()
    assert ben["BEN_SEX_COD"].isin(["1", "2"]).all()
    departement = code_system("departement")
    assert ben["BEN_RES_DPT"].str.len().eq(3).all()
    assert ben["BEN_RES_DPT"].map(departement.is_valid).all()
    prs = read(extract, "ER_PRS_F")
    assert prs["EXE_SOI_DTD"].str.fullmatch(SAS_DATE.pattern).all()
    chaining = pmsi(extract, "T_MCOaaC")
    assert chaining["ENT_DAT"].str.fullmatch(r"\d{8}").all()
    assert (pd.to_datetime(chaining["SOR_DAT"], format="%d%m%Y").dt.year == chaining["year"]).all()
    assert chaining[list(RETURN_CODES)].isin(["0", "1"]).all().all()
    finess = code_system("finess")
    assert chaining["ETA_NUM"].map(finess.is_valid).all()


def test_codes_are_valid_in_their_code_systems(extract: Path) -> None:
    icd10, ccam = code_system("icd10"), code_system("ccam")
    stays = pmsi(extract, "T_MCOaaB")
    assert stays["DGN_PAL"].map(icd10.is_valid).all()
    assert stays.loc[stays["DGN_REL"] != "", "DGN_REL"].map(icd10.is_valid).all()
    assert pmsi(extract, "T_MCOaaD")["ASS_DGN"].map(icd10.is_valid).all()
    assert pmsi(extract, "T_MCOaaA")["CDC_ACT"].map(ccam.is_valid).all()
    assert read(extract, "IR_IMB_R")["MED_MTF_COD"].map(icd10.is_valid).all()
    assert read(extract, "KI_CCI_R")["DCD_CIM_COD"].map(icd10.is_valid).all()
    assert read(extract, "KI_ECD_R")["ECD_CIM_COD"].map(icd10.is_valid).all()
    assert all(icd10.is_valid(code) and (not act or ccam.is_valid(act))
               for code, _, _, act, *_ in OTHER_STAYS)  # fmt: skip


def test_dcir_lines_join_their_pharmacy_and_ucd_rows_on_the_nine_keys(extract: Path) -> None:
    keys = [name for name, _ in COLUMNS["ER_PHA_F"][:9]]
    prs = read(extract, "ER_PRS_F")
    assert not prs.duplicated(keys).any()
    for child in ("ER_PHA_F", "ER_UCD_F"):
        rows = read(extract, child)
        assert len(rows) > 0
        joined = rows.merge(prs, on=keys, how="left", indicator=True, validate="1:1")
        assert (joined["_merge"] == "both").all(), child


# --- agreement with the hospitals' truth ---------------------------------------------------


def test_linkage_truth_names_every_hospital_patient_once(extract: Path, hospitals: Path) -> None:
    link = read(extract, "ground_truth/linkage")
    assert len(link) == PATIENTS
    assert not link.duplicated(["finess", "ipp"]).any()
    assert not link["BEN_IDT_ANO"].duplicated().any()
    assert set(link["BEN_IDT_ANO"]) <= set(read(extract, "IR_BEN_R")["BEN_IDT_ANO"])


def test_demographics_agree_with_the_truth_except_the_birth_months_built_off(
    extract: Path, people: pd.DataFrame
) -> None:
    ben = read(extract, "IR_BEN_R").drop_duplicates("BEN_IDT_ANO")
    rows = people[["BEN_IDT_ANO", "sex", "birth_date", "residence_departement"]].merge(
        ben, on="BEN_IDT_ANO"
    )
    birth = pd.to_datetime(rows["birth_date"])
    assert (rows["BEN_SEX_COD"] == rows["sex"].map({"M": "1", "F": "2"})).all()
    assert (rows["BEN_NAI_ANN"].astype(int) == birth.dt.year).all()
    assert (rows["BEN_RES_DPT"] == rows["residence_departement"].str.zfill(3)).all()
    off = rows["BEN_NAI_MOI"].astype(int) != birth.dt.month
    assert (rows.loc[off, "BEN_NAI_MOI"].astype(int) - birth[off].dt.month).abs().eq(1).all()
    listed = read(extract, "ground_truth/discrepancies").query("kind == 'birth_month'")
    assert set(listed["BEN_IDT_ANO"]) == set(rows.loc[off, "BEN_IDT_ANO"])
    assert 0.01 < off.mean() < 0.12  # 5 % by default


def test_every_death_is_in_the_death_records_with_its_cause(
    extract: Path, people: pd.DataFrame
) -> None:
    deaths = read(extract, "KI_CCI_R")
    dead = people[people["true_death_date"].notna()].merge(deaths, on="BEN_IDT_ANO", how="left")
    assert len(dead) > 0 and dead["BEN_DCD_DTE"].notna().all()
    assert (sas_day(dead["BEN_DCD_DTE"]) == pd.to_datetime(dead["true_death_date"])).all()
    cancer = dead["cause_of_death"] == "cancer"
    assert dead.loc[cancer, "DCD_CIM_COD"].str[:3].isin(["C50", "C34", "C56"]).all()
    assert not dead.loc[~cancer, "DCD_CIM_COD"].str.startswith("C").any()
    assert dead["death_date"].isna().sum() > 0  # deaths the hospital never learnt of
    causes = read(extract, "KI_ECD_R").merge(deaths, on="BEN_IDT_ANO")
    assert (
        (causes["ECD_CIM_COD"] == causes["DCD_CIM_COD"]).groupby(causes["BEN_IDT_ANO"]).any().all()
    )
    alive = people[people["true_death_date"].isna()]
    assert not alive["BEN_IDT_ANO"].isin(deaths["BEN_IDT_ANO"]).any()


def test_cancer_patients_have_an_ald_30_with_their_tumour_code(
    extract: Path, people: pd.DataFrame
) -> None:
    ald = read(extract, "IR_IMB_R").query("IMB_ALD_NUM == '30'")
    ald = ald.merge(
        people[["BEN_NIR_PSA", "BEN_RNG_GEM", "cancer_type"]], on=["BEN_NIR_PSA", "BEN_RNG_GEM"]
    )
    site = ald["cancer_type"].map({"breast": "C50", "lung": "C34", "ovary": "C56"})
    first_primary = ald["MED_MTF_COD"].str[:3] == site
    assert first_primary.groupby(ald["BEN_NIR_PSA"]).any().sum() > 0.85 * len(people)
    assert (ald["IMB_ETM_NAT"] == "41").all()


def test_hospital_stays_are_in_the_pmsi_under_the_patients_pseudonym(
    extract: Path, people: pd.DataFrame, hospitals: Path
) -> None:
    fate = pd.read_parquet(extract / "ground_truth" / "stays.parquet")
    kept = fate[fate["in_pmsi"]].astype({"RSA_NUM": "int64"})
    chaining = pmsi(extract, "T_MCOaaC").astype({"RSA_NUM": "int64"})
    rows = kept.merge(chaining, on=["ETA_NUM", "RSA_NUM"], validate="1:1")
    assert len(rows) == len(kept)
    rows = rows.merge(people[["finess", "ipp", "BEN_IDT_ANO"]], on=["finess", "ipp"])
    pseudonyms = read(extract, "IR_BEN_R").groupby("BEN_IDT_ANO")["BEN_NIR_PSA"].agg(set)
    own = [
        nir in pseudonyms[ben]
        for nir, ben in zip(rows["NIR_ANO_17"], rows["BEN_IDT_ANO"], strict=True)
    ]
    identity_failed = rows["anomaly"].isin(["NIR_RET", "NAI_RET", "SEX_RET"])
    assert (np.array(own) != identity_failed.to_numpy()).all()
    exports = _export_stays(hospitals)
    rows = rows.merge(exports, on=["finess", "nda"], validate="1:1")
    shift = pd.to_timedelta(rows["shift_days"], unit="D")
    assert (
        pd.to_datetime(rows["ENT_DAT"], format="%d%m%Y") == rows["admission_date"] + shift
    ).all()
    assert (
        pd.to_datetime(rows["SOR_DAT"], format="%d%m%Y") == rows["discharge_date"] + shift
    ).all()
    assert (rows["ETA_NUM"] == rows["stay_finess"]).all()
    assert 0.02 < 1 - fate["in_pmsi"].mean() < 0.09  # 5 % missing
    assert 0.14 < (kept["shift_days"] != 0).mean() < 0.26  # 20 % shifted by a day
    assert kept["shift_days"].abs().max() == 1


def _export_stays(hospitals: Path) -> pd.DataFrame:
    """Every centre's centre_stay export, read in the centre's dialect."""
    centres = pd.read_csv(hospitals / "centres.csv", dtype=str, keep_default_na=False)
    frames = []
    for c in centres.itertuples():
        stays = pd.read_csv(
            hospitals / c.finess / "centre_stay.csv", sep=c.separator, encoding=c.encoding,
            dtype=str, keep_default_na=False, on_bad_lines="skip",
        )  # fmt: skip
        style = "%Y-%m-%d" if c.date_style == "iso" else "%d/%m/%Y"
        for column in ("admission_date", "discharge_date"):
            stays[column] = pd.to_datetime(stays[column], format=style, errors="coerce")
        frames.append(stays.assign(finess=c.finess).drop_duplicates("nda"))
    return pd.concat(frames, ignore_index=True)


def test_stays_carry_diagnoses_acts_and_expensive_drugs_as_the_pmsi_codes_them(
    extract: Path,
) -> None:
    stays = pmsi(extract, "T_MCOaaB")
    sessions = stays[stays["GRG_GHM"] == "28Z07Z"]
    assert len(sessions) > 0
    assert (sessions["DGN_PAL"] == "Z511").all() and sessions["DGN_REL"].str.startswith("C").all()
    assert (sessions["SEJ_NBJ"] == "").all() and (sessions["GHS_NUM"] == "9606").all()
    surgical = stays[stays["GRG_GHM"].str[2] == "C"]
    acts = pmsi(extract, "T_MCOaaA")
    with_act = surgical.merge(acts, on=["ETA_NUM", "RSA_NUM"], how="left")
    assert with_act["CDC_ACT"].notna().mean() > 0.95
    drugs = pmsi(extract, "T_MCOaaMED").merge(stays, on=["ETA_NUM", "RSA_NUM"])
    # Drugs are given in sessions (some of which the grouper rejected: error GHM).
    assert len(drugs) > 0 and drugs["GRG_GHM"].isin(["28Z07Z", *ERROR_GHMS]).all()
    assert set(drugs["UCD_UCD_COD"]) <= {d.ucd for d in LISTED.values()}
    died = stays[stays["SOR_MOD"] == "9"]
    assert len(died) > 0


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="SNDS nomenclatures not available")
def test_drug_codes_are_real_entries_of_the_snds_nomenclatures() -> None:
    nomenclatures = REFERENCE / "nomenclatures"
    ucd = pd.read_csv(nomenclatures / "ORAREF" / "NU_UCD_R.csv", sep=";", dtype=str)
    assert {d.ucd for d in LISTED.values()} <= set(ucd["UCD_UCD_COD"])
    cip = pd.read_csv(nomenclatures / "ORAVAL" / "IR_CIP_V.csv", sep=";", dtype=str)
    atc_class = dict(zip(cip["PHA_PRS_IDE"], cip["PHA_ATC_CLA"], strict=True))
    for atc, drug in PHARMACY.items():
        assert atc_class[drug.cip7] == atc[:3], atc
    assert len({d.cip7 for d in PHARMACY.values()}) == len(PHARMACY)
    assert all(code in atc_class for code, _ in EVERYDAY)


def test_cip13_is_34009_then_the_cip7_then_an_ean13_check_digit() -> None:
    code = cip13("3265733")
    assert code.startswith("340093265733") and len(code) == 13
    digits = [int(d) for d in code]
    assert sum(d * (3 if k % 2 else 1) for k, d in enumerate(digits)) % 10 == 0


def test_oral_anticancer_drugs_are_dispensed_during_their_treatment(
    extract: Path, people: pd.DataFrame, hospitals: Path
) -> None:
    prs = read(extract, "ER_PRS_F")
    pharmacy = read(extract, "ER_PHA_F").merge(prs, on=[n for n, _ in COLUMNS["ER_PHA_F"][:9]])
    tamoxifen = cip13(PHARMACY["L02BA01"].cip7)
    given = pharmacy[pharmacy["PHA_PRS_C13"] == tamoxifen].merge(
        people[["BEN_NIR_PSA", "finess", "ipp"]], on="BEN_NIR_PSA"
    )
    assert len(given) > 0
    treatments = _export_treatments(hospitals)
    treated = treatments[treatments["drugs"].str.contains("L02BA01")]
    rows = given.merge(treated, on=["finess", "ipp"])
    day = sas_day(rows["EXE_SOI_DTD"])
    during = (day >= rows["start_date"]) & ((day <= rows["end_date"]) | rows["end_date"].isna())
    assert during.groupby([rows["DCT_ORD_NUM"]]).any().all()
    assert (pd.to_numeric(pharmacy["PHA_ACT_QSN"]) > 0).all()


def _export_treatments(hospitals: Path) -> pd.DataFrame:
    centres = pd.read_csv(hospitals / "centres.csv", dtype=str, keep_default_na=False)
    frames = []
    for c in centres.itertuples():
        rows = pd.read_csv(
            hospitals / c.finess / "treatment.csv", sep=c.separator, encoding=c.encoding,
            dtype=str, keep_default_na=False, on_bad_lines="skip",
        )  # fmt: skip
        style = "%Y-%m-%d" if c.date_style == "iso" else "%d/%m/%Y"
        for column in ("start_date", "end_date"):
            rows[column] = pd.to_datetime(rows[column], format=style, errors="coerce")
        frames.append(rows.assign(finess=c.finess))
    return pd.concat(frames, ignore_index=True)


def test_amounts_are_plausible(extract: Path) -> None:
    prs = read(extract, "ER_PRS_F")
    paid = pd.to_numeric(prs["PRS_PAI_MNT"])
    reimbursed = pd.to_numeric(prs["BSE_REM_MNT"])
    assert (paid > 0).all() and (reimbursed >= 0).all() and (reimbursed <= paid + 1e-9).all()
    gp = prs[prs["PSE_SPE_COD"] == "1"]
    assert set(pd.to_numeric(gp["PRS_PAI_MNT"])) <= {22.0, 23.0, 25.0, 26.5, 30.0}
    ucd = read(extract, "ER_UCD_F").merge(prs, on=[n for n, _ in COLUMNS["ER_UCD_F"][:9]])
    price = ucd["UCD_UCD_COD"].map({d.ucd: d.price for d in LISTED.values()})
    expected = (price * pd.to_numeric(ucd["UCD_DLV_NBR"])).round(2)
    assert np.allclose(pd.to_numeric(ucd["PRS_PAI_MNT"]), expected)


# --- the realities built in ----------------------------------------------------------------


def test_twins_share_a_pseudonym_told_apart_by_rank_only_in_the_dcir(
    extract: Path, people: pd.DataFrame
) -> None:
    everyone = beneficiaries(extract)
    twins = everyone[everyone["role"] == "twin"][["finess", "ipp", "BEN_IDT_ANO"]]
    assert len(twins) >= 5
    ben = read(extract, "IR_BEN_R")
    twin_rows = twins.merge(ben, on="BEN_IDT_ANO")
    assert len(twin_rows) == len(twins)  # a twin has one pseudonym, the shared one
    patient_rows = people[["finess", "ipp", "BEN_IDT_ANO"]].merge(ben, on="BEN_IDT_ANO")
    pairs = twin_rows.merge(patient_rows, on=["finess", "ipp"], suffixes=("", "_patient"))
    assert len(pairs) == len(twins)
    assert (pairs["BEN_NIR_PSA"] == pairs["BEN_NIR_PSA_patient"]).all()
    assert (pairs["BEN_RNG_GEM"] != pairs["BEN_RNG_GEM_patient"]).all()
    for column in ("BEN_NAI_ANN", "BEN_SEX_COD", "BEN_RES_DPT"):
        assert (pairs[column] == pairs[f"{column}_patient"]).all()
    # The DCIR tells them apart: the twin's lines carry the twin's rank.
    dcir = read(extract, "ER_PRS_F")
    assert len(dcir.merge(pairs[["BEN_NIR_PSA", "BEN_RNG_GEM"]])) > 0
    # The PMSI knows only the shared pseudonym: at the network's centres, every stay under
    # it is the patient's own (the twin has none there).
    fate = pd.read_parquet(extract / "ground_truth" / "stays.parquet")
    own = set(fate["RSA_NUM"].dropna().astype("int64"))
    unknown = read(extract, "ground_truth/discrepancies").query("kind == 'unknown_stay'")
    own |= {int(d.split(":")[1]) for d in unknown["detail"]}
    chaining = pmsi(extract, "T_MCOaaC").astype({"RSA_NUM": "int64"})
    shared = chaining[chaining["NIR_ANO_17"].isin(pairs["BEN_NIR_PSA"])]
    at_network = shared[shared["ETA_NUM"].isin(_network_finess(people, extract))]
    assert len(at_network) > 0 and at_network["RSA_NUM"].isin(own).all()


def _network_finess(people: pd.DataFrame, extract: Path) -> set[str]:
    fate = pd.read_parquet(extract / "ground_truth" / "stays.parquet")
    return set(fate["ETA_NUM"].dropna()) | set(people["finess"])


def test_some_people_have_several_pseudonyms_and_claims_use_the_valid_one(extract: Path) -> None:
    ben = read(extract, "IR_BEN_R")
    count = ben.groupby("BEN_IDT_ANO").size()
    assert 0.03 < (count == 2).mean() < 0.07 and count.max() == 2
    later = ben[ben["BEN_IDT_ANO"].isin(count[count == 2].index)].copy()
    later["switch"] = sas_day(later["BEN_DTE_INS"])
    first = later.groupby("BEN_IDT_ANO")["switch"].transform("min")
    second = later[later["switch"] > first][["BEN_IDT_ANO", "BEN_NIR_PSA", "switch"]]
    firsts = later[later["switch"] == first][["BEN_IDT_ANO", "BEN_NIR_PSA"]]
    dcir = read(extract, "ER_PRS_F")
    dcir["day"] = sas_day(dcir["EXE_SOI_DTD"])
    before = dcir.merge(firsts, on="BEN_NIR_PSA").merge(
        second[["BEN_IDT_ANO", "switch"]], on="BEN_IDT_ANO"
    )
    after = dcir.merge(second, on="BEN_NIR_PSA")
    assert len(before) > 0 and len(after) > 0
    assert (before["day"] < before["switch"]).all() and (after["day"] >= after["switch"]).all()


def test_a_few_pmsi_stays_fail_a_chaining_check_or_fall_in_an_error_group(extract: Path) -> None:
    chaining = pmsi(extract, "T_MCOaaC")
    failing = (chaining[list(RETURN_CODES)] != "0").any(axis=1)
    assert 0.01 < failing.mean() < 0.06
    known = set(read(extract, "IR_BEN_R")["BEN_NIR_PSA"])
    identity = (chaining[["NIR_RET", "NAI_RET", "SEX_RET"]] != "0").any(axis=1)
    assert not chaining.loc[identity, "NIR_ANO_17"].isin(known).any()
    assert chaining.loc[~identity, "NIR_ANO_17"].isin(known).all()
    stays = pmsi(extract, "T_MCOaaB")
    errors = stays[stays["GRG_GHM"].str.startswith("90")]
    assert 0 < len(errors) < 0.02 * len(stays)
    anomalies = read(extract, "ground_truth/pmsi_anomalies")
    assert (anomalies["anomaly"] == "error_ghm").sum() == len(errors)


def test_group_hospitals_report_their_stays_twice(extract: Path) -> None:
    stays = pmsi(extract, "T_MCOaaC")
    copies = read(extract, "ground_truth/pmsi_anomalies").query("anomaly == 'legal_entity_copy'")
    assert len(copies) > 0 and set(copies["ETA_NUM"]) <= LEGAL_ENTITIES
    copy_rows = copies.merge(stays, on=["ETA_NUM", "RSA_NUM"])
    site = copies["detail"].str.split(":", expand=True).set_axis(["ETA_NUM", "RSA_NUM"], axis=1)
    site_rows = site.merge(stays, on=["ETA_NUM", "RSA_NUM"], how="left")
    for column in ("NIR_ANO_17", "ENT_DAT", "SOR_DAT"):
        assert (copy_rows[column].to_numpy() == site_rows[column].to_numpy()).all()
    assert not site_rows["ETA_NUM"].isin(LEGAL_ENTITIES).any()


def test_a_few_dcir_lines_are_repeated_for_information_only(extract: Path) -> None:
    prs = read(extract, "ER_PRS_F")
    information = prs[prs["DPN_QLF"] == "71"]
    assert 0.005 < len(information) / len(prs) < 0.06
    same = ["BEN_NIR_PSA", "BEN_RNG_GEM", "EXE_SOI_DTD", "PRS_NAT_REF", "PRS_PAI_MNT"]
    paid = prs[prs["DPN_QLF"] == "0"]
    assert information.merge(paid, on=same).drop_duplicates("DCT_ORD_NUM_x").shape[0] == len(
        information
    )


def test_look_alikes_are_treated_at_the_same_centre(extract: Path, people: pd.DataFrame) -> None:
    truth_people = beneficiaries(extract)
    decoys = truth_people[truth_people["role"] == "decoy"]
    assert len(decoys) > 0.1 * PATIENTS
    ben = read(extract, "IR_BEN_R").drop_duplicates("BEN_IDT_ANO")
    pairs = decoys[["finess", "ipp", "BEN_IDT_ANO"]].merge(
        people[["finess", "ipp", "BEN_IDT_ANO"]], on=["finess", "ipp"], suffixes=("_decoy", "")
    )
    decoy_rows = pairs[["BEN_IDT_ANO_decoy"]].merge(
        ben, left_on="BEN_IDT_ANO_decoy", right_on="BEN_IDT_ANO"
    )
    patient_rows = pairs[["BEN_IDT_ANO"]].merge(ben, on="BEN_IDT_ANO")
    for column in ("BEN_NAI_ANN", "BEN_SEX_COD", "BEN_RES_DPT"):
        assert (decoy_rows[column].to_numpy() == patient_rows[column].to_numpy()).all()
    chaining = pmsi(extract, "T_MCOaaC")
    at_centre = decoy_rows.merge(chaining, left_on="BEN_NIR_PSA", right_on="NIR_ANO_17")
    network = _network_finess(people, extract)
    assert at_centre["ETA_NUM"].isin(network).groupby(at_centre["BEN_IDT_ANO"]).any().mean() > 0.8


def test_some_pmsi_stays_at_the_centre_are_unknown_to_the_hospital(
    extract: Path, people: pd.DataFrame
) -> None:
    unknown = read(extract, "ground_truth/discrepancies").query("kind == 'unknown_stay'")
    assert len(unknown) > 0
    parts = unknown["detail"].str.split(":", expand=True)
    assert (parts[0].to_numpy() == unknown["finess"].to_numpy()).all()
    fate = pd.read_parquet(extract / "ground_truth" / "stays.parquet")
    assert not parts[1].astype("int64").isin(fate["RSA_NUM"].dropna().astype("int64")).any()


def test_the_ttp_token_is_the_edge_token(
    extract: Path, people: pd.DataFrame, ttp_key: Path
) -> None:
    key = ttp_key.read_bytes()
    assert token(key, "255082A004123", "1955-08-14", "F") == snds_token(
        key, "2 55 08 2A 004 123 69", "1955-08-14", "F"
    )
    ttp = read(extract, "TTP_CORRESPONDANCE")
    rows = people.merge(ttp, on=["BEN_NIR_PSA", "BEN_RNG_GEM"], how="left")
    has = rows["SNDS_TOKEN"].notna()
    assert 0.9 < has.mean() < 1.0  # 97 % by default
    expected = [
        snds_token(key, nir, birth.isoformat(), sex)
        for nir, birth, sex in zip(rows["nir"], rows["birth_date"], rows["sex"], strict=True)
    ]
    assert (rows.loc[has, "SNDS_TOKEN"] == pd.Series(expected)[has]).all()
    assert not ttp["SNDS_TOKEN"].duplicated().any()  # twins' NIRs differ, so do their tokens
    everyone = read(extract, "IR_BEN_R")
    assert 0.94 < len(ttp) / everyone["BEN_IDT_ANO"].nunique() < 1.0


def test_the_population_is_ten_times_the_hospital_patients_by_default(extract: Path) -> None:
    people = beneficiaries(extract)
    assert len(people) == 10 * PATIENTS
    assert not people["BEN_IDT_ANO"].duplicated().any()
    others = people[people["role"] == "other"]
    assert 0.45 < (others["sex"] == "F").mean() < 0.6
    years = pd.to_datetime(others["birth_date"]).dt.year
    assert years.between(1920, 2005).all()
    assert others["departement"].nunique() > 50


def test_no_claim_falls_after_death_or_outside_the_window(extract: Path) -> None:
    deaths = read(extract, "KI_CCI_R")[["BEN_IDT_ANO", "BEN_DCD_DTE"]]
    ben = read(extract, "IR_BEN_R")[["BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO"]]
    prs = read(extract, "ER_PRS_F").merge(ben, on=["BEN_NIR_PSA", "BEN_RNG_GEM"])
    day = sas_day(prs["EXE_SOI_DTD"])
    assert day.between("2008-01-01", "2025-12-31").all()
    dead = prs.merge(deaths, on="BEN_IDT_ANO")
    assert (sas_day(dead["EXE_SOI_DTD"]) <= sas_day(dead["BEN_DCD_DTE"])).all()
    # The PMSI cannot tell twins apart: leave their shared pseudonyms out.
    owners = ben.groupby("BEN_NIR_PSA")["BEN_IDT_ANO"].nunique()
    single = ben[ben["BEN_NIR_PSA"].isin(owners[owners == 1].index)].drop_duplicates("BEN_NIR_PSA")
    chaining = pmsi(extract, "T_MCOaaC").merge(single, left_on="NIR_ANO_17", right_on="BEN_NIR_PSA")
    dead_stays = chaining.merge(deaths, on="BEN_IDT_ANO")
    assert (sas_day(dead_stays["EXE_SOI_DTF"]) <= sas_day(dead_stays["BEN_DCD_DTE"])).all()


# --- the run -------------------------------------------------------------------------------


def test_same_arguments_same_files_and_no_ttp_file_without_a_key(
    hospitals: Path, tmp_path: Path
) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    for out in (first, second):
        generate_snds(hospitals, out, population=1200, seed=9, chunk_size=500)
    assert not (first / "TTP_CORRESPONDANCE.csv").exists()
    names = sorted(p.relative_to(first) for p in first.rglob("*.csv"))
    assert names == sorted(p.relative_to(second) for p in second.rglob("*.csv"))
    assert all((first / n).read_bytes() == (second / n).read_bytes() for n in names)


def test_refusals(hospitals: Path, tmp_path: Path) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "file").write_text("x")
    with pytest.raises(FileExistsError):
        generate_snds(hospitals, taken)
    with pytest.raises(ValueError, match="population must be at least"):
        generate_snds(hospitals, tmp_path / "small", population=PATIENTS)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Rates(twin=1.5)
    with pytest.raises(FileNotFoundError):
        generate_snds(tmp_path, tmp_path / "nothing")


def test_the_command_line_writes_an_extract_and_refuses_a_used_folder(
    hospitals: Path, tmp_path: Path
) -> None:
    out = tmp_path / "cli"
    arguments = ["synth", "snds", "--hospitals", str(hospitals), "--population", "900",
                 "--seed", "1", "--out", str(out), "--stay-missing", "0"]  # fmt: skip
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 0, result.output
    assert "IR_BEN_R" in result.output
    fate = pd.read_parquet(out / "ground_truth" / "stays.parquet")
    assert fate["in_pmsi"].all()
    again = CliRunner().invoke(app, arguments)
    assert again.exit_code == 1 and "not empty" in again.output
