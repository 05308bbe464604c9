import os

import pytest

# Cheap Argon2id hashes: the suite opens hundreds of accounts (governance/passwords.py).
os.environ.setdefault("ENTREPOT_ARGON2", "test")

from tests.support.metadata import ENGINES, metadata_database
from tests.support.pipeline import Pipeline
from tests.support.warehouse import build_warehouse


@pytest.fixture
def pipeline(tmp_path):
    """A warehouse home with a trusted-third-party key; centres are added on demand."""
    return Pipeline(tmp_path)


@pytest.fixture(params=ENGINES)
def database(request, tmp_path):
    """A migrated metadata database, once on SQLite and once on PostgreSQL."""
    with metadata_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory):
    """One small published release (600 patients, three centres, linked to the SNDS)."""
    return build_warehouse(tmp_path_factory.mktemp("warehouse"))
