"""SNDS linkage at scale: quality against the ground truth, time and peak memory, and the
deterministic baseline in the same run.

One run: synthetic hospitals (N patients) → edge kit → ingestion; a synthetic SNDS extract
of P beneficiaries containing them (5 % discordant birth months, 20 % of stays shifted by
a day, twins, decoys) → `entrepot snds import` → `entrepot link --indirect-only` in a child
process (the probabilistic linkage alone, every patient, whole command timed, peak memory
read from the kernel), then `entrepot link` with the tokens as it runs in production. The
deterministic baseline (exact sex + birth year/month + one stay at the same FINESS on the
same admission date, unique both ways) runs on the same inputs.

    python -m benchmarks.linkage --patients 200000 --population 3000000

Targets: indirect F1 ≥ 0.98; 200,000 patients against 3,000,000 beneficiaries in under
15 minutes on 2 cores with peak memory under 12 GB. Writes docs/benchmarks.md ("SNDS linkage").
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import shutil
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from benchmarks.peak import run_child
from benchmarks.report import machine_description, write_section
from entrepot.edge.keys import create_ttp_key, init_centre
from entrepot.edge.pseudonymise import pseudonymise_export
from entrepot.ingest import ingest_package, register_centre
from entrepot.linkage import deterministic_baseline, evaluate
from entrepot.linkage.warehouse import REPORT_SUBDIR, warehouse_inputs
from entrepot.store import Home, WorkingStore
from entrepot.store.publish import LINK_TABLE, LINKAGE_DATASET
from entrepot.synth import generate_hospitals
from entrepot.synth.snds import generate_snds
from entrepot.synthetic_truth import linkage_truth

WORK = Path(__file__).resolve().parent / "work" / "linkage"


def _timed(label: str, work, *args, **kwargs):
    started = time.perf_counter()
    result = work(*args, **kwargs)
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.0f} s", flush=True)
    return result, seconds


def _warehouse(folder: Path, patients: int, centres: int, seed: int) -> tuple[Home, Path, Path]:
    """Hospitals → edge kit → ingestion; returns the home, the exports and the secrets."""
    exports, packages, secrets = folder / "exports", folder / "packages", folder / "secrets"
    home = Home(folder / "warehouse")
    generate_hospitals(exports, patients=patients, centres=centres, seed=seed)
    ttp = secrets / "ttp.key"
    create_ttp_key(ttp)
    for export in sorted(p for p in exports.iterdir() if (p / "identity.csv").exists()):
        keys = init_centre(secrets / export.name, export.name)
        register_centre(home, keys.finess, secrets / export.name / "signing.pub")
        pseudonymise_export(export, secrets / export.name, packages / export.name, ttp)
        ingest_package(home, packages / export.name)
    return home, exports, secrets


def _link_report(home: Home) -> dict:
    report_dir = WorkingStore(home).dataset_dir(LINKAGE_DATASET) / REPORT_SUBDIR
    return json.loads((report_dir / "report.json").read_text(encoding="utf-8"))


def _links(home: Home) -> pa.Table:
    return pq.read_table(WorkingStore(home).dataset_files(LINKAGE_DATASET)[LINK_TABLE])


def run(patients: int, population: int, centres: int, seed: int) -> dict:
    folder = WORK / f"{patients}-{population}"
    shutil.rmtree(folder, ignore_errors=True)
    (home, exports, secrets), warehouse_s = _timed(
        "hospitals, edge kit, ingestion", _warehouse, folder, patients, centres, seed
    )
    extract = folder / "snds"
    _, snds_s = _timed(
        "synthetic SNDS",
        generate_snds,
        exports,
        extract,
        population=population,
        seed=seed,
        ttp_key_path=secrets / "ttp.key",
    )
    cli = ["-m", "entrepot.cli.main"]
    imported = run_child([*cli, "snds", "import", str(extract), "--home", str(home.root)])
    truth = linkage_truth(extract / "ground_truth" / "linkage.csv", secrets)

    indirect = run_child([*cli, "link", "--indirect-only", "--home", str(home.root)])
    indirect_scores = evaluate(_links(home), truth)
    indirect_report = _link_report(home)

    store = WorkingStore(home)
    with store.lock():
        inputs = warehouse_inputs(store)
    baseline_links, baseline_s = _timed("deterministic baseline", deterministic_baseline, *inputs)
    baseline_scores = evaluate(baseline_links, truth)

    production = run_child([*cli, "link", "--home", str(home.root)])
    production_scores = evaluate(_links(home), truth)
    result = {
        "patients": patients,
        "population": population,
        "centres": centres,
        "beneficiaries": indirect_report["beneficiaries"],
        "warehouse_s": warehouse_s,
        "snds_s": snds_s,
        "import_s": imported.seconds,
        "import_peak_mb": imported.peak_mb,
        "indirect_s": indirect.seconds,
        "indirect_peak_mb": indirect.peak_mb,
        "indirect": indirect_scores,
        "candidate_pairs": indirect_report["probabilistic"]["candidate_pairs"],
        "estimated_precision": indirect_report["probabilistic"]["estimated_precision"],
        "baseline_s": baseline_s,
        "baseline": baseline_scores,
        "production_s": production.seconds,
        "production_peak_mb": production.peak_mb,
        "production": production_scores,
    }
    shutil.rmtree(folder, ignore_errors=True)
    return result


def _row(name: str, scores: dict, seconds: float, peak: str) -> str:
    return (
        f"| {name} | {scores['links']:,} | {scores['precision']:.4f} | {scores['recall']:.4f} | "
        f"**{scores['f1']:.4f}** | {seconds / 60:.1f} min | {peak} |"
    )


def render(r: dict) -> str:
    by_method = r["production"]["by_method"]
    method_lines = [
        f"  - {method}: {s['links']:,} links, precision {s['precision']:.4f}, "
        f"recall {s['recall']:.4f}"
        for method, s in by_method.items()
    ]
    return "\n".join(
        [
            f"Measured {dt.date.today().isoformat()} on {machine_description()}, "
            f"Python {platform.python_version()}, by `python -m benchmarks.linkage`.",
            "",
            f"{r['patients']:,} hospital patients ({r['centres']} centres) against "
            f"{r['beneficiaries']:,} SNDS beneficiaries (population {r['population']:,}): "
            "5 % discordant birth months, 20 % of stays shifted by a day, 5 % of stays "
            "missing in the PMSI, same-sex twins and decoys (see docs/synthetic-data.md). "
            "Each linkage is a whole `entrepot link` command in a child process "
            "(reading the working store, linking, writing the link table and report). "
            "Targets: indirect F1 ≥ 0.98; indirect linkage under 15 minutes and 12 GB.",
            "",
            "| linkage | links | precision | recall | F1 | time | peak memory |",
            "|---|---:|---:|---:|---:|---:|---:|",
            _row(
                "probabilistic only (`--indirect-only`, every patient)",
                r["indirect"],
                r["indirect_s"],
                f"{r['indirect_peak_mb']:,.0f} MB",
            ),
            _row("deterministic baseline (same inputs)", r["baseline"], r["baseline_s"], "—"),
            _row(
                "production: tokens, then probabilistic",
                r["production"],
                r["production_s"],
                f"{r['production_peak_mb']:,.0f} MB",
            ),
            "",
            f"- Candidate pairs scored: {r['candidate_pairs']:,}; the model's own estimate of "
            f"its precision: {r['estimated_precision']:.4f}.",
            "- Production run by method:",
            *method_lines,
            f"- Around it: hospitals + edge kit + ingestion {r['warehouse_s'] / 60:.1f} min; "
            f"SNDS generation {r['snds_s'] / 60:.1f} min; `entrepot snds import` "
            f"{r['import_s'] / 60:.1f} min, peak {r['import_peak_mb']:,.0f} MB.",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=200_000)
    parser.add_argument("--population", type=int, default=3_000_000)
    parser.add_argument("--centres", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    result = run(args.patients, args.population, args.centres, args.seed)
    print(json.dumps(result, indent=2), flush=True)
    write_section("SNDS linkage", render(result))


if __name__ == "__main__":
    main()
