import pytest

from tests.support.pipeline import Pipeline


@pytest.fixture
def pipeline(tmp_path):
    """A warehouse home with a trusted-third-party key; centres are added on demand."""
    return Pipeline(tmp_path)
