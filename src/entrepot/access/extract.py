"""`entrepot extract`: a project's gated dataset, written into the project's workspace.

Each granted table becomes a Parquet file (for analysis) and a CSV file (for the tools
that want one), with a manifest naming the release, the grant and each file's SHA-256.
The extract stays in the workspace: anything leaving it goes through output release.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from entrepot.access.gate import GatedData
from entrepot.governance.clock import now
from entrepot.store.atomic import fsync_tree, make_dirs, rename_durably, temporary_path
from entrepot.store.checksum import sha256_of
from entrepot.store.home import Home


@dataclass(frozen=True)
class Extract:
    folder: Path
    manifest: dict

    @property
    def rows(self) -> dict[str, int]:
        return {f["table"]: f["rows"] for f in self.manifest["files"] if f["format"] == "parquet"}


def workspace_dir(home: Home, project_code: str) -> Path:
    return home.workspaces_dir / project_code


def extract(gated: GatedData, home: Home) -> Extract:
    """Write every gated table to a new, dated folder of the project's workspace."""
    project = gated.scope.project
    if project is None:
        raise ValueError("extracts are made for projects; a centre reads its data in place")
    stamp = now().strftime("%Y%m%dT%H%M%S%f")
    folder = workspace_dir(home, project) / "extracts" / stamp
    staging = temporary_path(folder)
    make_dirs(staging)
    files = []
    for name in sorted(gated):
        table = gated.execute(gated[name])
        for fmt, write in (("parquet", pq.write_table), ("csv", pacsv.write_csv)):
            path = staging / f"{name}.{fmt}"
            write(table, path)
            files.append(
                {
                    "table": name,
                    "format": fmt,
                    "path": path.name,
                    "rows": table.num_rows,
                    "sha256": sha256_of(path),
                }
            )
    manifest = {
        "project": project,
        "release": gated.scope.release_id,
        "grant": {
            "variables": {t: list(c) for t, c in gated.scope.variables.items()},
            "population": {
                "centres": list(gated.scope.population.centres),
                "cancer_types": list(gated.scope.population.cancer_types),
                "diagnosis_years": gated.scope.population.diagnosis_years,
            },
        },
        "patients": gated.patients,
        "created_at": now().isoformat(timespec="seconds") + "Z",
        "files": files,
    }
    (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    fsync_tree(staging)
    rename_durably(staging, folder)
    result = Extract(folder, manifest)
    gated.record_extraction(stamp, result.rows)
    return result
