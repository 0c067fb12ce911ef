"""The stakeholder report: builds for differently shaped studies, reproducible, atomic."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pypdfium2 as pdfium
import pytest

import drivers
from drivers import report as report_module
from drivers.cli import main
from drivers.io import study_from_frame
from drivers.report import build_report, report_base

BOOTSTRAP = 30
DATE = "2026-11-23"


def page_texts(path) -> list[str]:
    document = pdfium.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()


def second_study(n: int = 400, seed: int = 3):
    """Not the bank loan: other dimensions and outcome names, CSAT on 1-7, no CES, no waves,
    no segments, no weights, no "not applicable" codes (98 = don't know only).

    Truth: Digital drives satisfaction, Staff drives recommendation."""
    rng = np.random.default_rng(seed)
    latent = rng.multivariate_normal([0, 0, 0], [[1, .3, .3], [.3, 1, .3], [.3, .3, 1]], n)
    frame = pd.DataFrame({"case": np.arange(1, n + 1)})
    items = {"Digital": ["web_speed", "web_clarity", "app_login"],
             "Staff": ["staff_care", "staff_skill", "staff_time"],
             "Price": ["price_fair", "price_clear"]}
    for d, columns in enumerate(items.values()):
        for column in columns:
            answer = np.clip(np.round(3 + 0.8 * latent[:, d] + 0.6 * rng.normal(size=n)), 1, 5)
            answer[rng.random(n) < 0.02] = 98
            frame[column] = answer.astype(int)
    sat = 0.8 * latent[:, 0] + 0.2 * latent[:, 1] + 0.2 * latent[:, 2] + 0.6 * rng.normal(size=n)
    ltr = 0.2 * latent[:, 0] + 0.8 * latent[:, 1] + 0.2 * latent[:, 2] + 0.6 * rng.normal(size=n)
    frame["sat7"] = np.clip(np.round(5 + 1.2 * sat), 1, 7).astype(int)
    frame["ltr"] = np.clip(np.round(7 + 1.8 * ltr), 0, 10).astype(int)
    spec = {
        "title": "Utility customer survey",
        "id": "case",
        "missing_codes": {98: "dont_know"},
        "outcomes": {
            "satisfaction": {"column": "sat7", "kind": "csat", "scale": [1, 7],
                             "label": "Overall satisfaction"},
            "advocacy": {"column": "ltr", "kind": "nps", "label": "Would recommend"},
        },
        "attribute_scale": [1, 5],
        "dimensions": {dim: {"label": f"{dim} experience", "attributes": columns}
                       for dim, columns in items.items()},
    }
    return study_from_frame(frame, spec)


@pytest.fixture(scope="module")
def second():
    return second_study()


def test_second_study_builds_reproducibly(second, tmp_path):
    """One test for everything that needs a full build, so parallel workers build it once."""
    built = build_report(second, tmp_path / "report.pdf", bootstrap=BOOTSTRAP, seed=1,
                         date=DATE, workbook=tmp_path / "tables.xlsx", n_jobs=1)
    texts = page_texts(built.pdf)
    assert built.pages == len(texts) >= 10
    assert built.facts["top_dimension"] == {"satisfaction": "Digital", "advocacy": "Staff"}
    everything = "\n".join(texts)
    for needed in ("Executive summary", "Drivers of CSAT", "Drivers of NPS", "CSAT vs NPS",
                   "Segment views", "Appendix A. Method", "Appendix C. Model diagnostics",
                   "Digital experience", "top-3 box", "one fieldwork period (no waves)"):
        assert needed in everything, needed
    assert "CES" not in everything and "Not applicable" not in everything
    assert "no segment columns" in everything
    assert "Contents" in texts[1] and re.search(r"Page 3 of \d+", texts[2])

    # the executive summary: one page, the numbers of the tables
    first, last = built.summary_pages
    assert first == last == 3
    summary = texts[first - 1]
    outcomes = built.tables["outcomes"].set_index("outcome")
    csat, nps = outcomes.loc["satisfaction"], outcomes.loc["advocacy"]
    assert f"{csat['score']:.0f}%" in summary
    assert f"{csat['ci_low']:.0f}% to {csat['ci_high']:.0f}%" in summary
    assert f"{nps['score']:+.0f}".replace("-", "−") in summary
    actions = built.tables["first_actions"]
    assert "The three actions to take first" in summary
    # drivers.actions.first_actions: Fix first, confidence not low, a gain above 0 at the
    # lower end of its interval; never more than three, fewer when fewer qualify.
    assert len(actions) <= 3
    assert (actions["quadrant"] == "Fix first").all() and (actions["gain_ci_low"] > 0).all()
    assert actions["confidence"].isin(["high", "moderate"]).all()
    gains = built.tables["gains_satisfaction"]
    assert set(gains["unit"]) == {"top-box points"} and len(gains) == 8
    assert (gains["gain_ci_low"] <= gains["gain"]).all()
    for attribute in actions["attribute"]:  # no labels in this study: column names show
        assert attribute in summary
    # each action's quadrant is stated with its probability from the joint bootstrap
    for confidence, probability in zip(actions["confidence"], actions["quadrant_probability"],
                                       strict=True):
        assert f"{confidence} ({100 * probability:.0f}%)" in summary

    # the workbook: a sheet per table, the same numbers
    sheets = pd.read_excel(built.workbook, sheet_name=None)
    assert {"outcomes", "drivers_dimension", "drivers_attribute", "priority_satisfaction",
            "priority_advocacy", "first_actions", "model_fit", "model_vif",
            "data_quality"} <= set(sheets)
    matrix = sheets["priority_satisfaction"]
    assert matrix["confidence"].notna().all()
    np.testing.assert_allclose(matrix["quadrant_probability"],
                               built.tables["priority_satisfaction"]["quadrant_probability"])
    shares = sheets["drivers_attribute"]["share_satisfaction"]
    assert shares.sum() == pytest.approx(1.0)
    assert np.allclose(shares, built.tables["drivers_attribute"]["share_satisfaction"])

    # the same data, seed and date: the same bytes (with the bootstrap in two processes)
    again = build_report(second, tmp_path / "again.pdf", bootstrap=BOOTSTRAP, seed=1,
                         date=DATE, n_jobs=2)
    assert again.pdf.read_bytes() == built.pdf.read_bytes()


def test_a_failure_leaves_no_partial_pdf(second, tmp_path, monkeypatch):
    def broken(self, *args):
        raise RuntimeError("appendix broke")

    # Half-way through laying out the pages, after the title page and the summary.
    monkeypatch.setattr(report_module._Writer, "drivers_section", broken)
    fresh = tmp_path / "fresh.pdf"
    with pytest.raises(RuntimeError, match="appendix broke"):
        build_report(second, fresh, bootstrap=5, seed=1, n_jobs=1)
    assert not fresh.exists()
    old = tmp_path / "old.pdf"
    old.write_bytes(b"%PDF- the previous report")
    with pytest.raises(RuntimeError):
        build_report(second, old, bootstrap=5, seed=1, n_jobs=1)
    assert old.read_bytes() == b"%PDF- the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.pdf"]


def test_bad_arguments_fail_before_any_work(second, tmp_path):
    with pytest.raises(ValueError, match="lang"):
        build_report(second, tmp_path / "r.pdf", lang="fr")
    with pytest.raises(ValueError, match=r"\.pdf"):
        build_report(second, tmp_path / "r.docx")
    with pytest.raises(ValueError, match="bootstrap"):
        build_report(second, tmp_path / "r.pdf", bootstrap=0)
    assert list(tmp_path.iterdir()) == []


def test_bank_loan_in_chinese(tmp_path):
    study = drivers.load_study(drivers.bank_loan_study_file())
    result = build_report(study, tmp_path / "zh.pdf", lang="zh", bootstrap=8, seed=1, n_jobs=1,
                          date=DATE)
    texts = page_texts(result.pdf)
    assert result.summary_pages[0] == result.summary_pages[1]
    assert result.facts["top_dimension"] == {"csat": "BX", "nps": "SX"}
    base = result.facts["base"]
    assert (base["n"], base["total"], base["not_applicable"], base["dimensions"]) == (
        1339, 2000, 650, ["SX"])
    assert base["outcome_missing"] == {"csat": 3, "nps": 7, "ces": 1}
    everything = "\n".join(texts)
    for needed in ("执行摘要", "品牌体验", "服务体验", "目录", "2026年11月23日", "按 channel",
                   "附录 A. 方法"):
        assert needed in everything, needed
    summary = texts[result.summary_pages[0] - 1]
    assert "实际利率与承诺一致" in summary  # the top CSAT attribute, in Chinese
    # The trend sentence carries the test of each move, as in the workbook's wave_changes.
    moves = result.tables["wave_changes"].set_index("outcome")
    assert moves.loc["csat", "p_value"] == pytest.approx(0.103, abs=5e-4)
    assert f"p = {moves.loc['csat', 'p_value']:.2f}，不显著" in summary
    assert f"p = {moves.loc['nps', 'p_value']:.2f}）" in summary


def test_report_base_keeps_everyone_without_not_applicable(second):
    base, facts = report_base(second)
    assert base is second
    assert (facts["n"], facts["total"], facts["not_applicable"], facts["dimensions"]) == (
        400, 400, 0, [])


def test_cli_report(write_study, tmp_path, capsys):
    out, book = tmp_path / "cli.pdf", tmp_path / "cli.xlsx"
    code = main(["report", str(write_study()), "--out", str(out), "--bootstrap", "5",
                 "--seed", "2", "--date", DATE, "--workbook", str(book), "--title", "Small"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.read_bytes()[:5] == b"%PDF-" and book.exists()
    assert "drivers report [1/8]" in err and "[8/8]" in err and "wrote" in err
    assert page_texts(out)[0].startswith("Small")


def test_cli_report_bad_date_is_one_line(write_study, tmp_path, capsys):
    code = main(["report", str(write_study()), "--out", str(tmp_path / "x.pdf"),
                 "--date", "23/11/2026"])
    err = capsys.readouterr().err
    # a wrong command line: exit 2 (drivers.cli), one line
    assert code == 2 and "expected a date such as" in err and "Traceback" not in err
    assert not (tmp_path / "x.pdf").exists()


def test_report_notebook_runs_with_papermill_parameters(tmp_path):
    """The notebook behind `make report`, executed as make does, at a small bootstrap."""
    import papermill

    notebook = drivers.paths.project_root() / "notebooks" / "report.ipynb"
    executed = tmp_path / "report.ipynb"
    papermill.execute_notebook(str(notebook), str(executed), cwd=str(notebook.parent),
                               parameters={"out_dir": str(tmp_path), "bootstrap": BOOTSTRAP,
                                           "date": DATE, "pdf_name": "r.pdf",
                                           "workbook_name": "r.xlsx"},
                               progress_bar=False, kernel_name="python3")
    assert (tmp_path / "r.pdf").stat().st_size > 50_000
    assert pd.read_excel(tmp_path / "r.xlsx", sheet_name=None)
    assert "Executive summary" in "".join(page_texts(tmp_path / "r.pdf")[:3])
