"""Every figure the generator is calibrated on, with its source key.

Keys `[Sn]` refer to `/work/shared/reference/epidemiology.md` (sources copied into
`docs/synthetic-data.md`). A figure marked *assumption* has no source in that sheet: it is
a generator choice, kept plausible and named here so nobody mistakes it for a published
number. Shares are probabilities (0–1); durations are in months unless the name says days.
"""

from __future__ import annotations

# --- study window ---------------------------------------------------------------------------

FIRST_DIAGNOSIS_YEAR = 2008  # brief: 2008–2025 diagnoses (Harmonie covers 2008–2030)
LAST_DIAGNOSIS_YEAR = 2025
#: Administrative censoring: nothing is dated after this day.
END_OF_FOLLOW_UP = "2025-12-31"

# --- cancer type mix and sex -----------------------------------------------------------------

#: New cases 2023: breast (women) 61,214 [S1]; lung 52,777 [S2]; ovary ≈5,350 [S4].
#: The mix of a cancer-centre cohort follows incidence: breast is the majority.
NEW_CASES = {"breast": 61_214, "lung": 52_777, "ovary": 5_350}
#: Breast in men: ~1 % of breast cancers (brief; assumption, no figure in the sheet).
BREAST_MALE_SHARE = 0.01
#: Lung, new cases 2023: men 33,438, women 19,339 [S2].
LUNG_CASES_BY_SEX = {"M": 33_438, "F": 19_339}

#: Yearly change of incidence, used to weight diagnosis years. Lung: −0.5 %/y men,
#: +4.3 %/y women, 2010–2023 [S2]. Breast and ovary: flat (assumption, no trend in the sheet).
INCIDENCE_TREND = {("lung", "M"): -0.005, ("lung", "F"): 0.043}

#: Median age at diagnosis: breast 64 [S1] (men 68: assumption); lung 68 men / 66 women [S2];
#: ovary 68 [S4].
MEDIAN_AGE = {("breast", "F"): 64, ("breast", "M"): 68, ("lung", "M"): 68, ("lung", "F"): 66}
MEDIAN_AGE_OVARY = 68
#: Spread of age at diagnosis (standard deviation, years): assumption.
AGE_SD = {"breast": 13.0, "lung": 10.0, "ovary": 12.0}
AGE_RANGE = (20, 99)

#: Share of patients with a second primary of another site or the contralateral breast,
#: diagnosed during follow-up (assumption).
SECOND_PRIMARY_SHARE = 0.04

# --- breast ----------------------------------------------------------------------------------

#: Subtypes, all stages (SEER proxy, no French population figure) [S10]:
#: HR+/HER2− 69.5 %, HR+/HER2+ 9.6 %, HR−/HER2+ 4.0 %, TN 10.5 %, unknown 6.1 %.
BREAST_SUBTYPES = {
    "HR+/HER2-": 0.695,
    "HR+/HER2+": 0.096,
    "HR-/HER2+": 0.040,
    "TN": 0.105,
    "unknown": 0.061,
}
#: Anatomic stage at diagnosis. [S5]: ~60 % localised (N0), ~30 % regional, ~10–12 % advanced
#: (T4 or M1); de novo metastatic 5–12 % [S8]. The split into AJCC groups is ours, chosen so
#: that N0 ≈ 59 %, N+ M0 ≈ 33 %, T4 + M1 ≈ 10 %.
BREAST_STAGES = {
    "IA": 0.42,
    "IIA": 0.24,
    "IIB": 0.13,
    "IIIA": 0.06,
    "IIIB": 0.03,
    "IIIC": 0.05,
    "IV": 0.07,
}
#: Lifetime probability of distant relapse by stage (assumption), multiplied by subtype.
#: Tuned so that 5-year survival lands near the 88 % net survival of [S1].
BREAST_RELAPSE = {"IA": 0.11, "IIA": 0.20, "IIB": 0.30, "IIIA": 0.46, "IIIB": 0.56, "IIIC": 0.62}
BREAST_RELAPSE_FACTOR = {
    "HR+/HER2-": 0.9,
    "HR+/HER2+": 1.0,
    "HR-/HER2+": 1.2,
    "TN": 1.5,
    "unknown": 1.0,
}
#: Median time from diagnosis to distant relapse, years, and lognormal sigma (assumption:
#: triple-negative relapses early, HR+ late).
BREAST_RELAPSE_TIMING = {
    "HR+/HER2-": (4.5, 0.8),
    "HR+/HER2+": (3.0, 0.8),
    "HR-/HER2+": (2.2, 0.7),
    "TN": (1.8, 0.6),
    "unknown": (3.0, 0.8),
}
#: Metastatic breast cancer median overall survival, months, from metastatic diagnosis:
#: HR+/HER2− 43.3, HER2+ 50.1, TN 14.8 (ESMÉ MBC) [S6]; all subtypes 39.5 [S6] for unknown.
BREAST_METASTATIC_MEDIAN_OS = {
    "HR+/HER2-": 43.3,
    "HR+/HER2+": 50.1,
    "HR-/HER2+": 50.1,
    "TN": 14.8,
    "unknown": 39.5,
}
#: First-line endocrine therapy + CDK4/6 inhibitor in HR+/HER2− MBC: ~0.9 % before 2016,
#: ~50 % after 2017, ~70 % with good performance status [S9].
#: 2016 is a transition year between the two figures (assumption). The ~70 % with good PS is
#: not modelled separately: the line choice does not look at the ECOG score.
CDK46_FIRST_LINE = {"before_2016": 0.009, "2016": 0.25, "from_2017": 0.50}
#: Share of HER2-negative tumours that are HER2-low (assumption).
HER2_LOW_SHARE = 0.55
#: Median Ki-67 (%) by subtype (assumption).
KI67_MEDIAN = {"HR+/HER2-": 15, "HR+/HER2+": 25, "HR-/HER2+": 35, "TN": 50, "unknown": 20}
#: Germline BRCA1/2 carriers among breast cancers (assumption; higher in TN).
BREAST_GBRCA = {"TN": 0.10, "other": 0.03}
#: Share of TN metastatic patients whose tumour is PD-L1 positive (assumption).
TN_PDL1_POSITIVE = 0.40

# --- lung ------------------------------------------------------------------------------------

#: NSCLC 86.3 % (KBP-2010) [S14]; SCLC + other ≈ 14 %; we split 13 % SCLC, 1 % other
#: (assumption).
LUNG_HISTOLOGY = {"nsclc": 0.863, "small_cell": 0.127, "other": 0.010}
#: Histology within NSCLC (assumption; adenocarcinoma "most frequent" [S13], 76 % among
#: molecularly profiled advanced NSCLC [S12]).
NSCLC_HISTOLOGY = {"adenocarcinoma": 0.62, "squamous": 0.25, "large_cell": 0.03, "nsclc_nos": 0.10}
#: Metastatic or disseminated at diagnosis, NSCLC (KBP-2020) [S13]: 57.6 %.
NSCLC_METASTATIC_AT_DIAGNOSIS = 0.576
#: SCLC extensive stage at diagnosis (assumption).
SCLC_METASTATIC_AT_DIAGNOSIS = 0.65
#: Stage of non-metastatic NSCLC (assumption).
NSCLC_STAGES_M0 = {
    "IA": 0.22,
    "IB": 0.10,
    "IIA": 0.05,
    "IIB": 0.12,
    "IIIA": 0.28,
    "IIIB": 0.15,
    "IIIC": 0.08,
}
#: Never-smokers among NSCLC: women 34.2 %, men 4.7 % (KBP-2010) [S14]. Among smokers,
#: former vs current 39.9 : 49.2 [S14].
NEVER_SMOKER = {"F": 0.342, "M": 0.047}
FORMER_AMONG_SMOKERS = 39.9 / (39.9 + 49.2)
#: Drivers among advanced NSCLC (IFCT, 17,664 patients) [S12]: EGFR 11 %, KRAS 29 %, ALK 5 %;
#: ROS1 1–2 % of non-squamous [S16]. Split by smoking (assumption) so that the marginal
#: shares match [S12]/[S16]: never-smokers carry EGFR/ALK/ROS1, smokers KRAS.
DRIVERS_NEVER_SMOKER = {"EGFR": 0.40, "ALK": 0.12, "ROS1": 0.04, "KRAS": 0.08}
DRIVERS_SMOKER = {"EGFR": 0.07, "ALK": 0.04, "ROS1": 0.015, "KRAS": 0.32}
#: PD-L1 TPS ≥ 50 %: 22 % in Europe (EXPRESS) [S15]; 1–49 % vs < 1 % split: assumption.
PDL1_HIGH = 0.22
PDL1_LOW = 0.33
#: Year from which PD-L1 is routinely tested (pembrolizumab 1L; assumption).
PDL1_TESTED_FROM = 2016
#: Distant relapse after curative treatment of NSCLC by stage (assumption) and median time,
#: years.
NSCLC_RELAPSE = {
    "IA": 0.20,
    "IB": 0.30,
    "IIA": 0.40,
    "IIB": 0.48,
    "IIIA": 0.65,
    "IIIB": 0.75,
    "IIIC": 0.80,
}
NSCLC_RELAPSE_MEDIAN_YEARS = 1.0
#: Median overall survival of metastatic NSCLC, months, driver-negative: 1L chemotherapy 11.6,
#: 1L immunotherapy 16.4 (ESME-AMLC) [S19]. Driver-positive: assumption (no source in sheet).
NSCLC_METASTATIC_MEDIAN_OS = {"chemo_era": 11.6, "immunotherapy_era": 16.4}
DRIVER_METASTATIC_MEDIAN_OS = {"EGFR": 30.0, "ALK": 48.0, "ROS1": 36.0}
#: SCLC: extensive-stage median OS 10 months, limited-stage relapse 80 % at a median of 1 year
#: (assumption); 5-year net survival 7 % [S27] is the check.
SCLC_METASTATIC_MEDIAN_OS = 10.0
SCLC_LIMITED_RELAPSE = 0.80
#: Metastatic lung cancer never treated (too frail: best supportive care) and its median OS,
#: months (assumption). ESME-AMLC medians [S19] are of treated patients; population figures
#: (KBP [S21]) include the untreated, hence this share.
LUNG_UNTREATED_METASTATIC = 0.30
LUNG_UNTREATED_MEDIAN_OS = 2.5
#: Lung survival check: 5-year net survival 20 % (men 18 %, women 24 %) [S2]. The KBP-2020
#: median OS (all lung 15 months, NSCLC 17.4 [S21]) is not met (~18 months generated): a
#: known gap, see docs/synthetic-data.md, so it is not a check.
LUNG_CHECK_5Y = 0.20

# --- ovary -----------------------------------------------------------------------------------

#: FIGO III–IV ~60 % [S25]. The split within (IV = metastatic at diagnosis) is an assumption.
OVARY_FIGO = {
    "IA": 0.12,
    "IC": 0.16,
    "IIA": 0.04,
    "IIB": 0.08,
    "IIIA": 0.05,
    "IIIB": 0.07,
    "IIIC": 0.28,
    "IVA": 0.08,
    "IVB": 0.12,
}
#: Type II epithelial (predominantly high-grade serous) 72.6 % [S23].
HIGH_GRADE_SEROUS = 0.726
#: Germline BRCA1/2 16.8 % overall, 22.2 % in high-grade serous [S24]; somatic-only 6.0 % [S24].
GBRCA_OVARY = {"hgsc": 0.222, "other": 0.02}
SOMATIC_BRCA_OVARY = 0.060
#: BRCA1 share among BRCA carriers (assumption).
BRCA1_SHARE = 0.65
#: ESMÉ ovarian cohort (FIGO III–IV operated): primary surgery 48 %, interval 52 % [S22];
#: median OS 90.4 vs 47.8 months, median PFS 23.6 vs 14.3 months [S22].
OVARY_PRIMARY_SURGERY = 0.48
OVARY_MEDIAN_OS = {"primary": 90.4, "interval": 47.8}
OVARY_MEDIAN_PFS = {"primary": 23.6, "interval": 14.3}
#: Not operated (too frail or unresectable): share and median OS (assumption).
OVARY_NOT_OPERATED = 0.15
OVARY_NOT_OPERATED_MEDIAN_OS = 15.0
#: PARP-inhibitor maintenance PFS hazard ratios: olaparib 0.59, niraparib 0.62 [S43].
PARP_PFS_HR = {"olaparib": 0.59, "niraparib": 0.62}
#: Early stage relapse (FIGO I–II, assumption). The published 5-year net survival, 45 %
#: (diagnosed 2005–10) [S26], is not met (~61 % generated): a known gap, see
#: docs/synthetic-data.md, so it is not a check.
OVARY_EARLY_RELAPSE = {"I": 0.15, "II": 0.35}

# --- survival checks, other-cause mortality, follow-up ----------------------------------------

#: Breast 5-year net survival 88 % (10-year 76 %) [S1]; ESMÉ MBC 5-year OS 33.8 % [S6].
BREAST_CHECK_5Y = 0.88
#: Shape of the Weibull distribution of metastatic survival (assumption).
SURVIVAL_SHAPE = 1.2
#: Other-cause mortality, Gompertz hazard: 1 %/year at 65, ×3 per decade, women × 0.6
#: (assumption; Insee life tables are not in the sheet).
OTHER_CAUSE_HAZARD_AT_65 = 0.010
OTHER_CAUSE_GOMPERTZ_SLOPE = 0.11
OTHER_CAUSE_WOMEN_FACTOR = 0.6
#: Yearly hazard of being lost to follow-up (assumption).
LOSS_TO_FOLLOW_UP_PER_YEAR = 0.03
#: Mean gap between the last contact and the end of follow-up for patients still followed,
#: days (assumption: a visit every few months).
LAST_CONTACT_MEAN_GAP_DAYS = 75

# --- identity and care organisation (assumptions) ---------------------------------------------

NO_NIR_SHARE = 0.05  # brief: ~5 % of patients have no NIR on file
BORN_ABROAD_SHARE = 0.06
BORN_IN_RESIDENCE_DEPARTEMENT = 0.65
EMAIL_SHARE = 0.12
PHONE_SHARE = 0.35
#: Residence: in the centre's département, elsewhere in its region, anywhere in France.
RESIDENCE_SPREAD = {"departement": 0.72, "region": 0.22, "france": 0.06}
#: Relative size of centres by category (CLCCs are bigger); lognormal noise sigma.
CENTRE_WEIGHT = {"CLCC": 3.0, "CHU": 2.0, "CHG": 1.0, "private clinic": 0.8}
CENTRE_WEIGHT_SIGMA = 0.35
#: Share of centres whose export is Latin-1 (cp1252), `;`, dd/mm/yyyy, decimal comma.
LATIN1_CENTRE_SHARE = 1 / 3
#: Family history: mean number of affected relatives, non-carriers vs germline BRCA carriers.
FAMILY_HISTORY_MEAN = {"non_carrier": 0.45, "brca_carrier": 2.2}
#: Cap on day-case sessions written per treatment row (keeps file sizes bounded).
MAX_SESSIONS_PER_TREATMENT = 18
