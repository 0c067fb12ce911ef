"""Speed and memory of the public API at a million respondents (`make bench`, issue 9).

Each figure is printed beside the core it wraps, with the ratio:

1. ``drivers.importance`` (exact Shapley) on 1,000,000 weighted respondents x 20 drivers from
   a DataFrame, against its core: the weighted moments of the complete rows
   (:class:`drivers.moments.Moments`) plus the compiled Shapley sweep. Goal: within 2x.
2. Loading a 1,000,000-row study (22 rated columns, a weight, a segment and a wave, with
   missing codes and blanks) from CSV with ``drivers.load_study`` and from a DataFrame in
   memory with ``drivers.study_from_frame``: wall-clock seconds and peak memory, each in a
   fresh process. The core beside them: ``pandas.read_csv`` of the same file. Peak memory is
   the peak of allocations traced by ``tracemalloc`` during the call (numpy and pandas
   report theirs), against the numeric data (rows x rated and weight columns x 8 bytes).
   Goals: a few seconds; peak under 3x the numeric data.

Figures of a shared machine move with its load: the load average is printed at the start
and at the end, and seconds are wall-clock with CPU seconds beside them.

Run: ``make bench`` (or ``.venv/bin/python benchmarks/bench_scale.py``).
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

# The same synthetic drivers as the engine's, and the same memory probe.
from bench_shapley import survey, traced_peak_mb  # noqa: E402

SEED = 20261127
N_ROWS, N_DRIVERS = 1_000_000, 20


def cpu_seconds() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


def timed(function, repeats: int = 1):
    """Median wall-clock and CPU seconds over ``repeats`` runs, and the last result."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), cpu_seconds()
        result = function()
        walls.append(time.perf_counter() - wall)
        cpus.append(cpu_seconds() - cpu)
    return median(walls), median(cpus), result


# ------------------------------------------------------------------------------- data


def rated_survey(n: int, p: int, seed: int) -> pd.DataFrame:
    """A raw export: integer ratings with a "don't know" code (99) and blanks, an id, a
    weight, a text segment and waves W1..W12."""
    rng = np.random.default_rng(seed)
    factor = rng.normal(size=(n, 1))
    latent = 0.7 * factor + rng.normal(size=(n, p))
    ratings = np.clip(np.rint(3 + latent), 1, 5)
    csat = np.clip(np.rint(3 + 0.3 * latent.sum(axis=1) / np.sqrt(p) + rng.normal(size=n)), 1, 5)
    recommend = np.clip(np.rint(7 + 1.5 * factor[:, 0] + rng.normal(size=n)), 0, 10)
    frame = pd.DataFrame(ratings, columns=[f"attr_{j:02d}" for j in range(p)])
    frame[frame.columns] = frame.to_numpy()
    dont_know = rng.random((n, p)) < 0.02
    blank = rng.random((n, p)) < 0.02
    values = frame.to_numpy()
    values[dont_know] = 99
    values[blank] = np.nan
    frame = pd.DataFrame(values, columns=frame.columns).astype("Int64")
    frame.insert(0, "recommend", recommend.astype(np.int64))
    frame.insert(0, "csat", csat.astype(np.int64))
    frame.insert(0, "weight", rng.uniform(0.5, 2.0, size=n).round(4))
    frame.insert(0, "region", rng.choice(["east", "south", "north", "west"], size=n))
    frame.insert(0, "wave", rng.choice([f"W{i}" for i in range(1, 13)], size=n))
    frame.insert(0, "id", np.arange(1, n + 1))
    return frame


def study_spec(p: int) -> dict:
    return {
        "title": "Scale benchmark", "id": "id", "weight": "weight", "segments": ["region"],
        "wave": "wave", "missing_codes": {99: "dont_know"},
        "outcomes": {"csat": {"column": "csat", "kind": "csat", "scale": [1, 5]},
                     "nps": {"column": "recommend", "kind": "nps", "scale": [0, 10]}},
        "dimensions": {"BX": {"attributes": [f"attr_{j:02d}" for j in range(p // 2)]},
                       "SX": {"attributes": [f"attr_{j:02d}" for j in range(p // 2, p)]}},
    }


# --------------------------------------------------------------------------- sections


def section_importance() -> None:
    import drivers
    from drivers.blas import one_blas_thread
    from drivers.moments import Moments
    from drivers.shapley import shapley_values

    frame = survey(N_ROWS, N_DRIVERS, SEED)
    columns = [c for c in frame.columns if c.startswith("attr_")]
    print(f"\n1. drivers.importance (exact Shapley), {N_ROWS:,} weighted respondents x "
          f"{N_DRIVERS} drivers, from a DataFrame")

    @one_blas_thread()   # as the front door runs: one BLAS thread (drivers/blas.py)
    def core():
        moments = Moments.from_frame(frame, [*columns, "csat"], weights="weight")
        corr = moments.correlation()
        return shapley_values(corr[:-1, :-1], corr[:-1, -1])

    def front():
        return drivers.importance(frame, "csat", columns, weights="weight", progress=False)

    core_wall, core_cpu, values = timed(core, repeats=3)
    wall, cpu, table = timed(front, repeats=3)
    if np.abs(table["importance"].to_numpy() - values).max() > 1e-10:
        raise AssertionError("front door and core disagree on 1,000,000 rows")
    ratio = wall / core_wall
    data_mb = frame[[*columns, "csat", "weight"]].memory_usage(index=False).sum() / 1e6
    front_peak, core_peak = traced_peak_mb(front), traced_peak_mb(core)
    print(f"   front door drivers.importance: {wall:.2f} s wall ({cpu:.2f} s CPU), median of 3; "
          f"traced peak {front_peak:.0f} MB")
    print(f"   core (Moments.from_frame + correlation + Shapley sweep): {core_wall:.2f} s wall "
          f"({core_cpu:.2f} s CPU), median of 3; traced peak {core_peak:.0f} MB")
    print(f"   front door / core: {ratio:.1f}x wall, {cpu / core_cpu:.1f}x CPU (goal within 2x: "
          f"{'met' if ratio <= 2 else 'MISSED'}); the columns used hold {data_mb:.0f} MB")


LOAD_SCRIPT = r"""
import json, sys, time, tracemalloc, warnings
import pandas as pd
sys.path.insert(0, sys.argv[1])
import drivers
from drivers.io import study_from_frame
kind, csv, spec_file = sys.argv[2], sys.argv[3], sys.argv[4]
spec = json.loads(open(spec_file).read())
warnings.simplefilter("ignore")
if kind == "frame":
    frame = pd.read_csv(csv)
    call = lambda: study_from_frame(frame, spec)
elif kind == "read_csv":
    call = lambda: pd.read_csv(csv)
else:
    call = lambda: drivers.load_study(spec_file.replace(".json", ".yaml"))
tracemalloc.start()
start = time.perf_counter()
result = call()
wall = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
print(json.dumps({"wall": wall, "peak": peak}))
"""


def _load_run(kind: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", LOAD_SCRIPT, str(ROOT), kind,
                           str(folder / "survey.csv"), str(folder / "study.json")],
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def section_load() -> None:
    import yaml

    p = 20
    raw = rated_survey(N_ROWS, p, SEED + 1)
    spec = study_spec(p)
    rated = 2 + p
    numeric_mb = N_ROWS * (rated + 1) * 8 / 1e6
    print(f"\n2. loading a {N_ROWS:,}-row study ({rated} rated columns, weight, segment, wave; "
          f"2% 'don't know' codes, 2% blanks)")
    print(f"   numeric data: {N_ROWS:,} x {rated + 1} x 8 bytes = {numeric_mb:.0f} MB; "
          f"goal: a few seconds, peak under 3x = {3 * numeric_mb:.0f} MB")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        raw.to_csv(folder / "survey.csv", index=False)
        (folder / "study.json").write_text(json.dumps(spec))
        (folder / "study.yaml").write_text(yaml.safe_dump({**spec, "data": "survey.csv"}))
        del raw
        core = _load_run("read_csv", folder)
        print(f"   core pandas.read_csv of the file: {core['wall']:.2f} s, traced peak "
              f"{core['peak'] / 1e6:.0f} MB")
        for kind, label in (("frame", "drivers.study_from_frame(DataFrame in memory)"),
                            ("file", "drivers.load_study(study.yaml)")):
            run = _load_run(kind, folder)
            peak = run["peak"] / 1e6
            beside = (f"{run['wall'] / core['wall']:.1f}x read_csv" if kind == "file" else
                      f"{run['wall']:.2f} s after the read")
            print(f"   {label}: {run['wall']:.2f} s ({beside}), traced peak {peak:.0f} MB = "
                  f"{peak / numeric_mb:.1f}x the numeric data (goal under 3x: "
                  f"{'met' if peak < 3 * numeric_mb else 'MISSED'})")


def main() -> None:
    print("load average at start: " + ", ".join(f"{v:.1f}" for v in os.getloadavg())
          + f" (1, 5, 15 min) on {os.cpu_count()} cores")
    section_importance()
    section_load()
    print("\nload average at the end: " + ", ".join(f"{v:.1f}" for v in os.getloadavg()))


if __name__ == "__main__":
    main()
