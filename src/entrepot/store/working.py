"""The working store: each centre's current data, replaced whole at each accepted package,
and the current version of each national dataset, replaced whole at each import.

Layout under `home.working_dir`::

    state.json                          the commit point: current version of each centre,
                                        packages of each centre, record of each package,
                                        current version and record of each dataset
    centres/<finess>/<version>/         immutable: <table>.parquet of every clinical table
    packages/<package_id>/              quarantine.parquet, report.json, report.md
    datasets/<name>/<version>/          immutable: <table>.parquet of a national dataset
                                        ("snds", "linkage") and its _report/
    .staging-<finess>-<random>/         a version being prepared by the ingest
    .staging-dataset-<name>-<random>/   a dataset version being prepared by an import
    .scratch-<random>/                  scratch work of `engine.scratch` (spill, temp files)

Nothing outside `state.json` is ever modified in place: a commit prepares new directories
beside the current ones, then replaces `state.json`. Whatever a crash leaves that
`state.json` does not name is an orphan, removed the next time the lock is taken.

Readers that do not hold the lock read `state.json` once and use the paths it names. They
see a consistent snapshot, except that a commit deletes the superseded version of the
centre it replaces: a reader still scanning that version will fail (files it already
opened stay readable on POSIX). Publishing holds the lock, so releases never see this;
ad-hoc readers of the working store accept it for now.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entrepot import model
from entrepot.store.atomic import (
    fsync_tree,
    make_dirs,
    remove_tree,
    rename_durably,
    temporary_path,
    write_json_atomically,
)
from entrepot.store.errors import StoreError
from entrepot.store.home import Home
from entrepot.store.lock import exclusive_lock, holds_lock
from entrepot.store.state import WorkingState

#: Prefix of directories being built (centre versions here, releases in `releases/`).
STAGING_PREFIX = ".staging-"
#: Prefix of the scratch folders of `engine.scratch`.
SCRATCH_PREFIX = ".scratch-"
#: Where the ingest puts a package's quarantine and reports inside a staging directory.
PACKAGE_SUBDIR = "_package"
#: The national datasets the working store keeps, each replaced whole by its import.
DATASETS = ("snds", "linkage")
#: Where an import puts its report and quarantine inside a dataset version.
REPORT_SUBDIR = "_report"

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_VERSION = re.compile(r"v(\d+)")
_TABLE_FILES = frozenset(f"{table.name}.parquet" for table in model.CLINICAL_TABLES)


class WorkingStore:
    """The centres' current data in a home, and the lock that serialises its writers."""

    def __init__(self, home: Home) -> None:
        self.home = home

    @property
    def state_path(self) -> Path:
        return self.home.working_dir / "state.json"

    @property
    def centres_dir(self) -> Path:
        return self.home.working_dir / "centres"

    @property
    def packages_dir(self) -> Path:
        return self.home.working_dir / "packages"

    @property
    def datasets_dir(self) -> Path:
        return self.home.working_dir / "datasets"

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the home's exclusive lock (reentrant within a thread).

        Raises `StoreBusy` if another process or thread holds it. On entry, removes what a
        crashed writer left behind, so the holder starts from the last committed state.
        """
        with exclusive_lock(self.home.lock_path) as outermost:
            if outermost:
                self._ensure_state_file()
                self._sweep()
            yield

    def state(self) -> WorkingState:
        """The committed state (empty before the first commit)."""
        try:
            text = self.state_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return WorkingState()
        return WorkingState.from_json(json.loads(text))

    def centre_files(self, finess: str) -> dict[str, Path]:
        """The current Parquet file of each table the centre has, by table name."""
        return self._centre_files(self.state(), finess)

    def all_files(self, table_name: str) -> list[Path]:
        """The current files of a clinical table across centres (ordered by FINESS)."""
        if f"{table_name}.parquet" not in _TABLE_FILES:
            raise ValueError(f"{table_name!r} is not a clinical table")
        state = self.state()
        files = (self._centre_files(state, finess) for finess in sorted(state.centres))
        return [centre[table_name] for centre in files if table_name in centre]

    def package_record(self, package_id: str) -> dict | None:
        """The accounting record stored when the package was committed, if it was."""
        return self.state().packages.get(package_id)

    def package_dir(self, package_id: str) -> Path:
        """Where a committed package's quarantine and reports are kept."""
        return self.packages_dir / _checked("package id", package_id)

    def new_centre_version(self, finess: str) -> Path:
        """A fresh, empty staging directory for a centre's next version (lock required).

        It lives inside the working directory, hence on the same file system, so that
        `commit` can publish it by renaming it.
        """
        self._require_lock("new_centre_version")
        make_dirs(self.home.working_dir)
        # mkdir, not mkdtemp: the version keeps the umask's permissions (mkdtemp's 0700
        # would hide it from a reader running as another user).
        name = f"{STAGING_PREFIX}{_checked('centre FINESS', finess)}-{uuid.uuid4().hex[:12]}"
        staging = self.home.working_dir / name
        staging.mkdir()
        return staging

    def commit(self, finess: str, staging: Path, package_id: str, record: dict) -> None:
        """Make `staging` the centre's current data and store the package (lock required).

        `staging` comes from `new_centre_version` and holds `<table>.parquet` files and,
        optionally, `_package/` (quarantine and reports). The replacement of `state.json`
        is the single commit point: a crash before it leaves the old state, after it the
        new one, and the next `lock()` removes the leftovers either way.
        """
        self._require_lock("commit")
        _checked("package id", package_id)
        staging = self._checked_staging(staging)
        state = self.state()
        if package_id in state.packages:
            raise StoreError(f"package {package_id} is already committed")
        _check_serialisable(record)
        previous = state.centres.get(finess)
        centre_dir = self.centres_dir / _checked("centre FINESS", finess)
        version = _next_version(centre_dir, previous.version if previous else None)
        new_state = state.with_commit(finess, version, package_id, record)

        # Flush everything the new state will name before anything names it.
        fsync_tree(staging)
        # Until state.json names them, the package and version directories are orphans.
        if (staging / PACKAGE_SUBDIR).is_dir():
            package_dir = self.package_dir(package_id)
            if package_dir.exists():  # left by a failed commit under this same lock
                remove_tree(package_dir)
            make_dirs(self.packages_dir)
            rename_durably(staging / PACKAGE_SUBDIR, package_dir)
        make_dirs(centre_dir)
        rename_durably(staging, centre_dir / version)
        # The commit point.
        write_json_atomically(self.state_path, new_state.to_json())
        # Superseded data is garbage from here on; a crash now leaves it to the sweep.
        if previous is not None:
            remove_tree(centre_dir / previous.version)

    # National datasets --------------------------------------------------------------------

    def dataset_record(self, name: str) -> dict | None:
        """The record committed with the dataset's current version, if it has one."""
        dataset = self.state().datasets.get(_dataset(name))
        return None if dataset is None else dataset.record

    def dataset_dir(self, name: str) -> Path | None:
        """The directory of the dataset's current version (tables and `_report/`), if any."""
        dataset = self.state().datasets.get(_dataset(name))
        return None if dataset is None else self.datasets_dir / name / dataset.version

    def dataset_files(self, name: str) -> dict[str, Path]:
        """The current Parquet file of each table of a dataset, by table name."""
        directory = self.dataset_dir(name)
        if directory is None:
            return {}
        return {path.stem: path for path in sorted(directory.glob("*.parquet"))}

    def new_dataset_version(self, name: str) -> Path:
        """A fresh, empty staging directory for a dataset's next version (lock required).

        Fill it with `<table>.parquet` files and, optionally, a `_report/` directory, then
        hand it to `commit_dataset`.
        """
        self._require_lock("new_dataset_version")
        make_dirs(self.home.working_dir)
        staging = self.home.working_dir / (
            f"{STAGING_PREFIX}dataset-{_dataset(name)}-{uuid.uuid4().hex[:12]}"
        )
        staging.mkdir()
        return staging

    def commit_dataset(self, name: str, staging: Path, record: dict) -> str:
        """Make `staging` the dataset's current data (lock required); return its version.

        As for a centre, the replacement of `state.json` is the single commit point; the
        superseded version is deleted only after it.
        """
        self._require_lock("commit_dataset")
        staging = self._checked_dataset_staging(_dataset(name), staging)
        _check_serialisable(record)
        state = self.state()
        previous = state.datasets.get(name)
        dataset_dir = self.datasets_dir / name
        version = _next_version(dataset_dir, previous.version if previous else None)
        new_state = state.with_dataset(name, version, record)

        fsync_tree(staging)
        make_dirs(dataset_dir)
        rename_durably(staging, dataset_dir / version)
        # The commit point.
        write_json_atomically(self.state_path, new_state.to_json())
        if previous is not None:
            remove_tree(dataset_dir / previous.version)
        return version

    def _checked_dataset_staging(self, name: str, staging: Path) -> Path:
        staging = Path(staging).absolute()
        if (
            staging.parent != self.home.working_dir
            or not staging.name.startswith(f"{STAGING_PREFIX}dataset-{name}-")
            or not staging.is_dir()
        ):
            raise ValueError(f"{staging} is not a staging directory made by new_dataset_version")
        unexpected = sorted(
            entry.name
            for entry in staging.iterdir()
            if not (entry.name == REPORT_SUBDIR and entry.is_dir())
            and not (
                entry.suffix == ".parquet" and entry.is_file() and _SAFE_NAME.fullmatch(entry.stem)
            )
        )
        if unexpected:
            raise ValueError(f"unexpected entries in {staging}: {', '.join(unexpected)}")
        return staging

    def _centre_files(self, state: WorkingState, finess: str) -> dict[str, Path]:
        centre = state.centres.get(finess)
        if centre is None:
            return {}
        version_dir = self.centres_dir / finess / centre.version
        return {
            table.name: version_dir / f"{table.name}.parquet"
            for table in model.CLINICAL_TABLES
            if (version_dir / f"{table.name}.parquet").is_file()
        }

    def _require_lock(self, operation: str) -> None:
        if not holds_lock(self.home.lock_path):
            raise StoreError(f"{operation} needs the working-store lock: use `with store.lock():`")

    def _checked_staging(self, staging: Path) -> Path:
        staging = Path(staging).absolute()
        if (
            staging.parent != self.home.working_dir
            or not staging.name.startswith(STAGING_PREFIX)
            or not staging.is_dir()
        ):
            raise ValueError(f"{staging} is not a staging directory made by new_centre_version")
        unexpected = sorted(
            entry.name
            for entry in staging.iterdir()
            if entry.name not in _TABLE_FILES and entry.name != PACKAGE_SUBDIR
        )
        if unexpected:
            raise ValueError(f"unexpected entries in {staging}: {', '.join(unexpected)}")
        return staging

    def _ensure_state_file(self) -> None:
        # From the first lock on, state.json always exists: its absence beside centre data
        # then means damage, and the sweep must not read it as "nothing is committed".
        if self.state_path.exists():
            return
        for data_dir in (self.centres_dir, self.datasets_dir):
            if data_dir.exists() and any(data_dir.iterdir()):
                raise StoreError(
                    f"{self.state_path} is missing but {data_dir} holds data: "
                    "restore the state file before using this working store"
                )
        make_dirs(self.home.working_dir)
        write_json_atomically(self.state_path, WorkingState().to_json())

    def _sweep(self) -> None:
        """Remove whatever the committed state does not name: staging directories (of
        centre and dataset versions and of releases), scratch spill directories, a
        half-written state file, versions and packages that a crash left before or after
        the commit point."""
        state = self.state()
        for entry in _children(self.home.working_dir):
            if entry.name.startswith((STAGING_PREFIX, SCRATCH_PREFIX)):
                remove_tree(entry)
        temporary_path(self.state_path).unlink(missing_ok=True)
        for centre_dir in _children(self.centres_dir):
            current = state.centres.get(centre_dir.name)
            for version_dir in _children(centre_dir):
                if current is None or version_dir.name != current.version:
                    remove_tree(version_dir)
            if current is None:
                remove_tree(centre_dir)
        for package_dir in _children(self.packages_dir):
            if package_dir.name not in state.packages:
                remove_tree(package_dir)
        for dataset_dir in _children(self.datasets_dir):
            current = state.datasets.get(dataset_dir.name)
            for version_dir in _children(dataset_dir):
                if current is None or version_dir.name != current.version:
                    remove_tree(version_dir)
            if current is None:
                remove_tree(dataset_dir)
        for entry in _children(self.home.releases_dir):
            if entry.name.startswith(STAGING_PREFIX):
                remove_tree(entry)


def _children(directory: Path) -> list[Path]:
    return sorted(directory.iterdir()) if directory.is_dir() else []


def _dataset(name: str) -> str:
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")
    return name


def _checked(what: str, name: str) -> str:
    # Names become directory names: refuse anything that could climb out of the store.
    if not _SAFE_NAME.fullmatch(name):
        raise ValueError(f"invalid {what} {name!r}")
    return name


def _check_serialisable(record: dict) -> None:
    # Fail before touching the disk rather than at the commit point.
    try:
        json.dumps(record)
    except (TypeError, ValueError) as error:
        raise ValueError(f"the package record is not JSON-serialisable: {error}") from None


def _next_version(centre_dir: Path, current: str | None) -> str:
    """The next version name, past the current one and any directory already there (an
    orphan of a failed commit earlier under the same lock)."""
    taken = [current] if current else []
    taken += [entry.name for entry in _children(centre_dir)]
    numbers = [int(match[1]) for name in taken if (match := _VERSION.fullmatch(name))]
    return f"v{max(numbers, default=0) + 1:04d}"
