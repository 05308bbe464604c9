"""Per-project pseudonyms: HMAC-SHA256 under the project key, one per patient."""

import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from entrepot.access.pseudonyms import LENGTH, pseudonym, pseudonyms


@given(st.binary(min_size=32, max_size=32), st.lists(st.text(min_size=1, max_size=30)))
def test_the_batch_gives_each_patient_the_hmac_of_its_id(key, ids):
    expected = [hmac.new(key, i.encode(), hashlib.sha256).hexdigest()[:LENGTH] for i in ids]
    assert pseudonyms(key, ids) == expected == [pseudonym(key, i) for i in ids]


def test_two_keys_give_unrelated_pseudonyms():
    ids = [f"patient{n}" for n in range(1000)]
    assert set(pseudonyms(b"a" * 32, ids)).isdisjoint(pseudonyms(b"b" * 32, ids))
