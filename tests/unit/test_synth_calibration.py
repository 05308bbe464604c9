"""The synthetic cohort reproduces the published figures it is calibrated on (tolerances
allow for sampling noise at 20,000 patients), and treatments follow the guidelines."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from entrepot.synth import calibration as cal
from entrepot.synth import generate_hospitals

PATIENTS = 20_000
END = pd.Timestamp(cal.END_OF_FOLLOW_UP)


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("calibration")
    generate_hospitals(out, patients=PATIENTS, centres=12, seed=5, fault_rate=0.0)
    return out


@pytest.fixture(scope="module")
def truth(network: Path) -> pd.DataFrame:
    truth = pd.read_parquet(network / "ground_truth" / "patients.parquet")
    for column in ("diagnosis_date", "metastatic_date", "true_death_date"):
        truth[column] = pd.to_datetime(truth[column])
    return truth


def _table(network: Path, table: str) -> pd.DataFrame:
    """One table of every centre (fault rate 0: every line is a clean row), with `finess`."""
    frames = []
    for centre in pd.read_csv(network / "centres.csv", dtype=str).itertuples():
        path = network / centre.finess / f"{table}.csv"
        with path.open(encoding=centre.encoding, newline="") as handle:
            rows = list(csv.reader(handle, delimiter=centre.separator))
        frame = pd.DataFrame(rows[1:], columns=rows[0])
        frame["finess"] = centre.finess
        if centre.date_style == "dmy":
            for column in (c for c in frame.columns if c.endswith("_date")):
                frame[column] = frame[column].str.replace(
                    r"(\d\d)/(\d\d)/(\d{4})", r"\3-\2-\1", regex=True
                )
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def _kaplan_meier(months: np.ndarray, event: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(months, kind="stable")
    months, event = months[order], event[order]
    at_risk = len(months) - np.arange(len(months))
    survival = np.cumprod(np.where(event, 1 - 1 / at_risk, 1.0))
    return months, survival


def survival_at(months: np.ndarray, event: np.ndarray, t: float) -> float:
    times, survival = _kaplan_meier(months, event)
    before = times <= t
    return float(survival[before][-1]) if before.any() else 1.0


def median_survival(months: np.ndarray, event: np.ndarray) -> float:
    times, survival = _kaplan_meier(months, event)
    return float(times[np.argmax(survival <= 0.5)])


def _follow_up(start: pd.Series, death: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Months from `start` to the true death, censored at the end of follow-up."""
    event = (death <= END).to_numpy()
    end = death.where(death <= END, END)
    return ((end - start).dt.days / 30.44).to_numpy(), event


def test_cancer_mix_sex_and_age(truth: pd.DataFrame) -> None:
    cases = pd.Series(cal.NEW_CASES)
    assert np.allclose(
        truth.cancer_type.value_counts(normalize=True)[cases.index], cases / cases.sum(), atol=0.015
    )
    assert (truth[truth.cancer_type == "ovary"].sex == "F").all()
    assert 0.005 < (truth[truth.cancer_type == "breast"].sex == "M").mean() < 0.02
    lung = truth[truth.cancer_type == "lung"]
    women = cal.LUNG_CASES_BY_SEX["F"] / sum(cal.LUNG_CASES_BY_SEX.values())
    assert abs((lung.sex == "F").mean() - women) < 0.02
    median = truth.groupby(["cancer_type", "sex"]).age_at_diagnosis.median()
    assert abs(median["breast", "F"] - 64) <= 1
    assert abs(median["lung", "M"] - 68) <= 1 and abs(median["lung", "F"] - 66) <= 1
    assert abs(median["ovary", "F"] - 68) <= 1.5


def test_stages_subtypes_and_drivers(truth: pd.DataFrame) -> None:
    breast = truth[truth.cancer_type == "breast"]
    subtypes = breast.subtype.value_counts(normalize=True)
    expected = pd.Series(cal.BREAST_SUBTYPES) / sum(cal.BREAST_SUBTYPES.values())
    assert np.allclose(subtypes[expected.index], expected, atol=0.015)
    assert 0.05 <= breast.metastatic_at_diagnosis.mean() <= 0.12  # [S8]
    lung = truth[truth.cancer_type == "lung"]
    nsclc = lung[lung.subtype != "SCLC"]
    assert abs(nsclc.metastatic_at_diagnosis.mean() - 0.576) < 0.03  # [S13]
    profiled = lung[~lung.driver.isin(["untested", ""])].driver.value_counts(normalize=True)
    assert abs(profiled["EGFR"] - 0.11) < 0.03 and abs(profiled["KRAS"] - 0.29) < 0.04  # [S12]
    assert abs(profiled["ALK"] - 0.05) < 0.02
    ovary = truth[truth.cancer_type == "ovary"]
    assert abs(ovary.stage.str.match("III|IV").mean() - 0.60) < 0.05  # [S25]
    assert abs(ovary.germline_brca.mean() - 0.168) < 0.04  # [S24]


def test_metastatic_breast_survival_by_subtype(truth: pd.DataFrame) -> None:
    """ESMÉ MBC median OS [S6]; and the share of de novo disease among MBC [S8]."""
    mbc = truth[(truth.cancer_type == "breast") & (truth.metastatic_date <= END)]
    for subtype in ("HR+/HER2-", "TN"):
        published = cal.BREAST_METASTATIC_MEDIAN_OS[subtype]
        rows = mbc[mbc.subtype == subtype]
        months, event = _follow_up(rows.metastatic_date, rows.true_death_date)
        assert abs(median_survival(months, event) / published - 1) < 0.2, subtype
    assert abs(mbc.metastatic_at_diagnosis.mean() - 0.298) < 0.06


def test_survival_from_diagnosis(truth: pd.DataFrame) -> None:
    """Cancer-specific 5-year survival against net survival: breast 88 % [S1], lung 20 % [S2]."""
    for cancer, published, tolerance in (
        ("breast", cal.BREAST_CHECK_5Y, 0.03),
        ("lung", cal.LUNG_CHECK_5Y, 0.06),
    ):
        rows = truth[truth.cancer_type == cancer]
        months, event = _follow_up(rows.diagnosis_date, rows.true_death_date)
        event = event & (rows.cause_of_death == "cancer").to_numpy()
        assert abs(survival_at(months, event, 60) - published) < tolerance, cancer


def test_receptors_and_ki67_agree_with_the_subtype(network: Path, truth: pd.DataFrame) -> None:
    tumour = _table(network, "tumour")
    first = tumour[tumour.tumour_number == "1"].merge(
        truth[["finess", "ipp", "subtype"]], on=["finess", "ipp"]
    )
    breast = first[first.cancer_type == "breast"]
    tn = breast[breast.subtype == "TN"]
    assert (tn.er_status == "negative").all() and (tn.pr_status == "negative").all()
    assert tn.her2_status.isin(["negative", "low"]).all()
    her2 = breast[breast.subtype.isin(["HR+/HER2+", "HR-/HER2+"])]
    assert (her2.her2_status == "positive").all()
    luminal = breast[breast.subtype == "HR+/HER2-"]
    assert ((luminal.er_status == "positive") | (luminal.pr_status == "positive")).all()
    ki67 = pd.to_numeric(breast.ki67_percent.str.replace(",", "."), errors="coerce")
    assert ki67[breast.subtype == "TN"].median() > ki67[breast.subtype == "HR+/HER2-"].median() + 15


def test_first_metastatic_lines_follow_the_guidelines(network: Path) -> None:
    tumour = _table(network, "tumour")
    treatment = _table(network, "treatment")
    lines = treatment[treatment.line_number == "1"].merge(
        tumour, on=["finess", "ipp", "tumour_number"]
    )
    year = lines.start_date.str[:4].astype(int)
    egfr = lines[(lines.egfr_status == "altered") & (year >= 2018)]
    assert len(egfr) > 0 and (egfr.drugs == "L01EB04").all()  # osimertinib
    alk = lines[(lines.alk_status == "altered") & (year >= 2018)]
    assert (alk.drugs == "L01ED03").all()  # alectinib
    her2 = lines[(lines.her2_status == "positive") & (year >= 2013)]
    assert len(her2) > 0 and her2.drugs.str.contains("L01FD01").all()  # trastuzumab
    cdk46 = lines.drugs.str.contains("L01EF0")
    assert not (cdk46 & lines.her2_status.eq("positive")).any()
    assert not (cdk46 & lines.er_status.eq("negative") & lines.pr_status.eq("negative")).any()
    luminal = lines[(lines.er_status == "positive") & (lines.her2_status != "positive")]
    share_after_2017 = (
        luminal[luminal.start_date.str[:4].astype(int) >= 2017].drugs.str.contains("L01EF0").mean()
    )
    share_before_2016 = (
        luminal[luminal.start_date.str[:4].astype(int) < 2016].drugs.str.contains("L01EF0").mean()
    )
    assert share_before_2016 < 0.03 and 0.4 < share_after_2017 < 0.7  # [S9]
