"""Which releases a project's grant may pin: ids only, for the operator who activates it.

Part of the gate because it is the one package that looks into the releases for users
(ARCHITECTURE rule 2); it reads no file of a release, only which ones are published.
"""

from __future__ import annotations

from entrepot.store import Home
from entrepot.store.catalog import release_ids


def published_release_ids(home: Home) -> list[str]:
    """Ids of the releases published in `home`, oldest first."""
    return release_ids(home)
