"""A study whose data is a big file, read through DuckDB in batches (drivers.filestudy).

The reference is the pandas path on the same study (``load_study`` then ``compare`` /
``metrics_summary``), whose own tests pin it against relaimpo, closed forms and published
intervals: an independent route to the same numbers (SQL histograms and Arrow batches
against one DataFrame). The random-group bootstrap is checked against the moments of the
rows themselves, repeated as often as their group was drawn.
"""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
import yaml

from drivers import load_study
from drivers.analysis import compare
from drivers.cli import main
from drivers.filestudy import (
    BOOTSTRAP_GROUPS,
    file_compare,
    file_metrics,
    group_bootstrap,
    load_file_study,
    use_duckdb,
)
from drivers.metrics import metrics_summary
from drivers.moments import Moments
from drivers.paths import bank_loan_study_file

POINT = ["importance_csat", "share_csat", "rank_csat", "importance_nps", "share_nps",
         "rank_nps", "diff"]


def _study_files(folder, frame: pd.DataFrame, spec: dict) -> dict[str, object]:
    """The same study over a Parquet and a CSV copy of ``frame``."""
    files = {}
    for kind in ("parquet", "csv"):
        data = folder / f"survey.{kind}"
        if kind == "parquet":
            frame.to_parquet(data)
        else:
            frame.to_csv(data, index=False)
        study = folder / f"study_{kind}.yaml"
        study.write_text(yaml.safe_dump({**spec, "data": data.name}, allow_unicode=True,
                                        sort_keys=False), encoding="utf-8")
        files[kind] = study
    return files


@pytest.fixture(scope="module")
def bank(tmp_path_factory):
    """The bank study, coded harder: a reverse-scored item, a text skip marker and answer
    texts in one column, a column's own missing code, blank segment values."""
    folder = tmp_path_factory.mktemp("bank")
    source = bank_loan_study_file()
    frame = pd.read_csv(source.parent / "survey.csv")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    rng = np.random.default_rng(11)
    text = frame["px_revolving"].map(lambda v: None if pd.isna(v) else f"{v:g}")
    text[frame["px_revolving"] == 5] = "非常满意"
    text[rng.random(len(frame)) < 0.04] = "（跳过）"              # full-width: normalized
    frame["px_revolving"] = text
    frame.loc[rng.random(len(frame)) < 0.03, "ex_responsiveness"] = 0
    frame.loc[rng.random(len(frame)) < 0.02, "region"] = None
    attribute_columns = [c for d in spec["dimensions"].values() for c in d["attributes"]]
    frame.loc[20:24, attribute_columns] = None       # no driver answered: out of pairwise
    attributes = spec["dimensions"]
    attributes["BX"]["attributes"]["bx_trust"]["reverse"] = True
    attributes["PX"]["attributes"]["px_revolving"]["value_labels"] = {"非常满意": 5}
    attributes["EX"]["attributes"]["ex_responsiveness"]["missing_codes"] = {0: "refused"}
    spec["missing_codes"]["(跳过)"] = "not_applicable"
    files = _study_files(folder, frame, spec)
    unweighted = folder / "unweighted"
    unweighted.mkdir()
    spec.pop("weight")
    files["unweighted"] = _study_files(unweighted, frame, spec)["parquet"]
    return files


@pytest.mark.parametrize("kind", ["parquet", "csv"])
@pytest.mark.parametrize("level, missing, base", [
    ("attribute", None, "driver"), ("dimension", None, "driver"),
    ("attribute", "listwise", "driver"), ("attribute", None, "all")])
def test_compare_equals_the_pandas_path(bank, kind, level, missing, base):
    memory = compare(load_study(bank[kind]), level=level, missing=missing, base=base,
                     bootstrap=0)
    big = load_file_study(bank[kind])
    table = file_compare(big, level=level, missing=missing, base=base, bootstrap=0)
    assert table["driver"].tolist() == memory["driver"].tolist()
    assert table["label"].tolist() == memory["label"].tolist()
    for column in POINT:
        np.testing.assert_allclose(table[column], memory[column], rtol=1e-12, atol=1e-14,
                                   err_msg=column)
    for key in ("n_used", "n_dropped", "dropped_reasons", "base", "missing", "weighted"):
        assert table.attrs[key] == memory.attrs[key], key
    for name in ("csat", "nps"):
        assert table.attrs["r2"][name] == pytest.approx(memory.attrs["r2"][name], rel=1e-12)
    assert table.attrs["warnings"] == memory.attrs["warnings"]


def test_the_coding_is_the_pandas_coding(bank):
    memory = load_study(bank["csv"])
    big = load_file_study(bank["csv"])
    columns = [*memory.attribute_columns, "csat", "recommend"]
    (batch, _), = list(big.batches(columns))
    pd.testing.assert_frame_equal(batch.data[columns], memory.data[columns],
                                  check_dtype=False, check_index_type=False)
    for column in columns:
        assert (batch.missing[column].astype(object).fillna("").tolist()
                == memory.missing[column].astype(object).fillna("").tolist()), column
    # The rules were applied, not skipped: reverse scoring, the text marker, answer texts.
    raw = pd.read_csv(big.path)
    assert (batch.data["bx_trust"] == 6 - raw["bx_trust"]).where(raw["bx_trust"] < 98).all()
    assert (batch.missing["px_revolving"] == "not_applicable").sum() > 50
    assert (batch.missing["ex_responsiveness"] == "refused").sum() > 30
    assert batch.data["px_revolving"].max() == 5


@pytest.mark.parametrize("kind", ["parquet", "csv", "unweighted"])
def test_metrics_equal_the_pandas_path(bank, kind):
    memory = metrics_summary(load_study(bank[kind]))
    tables = file_metrics(load_file_study(bank[kind]))
    assert list(tables) == list(memory)
    for name, expected in memory.items():
        found = tables[name]
        assert list(found.columns) == list(expected.columns), name
        assert found.shape == expected.shape, name
        for column in expected.columns:
            if expected[column].dtype.kind in "fiu":
                np.testing.assert_allclose(found[column].to_numpy(float),
                                           expected[column].to_numpy(float), rtol=1e-12,
                                           atol=1e-12, err_msg=f"{name}.{column}")
            else:
                assert found[column].astype(str).tolist() == \
                    expected[column].astype(str).tolist(), f"{name}.{column}"
        assert found.attrs["warnings"] == expected.attrs["warnings"], name


def test_group_resamples_add_the_rows_of_the_groups_drawn():
    from drivers.bootstrap import block_plan, block_rows
    from drivers.filestudy import GroupStatistic

    rng = np.random.default_rng(4)
    values = rng.normal(size=(300, 3))
    values[rng.random(values.shape) < 0.1] = np.nan
    weights = rng.uniform(0.5, 2.0, size=300)
    group = rng.integers(0, 7, size=300)
    shift = np.zeros(3)
    parts = [Moments.from_arrays(values[group == g], weights[group == g], pairwise=True,
                                 shift=shift) for g in range(7)]
    combined = GroupStatistic(parts, lambda m: m.correlation("pairwise").ravel())
    draws = group_bootstrap(parts, combined.statistic, 5, seed=9)
    (block_seed, size), = block_plan(5, 9)
    for drawn, found in zip(block_rows(7, block_seed, size), draws, strict=True):
        rows = np.sort(np.concatenate([np.flatnonzero(group == g) for g in range(7)
                                       for _ in range(int(drawn[g]))]))
        expected = Moments.from_arrays(values[rows], weights[rows], pairwise=True,
                                       shift=shift)
        np.testing.assert_allclose(found, expected.correlation("pairwise").ravel(),
                                   rtol=1e-12)
        moments = combined.moments(drawn)
        assert moments.n == expected.n
        np.testing.assert_array_equal(moments.pair_n, expected.pair_n)


def test_compare_bootstrap_is_seeded_and_brackets_the_estimate(bank):
    big = load_file_study(bank["parquet"])
    first = file_compare(big, level="dimension", bootstrap=200, seed=5)
    again = file_compare(big, level="dimension", bootstrap=200, seed=5)
    pd.testing.assert_frame_equal(first, again)
    assert first.attrs["interval_method"] == f"random groups ({BOOTSTRAP_GROUPS})"
    assert (first["diff_ci_low"] <= first["diff"]).all()
    assert (first["diff"] <= first["diff_ci_high"]).all()
    other = file_compare(big, level="dimension", bootstrap=200, seed=6)
    assert not np.allclose(other["diff_ci_low"], first["diff_ci_low"])


def test_random_groups_come_from_a_seeded_hash(bank):
    big = load_file_study(bank["parquet"])
    draws = {seed: np.concatenate([g for _, _, g in big.slot_batches(["csat"], group_seed=seed)])
             for seed in (1, 2)}
    again = np.concatenate([g for _, _, g in big.slot_batches(["csat"], group_seed=1)])
    np.testing.assert_array_equal(draws[1], again)
    assert (draws[1] != draws[2]).mean() > 0.9
    assert draws[1].min() == 0 and draws[1].max() == BOOTSTRAP_GROUPS - 1


def test_importances_from_a_correlation_repair_it_as_the_rows_path_does():
    from drivers.correlation import is_positive_definite, pairwise_correlation_matrix
    from drivers.paired import PairedStatistic

    rng = np.random.default_rng(2)
    n = 300
    base = rng.normal(size=n)
    X = np.column_stack([base, base + 0.3 * rng.normal(size=n), -base + 0.3 * rng.normal(size=n)])
    X[:100, 2] = np.nan                      # x1-x2 and x2-x3 on different rows than x1-x3
    X[100:200, 0] = np.nan
    X[200:, 1] = np.nan
    X[200:, 2] = base[200:] + 0.3 * rng.normal(size=100)
    Y = np.column_stack([X[:, 0] + rng.normal(size=n), rng.normal(size=n)])
    Y[:, 0] = np.where(np.isnan(Y[:, 0]), base + rng.normal(size=n), Y[:, 0])
    corr = pairwise_correlation_matrix(np.column_stack([X, Y]), None)
    assert not is_positive_definite(corr[:4, :4])
    paired = PairedStatistic("shapley", None, "pairwise", None)
    # The repair (Higham's alternating projections) stops at its own tolerance, so inputs
    # equal to 1e-16 give results equal to about 1e-12.
    np.testing.assert_allclose(paired.from_correlation(corr, 3), paired(X, Y, None),
                               rtol=1e-9)


def test_cli_engines_agree_and_auto_reads_small_files_in_memory(bank, capsys):
    outputs, bases = {}, {}
    for engine in ("pandas", "duckdb"):
        assert main(["compare", str(bank["parquet"]), "--bootstrap", "0",
                     "--engine", engine]) == 0
        out, err = capsys.readouterr()
        outputs[engine] = pd.read_csv(io.StringIO(out))
        assert ("read through DuckDB" in err) == (engine == "duckdb")
        bases[engine] = [line for line in err.splitlines() if line.startswith("base: ")]
    assert bases["duckdb"] == bases["pandas"] and len(bases["pandas"]) == 1
    for column in POINT:
        np.testing.assert_allclose(outputs["duckdb"][column], outputs["pandas"][column],
                                   rtol=1e-12)
    assert not use_duckdb(bank["parquet"])          # 2,000 rows: auto keeps pandas
    for engine in ("pandas", "duckdb"):
        assert main(["metrics", str(bank["csv"]), "--engine", engine, "--by", "wave"]) == 0
        outputs[engine] = capsys.readouterr().out
    assert outputs["duckdb"] == outputs["pandas"]


def test_auto_takes_duckdb_above_the_one_threshold(bank, monkeypatch):
    import drivers.big

    monkeypatch.setattr(drivers.big, "BIG_BYTES", 1000)
    assert use_duckdb(bank["parquet"]) and use_duckdb(bank["csv"])
    assert not use_duckdb(bank["parquet"], "pandas")


@pytest.mark.parametrize("change, message", [
    ("off_scale", "column 'csat' (outcome csat): values 7 are outside the scale 1-5"),
    ("text", "column 'bx_trust' (attribute of BX): expected numeric ratings, found 'n/a' in "
             "data rows 3 (ids BL00003)"),
    ("weight", "column 'weight' (weight): weights must be positive; zero or negative in data "
               "rows 4, 9 (ids BL00004, BL00009)"),
    ("column", "column 'sx_resolution' (attribute of SX) is not in the data"),
    ("id", "column 'respondent_id' (respondent id): ids must be unique; BL00002 repeat in "
           "data rows 2, 7"),
])
def test_bad_input_is_one_line_naming_file_column_and_rows(tmp_path, capsys, change, message):
    """The problems of the pandas path, word for word (filecheck names the rows in SQL)."""
    source = bank_loan_study_file()
    frame = pd.read_csv(source.parent / "survey.csv")
    spec = yaml.safe_load(source.read_text(encoding="utf-8"))
    if change == "off_scale":
        frame.loc[[11, 1500], "csat"] = 7
    elif change == "text":
        frame["bx_trust"] = frame["bx_trust"].map(lambda v: None if pd.isna(v) else f"{v:g}")
        frame.loc[[2], "bx_trust"] = "n/a"
    elif change == "weight":
        frame.loc[[3, 8], "weight"] = [0.0, -1.0]
    elif change == "id":
        frame.loc[6, "respondent_id"] = "BL00002"
    else:
        frame = frame.drop(columns="sx_resolution")
    files = _study_files(tmp_path, frame, spec)
    for kind in ("parquet", "csv"):
        said = {}
        for engine in ("duckdb", "pandas"):
            code = main(["compare", str(files[kind]), "--engine", engine, "--bootstrap", "0"])
            said[engine] = capsys.readouterr().err
            assert code == 1 and "Traceback" not in said[engine]
        assert said["duckdb"] == said["pandas"]
        assert message in said["duckdb"] and f"study_{kind}.yaml" in said["duckdb"]
    if change == "off_scale":
        assert "data rows 12, 1501" in said["duckdb"]


@pytest.mark.parametrize("options, message", [
    (["--method", "random_forest"], "method 'random_forest' is not available"),
    (["--level", "dimension", "--dimension-mode", "composite"], "composite scores is not"),
])
def test_what_needs_rows_is_refused_in_one_line(bank, capsys, options, message):
    code = main(["compare", str(bank["parquet"]), "--engine", "duckdb", "--bootstrap", "0",
                 *options])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if line.startswith("drivers: error:")]
    assert code == 1 and len(errors) == 1 and message in errors[0], err
