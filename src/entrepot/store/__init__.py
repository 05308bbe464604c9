"""The working store, immutable releases, and engine connections.

`store.release` (publishing, listing, comparing, verifying releases) and `store.engine`
(Ibis connections) are imported as submodules: they load the query engines, which the
ingestion does not need.
"""

from entrepot.store.errors import (
    BadSetting,
    NothingToPublish,
    StaleLinkage,
    StoreBusy,
    StoreError,
    UnknownRelease,
)
from entrepot.store.home import Home
from entrepot.store.state import CentreState, DatasetState, WorkingState
from entrepot.store.working import WorkingStore

__all__ = [
    "BadSetting",
    "CentreState",
    "DatasetState",
    "Home",
    "NothingToPublish",
    "StaleLinkage",
    "StoreBusy",
    "StoreError",
    "UnknownRelease",
    "WorkingState",
    "WorkingStore",
]
