"""SNDS import throughput and peak memory on a large extract, against DuckDB's own copy.

The extract is written by DuckDB here, in the format of decision 0004, with the volumes of
an oncology extract (per beneficiary: ~10 prestation lines, 3 pharmacy lines, one PMSI stay
with two associated diagnoses and 1.5 procedures...). Its values are plausible, not
realistic: the synthetic SNDS generator (`synth.snds`) is the realistic one; this writer
only needs to be fast and large. Then one child process runs `entrepot snds import` (whole
command timed, peak memory read from the kernel) and another has DuckDB copy every CSV of
the extract to Parquet.

    python -m benchmarks.snds_import --beneficiaries 300000 3000000

Writes the figures into docs/benchmarks.md (section "SNDS import").
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import shutil
import time
from pathlib import Path

import duckdb

from benchmarks.peak import run_child
from benchmarks.report import machine_description, write_section

WORK = Path(__file__).resolve().parent / "work" / "snds"

_SAS = "upper(strftime({d}, '%d%b%Y')) || ':00:00:00'"


def _sas(expr: str) -> str:
    return _SAS.format(d=expr)


def _tables(n: int) -> dict[str, str]:
    """File name -> SELECT writing it, for `n` beneficiaries."""
    day = "(DATE '2015-01-01' + CAST(hash(i) % 3000 AS INTEGER))"
    psa = "'P' || lpad(CAST({x} AS VARCHAR), 16, '0')"
    key = (
        f"CAST(i AS VARCHAR) AS DCT_ORD_NUM, {_sas(day)} AS FLX_DIS_DTD, "
        "'1' AS FLX_EMT_NUM, CAST(i % 9999 AS VARCHAR) AS FLX_EMT_ORD, '1' AS FLX_EMT_TYP, "
        f"{_sas(day)} AS FLX_TRT_DTD, '01C751000' AS ORG_CLE_NUM, '1' AS PRS_ORD_NUM, "
        "'1' AS REM_TYP_AFF"
    )
    stays = f"range({n})"
    eta = "CASE WHEN i % 3 = 0 THEN '750100125' ELSE '690000880' END"
    rsa = "lpad(CAST(i AS VARCHAR), 10, '0')"
    return {
        "IR_BEN_R.csv": f"""
            SELECT {psa.format(x="i")} AS BEN_NIR_PSA, '1' AS BEN_RNG_GEM,
                'I' || lpad(CAST(i % {n} AS VARCHAR), 16, '0') AS BEN_IDT_ANO,
                CAST(1 + i % 2 AS VARCHAR) AS BEN_SEX_COD,
                CAST(1930 + i % 70 AS VARCHAR) AS BEN_NAI_ANN,
                lpad(CAST(1 + i % 12 AS VARCHAR), 2, '0') AS BEN_NAI_MOI,
                lpad(CAST(1 + i % 95 AS VARCHAR), 3, '0') AS BEN_RES_DPT,
                CASE WHEN i % 10 = 0 THEN {_sas(day)} ELSE '' END AS BEN_DCD_DTE
            FROM range({n + n // 20}) t(i)""",
        "TTP_CORRESPONDANCE.csv": f"""
            SELECT sha256(CAST(i AS VARCHAR)) AS SNDS_TOKEN, {psa.format(x="i")} AS BEN_NIR_PSA,
                '1' AS BEN_RNG_GEM FROM range({n}) t(i) WHERE i % 3 <> 0""",
        "ER_PRS_F.csv": f"""
            SELECT {key}, {psa.format(x=f"i % {n}")} AS BEN_NIR_PSA, '1' AS BEN_RNG_GEM,
                {_sas(day)} AS EXE_SOI_DTD, {_sas(day)} AS EXE_SOI_DTF,
                CASE WHEN i % 10 < 3 THEN '3311' ELSE '1111' END AS PRS_NAT_REF,
                CASE WHEN i % 50 = 0 THEN '71' ELSE '0' END AS DPN_QLF,
                replace(CAST(round((i % 10000) / 100.0, 2) AS VARCHAR), '.', ',') AS PRS_PAI_MNT,
                CAST(round((i % 10000) / 100.0, 2) AS VARCHAR) AS BSE_REM_MNT,
                '1' AS PRS_ACT_QTE, CAST(1 + i % 18 AS VARCHAR) AS PSP_SPE_COD
            FROM range({10 * n}) t(i)""",
        "ER_PHA_F.csv": f"""
            SELECT {key}, '3400932657339' AS PHA_PRS_C13, '1' AS PHA_ACT_QSN
            FROM range({10 * n}) t(i) WHERE i % 10 < 3""",
        "ER_UCD_F.csv": f"""
            SELECT {key}, '0000009239145' AS UCD_UCD_COD, '2' AS UCD_DLV_NBR
            FROM range({10 * n}) t(i) WHERE i % 200 = 3""",
        "IR_IMB_R.csv": f"""
            SELECT {psa.format(x="i")} AS BEN_NIR_PSA, '1' AS BEN_RNG_GEM, '30' AS IMB_ALD_NUM,
                'C509' AS MED_MTF_COD, {_sas(day)} AS IMB_ALD_DTD, '' AS IMB_ALD_DTF,
                '41' AS IMB_ETM_NAT
            FROM range({n}) t(i) WHERE i % 3 = 0""",
        "KI_CCI_R.csv": f"""
            SELECT 'I' || lpad(CAST(i AS VARCHAR), 16, '0') AS BEN_IDT_ANO,
                {_sas(day)} AS BEN_DCD_DTE, 'C349' AS DCD_CIM_COD
            FROM range({n}) t(i) WHERE i % 10 = 0""",
        "KI_ECD_R.csv": f"""
            SELECT 'I' || lpad(CAST(i // 3 AS VARCHAR), 16, '0') AS BEN_IDT_ANO,
                {_sas(day)} AS BEN_DCD_DTE, 'J189' AS ECD_CIM_COD, '2' AS ECD_CAU_RNG
            FROM range({n}) t(i) WHERE (i // 3) % 10 = 0""",
        "T_MCO19B.csv": f"""
            SELECT {eta} AS ETA_NUM, {rsa} AS RSA_NUM,
                CASE WHEN i % 100 = 0 THEN '90Z00Z' ELSE '28Z07Z' END AS GRG_GHM,
                'Z511' AS DGN_PAL, 'C509' AS DGN_REL, '0' AS SEJ_NBJ, '8' AS ENT_MOD,
                '8' AS SOR_MOD, '1234' AS GHS_NUM FROM {stays} t(i)""",
        "T_MCO19C.csv": f"""
            SELECT {eta} AS ETA_NUM, {rsa} AS RSA_NUM, {psa.format(x="i")} AS NIR_ANO_17,
                CASE WHEN i % 50 = 0 THEN '1' ELSE '0' END AS NIR_RET, '0' AS NAI_RET,
                '0' AS SEX_RET, '0' AS SEJ_RET, '0' AS FHO_RET, '0' AS PMS_RET, '0' AS DAT_RET,
                strftime({day}, '%d%m%Y') AS ENT_DAT, strftime({day}, '%d%m%Y') AS SOR_DAT
            FROM {stays} t(i)""",
        "T_MCO19D.csv": f"""
            SELECT {eta} AS ETA_NUM, {rsa} AS RSA_NUM,
                CASE WHEN j = 0 THEN 'C773' ELSE 'Z922' END AS ASS_DGN
            FROM {stays} t(i), range(2) u(j)""",
        "T_MCO19A.csv": f"""
            SELECT {eta} AS ETA_NUM, {rsa} AS RSA_NUM, 'QEFA003' AS CDC_ACT,
                '0' AS ENT_DAT_DEL, '1' AS NBR_EXE_ACT, '1' AS ACV_ACT
            FROM {stays} t(i), range(2) u(j) WHERE j = 0 OR i % 2 = 0""",
        "T_MCO19MED.csv": f"""
            SELECT {eta} AS ETA_NUM, {rsa} AS RSA_NUM, '3400892391458' AS UCD_UCD_COD,
                '1,5' AS ADM_NBR, '0' AS DELAI, '45.10' AS ADM_NBR_PRI
            FROM {stays} t(i) WHERE i % 5 = 0""",
    }


def write_extract(folder: Path, beneficiaries: int) -> int:
    """Write the extract; return its number of data lines."""
    folder.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    lines = 0
    for name, query in _tables(beneficiaries).items():
        con.execute(f"COPY ({query}) TO '{folder / name}' (HEADER, DELIMITER ';', QUOTE '')")
        lines += con.execute(f"SELECT count(*) FROM ({query})").fetchone()[0]
    return lines


_COPY = """
import sys, duckdb
con = duckdb.connect()
for path in sys.argv[1:]:
    con.execute(
        "COPY (SELECT * FROM read_csv(?, delim = ';', header = true, all_varchar = true)) "
        "TO ? (FORMAT parquet)",
        [path, path + ".parquet"],
    )
"""


def run_size(beneficiaries: int) -> dict:
    root = WORK / str(beneficiaries)
    shutil.rmtree(root, ignore_errors=True)
    started = time.perf_counter()
    lines = write_extract(root / "extract", beneficiaries)
    generation = time.perf_counter() - started
    size = sum(p.stat().st_size for p in (root / "extract").iterdir())
    home = root / "home"
    imported = run_child(
        ["-m", "entrepot.cli.main", "snds", "import", str(root / "extract"), "--home", str(home)]
    )
    copies = root / "copy"
    shutil.copytree(root / "extract", copies)
    copied = run_child(["-c", _COPY, *map(str, sorted(copies.glob("*.csv")))])
    shutil.rmtree(root)
    return {
        "beneficiaries": beneficiaries,
        "lines": lines,
        "gb": size / 2**30,
        "import_s": imported.seconds,
        "peak_mb": imported.peak_mb,
        "copy_s": copied.seconds,
        "generation_s": generation,
        "tail": imported.output[-400:],
    }


def render(results: list[dict]) -> str:
    lines = [
        f"Measured {dt.date.today().isoformat()} on {machine_description()}, "
        f"Python {platform.python_version()}, by `python -m benchmarks.snds_import`.",
        "",
        "Whole `entrepot snds import` (scan and hash, convert, check, clean, resolve "
        "pseudonyms, write the claims tables, quarantine and report, commit) in one child "
        "process, against a child process in which DuckDB copies the same CSV files to "
        "Parquet as text. The extract is written by the benchmark (volumes of an oncology "
        "extract, plausible values). Targets: a 3-million-beneficiary extract in a few "
        "minutes, peak memory under 6 GB.",
        "",
        "| beneficiaries | lines | size | DuckDB copy | import | lines/s | **ratio** "
        "| peak memory |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r['beneficiaries']:,} | {r['lines']:,} | {r['gb']:.1f} GB | {r['copy_s']:.0f} s "
            f"| {r['import_s']:.0f} s | {r['lines'] / r['import_s']:,.0f} "
            f"| **{r['copy_s'] / r['import_s']:.2f}** | {r['peak_mb']:,.0f} MB |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beneficiaries", type=int, nargs="+", default=[300_000])
    args = parser.parse_args()
    results = []
    for n in args.beneficiaries:
        result = run_size(n)
        print(result, flush=True)
        results.append(result)
    write_section("SNDS import", render(results))


if __name__ == "__main__":
    main()
