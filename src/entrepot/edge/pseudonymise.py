"""From a hospital export to a signed submission package, inside the hospital.

Steps: check every export file (encoding, separator, header) before writing anything;
load the identity file; stream each clinical table, replacing IPP and NDA by codes,
adding what the edge derives, scanning every care cell for identifiers, writing Parquet;
then either refuse (identifiers found: nothing is kept) or write and sign the manifest.

Everything is written in a hidden staging folder beside the destination and renamed at
the very end: an interrupted or refused run never leaves a package, nor half of one,
where the sending tool would look. (A hard kill can leave the hidden `.NAME.partial-*`
folder: delete it.)
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from entrepot.edge import signing
from entrepot.edge.codes import CentreCoder
from entrepot.edge.errors import EdgeError, IdentifiersFound, lines_excerpt
from entrepot.edge.export_reader import (
    ExportBatch,
    ExportFile,
    ExportReader,
    LineAccount,
    inspect_export_file,
)
from entrepot.edge.identity import Identities, clean_identifier, load_identities
from entrepot.edge.keys import CentreKeys, load_centre_keys, load_ttp_key
from entrepot.edge.linkage_token import TOKEN_RECIPE_VERSION, compact_nir, snds_token
from entrepot.edge.package import (
    MALFORMED_LINES_FILE,
    MALFORMED_LINES_SCHEMA,
    MANIFEST_FILE,
    PACKAGE_FORMAT,
    PACKAGE_FORMAT_VERSION,
    SIGNATURE_FILE,
    manifest_bytes,
    package_id,
    sha256_of,
)
from entrepot.edge.scanner import IdentifierScanner
from entrepot.model import CLINICAL_TABLES, IDENTITY, SCHEMA_VERSION, Layer, Origin, Table
from entrepot.model import arrow_schema as package_schema
from entrepot.vocab.nir import is_valid_nir

#: Progress callback: (stage, done, total); the CLI draws bars, the logic never prints.
Progress = Callable[[str, int, int], None]

_WHAT_TO_DO_WITH_FINDINGS = (
    "Nothing was written. Remove these identifiers at the source (the export query or the "
    "care record), or blank the cells, then run pseudonymise again. Lines are those of the "
    "export files, the header being line 1."
)


@dataclass(frozen=True)
class PackageSummary:
    """What a pseudonymisation run produced (counts only)."""

    package_dir: Path
    package_id: str
    finess: str
    rows: dict[str, int]
    malformed_lines: int
    empty_lines: int
    snds_tokens: int
    #: Patients whose NIR was present but failed its key check: no token made for them.
    invalid_nirs: int


def pseudonymise_export(
    export_dir: Path,
    keys_dir: Path,
    out_dir: Path,
    ttp_key_path: Path | None = None,
    progress: Progress | None = None,
) -> PackageSummary:
    """Turn the export in `export_dir` into a signed package written as `out_dir`.

    Raises `EdgeError` (naming file, line and column) for anything the centre must fix,
    and `IdentifiersFound` if the scanner recognises identifiers in cells to be sent.
    """
    export_dir, out_dir = Path(export_dir), Path(out_dir)
    report: Progress = progress or (lambda stage, done, total: None)
    keys = load_centre_keys(keys_dir)
    ttp_key = load_ttp_key(ttp_key_path) if ttp_key_path is not None else None
    _check_destination(out_dir)
    exports = {
        table.name: _inspect(export_dir / f"{table.name}.csv", table, report)
        for table in (IDENTITY, *CLINICAL_TABLES)
    }
    identity = exports[IDENTITY.name]
    report(f"reading {identity.name}", 0, identity.lines)
    identities = load_identities(identity)
    report(f"reading {identity.name}", identity.lines, identity.lines)

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = out_dir.parent / f".{out_dir.name}.partial-{uuid.uuid4().hex[:8]}"
    staging.mkdir(mode=0o700)
    try:
        run = _Run(keys, ttp_key, identities, report)
        accounts = {t.name: run.write_table(t, exports[t.name], staging) for t in CLINICAL_TABLES}
        _write_malformed_lines(staging / MALFORMED_LINES_FILE, accounts)
        findings = run.scanner.findings()
        if findings:
            raise IdentifiersFound(findings, _WHAT_TO_DO_WITH_FINDINGS)
        report("signing the manifest", 0, 1)
        manifest = _manifest(keys, exports, identities, accounts, run, staging)
        data = manifest_bytes(manifest)
        (staging / MANIFEST_FILE).write_bytes(data)
        (staging / SIGNATURE_FILE).write_bytes(signing.sign(data, keys.signing_key))
        # rename() is atomic, and replaces the destination if it is an empty folder.
        staging.rename(out_dir)
        report("signing the manifest", 1, 1)
    except BaseException:
        # Staged files may hold the very identifiers just found: never leave them behind.
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return PackageSummary(
        package_dir=out_dir,
        package_id=manifest["package_id"],
        finess=keys.finess,
        rows={name: account.rows for name, account in accounts.items()},
        malformed_lines=sum(len(a.malformed) for a in accounts.values()),
        empty_lines=sum(a.empty_lines for a in accounts.values()),
        snds_tokens=run.snds_tokens,
        invalid_nirs=run.invalid_nirs,
    )


def _check_destination(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise EdgeError(
            "the destination exists and is not an empty folder: give a new folder for "
            "each package (packages are never overwritten)",
            file=str(out_dir),
        )


def _inspect(path: Path, table: Table, report: Progress) -> ExportFile:
    stage = f"checking {path.name}"
    size = path.stat().st_size if path.is_file() else 0
    return inspect_export_file(path, table, lambda done: report(stage, done, size))


class _Run:
    """State of one run: codes, scanner, token counts."""

    def __init__(
        self,
        keys: CentreKeys,
        ttp_key: bytes | None,
        identities: Identities,
        report: Progress,
    ) -> None:
        self.coder = CentreCoder(keys.centre_key)
        self.ttp_key = ttp_key
        self.identities = identities
        self.scanner = IdentifierScanner(identities)
        self.report = report
        self.snds_tokens = 0
        self.invalid_nirs = 0

    def write_table(self, table: Table, export: ExportFile, staging: Path) -> LineAccount:
        """Pseudonymise and scan one export file into `<table>.parquet` in `staging`."""
        schema = package_schema(table, Layer.PACKAGE)
        care = {c.name for c in table.columns if c.origin is Origin.CARE}
        reader = ExportReader(export, table)
        stage = f"pseudonymising {export.name}"
        self.report(stage, 0, export.lines)
        path = staging / f"{table.name}.parquet"
        with pq.ParquetWriter(path, schema, compression="zstd") as writer:
            for batch in reader.batches(lambda done: self.report(stage, done, export.lines)):
                ipp = clean_identifier(batch.rows.column("ipp"))
                index = self.identities.index_of(ipp)
                self.scanner.scan(table, export.name, batch.rows, batch.source_rows, index)
                derived = self._derived(table, export, batch, ipp, index)
                arrays = [
                    batch.rows.column(name) if name in care else derived[name]
                    for name in schema.names
                ]
                writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=schema))
        return reader.account

    def _derived(
        self,
        table: Table,
        export: ExportFile,
        batch: ExportBatch,
        ipp: pa.Array,
        index: pa.Array,
    ) -> dict[str, pa.Array]:
        """The columns the edge computes for one batch of `table`."""
        derived = {"centre_code": self.coder.centre_codes(ipp), "source_row": batch.source_rows}
        if "nda" in batch.rows.schema.names:
            derived["stay_code"] = self.coder.stay_codes(clean_identifier(batch.rows["nda"]))
        if table.name == "patient":
            _refuse_patients_without_identity(export, batch, index)
            ids = self.identities
            derived["birth_year"] = pc.take(ids.birth_year, index)
            derived["birth_month"] = pc.take(ids.birth_month, index)
            derived["departement"] = pc.take(ids.departement, index)
            derived["snds_token"] = self._tokens(batch.rows["sex"], index)
        return derived

    def _tokens(self, sex: pa.Array, index: pa.Array) -> pa.Array:
        if self.ttp_key is None:
            return pa.nulls(len(sex), pa.string())
        nirs = pc.take(self.identities.nir, index).to_pylist()
        births = pc.take(self.identities.birth_date, index).to_pylist()
        tokens: list[str | None] = []
        for nir, birth, raw_sex in zip(nirs, births, sex.to_pylist(), strict=True):
            person_sex = (raw_sex or "").strip().upper()
            token = None
            if nir and nir.strip() and person_sex in ("M", "F"):
                if is_valid_nir(compact_nir(nir)):
                    token = snds_token(self.ttp_key, nir, birth, person_sex)
                    self.snds_tokens += 1
                else:
                    self.invalid_nirs += 1
            tokens.append(token)
        return pa.array(tokens, pa.string())


def _refuse_patients_without_identity(
    export: ExportFile, batch: ExportBatch, index: pa.Array
) -> None:
    missing = pc.is_null(index).to_numpy(zero_copy_only=False)
    if missing.any():
        lines = batch.source_rows.to_numpy()[missing].tolist()
        raise EdgeError(
            f"no row of identity.csv for this patient (line(s) {lines_excerpt(lines)}): the "
            "edge needs the birth date to derive birth year and month. Add the patient to "
            "identity.csv with the same IPP, or fill in the missing IPP",
            file=export.name,
            line=lines[0],
            column="ipp",
        )


def _write_malformed_lines(path: Path, accounts: dict[str, LineAccount]) -> None:
    malformed = [m for account in accounts.values() for m in account.malformed]
    columns = {
        name: pa.array(
            [getattr(m, name) for m in malformed], MALFORMED_LINES_SCHEMA.field(name).type
        )
        for name in MALFORMED_LINES_SCHEMA.names
    }
    table = pa.Table.from_pydict(columns, schema=MALFORMED_LINES_SCHEMA)
    pq.write_table(table, path, compression="zstd")


def _manifest(
    keys: CentreKeys,
    exports: dict[str, ExportFile],
    identities: Identities,
    accounts: dict[str, LineAccount],
    run: _Run,
    staging: Path,
) -> dict[str, Any]:
    files = {
        f"{name}.parquet": {"sha256": sha256_of(staging / f"{name}.parquet"), "rows": a.rows}
        for name, a in accounts.items()
    }
    files[MALFORMED_LINES_FILE] = {
        "sha256": sha256_of(staging / MALFORMED_LINES_FILE),
        "rows": sum(len(a.malformed) for a in accounts.values()),
    }
    export_info: dict[str, dict[str, Any]] = {}
    for name, export in exports.items():
        info: dict[str, Any] = {
            "encoding": export.encoding,
            "separator": export.separator,
            "lines": export.lines,
        }
        if name == IDENTITY.name:
            info["rows"] = len(identities.ipp)
        else:
            account = accounts[name]
            info |= {
                "rows": account.rows,
                "malformed_lines": len(account.malformed),
                "empty_lines": account.empty_lines,
                "continuation_lines": account.continuation_lines,
            }
        export_info[export.name] = info
    return {
        "format": PACKAGE_FORMAT,
        "format_version": PACKAGE_FORMAT_VERSION,
        "package_id": package_id(keys.finess, SCHEMA_VERSION, files),
        "finess": keys.finess,
        "schema_version": SCHEMA_VERSION,
        # Microseconds: the warehouse orders a centre's packages by this time.
        "created_at": datetime.now(UTC).isoformat(timespec="microseconds"),
        "signing_key_id": keys.signing_key_id,
        "snds_token": {
            "recipe_version": TOKEN_RECIPE_VERSION,
            "computed": run.ttp_key is not None,
            "patients_with_token": run.snds_tokens,
            "patients_with_invalid_nir": run.invalid_nirs,
        },
        "files": files,
        "exports": export_info,
    }
