"""The code systems and schemas the SNDS import validates against."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrepot.vocab import CODE_SYSTEMS, cip13_atc_class, code_system, ucd_atc
from entrepot.vocab.drugs import atc_of_label, cip13_from_cip7, ean13_check_digit, ucd13_from_ucd7
from entrepot.vocab.hdh import hdh_table, schema_names


def normalised(system: str, raw: str) -> str | None:
    return code_system(system).normalise(raw)


# --- UCD -------------------------------------------------------------------------------------


@pytest.mark.parametrize("raw", ["9239145", "0000009239145", "3400892391458", " 9239145 "])
def test_the_three_spellings_of_a_ucd_are_one_code(raw):
    assert normalised("ucd", raw) == "3400892391458"


@pytest.mark.parametrize(
    "raw",
    ["3400892391457", "3400992391458", "923914", "92391450", "1234567890123", "9239I45", ""],
)
def test_a_ucd_needs_its_prefix_its_length_and_its_check_digit(raw):
    assert normalised("ucd", raw) is None


def test_a_ucd_label_comes_from_nu_ucd_r_in_french():
    assert code_system("ucd").label("9239145", "fr") == "CARBOPLATINE WINTHROP 10 MG/ML"
    assert code_system("ucd").label("9239145", "en") is None


def test_the_atc_code_of_a_ucd_is_the_inn_of_its_label():
    assert ucd_atc("0000009239145") == "L01XA02"  # CARBOPLATINE / carboplatin
    assert ucd_atc("9999999") is None  # not in NU_UCD_R


@pytest.mark.parametrize(
    ("label", "atc"),
    [
        ("CARBOPLATINE ARROW 10 mg/ml", "L01XA02"),  # French -ine, English -in
        ("FLUOROURACILE ARROW 50 mg/ml", "L01BC02"),  # French -e, English nothing
        ("PACLITAXEL KABI 6 mg/ml", "L01CD01"),
        ("CHLORHYDRATE DE DOXORUBICINE DAKOTA PHARM 10 MG", "L01DB01"),  # salt first
        ("HERCEPTIN 150 mg", None),  # a brand name carries no INN
        ("ACIDE", None),
    ],
)
def test_atc_from_a_label_handles_french_inn_spellings(label, atc):
    assert atc_of_label(label) == atc


# --- CIP13 -----------------------------------------------------------------------------------


def test_a_cip13_has_the_34009_prefix_and_an_ean13_check_digit():
    assert normalised("cip13", "3400935955838") == "3400935955838"
    assert normalised("cip13", "3 400935 955838") == "3400935955838"
    assert normalised("cip13", "3400935955837") is None  # check digit
    assert normalised("cip13", "3400835955838") is None  # a UCD prefix
    assert normalised("cip13", "340093595583") is None


def test_a_cip7_is_its_cip13():
    assert normalised("cip13", "3595583") == "3400935955838"
    assert cip13_from_cip7("3595583") == "3400935955838"


def test_the_atc_class_of_a_pack_comes_from_ir_cip_v():
    assert cip13_atc_class(cip13_from_cip7("3265733")) == "L02"
    assert cip13_atc_class("3595583") == "N02"
    assert cip13_atc_class("3400935955837") is None  # not a CIP13


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_every_12_digits_complete_into_a_valid_code(digits):
    code = digits + ean13_check_digit(digits)
    assert code[12] in "0123456789"
    if digits.startswith("34009"):
        assert normalised("cip13", code) == code
    if digits.startswith("34008"):
        assert normalised("ucd", code) == code
        assert ucd13_from_ucd7(digits[5:]) == code


# --- SNDS value lists ------------------------------------------------------------------------


def test_prestations_have_their_french_label():
    assert code_system("prestation").label("1111", "fr") == "CONSULTATION COTEE C"
    assert normalised("prestation", "0001111") == "1111"


@pytest.mark.parametrize(
    ("system", "placeholder"),
    [
        ("prestation", "0"),
        ("ald", "0"),
        ("ald", "88"),
        ("pmsi_mode", "-1"),
        ("medical_specialty", "0"),
    ],
)
def test_placeholders_are_not_codes_but_are_known(system, placeholder):
    assert normalised(system, placeholder) is None
    assert code_system(system).is_placeholder(placeholder)


def test_ald_30_is_malignant_tumour():
    assert code_system("ald").label("30", "fr").startswith("Tumeur maligne")
    assert normalised("ald", "31") is None


def test_snds_residence_codes_include_unknown_and_abroad_which_are_no_departement():
    for raw in ("075", "02A", "971", "999", "991", "201"):
        assert normalised("snds_departement", raw) is not None
    assert normalised("snds_departement", "75") == "075"
    assert normalised("departement", "999") is None
    assert normalised("departement", "201") == "2A"
    assert normalised("snds_departement", "123") is None


@pytest.mark.parametrize("ghm", ["09C051", "28Z07Z", "90Z00Z", "04m05a"])
def test_a_ghm_is_checked_by_its_shape(ghm):
    assert normalised("ghm", ghm) == ghm.upper()


@pytest.mark.parametrize("raw", ["9C051", "09C05", "0AC051", "09C0511"])
def test_malformed_ghm_are_rejected(raw):
    assert normalised("ghm", raw) is None


# --- HDH schemas -----------------------------------------------------------------------------


def test_the_schemas_of_the_imported_tables_ship_with_entrepot():
    assert {"IR_BEN_R", "ER_PRS_F", "T_MCOaaB", "T_MCOaaMED", "KI_ECD_R"} <= set(schema_names())
    c = hdh_table("T_MCOaaC")
    assert c.fields["ENT_DAT"].format == "%d%m%Y"
    assert c.fields["NIR_ANO_17"].length == 17
    assert hdh_table("ER_PRS_F").fields["PRS_NAT_REF"].nomenclature == "IR_NAT_V"
    assert hdh_table("IR_BEN_R").primary_key == ("BEN_NIR_PSA", "BEN_RNG_GEM")


def test_an_unknown_schema_is_a_key_error_naming_the_known_ones():
    with pytest.raises(KeyError, match="IR_BEN_R"):
        hdh_table("IR_XYZ_R")


@given(st.text(max_size=16))
def test_no_code_system_raises_whatever_the_text(raw):
    for system in CODE_SYSTEMS.values():
        system.normalise(raw)
        if hasattr(system, "is_placeholder"):
            system.is_placeholder(raw)
    ucd_atc(raw)
    cip13_atc_class(raw)
