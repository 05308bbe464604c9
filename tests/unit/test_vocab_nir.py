"""The NIR: its key, its structure, and the numbers the synthetic generator makes."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from entrepot.vocab.nir import is_valid_nir, make_nir, nir_key


def test_key_is_97_minus_the_number_mod_97():
    # 1 891 275 125 012 = 97 × 19 497 681 701 + 15, so the key is 97 − 15 = 82.
    assert nir_key("1891275125012") == "82"
    assert is_valid_nir("189127512501282")


def test_key_is_zero_padded():
    body = next(b for n in range(100) if int(b := f"18505750130{n:02d}") % 97 > 87)
    assert nir_key(body) == f"0{97 - int(body) % 97}"


def test_corsica_counts_as_19_and_18_in_the_key():
    assert nir_key("262032A004012") == nir_key("2620319004012")
    assert nir_key("262032B004012") == nir_key("2620318004012")
    assert nir_key("262032A004012") != nir_key("262032B004012")


def test_key_rejects_what_is_not_a_nir_body():
    for body in ("185057501304", "18505750130421", "185052C013042", "1850575O13042"):
        with pytest.raises(ValueError):
            nir_key(body)


@pytest.mark.parametrize(
    "nir",
    [
        "189127512501282",
        "1 89 12 75 125 012 82",  # as printed on a card
        make_nir(2, 1962, 3, "2A", "004", 12),
        make_nir(1, 1955, 12, "974", "97411", 7),  # overseas: 3-digit département
        make_nir(1, 1948, 7, "99", "350", 41),  # born abroad (Morocco)
        make_nir(1, 1950, 6, "20", "004", 3),  # born in Corsica before 1976
        make_nir(7, 1990, 1, "75", "113", 1),  # provisional number
        make_nir(2, 1930, 20, "13", "055", 5),  # pseudo-month
    ],
)
def test_valid_nirs(nir):
    assert is_valid_nir(nir)


def test_corsican_nir_keeps_its_letters():
    nir = make_nir(2, 1962, 3, "2a", "004", 12)
    assert nir[5:7] == "2A"
    assert len(nir) == 15


@pytest.mark.parametrize(
    "nir",
    [
        "189127512501283",  # wrong key
        "589127512501282",  # sex 5 does not exist
        "189137512501282",  # month 13
        "189120012501282",  # place of birth 00
        "189127512500082",  # order number 000
        "18912751250128",  # 14 characters
        "1891275125012820",  # 16 characters
        "1891275125O1282",  # letter O
        "",
    ],
)
def test_invalid_nirs(nir):
    assert not is_valid_nir(nir)


def test_values_that_are_not_strings_are_not_nirs():
    assert not is_valid_nir(None)
    assert not is_valid_nir(189127512501282)


@pytest.mark.parametrize(
    "arguments",
    [
        (5, 1960, 1, "75", "113", 1),  # sex
        (1, 1960, 13, "75", "113", 1),  # month
        (1, 1960, 1, "75", "113", 0),  # order
        (1, 1960, 1, "75", "113", 1000),  # order
        (1, 1960, 1, "7", "113", 1),  # département must be explicit
        (1, 1960, 1, "75", "11X", 1),  # commune
        (1, 1960, 1, "00", "113", 1),  # place of birth
    ],
)
def test_make_nir_rejects_impossible_values(arguments):
    with pytest.raises(ValueError):
        make_nir(*arguments)


places = st.one_of(
    st.tuples(
        st.sampled_from([f"{n:02d}" for n in range(1, 100) if n not in (97, 98)] + ["2A", "2B"]),
        st.integers(0, 999).map(lambda n: f"{n:03d}"),
    ),
    st.tuples(
        st.sampled_from(["971", "972", "973", "974", "975", "976"]),
        st.integers(0, 99).map(lambda n: f"{n:02d}"),
    ),
)
nirs = st.builds(
    lambda sex, year, month, place, order: make_nir(sex, year, month, *place, order),
    st.sampled_from([1, 2, 3, 4, 7, 8]),
    st.integers(1890, 2030),
    st.one_of(st.integers(1, 12), st.integers(20, 42), st.integers(50, 99)),
    places,
    st.integers(1, 999),
)


@given(nirs)
def test_make_nir_always_makes_a_valid_nir(nir):
    assert len(nir) == 15
    assert is_valid_nir(nir)


@given(nirs, st.integers(0, 14), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_nir_makes_it_invalid(nir, position, shift):
    if not nir[position].isdigit():
        return  # the letter of 2A/2B is not a digit
    changed = str((int(nir[position]) + shift) % 10)
    assert not is_valid_nir(nir[:position] + changed + nir[position + 1 :])
