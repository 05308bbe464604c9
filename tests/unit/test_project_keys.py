"""Per-project pseudonym keys: 32 random bytes in a file only their owner can read, never
replaced, and destroyed for good (overwritten, then deleted) when the project closes."""

import os
import stat

import pytest

from entrepot.governance.errors import Conflict, Invalid
from entrepot.governance.keys import KEY_BYTES, KeyDestroyed, ProjectKeys


@pytest.fixture
def keys(tmp_path):
    return ProjectKeys(tmp_path / "keys" / "projects")


def test_a_key_is_32_random_bytes_readable_by_its_owner_only(keys):
    key = keys.create("P0001")
    assert len(key) == KEY_BYTES
    assert keys.load("P0001") == key
    assert keys.exists("P0001")
    path = keys.folder / "P0001.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(keys.folder.stat().st_mode) == 0o700


def test_each_project_draws_its_own_key(keys):
    assert keys.create("P0001") != keys.create("P0002")


def test_a_key_is_never_replaced(keys):
    key = keys.create("P0001")
    with pytest.raises(Conflict, match="already has a pseudonym key"):
        keys.create("P0001")
    assert keys.load("P0001") == key


def test_destroying_overwrites_the_key_before_deleting_it(keys):
    keys.create("P0001")
    # A second name for the same file shows what was written in place before the unlink.
    witness = keys.folder / "witness"
    os.link(keys.folder / "P0001.key", witness)
    keys.destroy("P0001")
    assert not (keys.folder / "P0001.key").exists()
    assert witness.read_bytes() == b"\0" * KEY_BYTES
    assert not keys.exists("P0001")


def test_a_destroyed_key_cannot_be_loaded(keys):
    keys.create("P0001")
    keys.destroy("P0001")
    with pytest.raises(KeyDestroyed, match="P0001 has no pseudonym key") as refused:
        keys.load("P0001")
    assert isinstance(refused.value, Conflict)


def test_destroying_twice_is_harmless(keys):
    keys.create("P0001")
    keys.destroy("P0001")
    keys.destroy("P0001")
    keys.destroy("P0002")


def test_a_key_left_as_zeros_by_an_interrupted_destruction_is_destroyed(keys):
    keys.folder.mkdir(parents=True)
    (keys.folder / "P0001.key").write_bytes(b"\0" * KEY_BYTES)
    with pytest.raises(KeyDestroyed):
        keys.load("P0001")
    assert not keys.exists("P0001")


@pytest.mark.parametrize("code", ["../P0001", "P0001/../../x", "P1", "p0001", ""])
def test_only_a_project_code_names_a_key_file(keys, code):
    with pytest.raises(Invalid, match="is not a project code"):
        keys.create(code)
