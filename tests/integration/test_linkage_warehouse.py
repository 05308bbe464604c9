"""`link_warehouse` refuses to run before there is something to link, and says what to run."""

from __future__ import annotations

import pytest

from entrepot.linkage.warehouse import LinkageRefused, link_warehouse
from entrepot.store import WorkingStore


def test_linking_before_any_snds_import_names_the_command_to_run(pipeline):
    pipeline.ingest()
    before = WorkingStore(pipeline.home).state()

    with pytest.raises(LinkageRefused, match="entrepot snds import"):
        link_warehouse(pipeline.home)

    assert WorkingStore(pipeline.home).state() == before
