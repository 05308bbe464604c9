"""`generate_snds`: an SNDS extract for a population holding every synthetic hospital patient.

The run reads the hospital folder, draws the whole population at once (a few arrays per
person: a few hundred MB at three million people), then walks through it in chunks: each
chunk's claims (PMSI stays, DCIR lines), referential rows and ground truth are built with
vectorised code, appended to the open files, and forgotten. Hospital patients, who carry
most rows, come in smaller chunks. Each chunk draws from its own random stream spawned from
the seed, so the output is the same for the same arguments.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from entrepot.synth.snds import outpatient, referential, stay_rows, truth
from entrepot.synth.snds.establishments import Establishments, build_establishments
from entrepot.synth.snds.extract import ExtractWriter
from entrepot.synth.snds.hospital_input import HospitalInput, read_hospitals
from entrepot.synth.snds.hospital_stays import hospital_stays, unknown_stays
from entrepot.synth.snds.layout import TTP_FILE
from entrepot.synth.snds.pmsi import pmsi_tables
from entrepot.synth.snds.population import (
    DECOY,
    HOSPITAL,
    OTHER,
    ROLES,
    TWIN,
    Population,
    build_population,
)
from entrepot.synth.snds.population_stays import decoy_stays, other_stays
from entrepot.synth.snds.rates import Rates
from entrepot.synth.snds.stay_rows import Stays
from entrepot.synth.snds.token import correspondence, read_ttp_key

DEFAULT_CHUNK_SIZE = 250_000
#: Hospital patients per chunk, as a share of the chunk size (they carry ~20× more rows).
_HOSPITAL_CHUNK_SHARE = 0.2


@dataclass(frozen=True)
class SndsSummary:
    """What a run wrote."""

    out: Path
    population: int
    hospital_patients: int
    seed: int
    rates: Rates
    with_ttp: bool
    #: People by role (hospital_patient, twin, decoy, other).
    people: dict[str, int] = field(default_factory=dict)
    #: Data rows written per file of the extract (file stem → rows).
    rows: dict[str, int] = field(default_factory=dict)
    #: Discrepancies and anomalies built in, by kind.
    discrepancies: dict[str, int] = field(default_factory=dict)


def generate_snds(
    hospitals_dir: Path,
    out: Path,
    population: int | None = None,
    seed: int = 0,
    ttp_key_path: Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    **rates: float,
) -> SndsSummary:
    """Write into `out` the SNDS extract of a population holding every patient of the
    synthetic hospitals in `hospitals_dir` (written by `generate_hospitals`).

    `population` is the number of people (default: ten per hospital patient). With
    `ttp_key_path` (a trusted-third-party key file), `TTP_CORRESPONDANCE.csv` is written
    too. `rates` override the defaults of `Rates`. `progress(done, total)` is called with
    the number of people written. The same arguments give the same files.
    """
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise FileExistsError(f"{out} is not empty: choose a new or empty folder")
    if population is not None and population < 1:
        raise ValueError("population must be at least 1")
    if chunk_size < 10:
        raise ValueError("chunk_size must be at least 10")
    settings = Rates(**rates)
    key = read_ttp_key(ttp_key_path) if ttp_key_path is not None else None
    hospitals = read_hospitals(hospitals_dir)
    people = build_population(_rng(seed, 0), hospitals, population, settings)
    network = {c.finess for c in hospitals.centres} | {
        s for c in hospitals.centres for s in c.sites
    }
    places = build_establishments(network)
    report = progress or (lambda done, total: None)
    with ExtractWriter(out, key is not None) as writer:
        run = _Run(hospitals, people, places, settings, key, writer)
        report(0, len(people))
        for index, (first, stop) in enumerate(_chunks(people, chunk_size)):
            run.chunk(_rng(seed, index + 1), first, stop)
            report(stop, len(people))
        rows = writer.rows
    return SndsSummary(
        out=out,
        population=len(people),
        hospital_patients=hospitals.size,
        seed=seed,
        rates=settings,
        with_ttp=key is not None,
        people={name: people.count(k) for k, name in enumerate(ROLES)},
        rows=rows,
        discrepancies=dict(sorted(run.counts.items())),
    )


def _rng(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(index,)))


def _chunks(population: Population, size: int) -> Iterator[tuple[int, int]]:
    """Ranges of people; hospital patients in smaller ranges, never mixed with others."""
    n_hospital = population.count(HOSPITAL)
    step = max(int(size * _HOSPITAL_CHUNK_SHARE), 1)
    for first in range(0, n_hospital, step):
        yield first, min(first + step, n_hospital)
    for first in range(n_hospital, len(population), size):
        yield first, min(first + size, len(population))


class _Run:
    """What a run carries from chunk to chunk: its inputs, the open writer, the next RSA and
    décompte numbers (unique in the extract), the counts of discrepancies."""

    def __init__(
        self,
        hospitals: HospitalInput,
        population: Population,
        places: Establishments,
        rates: Rates,
        key: bytes | None,
        writer: ExtractWriter,
    ) -> None:
        self.hospitals = hospitals
        self.population = population
        self.places = places
        self.rates = rates
        self.key = key
        self.writer = writer
        self.next_rsa = 1
        self.next_decompte = 1
        self.counts: Counter[str] = Counter()

    def chunk(self, rng: np.random.Generator, first: int, stop: int) -> None:
        """Build and write everything about people `first`..`stop`−1."""
        person = np.arange(first, stop)
        hospital = first < self.population.count(HOSPITAL)
        self._referential(rng, person)
        chunk_stays, fate = self._stays(rng, person, hospital)
        flags = stay_rows.anomalies(rng, chunk_stays, self.rates)
        chunk_stays, flags = stay_rows.legal_entity_copies(chunk_stays, flags)
        rsa = self.next_rsa + np.arange(len(chunk_stays), dtype=np.int64)
        self.next_rsa += len(chunk_stays)
        for table, year, columns in pmsi_tables(rng, chunk_stays, flags, rsa, self.population):
            self.writer.write(table, columns, year)
        self._stay_truth(chunk_stays, flags, rsa, fate)
        self._claims(rng, person, hospital, chunk_stays)
        if self.key is not None:
            rows = correspondence(self.key, self.population, self.hospitals, person)
            self.writer.write(TTP_FILE, rows)
        self._people_truth(person, chunk_stays, rsa)

    def _stays(
        self, rng: np.random.Generator, person: np.ndarray, hospital: bool
    ) -> tuple[Stays, dict[str, np.ndarray] | None]:
        """The chunk's PMSI stays, and the fate of the hospital stays (hospital chunks)."""
        pop, hospitals = self.population, self.hospitals
        first, stop = int(person[0]), int(person[-1]) + 1
        if hospital:
            own, fate = hospital_stays(rng, pop, hospitals, first, stop, self.rates)
            unknown = unknown_stays(rng, pop, hospitals, first, stop, self.rates)
            return stay_rows.concatenate([own, stay_rows.within_life(unknown, pop)]), fate
        role = pop.role[person]
        drawn = (
            decoy_stays(rng, pop, hospitals, person[role == DECOY]),
            other_stays(rng, pop, hospitals, self.places, person[(role == OTHER) | (role == TWIN)]),
        )
        return stay_rows.concatenate([stay_rows.within_life(s, pop) for s in drawn]), None

    def _referential(self, rng: np.random.Generator, person: np.ndarray) -> None:
        pop = self.population
        self.writer.write("IR_BEN_R", referential.beneficiaries(rng, pop, person))
        self.writer.write("IR_IMB_R", referential.long_term_conditions(rng, pop, person))
        certificates, causes = referential.deaths(rng, pop, person)
        self.writer.write("KI_CCI_R", certificates)
        self.writer.write("KI_ECD_R", causes)

    def _claims(
        self,
        rng: np.random.Generator,
        person: np.ndarray,
        hospital: bool,
        chunk_stays: Stays,
    ) -> None:
        pop = self.population
        if hospital:
            first, stop = int(person[0]), int(person[-1]) + 1
            lines = outpatient.hospital_lines(rng, pop, self.hospitals, first, stop)
        else:
            lines = outpatient.everyday_lines(rng, pop, person)
        # Legal-entity copies are public hospitals' stays: never a clinic's drugs twice.
        clinic = outpatient.clinic_drug_lines(rng, chunk_stays)
        lines = outpatient.with_information_copies(
            rng, outpatient.concatenate([lines, clinic]), self.rates.info_line
        )
        self.counts["dcir_information_line"] += int(
            (lines.columns["qualifier"] == outpatient.INFORMATION).sum()
        )
        tables = outpatient.dcir_tables(rng, lines, pop, self.next_decompte)
        self.next_decompte += len(lines)
        for table, columns in tables.items():
            self.writer.write(table, columns)

    def _stay_truth(
        self,
        chunk_stays: Stays,
        flags: dict[str, np.ndarray],
        rsa: np.ndarray,
        fate: dict[str, np.ndarray] | None,
    ) -> None:
        anomaly = truth.anomaly_names(flags)
        self.writer.write_truth("pmsi_anomalies", truth.pmsi_anomalies(chunk_stays, anomaly, rsa))
        copy = chunk_stays.rows["source"] == stay_rows.LEGAL_COPY
        self.counts["pmsi_return_code"] += int(((flags["return_code"] >= 0) & ~copy).sum())
        self.counts["pmsi_error_ghm"] += int((flags["error_ghm"] & ~copy).sum())
        self.counts["pmsi_legal_entity_copy"] += int(copy.sum())
        if fate is not None:
            self.counts["stay_missing"] += int((~fate["in_pmsi"]).sum())
            self.counts["stay_shifted"] += int((fate["in_pmsi"] & (fate["shift"] != 0)).sum())
            self.writer.write_truth(
                "stays", truth.hospital_stays(self.hospitals, chunk_stays, anomaly, rsa, fate)
            )

    def _people_truth(self, person: np.ndarray, chunk_stays: Stays, rsa: np.ndarray) -> None:
        pop, hospitals = self.population, self.hospitals
        self.writer.write_truth("beneficiaries", truth.beneficiaries(pop, hospitals, person))
        self.writer.write_truth("linkage", truth.linkage(pop, hospitals, person))
        for kind, rows in truth.discrepancies(pop, hospitals, person, chunk_stays, rsa):
            self.counts[kind] += len(rows["kind"])
            self.writer.write_truth("discrepancies", rows)
