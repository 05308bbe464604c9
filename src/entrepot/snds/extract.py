"""Which files of an extract folder are which tables (decision 0004), before reading any.

Every non-PMSI table is required; the PMSI comes once per year of discharge, and a year
must come whole (its stays, chaining records, diagnoses, procedures and drugs), since none
of them can be read without the others. Other files (tables the import does not use, the
generator's `ground_truth/`, notes) are listed in the report and left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from entrepot.snds.errors import ExtractRefused
from entrepot.snds.sources import SOURCES, Source, yearly_source


@dataclass(frozen=True)
class ExtractFile:
    source: Source
    path: Path
    #: Year of discharge of a PMSI file, None for the other tables.
    year: int | None

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Extract:
    folder: Path
    files: tuple[ExtractFile, ...]
    #: Names of the files of the folder that the import does not read.
    ignored: tuple[str, ...]

    def of(self, source: Source) -> list[ExtractFile]:
        """The files of one table, PMSI years in order."""
        return sorted((f for f in self.files if f.source is source), key=lambda f: f.year or 0)

    @property
    def years(self) -> list[int]:
        return sorted({f.year for f in self.files if f.year is not None})


def find_files(folder: Path) -> Extract:
    """The extract's files by table; `ExtractRefused` when a table or a PMSI file is missing."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ExtractRefused(f"{folder}: not a folder; give the folder of the SNDS extract")
    entries = sorted(p for p in folder.iterdir() if p.is_file())
    if not entries:
        raise ExtractRefused(
            f"{folder}: the folder is empty; an SNDS extract holds one CSV file per table "
            "(IR_BEN_R.csv, ER_PRS_F.csv, T_MCO19B.csv, …)"
        )
    by_name = {s.file_name().upper(): s for s in SOURCES if not s.yearly}
    files, ignored = [], []
    for path in entries:
        if path.name.upper() in by_name:
            files.append(ExtractFile(by_name[path.name.upper()], path, None))
        elif (found := yearly_source(path.name)) is not None:
            files.append(ExtractFile(found[0], path, found[1]))
        else:
            ignored.append(path.name)
    extract = Extract(folder, tuple(files), tuple(ignored))
    _check_complete(extract)
    return extract


def _check_complete(extract: Extract) -> None:
    missing = [
        s.file_name() for s in SOURCES if not s.yearly and not s.optional_file and not extract.of(s)
    ]
    years = extract.years
    if not years:
        missing.append("the PMSI MCO files of at least one year (T_MCO19B.csv, T_MCO19C.csv, …)")
    for year in years:
        missing += [
            s.file_name(year)
            for s in SOURCES
            if s.yearly and not any(f.year == year for f in extract.of(s))
        ]
    if missing:
        raise ExtractRefused(
            f"{extract.folder}: tables missing from the extract: {', '.join(missing)}; "
            "every table of decision 0004 is needed (an empty table is a file holding only "
            "its header line)"
        )
