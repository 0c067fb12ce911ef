"""A strict study file: duplicate keys, unknown keys, wrong types, alias bombs, paths outside.

Each bad file gets one line naming the file, the line and what was expected.
"""

from __future__ import annotations

import textwrap
import tracemalloc

import pytest
import yaml
from conftest import small_spec, small_survey

from drivers import StudyError, load_study, study_from_frame
from drivers.cli import main
from drivers.schema import MAX_NODES, read_yaml

GOOD = textwrap.dedent("""\
    title: Small test study
    data: survey.csv
    id: rid
    weight: w
    segments: [channel]
    wave: wave
    missing_codes: {98: dont_know, 99: not_applicable}
    outcomes:
      csat: {column: sat, kind: csat, scale: [1, 5]}
      nps: {column: rec, kind: nps}
    dimensions:
      BX:
        label: Brand
        attributes:
          a1: {label: Promise kept}
          a2: {label: Trust}
      SX:
        label: Service
        attributes: [s1, s2]
    """)


@pytest.fixture
def study_text(tmp_path):
    """study_text(text) -> path of a study file with that text beside the small survey."""
    small_survey().to_csv(tmp_path / "survey.csv", index=False)

    def write(text: str, encoding: str = "utf-8"):
        path = tmp_path / "study.yaml"
        path.write_bytes(text.encode(encoding))
        return path

    return write


def problems_of(path) -> list[str]:
    with pytest.raises(StudyError) as caught:
        load_study(path)
    assert caught.value.source == str(path)
    return caught.value.problems


def test_the_good_file_loads(study_text):
    assert len(load_study(study_text(GOOD)).data) == 40


def test_a_second_block_with_the_same_key_is_refused_naming_both_lines(study_text):
    text = GOOD + "  BX:\n    attributes: [s1]\n"
    assert problems_of(study_text(text)) == [
        "line 20: key 'BX' is given twice in one mapping (first on line 12); merge the two "
        "entries into one"]


def test_duplicate_keys_deep_down_are_refused(study_text):
    text = GOOD.replace("a1: {label: Promise kept}", "a1: {label: Promise kept, label: Again}")
    (problem,) = problems_of(study_text(text))
    assert problem.startswith("line 15: key 'label' is given twice")


@pytest.mark.parametrize("old, new, expected", [
    ("a2: {label: Trust}", "a2: {label: Trust, revers: true}",
     "line 16, dimensions.BX.attributes.a2.revers: unknown key 'revers'; did you mean "
     "'reverse'?"),
    ("a2: {label: Trust}", "a2: {label: Trust, scal: [1, 7]}",
     "line 16, dimensions.BX.attributes.a2.scal: unknown key 'scal'; did you mean 'scale'?"),
    ("  nps: {column: rec, kind: nps}", "  nps: {colum: rec, kind: nps}",
     "line 10, outcomes.nps.colum: unknown key 'colum'; did you mean 'column'?"),
    ("segments: [channel]", "segment: [channel]",
     "line 5, segment: unknown key 'segment'; did you mean 'segments'?"),
    ("    label: Service", "    lable: Service",
     "line 18, dimensions.SX.lable: unknown key 'lable'; did you mean 'label'?"),
])
def test_unknown_keys_at_any_depth_say_did_you_mean(study_text, old, new, expected):
    (problem,) = problems_of(study_text(GOOD.replace(old, new)))
    assert problem.startswith(expected), problem


@pytest.mark.parametrize("old, new, expected", [
    ("  csat: {column: sat, kind: csat, scale: [1, 5]}", "  csat: 5",
     "line 9, outcomes.csat: expected a mapping such as {column: csat, kind: csat, "
     "scale: [1, 5]} or a column name, got 5"),
    ("    attributes: [s1, s2]", '    attributes: "s1, s2"',
     "line 19, dimensions.SX.attributes: expected a list of column names [a, b] or a mapping "
     "column -> {label, ...}, got 's1, s2'"),
    ("scale: [1, 5]}", 'scale: "1-5"}',
     "line 9, outcomes.csat.scale: expected a scale [lowest, highest] of whole numbers with "
     "lowest < highest, e.g. [1, 5], got '1-5'"),
    ("kind: nps}", "kind: promoter}",
     "line 10, outcomes.nps.kind: expected 'csat', 'nps', 'ces' or 'rating', got 'promoter'"),
    ("a1: {label: Promise kept}", "a1: {label: Promise kept, reverse: maybe}",
     "line 15, dimensions.BX.attributes.a1.reverse: expected true or false, got 'maybe'"),
    ("99: not_applicable}", "99: unknowable}",
     "line 7, missing_codes.99: expected a reason: one of not_applicable, dont_know, refused, "
     "no_answer"),
    ("label: Brand", "label: yes",
     "line 13, dimensions.BX.label: expected text, got True (YAML reads yes/no/on/off"),
])
def test_wrong_types_are_one_line_each(study_text, old, new, expected):
    (problem,) = problems_of(study_text(GOOD.replace(old, new)))
    assert problem.startswith(expected), problem


def test_every_schema_problem_is_listed_at_once(study_text):
    text = GOOD.replace("a2: {label: Trust}", "a2: {label: Trust, revers: true}")
    text = text.replace("  csat: {column: sat, kind: csat, scale: [1, 5]}", "  csat: 5")
    text = text.replace("kind: nps}", "kind: nps, scale: [1, 10]}")
    problems = problems_of(study_text(text))
    assert len(problems) == 3
    assert any("outcomes.nps: likelihood to recommend (NPS) is read on 0-10" in p
               for p in problems)


def test_missing_required_sections_name_the_example(study_text):
    problems = problems_of(study_text("title: x\ndata: survey.csv\n"))
    assert problems[0].startswith("outcomes: missing; expected at least one outcome")
    assert problems[1].startswith("dimensions: missing; expected at least one dimension")


def test_an_alias_bomb_is_refused_quickly_with_small_memory(study_text):
    lines = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for level in range(1, 10):
        previous = f"*a{level - 1}"
        lines.append(f"a{level}: &a{level} [{', '.join([previous] * 10)}]")
    bomb = "\n".join(lines) + "\n" + GOOD
    tracemalloc.start()
    try:
        problems = problems_of(study_text(bomb))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert problems == [f"expands to more than {MAX_NODES:,} entries through YAML aliases "
                        f"(&name / *name); refused as an alias bomb"]
    assert peak < 20_000_000  # bytes; expanded, the bomb would hold 10^10 entries


def test_a_few_aliases_are_fine():
    value, _ = read_yaml("scale: &s [1, 5]\nother: *s\n")
    assert value == {"scale": [1, 5], "other": [1, 5]}


def test_data_outside_the_study_folder_needs_the_opt_in(tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text("password,hunter2\nroot,swordfish\n", encoding="utf-8")
    folder = tmp_path / "study"
    folder.mkdir()
    path = folder / "study.yaml"
    path.write_text(GOOD.replace("data: survey.csv", "data: ../secret.csv"), encoding="utf-8")
    code = main(["validate", str(path)])
    assert code == 1
    (problem,) = problems_of(path)
    assert "outside the study file's folder" in problem and "allow_outside_folder: true" in problem
    assert "hunter2" not in problem and "password" not in problem
    small_survey().to_csv(tmp_path / "survey.csv", index=False)
    path.write_text(GOOD.replace("data: survey.csv", "data: ../survey.csv")
                    + "allow_outside_folder: true\n", encoding="utf-8")
    assert len(load_study(path).data) == 40


def test_a_study_file_saved_in_gbk_is_read(study_text):
    text = GOOD.replace("label: Brand", "label: Brand\n    label_zh: 品牌体验").replace(
        "title: Small test study", "title: Small test study\ntitle_zh: 小型测试研究\n"
                                   "second_language: zh")
    study = load_study(study_text(text, encoding="gbk"))
    assert study.label("BX", "zh") == "品牌体验"
    assert study.title_for("zh") == "小型测试研究"
    assert study.read_notes["study file encoding"] == "gb18030 (detected)"


def test_an_undecodable_study_file_names_the_file(study_text):
    path = study_text("title: x\n")
    path.write_bytes(b"title: \xff\xfe\xfa\x00\x81")
    with pytest.raises(StudyError, match="the study file is not UTF-8 text") as caught:
        load_study(path)
    assert caught.value.source == str(path)


def test_report_block_and_segment_labels(tmp_path, study_text):
    (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    text = GOOD.replace("segments: [channel]", textwrap.dedent("""\
        segments:
          channel:
            label: Channel
            label_zh: 渠道
            values: {app: {label: Mobile app, label_zh: 手机银行}, web: Website}""")) + \
        textwrap.dedent("""\
        report:
          company: Example Bank
          company_zh: 示例银行
          logo: logo.png
          colours: {primary: "#1f4e79", accent: "#C00000"}
          confidentiality: Internal
          confidentiality_zh: 内部资料
        """)
    study = load_study(study_text(text))
    assert study.label("channel", "zh") == "渠道"
    assert study.value_label("channel", "app", "zh") == "手机银行"
    assert study.value_label("channel", "web", "zh") == "Website"  # English when no Chinese
    brand = study.report
    assert (brand.company, brand.company_zh, brand.confidentiality_zh) == (
        "Example Bank", "示例银行", "内部资料")
    assert brand.logo == (tmp_path / "logo.png").resolve()
    assert dict(brand.colours) == {"primary": "#1F4E79", "accent": "#C00000"}
    assert brand.template is None
    bad = text.replace('primary: "#1f4e79"', "primary: blue").replace("logo.png", "nope.png")
    problems = problems_of(study_text(bad))
    assert any("report.colours.primary: expected a colour as #RRGGBB" in p for p in problems)


def test_report_files_must_exist(study_text):
    text = GOOD + "report:\n  logo: nope.png\n  template: brand.typ\n"
    problems = problems_of(study_text(text))
    assert problems == ["line 21, report.logo: file 'nope.png' not found (paths are relative to "
                        "the study file)",
                        "line 22, report.template: file 'brand.typ' not found (paths are "
                        "relative to the study file)"]


def test_value_labels_must_fit_their_scale(study_text):
    text = GOOD + "value_labels:\n  '1-5': {Very satisfied: 5, Delighted: 6}\n  nosuch: {A: 1}\n"
    problems = problems_of(study_text(text))
    assert problems == [
        "line 21, value_labels.1-5.Delighted: answer 'Delighted' is mapped to 6, outside the "
        "scale 1-5 (whole numbers)",
        "line 22, value_labels.nosuch: 'nosuch' is neither a scale such as '1-5' nor a rated "
        "column"]


def test_reasons_in_any_language_map_to_one_code():
    frame = small_survey()
    frame.loc[[1, 2], "s1"] = 97
    spec = small_spec()
    spec["missing_codes"] = {97: "不适用", 98: "Don't know"}
    study = study_from_frame(frame, spec)
    assert study.missing.loc[1, "s1"] == "not_applicable"


def test_python_spec_errors_have_no_line(write_study):
    spec = small_spec()
    spec["outcomes"]["csat"]["scal"] = [1, 5]
    with pytest.raises(StudyError, match=r"^outcomes.csat.scal: unknown key 'scal'; did you "
                                         r"mean 'scale'\?"):
        study_from_frame(small_survey(), spec)
    assert yaml.safe_load(write_study().read_text("utf-8"))["id"] == "rid"


@pytest.mark.parametrize("old, new, expected", [
    ("wave: wave", "wave: {label: Wave}", "line 6, wave: expected the wave column"),
    ("segments: [channel]", "segments: {channel: {column: chan}}",
     "line 5, segments: segment 'channel': the column is the key"),
    ("segments: [channel]", "segments: [channel, channel]",
     "line 5, segments: segment column(s) channel listed twice"),
])
def test_segment_and_wave_entries_cannot_be_silently_ignored(study_text, old, new, expected):
    (problem,) = problems_of(study_text(GOOD.replace(old, new)))
    assert problem.startswith(expected), problem
