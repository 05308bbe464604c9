"""What the SNDS generator reads of a synthetic hospital network (`synth hospitals` output).

Truth about people (NIR, sex, birth date, residence, true death date and cause) comes from
`ground_truth/patients.parquet`: the exports carry injected faults, the SNDS must not. The
care (stays, treatments, tumour codes) comes from each centre's own export, read in that
centre's encoding, separator and date style, minus every line `ground_truth/faults.csv`
names: a faulted line's true content is unknown (a date moved after the death, a code
replaced), so the national data cannot be made to agree with it. Lines too short for the
header (truncated) are skipped by the parser; the ground truth says which they are, so the
physical line number of every row read stays known.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from entrepot.synth.cohort import Arrays
from entrepot.synth.regimens import NAMES
from entrepot.synth.sampling import NEVER

_CODE_OF_TYPE = {"breast": "C509", "lung": "C349", "ovary": "C56"}
_DATE_FORMATS = {"iso": "%Y-%m-%d", "dmy": "%d/%m/%Y"}
_TRUTH_COLUMNS = (
    "finess",
    "ipp",
    "nir",
    "sex",
    "birth_date",
    "residence_departement",
    "cancer_type",
    "diagnosis_date",
    "metastatic_date",
    "second_diagnosis_date",
    "true_death_date",
    "cause_of_death",
    "last_news_date",
)


@dataclass(frozen=True)
class NetworkCentre:
    """A centre of the hospital network, as `centres.csv` and `centre_sites.csv` tell."""

    finess: str
    category: str
    departement: str
    encoding: str
    separator: str
    date_style: str
    #: Geographical FINESS of the centre's other sites.
    sites: tuple[str, ...]


@dataclass
class HospitalInput:
    """Everything read from the hospital folder, as arrays (see the module docstring).

    `patients`: one entry per hospital patient, in ground-truth order; `centre` indexes
    `centres`; dates are day numbers (`NEVER` when none). `tumour_icd10` and
    `second_icd10` are the canonical ICD-10 codes of the first and second primary (the
    cancer type's unspecified code, and "", when unknown). `stays` and `treatments` hold
    the clean rows of every centre, sorted by patient then date; `stay_nda` is the stay
    number of each stay row.
    """

    centres: list[NetworkCentre]
    patients: Arrays
    stays: Arrays
    stay_nda: pa.Array
    treatments: Arrays
    #: Faulted lines left out, per table.
    skipped_lines: dict[str, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.patients["ipp"])


def read_hospitals(folder: Path) -> HospitalInput:
    """Read a folder written by `generate_hospitals`."""
    folder = Path(folder)
    for needed in ("centres.csv", "ground_truth/patients.parquet", "ground_truth/faults.csv"):
        if not (folder / needed).is_file():
            raise FileNotFoundError(
                f"{folder / needed} not found: give a folder written by `entrepot synth hospitals`"
            )
    centres = _centres(folder)
    patients = _patients(folder, centres)
    faults = _faults(folder)
    reader = _CentreReader(folder, centres, patients, faults)
    stays, nda = reader.stays()
    treatments = reader.treatments()
    first, patients["second_icd10"] = reader.tumour_codes()
    # A tumour line lost to a fault leaves the cancer type: its usual unspecified code.
    fallback = np.array(
        [_CODE_OF_TYPE.get(t, "C80") for t in patients["cancer_type"].tolist()], dtype=object
    )
    patients["tumour_icd10"] = np.where(first != "", first, fallback)
    return HospitalInput(centres, patients, stays, nda, treatments, reader.skipped)


def _centres(folder: Path) -> list[NetworkCentre]:
    sites: dict[str, list[str]] = {}
    site_file = folder / "ground_truth" / "centre_sites.csv"
    if site_file.is_file():
        with site_file.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                if row["site_finess"] != row["finess"]:
                    sites.setdefault(row["finess"], []).append(row["site_finess"])
    with (folder / "centres.csv").open(encoding="utf-8", newline="") as handle:
        return [
            NetworkCentre(
                finess=row["finess"],
                category=row["category"],
                departement=row["departement"],
                encoding=row["encoding"],
                separator=row["separator"],
                date_style=row["date_style"],
                sites=tuple(sites.get(row["finess"], ())),
            )
            for row in csv.DictReader(handle)
        ]


def _days(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Dates (date32, nulls allowed) as day numbers, NEVER for nulls."""
    return pc.fill_null(column.cast(pa.int32()), NEVER).to_numpy().astype(np.int64)


def _objects(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Strings as an object array whose equal values share one str object (cheap to hold)."""
    encoded = pc.dictionary_encode(column)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    vocabulary = np.array(encoded.dictionary.to_pylist(), dtype=object)
    indices = pc.fill_null(encoded.indices, 0).to_numpy()
    return vocabulary[indices] if len(vocabulary) else np.full(len(indices), "", dtype=object)


def _patients(folder: Path, centres: list[NetworkCentre]) -> Arrays:
    table = pq.read_table(
        folder / "ground_truth" / "patients.parquet", columns=list(_TRUTH_COLUMNS)
    )
    patients: Arrays = {}
    for name in _TRUTH_COLUMNS:
        column = table[name]
        if pa.types.is_date(column.type):
            patients[name] = _days(column)
        elif name in ("ipp", "nir"):
            patients[name] = np.array(column.to_pylist(), dtype=object)
        else:
            patients[name] = _objects(column)
    index = {c.finess: k for k, c in enumerate(centres)}
    patients["centre"] = np.array([index[f] for f in patients["finess"].tolist()], dtype=np.int64)
    return patients


def _faults(folder: Path) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray]]:
    """(finess, table) → (every faulted line, the truncated ones)."""
    table = pacsv.read_csv(
        folder / "ground_truth" / "faults.csv",
        convert_options=pacsv.ConvertOptions(
            column_types={"finess": pa.string(), "table": pa.string(), "line": pa.int64()}
        ),
    )
    finess = table["finess"].to_numpy(zero_copy_only=False)
    name = table["table"].to_numpy(zero_copy_only=False)
    line = table["line"].to_numpy()
    truncated = table["fault"].to_numpy(zero_copy_only=False) == "truncated_line"
    out: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    if len(line) == 0:
        return out
    key = np.char.add(np.char.add(finess.astype(str), "|"), name.astype(str))
    for value in np.unique(key):
        mask = key == value
        f, t = str(value).split("|")
        out[(f, t)] = (np.sort(line[mask]), np.sort(line[mask & truncated]))
    return out


class _CentreReader:
    """Reads one table of every centre, clean lines only, patients as ground-truth indices."""

    def __init__(
        self,
        folder: Path,
        centres: list[NetworkCentre],
        patients: Arrays,
        faults: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]],
    ) -> None:
        self.folder = folder
        self.centres = centres
        self.faults = faults
        self.skipped: dict[str, int] = {}
        order = np.arange(len(patients["ipp"]))
        self._ipps = {
            k: (pa.array(patients["ipp"][patients["centre"] == k].tolist(), type=pa.string()),
                order[patients["centre"] == k])
            for k in range(len(centres))
        }  # fmt: skip

    def _read(self, table: str, columns: tuple[str, ...]) -> pa.Table:
        """Clean rows of `table` in all centres, with `_patient`; dates stay text here."""
        parts = []
        for k, centre in enumerate(self.centres):
            path = self.folder / centre.finess / f"{table}.csv"
            faulty, truncated = self.faults.get(
                (centre.finess, table), (np.zeros(0, np.int64), np.zeros(0, np.int64))
            )
            rows = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=centre.encoding, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=centre.separator, invalid_row_handler=lambda row: "skip"
                ),
                convert_options=pacsv.ConvertOptions(
                    include_columns=list(columns),
                    column_types=dict.fromkeys(columns, pa.string()),
                    strings_can_be_null=False,
                    quoted_strings_can_be_null=False,
                ),
            )
            # Physical line of each row read: lines 2, 3... except the truncated ones.
            lines = np.arange(2, rows.num_rows + len(truncated) + 2)
            lines = lines[~np.isin(lines, truncated)]
            keep = ~np.isin(lines, faulty)
            self.skipped[table] = self.skipped.get(table, 0) + int((~keep).sum() + len(truncated))
            rows = rows.filter(pa.array(keep))
            ipps, indices = self._ipps[k]
            position = pc.index_in(rows["ipp"], value_set=ipps)
            rows = rows.filter(pc.is_valid(position))
            position = pc.drop_null(position).to_numpy()
            rows = rows.append_column("_patient", pa.array(indices[position], type=pa.int64()))
            rows = rows.append_column(
                "_centre", pa.array(np.full(rows.num_rows, k, dtype=np.int16))
            )
            parts.append(rows)
        return pa.concat_tables(parts)

    def _dates(self, rows: pa.Table, column: str) -> np.ndarray:
        """Parse a date column whose format depends on each row's centre."""
        out = np.full(rows.num_rows, NEVER, dtype=np.int64)
        centre = rows["_centre"].to_numpy()
        for style, fmt in _DATE_FORMATS.items():
            mask = np.isin(centre, [k for k, c in enumerate(self.centres) if c.date_style == style])
            if mask.any():
                parsed = pc.strptime(
                    rows[column].filter(pa.array(mask)), format=fmt, unit="s", error_is_null=True
                )
                out[mask] = _days(parsed.cast(pa.date32()))
        return out

    def stays(self) -> tuple[Arrays, pa.Array]:
        rows = self._read(
            "centre_stay",
            ("ipp", "nda", "stay_finess", "stay_type", "admission_date", "discharge_date",
             "main_diagnosis"),
        )  # fmt: skip
        stays: Arrays = {
            "patient": rows["_patient"].to_numpy(),
            "finess": _objects(rows["stay_finess"]),
            "inpatient": pc.equal(rows["stay_type"], "inpatient").to_numpy(zero_copy_only=False),
            "admission": self._dates(rows, "admission_date"),
            "discharge": self._dates(rows, "discharge_date"),
            "diagnosis": _objects(pc.replace_substring(rows["main_diagnosis"], ".", "")),
        }
        order = np.lexsort((stays["discharge"], stays["admission"], stays["patient"]))
        nda = rows["nda"].combine_chunks().take(pa.array(order))
        return {k: v[order] for k, v in stays.items()}, nda

    def treatments(self) -> Arrays:
        rows = self._read(
            "treatment", ("ipp", "regimen", "procedure_ccam", "start_date", "end_date")
        )
        regimen = pc.index_in(rows["regimen"], value_set=pa.array(NAMES.tolist()))
        treatments: Arrays = {
            "patient": rows["_patient"].to_numpy(),
            "regimen": pc.fill_null(regimen, -1).to_numpy().astype(np.int64),
            "procedure": _objects(rows["procedure_ccam"]),
            "start": self._dates(rows, "start_date"),
            "end": self._dates(rows, "end_date"),
        }
        order = np.lexsort((treatments["start"], treatments["patient"]))
        return {k: v[order] for k, v in treatments.items()}

    def tumour_codes(self) -> tuple[np.ndarray, np.ndarray]:
        rows = self._read("tumour", ("ipp", "tumour_number", "icd10"))
        n = sum(len(indices) for _, indices in self._ipps.values())
        first = np.full(n, "", dtype=object)
        second = np.full(n, "", dtype=object)
        patient = rows["_patient"].to_numpy()
        number = rows["tumour_number"].to_numpy(zero_copy_only=False)
        code = _objects(pc.replace_substring(rows["icd10"], ".", ""))
        first[patient[number == "1"]] = code[number == "1"]
        second[patient[number == "2"]] = code[number == "2"]
        return first, second
