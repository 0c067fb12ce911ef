"""A file larger than memory: 10,000,000 rows x 25 columns of Parquet through DuckDB (issue 9).

The file (a segment, a wave, a weight, CSAT 1-5, likelihood to recommend 0-10 and 20
attributes 1-5 with about 3 % "don't know" = 98) is written by DuckDB itself from a hash of
the row number and :data:`SEED` (identical whatever the threads), into a temporary folder
removed afterwards. Each step runs in a fresh process; its peak resident memory is the
kernel's (``os.wait4`` ru_maxrss of that child), its time wall-clock, median of
:data:`REPEATS`. Beside each, the core: moments -> correlations -> exact Shapley, timed inside
the child on the moments it got.

(a) the moments of one cell (the whole file, CSAT on the 20 attributes, listwise, weighted);
(b) moments per cell over segment x wave (24 cells), Shapley in each;
(c) ``drivers importance big.parquet ...`` end to end through the command line (the file
    holds 2 GB of numbers, so ``--engine auto`` reads it through DuckDB);
(d) ``drivers compare study.yaml`` on a study file whose ``data:`` is that file (outcomes
    CSAT and NPS, 20 attributes in four dimensions, code 98 "don't know", weights, a
    segment and a wave): the driver base, pairwise moments in batches and 1,000 resamples of
    200 random groups (:mod:`drivers.filestudy`), end to end;
(e) ``drivers metrics study.yaml``: the outcome tables overall, by segment and by wave, the
    attribute and dimension tables, end to end;
(f) ``drivers validate study.yaml --engine duckdb``: every check and the data-quality summary
    from SQL value counts (:func:`drivers.filestudy.check_file_study`), and (g) the same with
    ``--engine pandas`` (every row loaded: the path before; run once, it takes GBs);
(h) ``drivers init big.parquet --engine duckdb``: the starter study from SQL value lists and
    a seeded sample (:mod:`drivers.fileinit`), and (i) with ``--engine pandas`` (once).
(j) ``drivers report study.yaml``: every value of the file checked through DuckDB, the report
    (1,000 resamples, PDF) built from the default random sample of respondents
    (:data:`drivers.filesample.REPORT_SAMPLE`), end to end; :data:`REPORT_REPEATS` runs (a
    run takes minutes), CPU seconds of the command and its worker processes beside it.

Goal: a peak of a few hundred MB (the numbers alone would take 2 GB in pandas).
Run: ``make bench`` or ``python benchmarks/bench_big.py`` (``BIG_ROWS=1000000`` for a quick
look, ``BIG_STEPS=de`` for some steps only). CPU seconds (user + sys of the child) are
printed beside the wall time: on a shared machine they move less than the wall clock.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20261127
N_ROWS = int(os.environ.get("BIG_ROWS", 10_000_000))
REPEATS = int(os.environ.get("BIG_REPEATS", 3))
REPORT_REPEATS = int(os.environ.get("BIG_REPORT_REPEATS", 1))
ATTRIBUTES = [f"a{j:02d}" for j in range(1, 21)]


def write_file(path: Path) -> None:
    """The 10e6 x 25 Parquet file, from hashes of the row number (reproducible)."""
    import duckdb

    def uniform(stream: int) -> str:
        return f"((hash(i * 1000003 + {stream}, {SEED}) % 1000003) + 0.5) / 1000003.0"

    def normal(stream: int) -> str:   # Box-Muller from two uniforms
        return (f"(sqrt(-2 * ln({uniform(stream)})) * "
                f"cos(2 * pi() * {uniform(stream + 500)}))")

    latent = [f"0.7 * f + 0.71 * {normal(10 + j)} AS l{j}" for j in range(20)]
    rated = [f"CASE WHEN {uniform(100 + j)} < 0.03 THEN 98 ELSE "
             f"least(5, greatest(1, round(3.4 + 0.9 * l{j}))) END::DOUBLE AS {name}"
             for j, name in enumerate(ATTRIBUTES)]
    # Satisfaction leans on the first attributes (brand), recommendation on the last (service).
    sat = " + ".join(f"{0.30 / (1 + j)} * l{j}" for j in range(20))
    rec = " + ".join(f"{0.30 / (20 - j)} * l{j}" for j in range(20))
    sql = f"""COPY (
      WITH f AS (SELECT i, {normal(1)} AS f FROM range({N_ROWS}) t(i)),
      l AS (SELECT i, f, {", ".join(latent)} FROM f)
      SELECT 'S' || ((hash(i * 1000003 + 2, {SEED}) % 6) + 1)::VARCHAR AS segment,
             'W' || ((hash(i * 1000003 + 3, {SEED}) % 4) + 1)::VARCHAR AS wave,
             0.5 + 1.5 * {uniform(4)} AS weight,
             least(5, greatest(1, round(3.6 + 0.6 * ({sat}) + 0.7 * {normal(5)})))::DOUBLE
                 AS csat,
             least(10, greatest(0, round(7.2 + 1.2 * ({rec}) + 1.5 * {normal(7)})))::DOUBLE
                 AS recommend,
             {", ".join(rated)}
      FROM l) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 122880)"""
    with duckdb.connect(config={"threads": os.cpu_count() or 1}) as con:
        con.execute(sql)


STEP = """
import json, sys, time
sys.path.insert(0, {root!r})
import numpy as np
from drivers.big import file_rows
from drivers.importance import moments_point_table
attributes = {attributes!r}
start = time.perf_counter()
cells = file_rows({path!r}, "csat", attributes, weights="weight", missing_codes=[98],
                  by={by!r})
seconds = time.perf_counter() - start
first = next(iter(cells.values())).moments   # compile the Shapley kernel (numba) first
moments_point_table("shapley", first, "listwise", attributes, None, None, None, [])
start = time.perf_counter()
for rows in cells.values():
    moments_point_table("shapley", rows.moments, "listwise", attributes, None, None, None, [])
core = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "core": core, "cells": len(cells),
                  "rows": sum(r.n_rows for r in cells.values())}}))
"""


#: Step (h) / (i): ``drivers init`` into a fresh file each run (it never overwrites).
INIT = """
import pathlib, sys
sys.path.insert(0, {root!r})
pathlib.Path({out!r}).unlink(missing_ok=True)
from drivers.cli import main
sys.exit(main(["init", {path!r}, "--out", {out!r}, "--engine", {engine!r}]))
"""


#: The study file of steps (d) to (g), beside the Parquet file.
STUDY = """title: Ten million respondents
data: big.parquet
weight: weight
segments: [segment]
wave: wave
missing_codes: {98: dont_know}
outcomes:
  csat: {column: csat, kind: csat, scale: [1, 5]}
  nps: {column: recommend, kind: nps}
dimensions:
  BX: {attributes: [a01, a02, a03, a04, a05]}
  PX: {attributes: [a06, a07, a08, a09, a10]}
  SX: {attributes: [a11, a12, a13, a14, a15]}
  EX: {attributes: [a16, a17, a18, a19, a20]}
"""


def child(command: list[str]) -> tuple[float, float, str, float]:
    """Wall seconds, peak resident MB (the kernel's ru_maxrss of this child), its output and
    its CPU seconds (user + system, with the worker processes it waited for)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=err, text=True,
                                   env={**os.environ, "PYTHONPATH": str(ROOT)})
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode:
            raise SystemExit(f"step failed: {' '.join(command[:4])} ...\n{err.read()}")
        return wall, usage.ru_maxrss / 1024, out.read(), usage.ru_utime + usage.ru_stime


def step(name: str, command: list[str], repeats: int = REPEATS) -> None:
    if name[1] not in os.environ.get("BIG_STEPS", "abcdefghij"):   # BIG_STEPS=de: (d), (e)
        return
    runs = [child(command) for _ in range(repeats)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[3] for r in runs)
    peak = max(r[1] for r in runs)
    facts = {}
    for line in runs[-1][2].splitlines():
        if line.startswith("{"):
            facts = json.loads(line)
    core = facts.get("core")
    inner = facts.get("seconds")
    line = (f"{name:<41} {wall:6.1f} s (median of {repeats}), CPU {cpu:6.1f} s  "
            f"peak {peak:5.0f} MB")
    if "cells" in facts:
        line += f"  {facts['cells']} cells"
    if inner is not None:
        line += f"  moments {inner:6.1f} s"
    if core is not None:
        line += f"  core (moments -> Shapley) {core * 1000:7.1f} ms"
        if inner:
            line += f"  ratio {inner / core:,.0f}x"
    print(line, flush=True)


def main() -> None:
    from drivers.parallel import cores

    print(f"machine: {cores()} cores, load average {os.getloadavg()[0]:.2f}; "
          f"{N_ROWS:,} rows x 25 columns")
    with tempfile.TemporaryDirectory(prefix="drivers-bench-big-") as folder:
        path = Path(folder) / "big.parquet"
        start = time.perf_counter()
        subprocess.run([sys.executable, __file__, "--write", str(path)], check=True)
        print(f"wrote {path.name}: {path.stat().st_size / 1e6:,.0f} MB Parquet in "
              f"{time.perf_counter() - start:.0f} s (DuckDB COPY, seed {SEED})")
        python = [sys.executable, "-c"]
        step("(a) moments of one cell (whole file)",
             [*python, STEP.format(root=str(ROOT), attributes=ATTRIBUTES, path=str(path), by=[])])
        step("(b) moments per segment x wave cell",
             [*python, STEP.format(root=str(ROOT), attributes=ATTRIBUTES, path=str(path),
                                   by=["segment", "wave"])])
        step("(c) drivers importance (CLI, end to end)",
             [sys.executable, "-m", "drivers", "importance", str(path), "--outcome", "csat",
              "--drivers", ",".join(ATTRIBUTES), "--weights", "weight", "--missing-codes",
              "98"])
        study = Path(folder) / "study.yaml"
        study.write_text(STUDY, encoding="utf-8")
        step("(d) drivers compare study.yaml (1,000 res.)",
             [sys.executable, "-m", "drivers", "compare", str(study), "--bootstrap", "1000",
              "--engine", "duckdb",
              "--out", str(Path(folder) / "compare.csv")])
        step("(e) drivers metrics study.yaml",
             [sys.executable, "-m", "drivers", "metrics", str(study), "--engine", "duckdb",
              "--out", str(Path(folder) / "metrics.xlsx")])
        for letter, engine, repeats in (("f", "duckdb", REPEATS), ("g", "pandas", 1)):
            step(f"({letter}) drivers validate study.yaml ({engine})",
                 [sys.executable, "-m", "drivers", "validate", str(study), "--engine", engine],
                 repeats)
        for letter, engine, repeats in (("h", "duckdb", REPEATS), ("i", "pandas", 1)):
            out = Path(folder) / f"init_{engine}.yaml"   # init never overwrites: one per run
            step(f"({letter}) drivers init big.parquet ({engine})",
                 [*python, INIT.format(root=str(ROOT), out=str(out), path=str(path),
                                       engine=engine)], repeats)

        from drivers.filesample import REPORT_SAMPLE

        step(f"(j) drivers report study.yaml ({REPORT_SAMPLE:,} sample)",
             [sys.executable, "-m", "drivers", "report", str(study), "--engine", "duckdb",
              "--date", "2026-11-28", "--out", str(Path(folder) / "report.pdf")],
             repeats=REPORT_REPEATS)
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--write"]:
        write_file(Path(sys.argv[2]))
    else:
        main()
