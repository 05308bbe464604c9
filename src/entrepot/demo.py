"""The demonstration run: synthetic hospitals → edge kit → ingestion → synthetic SNDS →
SNDS import → linkage → release → summary.

Each step calls the same functions as the command line; nothing here is demo-only logic
but the choice of sizes and folders. Secrets are generated into the demo folder, which
git ignores.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from entrepot.demo_governance import DemoGovernance, seed_governance
from entrepot.edge.keys import create_ttp_key, init_centre
from entrepot.edge.pseudonymise import pseudonymise_export
from entrepot.governance.database import Database, open_database
from entrepot.governance.keys import ProjectKeys
from entrepot.ingest import ingest_package, register_centre
from entrepot.linkage import STEPS as LINKAGE_STEPS
from entrepot.linkage.warehouse import link_warehouse
from entrepot.snds import STEPS as SNDS_STEPS
from entrepot.snds import import_extract
from entrepot.store import Home, release
from entrepot.store.summary import patients_by_centre_and_cancer
from entrepot.synth import generate_hospitals
from entrepot.synth.snds import generate_snds
from entrepot.synthetic_truth import linkage_truth

#: progress(step, done, total)
Progress = Callable[[str, int, int], None]


@dataclass
class DemoFolders:
    root: Path

    @property
    def exports(self) -> Path:
        return self.root / "hospital-exports"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def packages(self) -> Path:
        return self.root / "packages"

    @property
    def snds_extract(self) -> Path:
        return self.root / "snds-extract"

    @property
    def home(self) -> Home:
        return Home(self.root / "warehouse")


@dataclass
class DemoSummary:
    release_id: str
    patients_by_centre_and_cancer: pd.DataFrame
    quarantined_by_reason: Counter[str] = field(default_factory=Counter)
    rows_in: int = 0
    rows_loaded: int = 0
    #: The SNDS import's counts by table (read, loaded, excluded, quarantined).
    snds_import: dict = field(default_factory=dict)
    #: The linkage report, with its evaluation against the synthetic ground truth.
    linkage: dict = field(default_factory=dict)
    #: The seeded organisations, people (demo logins) and active project.
    governance: DemoGovernance | None = None


def run_demo(
    root: Path,
    patients: int = 20_000,
    centres: int = 12,
    seed: int = 2026,
    progress: Progress | None = None,
) -> DemoSummary:
    """Run the whole path in a fresh `root` folder and summarise the release."""
    report = progress or (lambda step, done, total: None)
    folders = DemoFolders(root)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)

    generate_hospitals(
        folders.exports,
        patients=patients,
        centres=centres,
        seed=seed,
        progress=lambda done, total: report("synthetic hospital exports", done, total),
    )
    ttp_key = folders.secrets / "trusted-third-party.key"
    create_ttp_key(ttp_key)

    centre_exports = sorted(p for p in folders.exports.iterdir() if (p / "identity.csv").exists())
    for done, export in enumerate(centre_exports):
        report("pseudonymise in each hospital", done, len(centre_exports))
        keys_dir = folders.secrets / export.name
        keys = init_centre(keys_dir, export.name)
        register_centre(folders.home, keys.finess, keys_dir / "signing.pub")
        pseudonymise_export(export, keys_dir, folders.packages / export.name, ttp_key)
    report("pseudonymise in each hospital", len(centre_exports), len(centre_exports))

    summary_reasons: Counter[str] = Counter()
    rows_in = rows_loaded = 0
    packages = sorted(folders.packages.iterdir())
    for done, package in enumerate(packages):
        report("ingest the packages", done, len(packages))
        result = ingest_package(folders.home, package)
        assert result.report is not None
        summary_reasons.update(result.report.reasons)
        rows_in += sum(f.rows_in for f in result.report.files.values())
        rows_loaded += sum(f.rows_loaded for f in result.report.files.values())
    report("ingest the packages", len(packages), len(packages))

    snds_import, linkage = _snds_and_linkage(folders, ttp_key, seed, report)

    manifest = release.publish(
        folders.home, progress=lambda table, done, total: report(f"publish {table}", done, total)
    )
    report("seed organisations, people and a project", 0, 1)
    governance = seed_governance(
        demo_database(folders.home),
        ProjectKeys(folders.home.project_keys_dir),
        folders.exports / "centres.csv",
        manifest.release_id,
        folders.secrets,
    )
    report("seed organisations, people and a project", 1, 1)
    return DemoSummary(
        release_id=manifest.release_id,
        patients_by_centre_and_cancer=patients_by_centre_and_cancer(folders.home),
        quarantined_by_reason=summary_reasons,
        rows_in=rows_in,
        rows_loaded=rows_loaded,
        snds_import=snds_import,
        linkage=linkage,
        governance=governance,
    )


def demo_database(home: Home) -> Database:
    """The demo's own SQLite metadata database (the embedded default, whatever the
    environment says), migrated."""
    return open_database(f"sqlite:///{home.root / 'governance.sqlite'}")


def _snds_and_linkage(
    folders: DemoFolders, ttp_key: Path, seed: int, report: Progress
) -> tuple[dict, dict]:
    """A synthetic SNDS extract holding the demo's patients, imported, then linked.

    The demo holds the centres' keys, so it can also score the linkage against the
    generator's ground truth (a real warehouse cannot: that is the point of the keys).
    """
    generate_snds(
        folders.exports,
        folders.snds_extract,
        seed=seed,
        ttp_key_path=ttp_key,
        progress=lambda done, total: report("synthetic SNDS extract", done, total),
    )
    imported = import_extract(
        folders.home, folders.snds_extract, _steps(report, "SNDS import", SNDS_STEPS)
    )
    truth = linkage_truth(folders.snds_extract / "ground_truth" / "linkage.csv", folders.secrets)
    linked = link_warehouse(
        folders.home, truth=truth, progress=_steps(report, "SNDS linkage", LINKAGE_STEPS)
    )
    assert imported.report is not None
    return imported.report.as_dict(), {**linked.result.report, "evaluation": linked.evaluation}


def _steps(report: Progress, label: str, steps: tuple[str, ...]) -> Callable[[str], None]:
    """A progress callback told each step's name, as a bar over the known steps."""

    def step(name: str) -> None:
        done = steps.index(name) + 1 if name in steps else len(steps)
        report(label, done, len(steps))

    return step
