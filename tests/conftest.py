import pytest

from tests.support.metadata import ENGINES, metadata_database
from tests.support.pipeline import Pipeline


@pytest.fixture
def pipeline(tmp_path):
    """A warehouse home with a trusted-third-party key; centres are added on demand."""
    return Pipeline(tmp_path)


@pytest.fixture(params=ENGINES)
def database(request, tmp_path):
    """A migrated metadata database, once on SQLite and once on PostgreSQL."""
    with metadata_database(request.param, tmp_path) as db:
        yield db
