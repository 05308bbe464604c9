"""What changed between two releases."""

from __future__ import annotations

from dataclasses import dataclass

from entrepot.store import engine
from entrepot.store.catalog import load
from entrepot.store.home import Home


@dataclass(frozen=True)
class ReleaseDiff:
    """Differences from release `a` to release `b` (counts only, never patients)."""

    a: str
    b: str
    #: Table name -> (rows in a, rows in b).
    rows: dict[str, tuple[int, int]]
    packages_added: tuple[str, ...]
    packages_removed: tuple[str, ...]
    centres_added: tuple[str, ...]
    centres_removed: tuple[str, ...]
    patients_added: int
    patients_removed: int
    patients_kept: int


def diff(home: Home, a: str, b: str) -> ReleaseDiff:
    """Compare release `a` with release `b`: rows, packages, centres and patients."""
    before, after = load(home, a), load(home, b)
    names = list(before.tables) + [name for name in after.tables if name not in before.tables]
    rows = {
        name: (
            before.tables[name].rows if name in before.tables else 0,
            after.tables[name].rows if name in after.tables else 0,
        )
        for name in names
    }
    patients_before = engine.open_release(home, a)["patient"].select("patient_id").distinct()
    patients_after = engine.open_release(home, b)["patient"].select("patient_id").distinct()
    return ReleaseDiff(
        a=a,
        b=b,
        rows=rows,
        packages_added=_added(before.packages, after.packages),
        packages_removed=_added(after.packages, before.packages),
        centres_added=_added(before.centres, after.centres),
        centres_removed=_added(after.centres, before.centres),
        patients_added=patients_after.difference(patients_before).count().execute(),
        patients_removed=patients_before.difference(patients_after).count().execute(),
        patients_kept=patients_before.intersect(patients_after).count().execute(),
    )


def _added(old: dict, new: dict) -> tuple[str, ...]:
    return tuple(sorted(set(new) - set(old)))
