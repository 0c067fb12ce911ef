"""Coverage of the random-group bootstrap beside the respondent bootstrap (``make validity``).

A study read through DuckDB (:mod:`drivers.filestudy`) never holds its rows, so its
intervals come from resampling G = ``BOOTSTRAP_GROUPS`` random groups of rows (each group's
moments kept, groups drawn with replacement; Wolter 2007, ch. 2) instead of respondents.
This prints, for the populations of ``benchmarks/validity.py`` (six drivers; continuous,
ratings 1-5, ratings 0-10, and a weighted two-stratum design), how often the 95%
percentile interval of each driver's Shapley share contains its true share, for both
bootstraps computed on the very same simulated surveys, and the ratio of their widths.

The groups are assigned here by a seeded generator (uniform over 0..G-1); in the file
path a seeded hash of the row does the same (``tests/test_filestudy.py`` checks that it
spreads rows over every group and changes with the seed). The moments of each group, the
resampling and the importances from the summed moments are the package's own
(``Moments.from_arrays``, ``drivers.filestudy.group_bootstrap``, ``shapley_values``).
Monte Carlo standard error of a coverage c over r replications: ``sqrt(c (1 - c) / r)``.

Run: ``python benchmarks/validity_groups.py`` (``--reps 0.25`` for a quick look, ``--jobs``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from validity import DRIVERS, POPULATIONS, SEED  # noqa: E402

from drivers.bootstrap import percentile_interval, share_samples  # noqa: E402
from drivers.filestudy import BOOTSTRAP_GROUPS, group_bootstrap  # noqa: E402
from drivers.importance import importance_details  # noqa: E402
from drivers.moments import Moments  # noqa: E402
from drivers.shapley import shapley_values  # noqa: E402

#: Replications per population and sample size (scaled by --reps).
REPS = {2_000: 100, 20_000: 30}
#: Resamples of each bootstrap.
RESAMPLES = 500


def shapley_of(moments: Moments) -> np.ndarray:
    corr = moments.correlation()
    return shapley_values(corr[:-1, :-1], corr[:-1, -1])


def one_survey(population, n: int, seed: np.random.SeedSequence, truth: np.ndarray,
               resamples: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = population.draw(n, rng)
    weights = "w" if population.weighted else None
    details = importance_details(frame, "y", DRIVERS, weights=weights, bootstrap=resamples,
                                 seed=int(rng.integers(2**31)), n_jobs=1, progress=False,
                                 noise_draws=0)
    respondent = percentile_interval(details.share_samples, 0.95)
    values = frame[[*DRIVERS, "y"]].to_numpy()
    w = frame["w"].to_numpy() if weights else None
    group = rng.integers(0, BOOTSTRAP_GROUPS, size=n)
    shift = values.mean(axis=0)
    parts = [Moments.from_arrays(values[group == g], None if w is None else w[group == g],
                                 shift=shift) if (group == g).any() else None
             for g in range(BOOTSTRAP_GROUPS)]
    draws = group_bootstrap(parts, shapley_of, resamples, seed=int(rng.integers(2**31)))
    grouped = percentile_interval(share_samples(draws, "ratio"), 0.95)
    return {"respondent": (respondent[0] <= truth) & (truth <= respondent[1]),
            "groups": (grouped[0] <= truth) & (truth <= grouped[1]),
            "width_ratio": (grouped[1] - grouped[0]) / (respondent[1] - respondent[0])}


def coverage(jobs: int, scale: float, resamples: int) -> pd.DataFrame:
    rows = []
    for population in POPULATIONS:
        truth = population.truth()
        for n, reps in REPS.items():
            reps = max(20, int(round(reps * scale)))
            seeds = np.random.SeedSequence([SEED, 7, POPULATIONS.index(population), n]
                                           ).spawn(reps)
            start = time.perf_counter()
            results = Parallel(n_jobs=jobs)(delayed(one_survey)(population, n, s, truth,
                                                                resamples) for s in seeds)
            took = time.perf_counter() - start
            for j, driver in enumerate(DRIVERS):
                row = {"population": population.name, "n": n, "reps": reps, "driver": driver,
                       "true_share": truth[j]}
                for method in ("respondent", "groups"):
                    covered = float(np.mean([r[method][j] for r in results]))
                    row[method] = covered
                    row[f"{method}_mc_se"] = np.sqrt(covered * (1 - covered) / reps)
                row["width_ratio"] = float(np.median([r["width_ratio"][j] for r in results]))
                rows.append(row)
            print(f"  {population.name}, n = {n:,}: {reps} surveys in {took:.0f} s",
                  file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=float, default=1.0, help="scale the replications")
    parser.add_argument("--jobs", type=int, default=2, help="processes")
    parser.add_argument("--resamples", type=int, default=RESAMPLES, help="resamples")
    args = parser.parse_args(argv)
    print(f"Coverage of 95% percentile intervals of Shapley shares: respondent bootstrap "
          f"against {BOOTSTRAP_GROUPS} random groups ({args.resamples} resamples each; "
          f"nominal 0.95)")
    table = coverage(args.jobs, args.reps, args.resamples)
    with pd.option_context("display.width", 160, "display.max_rows", 200):
        print(table.round(3).to_string(index=False))
        summary = table.groupby(["population", "n"], sort=False)[
            ["respondent", "groups", "width_ratio"]].agg(["min", "mean"])
        print("\nBy population (min and mean over the six drivers):")
        print(summary.round(3).to_string())


if __name__ == "__main__":
    main()
