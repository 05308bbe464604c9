"""The centre's keys, its codes, and the SNDS linkage token."""

import hmac
import json
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from entrepot.edge import (
    CentreCoder,
    EdgeError,
    UnknownCode,
    create_ttp_key,
    init_centre,
    load_centre_keys,
    reidentify,
)
from entrepot.edge.keys import load_ttp_key
from entrepot.edge.linkage_token import nir13, snds_token

FINESS = "750712184"


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_private_keys(tmp_path):
    keys = tmp_path / "keys"
    centre = init_centre(keys, FINESS)
    assert mode(keys) == 0o700
    for name in ("centre.key", "signing.key", "signing.pub", "centre.json", ".gitignore"):
        assert mode(keys / name) == 0o600, name
    assert len((keys / "centre.key").read_bytes()) == 64
    assert json.loads((keys / "centre.json").read_text())["finess"] == FINESS
    assert (keys / ".gitignore").read_text() == "*\n"
    private = serialization.load_pem_private_key((keys / "signing.key").read_bytes(), None)
    public = serialization.load_pem_public_key((keys / "signing.pub").read_bytes())
    assert private.public_key() == public
    loaded = load_centre_keys(keys)
    assert (loaded.finess, loaded.centre_key) == (centre.finess, centre.centre_key)
    assert loaded.signing_key_id == centre.signing_key_id


def test_init_accepts_an_existing_empty_folder(tmp_path):
    (tmp_path / "keys").mkdir()
    init_centre(tmp_path / "keys", FINESS)
    assert mode(tmp_path / "keys") == 0o700


def test_init_refuses_to_overwrite_keys(tmp_path):
    keys = tmp_path / "keys"
    init_centre(keys, FINESS)
    before = (keys / "centre.key").read_bytes()
    with pytest.raises(EdgeError, match="refusing to overwrite"):
        init_centre(keys, FINESS)
    assert (keys / "centre.key").read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keys"]


def test_init_refuses_an_invalid_finess(tmp_path):
    with pytest.raises(EdgeError, match="FINESS"):
        init_centre(tmp_path / "keys", "750712185")
    assert not (tmp_path / "keys").exists()


def test_a_key_readable_by_others_is_refused(tmp_path):
    init_centre(tmp_path / "keys", FINESS)
    (tmp_path / "keys" / "centre.key").chmod(0o644)
    with pytest.raises(EdgeError, match="chmod 600") as error:
        load_centre_keys(tmp_path / "keys")
    assert error.value.file.endswith("centre.key")


def test_ttp_key_is_private_and_never_overwritten(tmp_path):
    path = tmp_path / "ttp.key"
    create_ttp_key(path)
    assert mode(path) == 0o600
    assert len(load_ttp_key(path)) == 32
    with pytest.raises(EdgeError, match="refusing to overwrite"):
        create_ttp_key(path)


def test_reidentify_returns_the_ipp(tmp_path):
    centre = init_centre(tmp_path / "keys", FINESS)
    code = CentreCoder(centre.centre_key).centre_code(" 00012345 ")
    assert reidentify(code, tmp_path / "keys") == "00012345"


def test_another_centres_key_cannot_reidentify(tmp_path):
    ours = init_centre(tmp_path / "ours", FINESS)
    init_centre(tmp_path / "theirs", "330781196")
    code = CentreCoder(ours.centre_key).centre_code("00012345")
    with pytest.raises(UnknownCode, match="not made with this centre's key") as error:
        reidentify(code, tmp_path / "theirs")
    assert "00012345" not in str(error.value)


@pytest.mark.parametrize("alter", [lambda c: c[:-1], lambda c: c[:5] + "A" + c[6:], lambda c: "!!"])
def test_an_altered_code_is_refused(alter):
    coder = CentreCoder(bytes(64))
    code = coder.centre_code("00012345")
    altered = alter(code)
    assert altered != code
    with pytest.raises(UnknownCode):
        coder.ipp(altered)


def test_codes_are_deterministic_and_specific_to_the_centre():
    key = bytes(range(64))
    first, second = CentreCoder(key), CentreCoder(key)
    assert first.centre_code("P1") == second.centre_code("P1")
    assert first.stay_code("S1") == second.stay_code("S1")
    assert first.centre_code("P1") != first.centre_code("P2")
    assert CentreCoder(bytes(64)).centre_code("P1") != first.centre_code("P1")
    stay = first.stay_code("S1")
    assert len(stay) == 32 and int(stay, 16) >= 0
    # URL-safe base64 without padding: safe in file names, URLs and CSV cells.
    assert set(first.centre_code("P1")) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    )


def test_token_known_vector():
    """The vector of the linkage_token docstring; the SNDS side must find the same."""
    key = bytes(range(32))
    token = snds_token(key, "2 55 08 2A 004 123 69", "1955-08-14", "F")
    assert token == "254ee5f0561c0ce9364dd8d319585d76952e0abbe8d1cf4b786263bf29e59de9"
    recipe = hmac.new(key, b"255082A004123|1955-08-14|F", "sha256").hexdigest()
    assert token == recipe


def test_token_ignores_how_the_nir_is_written():
    key = bytes(32)
    assert nir13("2.55.08.2a.004.123 69") == "255082A004123"
    assert snds_token(key, "255082a00412369", "1955-08-14", "F") == snds_token(
        key, "2 55 08 2A 004 123 69", "1955-08-14", "F"
    )
    assert snds_token(key, "255082A00412369", "1955-08-14", "M") != snds_token(
        key, "255082A00412369", "1955-08-14", "F"
    )
