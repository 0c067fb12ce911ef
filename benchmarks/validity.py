"""Statistical validity of the intervals and of the noise test (run: ``make validity``).

Prints tables, never asserts: coverage is a property of a method on a population, measured
by simulation, and it lives here rather than in a unit test.

Part 1, coverage of the 95% share intervals, percentile and BCa, computed from the very
same resamples of each simulated survey (``drivers.importance.importance_details``, the
package's own path). Populations (six drivers; latent drivers standard normal with
pairwise correlation 0.3; outcome = latent drivers x BETAS + normal error, latent R^2
about 0.45):

* ``continuous``: the latent variables themselves.
* ``ratings 1-5``: every driver and the outcome cut into 1-5 at the normal quantiles of
  CUTS_5 (a CX-like distribution: 5 / 10 / 25 / 35 / 25 %).
* ``ratings 0-10``: drivers and outcome on 0-10 with CUTS_11 (top-heavy, like a
  likelihood-to-recommend).
* ``weighted``: two strata, 30 % and 70 % of the population, with different driver
  weights (stratum A swaps the weights of drivers 1 and 2); the sample over-represents A
  (70 %), and the design weights (population share / sample share) restore the
  population. Continuous.

Each at n = 300 and n = 2,000. The true share of each driver is the Shapley share of the
population correlation matrix: exact for ``continuous``, from one seeded draw of TRUTH_N
respondents for the others (its Monte Carlo error, below 0.001, is small against interval
widths of 0.05-0.2). A driver's coverage is the share of simulated surveys whose interval
contains its true share; its Monte Carlo standard error is ``sqrt(c (1 - c) / reps)``.

Part 2, the noise test (``drivers.importance.noise_benchmark``): a population of five real
drivers and a sixth driver unrelated to everything (drawn independently of the drivers and
the outcome, on the same scale as the others); the fifth real driver is small and also
independent of the others, so that its share (``small_share``, about 2 %) is its own.
The false-positive rate is how often the unrelated driver "beats noise" at the 5 % level
(nominal: 0.05), the power how often the small real driver does. Shapley and relative
weights, continuous and 1-5 ratings, weighted, at n = 300 (power also at n = 2,000).

Replications are moderate so that the whole run stays well under 30 minutes on 2 cores;
``--reps`` scales them (e.g. ``--reps 0.2`` for a quick look). Seeded: the same command
prints the same numbers whatever the number of processes (``--jobs``).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from drivers.bootstrap import bca_interval, percentile_interval, share_samples  # noqa: E402
from drivers.diagnostics import select_rows  # noqa: E402
from drivers.importance import (  # noqa: E402
    METHODS,
    NOISE_DRAWS,
    correlations,
    importance_details,
    noise_benchmark,
)
from drivers.shapley import shapley_values  # noqa: E402

SEED = 20261123
DRIVERS = [f"x{j}" for j in range(6)]
#: Latent driver weights of the coverage populations: a clear top driver, a tail of smaller.
BETAS = np.array([0.42, 0.30, 0.22, 0.15, 0.10, 0.06])
#: Driver weights of the noise-test population: four real, one small real, one unrelated;
#: the last two are drawn independently of the others (INDEPENDENT), so the small one's share
#: is its own (about 2 %) and the unrelated one is unrelated to everything.
NOISE_BETAS = np.array([0.45, 0.35, 0.25, 0.20, 0.12, 0.0])
INDEPENDENT = (4, 5)
CORRELATION = 0.3
CUTS_5 = [0.05, 0.10, 0.25, 0.35, 0.25]
CUTS_11 = [0.02, 0.02, 0.03, 0.04, 0.05, 0.08, 0.10, 0.16, 0.20, 0.15, 0.15]
#: Population shares and sample shares of the two strata of the weighted population.
STRATA = {"population": (0.3, 0.7), "sample": (0.7, 0.3)}
TRUTH_N = 2_000_000
RESAMPLES = 1000
REPS = {300: 300, 2000: 100}
NOISE_REPS = 400
ALPHA = 0.05


def latent_drivers(n: int, rng: np.random.Generator, k: int = 6) -> np.ndarray:
    """Standard normal drivers with pairwise correlation :data:`CORRELATION`."""
    common = rng.standard_normal((n, 1))
    return np.sqrt(CORRELATION) * common + np.sqrt(1 - CORRELATION) * rng.standard_normal((n, k))


def error_scale(betas: np.ndarray, r2: float = 0.45) -> float:
    """Error standard deviation giving the latent model the R^2 ``r2``."""
    sigma = np.full((len(betas), len(betas)), CORRELATION) + (1 - CORRELATION) * np.eye(len(betas))
    explained = betas @ sigma @ betas
    return float(np.sqrt(explained * (1 - r2) / r2))


def rate(values: np.ndarray, probabilities: list[float], low: int) -> np.ndarray:
    """Cut standard normal values into ratings ``low, low + 1, ...`` with these shares."""
    edges = stats.norm.ppf(np.cumsum(probabilities)[:-1])
    return low + np.searchsorted(edges, values)


@dataclass(frozen=True)
class Population:
    name: str
    kind: str  # continuous, rate5, rate11
    weighted: bool = False
    betas: tuple = tuple(BETAS)

    def draw(self, n: int, rng: np.random.Generator, population: bool = False,
             independent: tuple[int, ...] = ()) -> pd.DataFrame:
        """``n`` respondents; drivers in ``independent`` are drawn uncorrelated with the rest."""
        betas = np.array(self.betas)
        X = latent_drivers(n, rng)
        for column in independent:
            X[:, column] = rng.standard_normal(n)
        if self.weighted:
            shares = STRATA["population" if population else "sample"]
            first = rng.random(n) < shares[0]
            # Stratum A swaps the weights of the first two drivers.
            swapped = betas[[1, 0, *range(2, len(betas))]]
            y = np.where(first, X @ swapped, X @ betas)
            y = y + rng.standard_normal(n) * error_scale(betas)
            w = np.where(first, STRATA["population"][0] / STRATA["sample"][0],
                         STRATA["population"][1] / STRATA["sample"][1])
        else:
            y = X @ betas + rng.standard_normal(n) * error_scale(betas)
            w = np.ones(n)
        if self.kind != "continuous":
            cuts, low = (CUTS_5, 1) if self.kind == "rate5" else (CUTS_11, 0)
            y = rate(y / np.std(y), cuts, low).astype(float)
            X = rate(X, cuts, low).astype(float)
        frame = pd.DataFrame(X, columns=DRIVERS)
        frame["y"] = y
        frame["w"] = w
        return frame

    def truth(self, independent: tuple[int, ...] = ()) -> np.ndarray:
        """Population Shapley shares of the six drivers."""
        if self.kind == "continuous" and not self.weighted and not independent:
            betas = np.array(self.betas)
            sigma = (np.full((6, 6), CORRELATION) + (1 - CORRELATION) * np.eye(6))
            cov_xy = sigma @ betas
            var_y = betas @ sigma @ betas + error_scale(betas) ** 2
            values = shapley_values(sigma, cov_xy / np.sqrt(var_y))
        else:
            frame = self.draw(TRUTH_N, np.random.default_rng(SEED + 1), population=True,
                              independent=independent)
            values = shapley_values(*correlations(frame[DRIVERS].to_numpy(),
                                                  frame["y"].to_numpy()))
        return values / values.sum()


POPULATIONS = [Population("continuous", "continuous"), Population("ratings 1-5", "rate5"),
               Population("ratings 0-10", "rate11"),
               Population("weighted", "continuous", weighted=True)]


# ---------------------------------------------------------------- part 1: coverage


def one_survey(population: Population, n: int, seed: np.random.SeedSequence,
               truth: np.ndarray) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = population.draw(n, rng)
    details = importance_details(frame, "y", DRIVERS, weights="w" if population.weighted
                                 else None, bootstrap=RESAMPLES,
                                 seed=int(rng.integers(2**31)), n_jobs=1, progress=False,
                                 interval_method="bca", noise_draws=0)
    shares = details.share_samples
    point = details.table["share"].to_numpy()
    percentile = percentile_interval(shares, 0.95)
    bca = bca_interval(shares, point, share_samples(details.jackknife, "ratio"), 0.95)
    return {name: (low <= truth) & (truth <= high)
            for name, (low, high) in (("percentile", percentile), ("bca", bca))} | {
        "width_percentile": percentile[1] - percentile[0], "width_bca": bca[1] - bca[0]}


def coverage(jobs: int, scale: float) -> pd.DataFrame:
    rows = []
    for population in POPULATIONS:
        truth = population.truth()
        for n, reps in REPS.items():
            reps = max(20, int(round(reps * scale)))
            seeds = np.random.SeedSequence([SEED, POPULATIONS.index(population), n]).spawn(reps)
            start = time.perf_counter()
            results = Parallel(n_jobs=jobs)(delayed(one_survey)(population, n, s, truth)
                                            for s in seeds)
            took = time.perf_counter() - start
            for j, driver in enumerate(DRIVERS):
                row = {"population": population.name, "n": n, "reps": reps, "driver": driver,
                       "true_share": truth[j]}
                for method in ("percentile", "bca"):
                    covered = np.mean([r[method][j] for r in results])
                    row[method] = covered
                    row[f"{method}_mc_se"] = np.sqrt(covered * (1 - covered) / reps)
                    row[f"{method}_width"] = np.mean([r[f"width_{method}"][j] for r in results])
                rows.append(row)
            print(f"  {population.name}, n = {n}: {reps} surveys in {took:.0f} s",
                  file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


# ---------------------------------------------------------------- part 2: noise test


NOISE_CASES = [("shapley", Population("continuous", "continuous", betas=tuple(NOISE_BETAS)),
                300),
               ("relative_weights",
                Population("continuous", "continuous", betas=tuple(NOISE_BETAS)), 300),
               ("shapley", Population("ratings 1-5", "rate5", betas=tuple(NOISE_BETAS)), 300),
               ("shapley", Population("weighted", "continuous", weighted=True,
                                      betas=tuple(NOISE_BETAS)), 300),
               ("shapley", Population("continuous", "continuous", betas=tuple(NOISE_BETAS)),
                2000)]


def one_noise_test(method: str, population: Population, n: int,
                   seed: np.random.SeedSequence) -> np.ndarray:
    rng = np.random.default_rng(seed)
    frame = population.draw(n, rng, independent=INDEPENDENT)
    rows = select_rows(frame, "y", DRIVERS, weights="w" if population.weighted else None)
    values = METHODS[method](rows.X, rows.y, rows.weights)
    p_values, _ = noise_benchmark(method, rows, values, draws=NOISE_DRAWS,
                                  seed=int(rng.integers(2**31)))
    return p_values


def noise(jobs: int, scale: float) -> pd.DataFrame:
    rows = []
    reps = max(40, int(round(NOISE_REPS * scale)))
    for case, (method, population, n) in enumerate(NOISE_CASES):
        seeds = np.random.SeedSequence([SEED, 99, case]).spawn(reps)
        start = time.perf_counter()
        p_values = np.array(Parallel(n_jobs=jobs)(
            delayed(one_noise_test)(method, population, n, s) for s in seeds))
        took = time.perf_counter() - start
        false_positive = np.mean(p_values[:, 5] < ALPHA)
        power = np.mean(p_values[:, 4] < ALPHA)
        rows.append({"method": method, "population": population.name, "n": n, "reps": reps,
                     "small_share": population.truth(INDEPENDENT)[4],
                     "false_positive": false_positive,
                     "fp_mc_se": np.sqrt(false_positive * (1 - false_positive) / reps),
                     "power_small_driver": power,
                     "power_mc_se": np.sqrt(power * (1 - power) / reps),
                     "null_p_mean": p_values[:, 5].mean()})
        print(f"  noise: {method}, {population.name}, n = {n}: {reps} surveys in {took:.0f} s",
              file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="processes (results do not "
                        "depend on it)")
    parser.add_argument("--reps", type=float, default=1.0, help="scale the replications")
    parser.add_argument("--part", choices=["all", "coverage", "noise"], default="all")
    args = parser.parse_args(argv)
    pd.set_option("display.width", 160)
    start = time.perf_counter()
    if args.part in ("all", "coverage"):
        print("Coverage of 95% share intervals (percentile vs BCa on the same "
              f"{RESAMPLES:,} resamples; true shares from the population)")
        table = coverage(args.jobs, args.reps)
        shown = table[["population", "n", "reps", "driver", "true_share", "percentile",
                       "percentile_mc_se", "bca", "bca_mc_se", "percentile_width",
                       "bca_width"]]
        print(shown.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        top = table[table["driver"] == "x0"]
        print("\nTop driver (x0):")
        print(top[["population", "n", "reps", "percentile", "percentile_mc_se", "bca",
                   "bca_mc_se"]].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        lowest = table.groupby(["population", "n"])[["percentile", "bca"]].min()
        print("\nLowest coverage over the six drivers:")
        print(lowest.to_string(float_format=lambda v: f"{v:.3f}"))
    if args.part in ("all", "noise"):
        print(f"\nNoise test at the {ALPHA:g} level ({NOISE_DRAWS} random variables per "
              "survey): an unrelated driver (nominal rate 0.05) and a small real driver "
              "(power)")
        print(noise(args.jobs, args.reps).to_string(index=False,
                                                    float_format=lambda v: f"{v:.3f}"))
    print(f"\n{time.perf_counter() - start:.0f} s in all with {args.jobs} process(es)")


if __name__ == "__main__":
    main()
