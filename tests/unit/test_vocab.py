"""Code systems: what each accepts, how it spells codes, and what it says they mean."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from entrepot.vocab import (
    CODE_SYSTEMS,
    CodeSystem,
    code_system,
    departement_from_postcode,
    finess_with_check_digit,
    is_metastatic_m,
    is_metastatic_stage,
)

# Every ATC code cited in shared/reference/epidemiology.md (the generator's drug sequences).
EPIDEMIOLOGY_ATC_CODES = [
    "L02BG04", "L02BG03", "L02BA03", "L01EF01", "L01EF02", "L01EF03", "L01CD01", "L01FD01",
    "L01FD02", "L01CD02", "L01FD04", "L01FD03", "L01FF02", "L01FX17", "L01XK01", "L01XA02",
    "L01BA04", "L01EB04", "L01ED03", "L01XK02",
]  # fmt: skip


def normalised(system: str, raw: str) -> str | None:
    return code_system(system).normalise(raw)


# --- the registry ---------------------------------------------------------------------------


def test_registry_holds_the_contracted_names():
    assert set(CODE_SYSTEMS) == {
        "icd10", "icdo3_topography", "icdo3_morphology", "atc", "ccam", "finess",
        "departement", "tnm_t", "tnm_n", "tnm_m", "stage_group", "figo_stage",
        # SNDS claims (tests/unit/test_snds_vocab.py)
        "ucd", "cip13", "ghm", "snds_departement", "prestation", "ald",
        "medical_specialty", "pmsi_mode",
    }  # fmt: skip
    for name, system in CODE_SYSTEMS.items():
        assert isinstance(system, CodeSystem)
        assert system.name == name
        assert system.title


def test_unknown_system_raises_a_key_error_naming_the_known_ones():
    with pytest.raises(KeyError, match=r"unknown code system 'icd9'.*icd10"):
        code_system("icd9")


def test_icd10_title_is_the_contracted_one():
    assert code_system("icd10").title == "ICD-10 (WHO, French ATIH extensions)"


@pytest.mark.parametrize("name", sorted(CODE_SYSTEMS))
def test_values_that_are_not_strings_are_never_valid(name):
    system = code_system(name)
    for value in (None, float("nan"), 509, b"C509"):
        assert system.normalise(value) is None
        assert not system.is_valid(value)


def test_label_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="language"):
        code_system("icd10").label("C509", "de")


def test_label_of_an_invalid_code_is_none():
    assert code_system("icd10").label("C99") is None
    assert code_system("atc").label("not a code", "fr") is None


def test_enumerable_systems_list_their_codes_and_the_others_do_not():
    structural = {"finess", "icdo3_morphology", "ucd", "cip13", "ghm"}
    for name in structural:
        assert code_system(name).codes() is None
    for name in sorted(set(CODE_SYSTEMS) - structural):
        codes = code_system(name).codes()
        assert codes, name
        assert all(code_system(name).normalise(code) == code for code in codes), name


# --- ICD-10 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["C509", "C50.9", "c50.9", "C50.9 ", " c50 .9"])
def test_icd10_canonical_form_has_no_dot_and_is_upper_case(raw):
    assert normalised("icd10", raw) == "C509"


@pytest.mark.parametrize(
    "code",
    [
        "C50",  # category
        "C56",
        "C349",  # subcategory
        "D051",
        "Z511",  # chemotherapy session
        "C4670",  # ATIH 5-character extension
        "E725B",  # ATIH extension with a letter
        "U071",  # COVID-19, in both lists
        "Z227",  # WHO 2019 only
    ],
)
def test_icd10_accepts_categories_subcategories_and_french_extensions(code):
    assert normalised("icd10", code) == code


@pytest.mark.parametrize(
    "raw",
    [
        "II",  # WHO chapter: a grouping, not a diagnosis
        "C00-C97",  # WHO block
        "III",  # IR_CIM_V placeholder: unknown value
        "XXX",  # IR_CIM_V placeholder: not applicable
        "C99",
        "C5O9",  # letter O for zero
        "C5.09",  # the dot belongs after the category
        "",
        "C",
    ],
)
def test_icd10_rejects_groupings_placeholders_and_non_codes(raw):
    assert normalised("icd10", raw) is None


def test_icd10_labels_come_from_the_who_in_english_and_atih_in_french():
    icd10 = code_system("icd10")
    assert icd10.label("C50.9") == "Malignant neoplasm: Breast, unspecified"
    assert icd10.label("C509", "fr") == "Tumeur maligne du sein, sans précision"
    assert icd10.label("C56", "fr") == "Tumeur maligne de l'ovaire"
    assert icd10.label("C4670") is None  # French extension: no WHO label
    assert icd10.label("C4670", "fr") == "Sarcome de Kaposi de la sphère O.R.L."


# --- ICD-O-3 --------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["C50.9", "C509", "c50.9", " C50.9 "])
def test_topography_canonical_form_has_a_dot(raw):
    assert normalised("icdo3_topography", raw) == "C50.9"


@pytest.mark.parametrize(
    "code", ["C34.0", "C34.1", "C34.3", "C34.9", "C48.2", "C56.9", "C57.0", "C77.3", "C80.9"]
)
def test_topography_accepts_real_sites(code):
    assert normalised("icdo3_topography", code) == code


@pytest.mark.parametrize(
    "raw",
    [
        "C50",  # ICD-O-3 topography always has a subsite
        "C50.7",  # no such subsite
        "C56.0",  # the ovary has only C56.9
        "C78.0",  # ICD-10 secondary sites are not topographies
        "C81.0",
        "D05.1",
    ],
)
def test_topography_rejects_sites_that_do_not_exist(raw):
    assert normalised("icdo3_topography", raw) is None


def test_topography_labels_are_english_only():
    topography = code_system("icdo3_topography")
    assert topography.label("C50.4") == "Upper-outer quadrant of breast"
    assert topography.label("C34.1") == "Upper lobe, lung"
    assert topography.label("C56.9") == "Ovary"
    assert topography.label("C56.9", "fr") is None
    assert len(topography.codes()) > 300


@pytest.mark.parametrize("raw", ["8500/3", "85003", "M-8500/3", "M85003", "8500 / 3"])
def test_morphology_canonical_form_is_histology_slash_behaviour(raw):
    assert normalised("icdo3_morphology", raw) == "8500/3"


@pytest.mark.parametrize(
    "code",
    [
        "8500/2",  # DCIS
        "8520/3",  # lobular
        "8461/3",  # high-grade serous
        "8041/3",  # small cell
        "8000/6",  # metastatic
        "9590/3",  # lymphoma: outside the curated labels, still a valid code
    ],
)
def test_morphology_accepts_any_histology_with_a_valid_behaviour(code):
    assert normalised("icdo3_morphology", code) == code


@pytest.mark.parametrize("raw", ["8500/4", "8500/5", "7999/3", "850/3", "8500", "C50.9"])
def test_morphology_rejects_bad_behaviour_or_histology(raw):
    assert normalised("icdo3_morphology", raw) is None


def test_morphology_labels_cover_breast_ovary_and_lung():
    morphology = code_system("icdo3_morphology")
    assert morphology.label("8500/3").startswith("Infiltrating duct carcinoma")
    assert morphology.label("8520/3").startswith("Lobular carcinoma")
    assert morphology.label("8461/3").startswith("High-grade serous carcinoma")
    assert morphology.label("8070/3") == "Squamous cell carcinoma, NOS"
    assert morphology.label("9590/3") is None


# --- ATC ------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", EPIDEMIOLOGY_ATC_CODES)
def test_atc_has_every_drug_of_the_epidemiology_sheet(code):
    atc = code_system("atc")
    assert atc.normalise(code) == code
    assert atc.label(code)
    assert atc.label(code, "fr")


@pytest.mark.parametrize("code", ["L", "L01", "L01F", "L01FD", "L01FD01"])
def test_atc_every_level_is_a_code(code):
    assert normalised("atc", code) == code


def test_atc_canonical_form_is_upper_case_without_spaces():
    assert normalised("atc", " l01fd 01 ") == "L01FD01"


def test_atc_rejects_unknown_and_retired_codes():
    assert normalised("atc", "L01XE01") is None  # imatinib before the 2021 revision
    assert normalised("atc", "L99") is None


def test_atc_labels_in_both_languages():
    atc = code_system("atc")
    assert atc.label("L01FD01") == "trastuzumab"
    assert atc.label("L02BG04", "fr") == "létrozole"
    assert atc.label("L01") == "ANTINEOPLASTIC AGENTS"


def test_atc_hierarchy_is_complete():
    codes = code_system("atc").codes()
    parent_length = {3: 1, 4: 3, 5: 4, 7: 5}
    for code in codes:
        if len(code) > 1:
            assert code[: parent_length[len(code)]] in codes, code
    assert {code for code in codes if code.startswith("L01") and len(code) == 4} >= {
        "L01A", "L01B", "L01C", "L01D", "L01E", "L01F", "L01X",
    }  # fmt: skip


# --- CCAM -----------------------------------------------------------------------------------


def test_ccam_accepts_real_procedures_with_french_labels():
    ccam = code_system("ccam")
    assert ccam.normalise("qefa003") == "QEFA003"
    assert ccam.label("QEFA003", "fr").startswith("Mastectomie totale")
    assert ccam.label("QEFA003") is None


def test_ccam_keeps_codes_whose_cell_carries_a_modifier():
    assert normalised("ccam", "JANH798") == "JANH798"


@pytest.mark.parametrize("raw", ["NT_09", "QEFA03", "QEFA0030", "1EFA003", "ZZZZ999"])
def test_ccam_rejects_non_codes(raw):
    assert normalised("ccam", raw) is None


# --- FINESS ---------------------------------------------------------------------------------

# Public numbers: AP-HP and AP-HM (legal entities), Hospices civils de Lyon, Pitié-Salpêtrière.
REAL_FINESS = ["750712184", "130786049", "690781810", "750100125"]


@pytest.mark.parametrize("number", REAL_FINESS)
def test_finess_accepts_real_numbers(number):
    assert normalised("finess", number) == number


@pytest.mark.parametrize("number", REAL_FINESS)
def test_finess_check_digit_reproduces_real_numbers(number):
    assert finess_with_check_digit(number[:8]) == number


def test_finess_drops_spaces_and_restores_a_lost_leading_zero():
    assert normalised("finess", "75 071 218 4") == "750712184"
    prefix = finess_with_check_digit("01000382")
    assert normalised("finess", prefix[1:]) == prefix


@pytest.mark.parametrize(
    "raw",
    [
        "750712185",  # wrong check digit
        "75071218",  # 8 digits not starting with a lost zero: check fails
        "200000014",  # Corsica is 2A/2B, not 20
        "960000000",  # no département 96
        "000000000",
        "7507121840",
        "75O712184",
    ],
)
def test_finess_rejects_malformed_numbers(raw):
    assert normalised("finess", raw) is None


def test_finess_corsica_reads_a_as_1_and_b_as_2_in_the_check():
    assert finess_with_check_digit("2A000001") == "2A0000014"
    assert finess_with_check_digit("2b000002") == "2B0000020"
    assert normalised("finess", "2a0000014") == "2A0000014"


def test_finess_overseas_numbers_start_with_97():
    number = finess_with_check_digit("97042103")
    assert normalised("finess", number) == number


def test_finess_with_check_digit_rejects_bad_prefixes():
    for prefix in ("7507121", "200000001", "20000001", "9X000000"):
        with pytest.raises(ValueError):
            finess_with_check_digit(prefix)


finess_prefixes = st.builds(
    lambda head, body: head + body,
    st.sampled_from([f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B", "97"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
)


@given(finess_prefixes)
def test_finess_with_check_digit_is_always_valid(prefix):
    number = finess_with_check_digit(prefix)
    assert number.startswith(prefix)
    assert normalised("finess", number) == number


@given(finess_prefixes, st.integers(2, 8), st.integers(1, 9))
def test_changing_one_digit_of_a_finess_makes_it_invalid(prefix, position, shift):
    number = finess_with_check_digit(prefix)
    changed = str((int(number[position]) + shift) % 10)
    assert normalised("finess", number[:position] + changed + number[position + 1 :]) is None


# --- départements and postcodes -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [("01", "01"), ("1", "01"), ("001", "01"), ("75", "75"), ("2a", "2A"), ("02A", "2A"),
     ("201", "2A"), ("202", "2B"), ("971", "971"), ("976", "976")],
)  # fmt: skip
def test_departement_normalisation(raw, code):
    assert normalised("departement", raw) == code


@pytest.mark.parametrize("raw", ["20", "96", "00", "0", "97", "977", "99", "2C", "750"])
def test_departement_rejects_non_departements(raw):
    assert normalised("departement", raw) is None


def test_departements_are_the_101_plus_saint_pierre():
    codes = code_system("departement").codes()
    assert len(codes) == 102
    assert {"2A", "2B", "971", "975", "976"} <= codes
    assert "20" not in codes


def test_departement_labels_come_from_ir_dpt_v():
    departement = code_system("departement")
    assert departement.label("1", "fr") == "AIN"
    assert departement.label("2B", "fr") == "HAUTE-CORSE"
    assert departement.label("974") == "D.O.M. REUNION"


@pytest.mark.parametrize(
    ("postcode", "departement"),
    [
        ("75013", "75"),
        ("01000", "01"),
        ("1000", "01"),  # leading zero lost in a spreadsheet
        ("20000", "2A"),  # Ajaccio
        ("20090", "2A"),  # Ajaccio
        ("20137", "2A"),  # Porto-Vecchio
        ("20200", "2B"),  # Bastia
        ("20600", "2B"),  # Bastia, Furiani
        ("20250", "2B"),  # Corte
        ("97411", "974"),  # Saint-Denis de La Réunion
        ("97600", "976"),  # Mamoudzou
        ("97133", None),  # Saint-Barthélemy: not a département
        ("97150", None),  # Saint-Martin: not a département
        ("98000", None),  # Monaco
        ("96000", None),
        ("00100", None),
        ("7501", "07"),  # taken as a lost leading zero
        ("750130", None),
        ("ABCDE", None),
    ],
)
def test_departement_from_postcode(postcode, departement):
    assert departement_from_postcode(postcode) == departement


# --- TNM and stages -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [("t1c", "T1c"), ("pT2", "T2"), ("cT4d", "T4d"), ("ypT1mi", "T1mi"), ("ycT0", "T0"),
     ("Tis", "Tis"), ("pTis (DCIS)", "Tis(DCIS)"), ("TX", "TX"), ("pT1c(m)", "T1c"),
     ("T1c3", "T1c3"), ("pT3c", "T3c")],
)  # fmt: skip
def test_tnm_t_normalisation(raw, code):
    assert normalised("tnm_t", raw) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [("N0", "N0"), ("pN0(i+)", "N0(i+)"), ("pN1mi", "N1mi"), ("ypN0(sn)", "N0"),
     ("cN2a", "N2a"), ("N3C", "N3c"), ("nx", "NX"), ("pN1b", "N1b")],
)  # fmt: skip
def test_tnm_n_normalisation(raw, code):
    assert normalised("tnm_n", raw) == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [("M0", "M0"), ("cM0(i+)", "M0(i+)"), ("pM1", "M1"), ("M1a", "M1a"), ("cm1c", "M1c")],
)
def test_tnm_m_normalisation(raw, code):
    assert normalised("tnm_m", raw) == code


@pytest.mark.parametrize(
    ("system", "raw"),
    [("tnm_t", "T5"), ("tnm_t", "N1"), ("tnm_t", "xT2"), ("tnm_n", "N4"), ("tnm_n", "N1d"),
     ("tnm_m", "M2"), ("tnm_m", "M1d"), ("tnm_t", "")],
)  # fmt: skip
def test_tnm_rejects_unknown_categories(system, raw):
    assert normalised(system, raw) is None


def test_tnm_labels():
    assert code_system("tnm_t").label("pTis(DCIS)") == "Ductal carcinoma in situ (breast)"
    assert code_system("tnm_m").label("M0", "fr") == "Pas de métastase à distance"
    assert "T1c" in code_system("tnm_t").label("T1c")


def test_is_metastatic_m():
    assert is_metastatic_m("M1")
    assert is_metastatic_m("pM1c")
    assert not is_metastatic_m("M0")
    assert not is_metastatic_m("cM0(i+)")
    assert not is_metastatic_m("MX")
    assert not is_metastatic_m("not an M")


@pytest.mark.parametrize(
    ("raw", "code"),
    [("IIIA", "IIIA"), ("iiia", "IIIA"), ("Stage IV", "IV"), ("stade ib", "IB"), ("0", "0"),
     ("IA3", "IA3"), ("stage IIIC", "IIIC")],
)  # fmt: skip
def test_stage_group_normalisation(raw, code):
    assert normalised("stage_group", raw) == code


@pytest.mark.parametrize("raw", ["3", "IIID", "V", "IC", "stage", "IIIA1"])
def test_stage_group_rejects_arabic_and_unknown_stages(raw):
    assert normalised("stage_group", raw) is None


@pytest.mark.parametrize(
    ("raw", "code"),
    [("IC2", "IC2"), ("FIGO IIIC", "IIIC"), ("iiia1", "IIIA1"), ("IIIA1(ii)", "IIIA1(ii)"),
     ("FIGO stage IVB", "IVB")],
)  # fmt: skip
def test_figo_stage_normalisation(raw, code):
    assert normalised("figo_stage", raw) == code


@pytest.mark.parametrize("raw", ["0", "IA1", "IIC", "IIIC1", "3"])
def test_figo_stage_rejects_other_systems_stages(raw):
    assert normalised("figo_stage", raw) is None


def test_stage_labels():
    assert code_system("stage_group").label("iiia", "fr") == "Stade IIIA"
    assert code_system("figo_stage").label("IVA") == "Pleural effusion with positive cytology"


def test_is_metastatic_stage():
    assert is_metastatic_stage("IV")
    assert is_metastatic_stage("Stage IVB")
    assert is_metastatic_stage("FIGO IVA")
    assert not is_metastatic_stage("IIIC")
    assert not is_metastatic_stage("IIIA1(i)")
    assert not is_metastatic_stage("4")


# --- properties of every system -------------------------------------------------------------


def spellings_of(code: str) -> st.SearchStrategy[str]:
    """Variants of a code as they arrive in exports: case, padding, a dot inserted."""
    return st.sampled_from(
        [code, code.lower(), f" {code} ", code.upper(), code.replace(".", ""), code[:3] + "."]
    )


@st.composite
def raw_values(draw, system_name: str) -> str:
    system = code_system(system_name)
    codes = sorted(system.codes() or ())
    if codes and draw(st.booleans()):
        return draw(spellings_of(draw(st.sampled_from(codes))))
    return draw(st.text(alphabet="0123456789ABCDabcdFIMNTVX.()/ -+", max_size=10))


@pytest.mark.parametrize("name", sorted(CODE_SYSTEMS))
def test_normalise_is_idempotent(name):
    system = code_system(name)

    @settings(max_examples=300)
    @given(raw_values(name))
    def check(raw):
        once = system.normalise(raw)
        assert system.normalise(once) == once
        assert system.is_valid(raw) == (once is not None)

    check()


def test_normalising_a_hundred_thousand_values_is_fast():
    icd10 = code_system("icd10")
    icd10.codes()  # load once, outside the timing
    values = [f"C{n % 100:02d}.{n % 10}{n // 1000}" for n in range(100_000)]
    start = time.perf_counter()
    for value in values:
        icd10.normalise(value)
    assert time.perf_counter() - start < 2.0
