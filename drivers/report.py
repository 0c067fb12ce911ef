"""The stakeholder report: one PDF (and one Excel workbook) from a study, numbers computed once.

:func:`build_report` runs the whole analysis of a study once and writes it out twice: a PDF
for business readers (title page, contents, a one-page executive summary, the drivers of
CSAT and of NPS, CSAT against NPS, segment views and an appendix with method, data quality,
model diagnostics and the full tables) and an Excel workbook with a sheet per table behind
the PDF, for analysts. Every number in the PDF comes from a table in the workbook.

The analysis is the package's own: :func:`drivers.metrics.outcome_table` for CSAT and NPS
with intervals, :func:`drivers.analysis.compare` for the drivers of both outcomes side by side
(paired bootstrap), :func:`drivers.priority.priority_matrix` and
:func:`drivers.priority.action_table` for where to act, :func:`drivers.relationship.relationship`
for how CSAT and NPS part, and :mod:`drivers.plots` for every chart. This module only chooses
the base, orders the pages and words them (English or Chinese).

The base of the driver analysis is stated in the report: the respondents to whom every
attribute block applied (nobody with a "not applicable" code on any attribute: in the bank
loan case, those who talked to a human agent and so answered the SX block), with "don't
know" and blank answers handled pairwise. Outcome scores (CSAT, NPS) use every respondent.

Reproducible: the same data, study, seed, bootstrap size and ``date`` give the same numbers
and a byte-identical PDF (the date is a parameter, never the clock). Written atomically: a
failure leaves no partial PDF or workbook behind.

Examples
--------
>>> import tempfile, pathlib
>>> import drivers
>>> from drivers.report import build_report
>>> study = drivers.load_study(drivers.bank_loan_study_file())
>>> out = pathlib.Path(tempfile.mkdtemp())
>>> result = build_report(study, out / "report.pdf", bootstrap=5, seed=1, date="2026-11-23",
...                       workbook=out / "tables.xlsx")  # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from drivers.actions import first_actions
from drivers.metrics import natural_levels
from drivers.study import Study, default_top_box

__all__ = ["ReportResult", "build_report", "compute_report", "first_actions", "report_base"]

#: Drivers labelled in a priority matrix (act-first first); the action lists name them all.
MATRIX_LABELS = 10
#: Attribute answers with this reason mark a respondent to whom a block did not apply.

# ---------------------------------------------------------------------- words
_TEXT = {
    "en": {
        "subtitle": "Key drivers of CSAT and NPS, and where to act",
        "study": "Study: {title}",
        "base_line": "Driver base: {n:,} of {total:,} respondents ({why})",
        "base_all": "every respondent",
        "base_applicable": "every question block applied",
        "waves_line": "Fieldwork: {waves}",
        "no_waves": "one fieldwork period (no waves)",
        "respondents_line": "Respondents: {n:,}{weighted}",
        "weighted": ", weighted to the customer base",
        "bootstrap_line": "Intervals: 95%, {b:,} bootstrap resamples, seed {seed}",
        "summary": "Executive summary",
        "csat_box": "CSAT (top-{top} box)",
        "nps_box": "NPS",
        "base_box": "Driver base",
        "ci_note": "95% CI {lo} to {hi}",
        "trend_note": "{first} to {last}: {delta}",
        "base_note": "of {total:,} respondents",
        "headline": ("Among {n:,} respondents{weighted}, {csat_pct} are satisfied "
                     "(CSAT, top-{top} box; 95% CI {csat_lo} to {csat_hi}) and the NPS is "
                     "{nps} (95% CI {nps_lo} to {nps_hi})."),
        "headline_weighted": " (weighted)",
        "trend": ("From {first} to {last} CSAT moved {csat_delta} points{csat_test} and NPS "
                  "{nps_delta} points{nps_test} (Figure {fig})."),
        "trend_test": " (p = {p}{ns})",
        "not_significant": ", not significant",
        "dims_differ": ("{csat_dim} drives satisfaction most ({csat_share} of the explained "
                        "variance), while {nps_dim} drives recommendation most ({nps_share}). "
                        "CSAT and NPS need different levers."),
        "dims_same": ("{csat_dim} drives both satisfaction ({csat_share} of the explained "
                      "variance) and recommendation ({nps_share})."),
        "top_drivers": "Top drivers",
        "actions_title": "The three actions to take first",
        "actions_note": ("One rule picks them: attributes in \"Fix first\" for CSAT or NPS whose "
                         "quadrant holds in at least {p}% of the bootstrap resamples and whose "
                         "expected gain, if every customer below the top box rated them one "
                         "point higher, has a {ci}% interval above zero; ranked by the lower end "
                         "of that gain, in standard deviations of the outcome. {k} attributes "
                         "qualify. Gains are what the survey's associations predict, not "
                         "measured effects."),
        "trend_caption": "CSAT (top-box %) and NPS by wave, with 95% intervals.",
        "nps_mix_caption": "Promoters, passives and detractors: the NPS of all respondents.",
        "rank": "#",
        "driver_of": "{o} driver",
        "share": "Share",
        "action": "Improve",
        "dimension": "Dimension",
        "drives": "Drives",
        "performance": "Mean ({lo}-{hi})",
        "quadrant": "Quadrant",
        "certainty": "Confidence",
        "drivers_of": "Drivers of {o}",
        "drivers_intro": ("How much of the explained variance of {label} each driver accounts "
                          "for (Shapley value / LMG share of R², R² = {r2:.2f}, n = {n:,}); "
                          "whiskers are 95% bootstrap intervals."),
        "dim_level": "Experience dimensions",
        "attr_level": "Attributes",
        "dim_caption": "{o}: share of explained variance by experience dimension.",
        "attr_caption": "{o}: share of explained variance by attribute.",
        "matrix": "Priority matrix",
        "matrix_caption": ("{o} priority matrix: importance (share) against performance (mean "
                           "rating); cross-hairs at the means; "
                           "the {k} highest priorities labelled."),
        "action_list": "Action list",
        "compare": "CSAT vs NPS",
        "compare_intro": ("Both outcomes on the same {n:,} respondents; each driver's share for "
                          "CSAT minus its share for NPS with a paired bootstrap interval. A "
                          "driver is CSAT-led or NPS-led when that interval excludes zero."),
        "compare_dims_caption": "Dimensions: share of explained variance, CSAT and NPS.",
        "scatter_caption": "Each attribute's share for CSAT (x) against NPS (y).",
        "leads": "Drivers that differ",
        "no_leads": "No driver differs clearly between CSAT and NPS.",
        "lead_line": "{lead}: {names}.",
        "relation": "How CSAT and NPS relate",
        "relation_intro": ("CSAT and likelihood to recommend correlate r = {r:.2f} (95% CI "
                           "{lo:.2f} to {hi:.2f}, n = {n:,} answering both)."),
        "crosstab_caption": "CSAT top box by NPS group, % of all respondents (and counts).",
        "divergent": "Divergent groups",
        "divergent_intro": "Customers whose satisfaction and recommendation part ways.",
        "profile_caption": ("What sets \"satisfied, not promoting\" customers apart: standardized "
                            "mean differences against the rest."),
        "advice": "Questionnaire advice",
        "segments": "Segment views",
        "segment_of": "By {s}",
        "segment_table": "CSAT and NPS by {s}",
        "segment_mix_caption": "NPS composition by {s}.",
        "segment_matrix_caption": ("{o} priority matrices by {s} (point estimates, each segment "
                                   "with its own cross-hairs; the top 4 priorities labelled)."),
        "no_segments": "The study has no segment columns, so there are no segment views.",
        "waves": "By wave",
        "wave_table": "CSAT and NPS by wave",
        "wave_move_caption": ("How the dimensions moved from {first} to {last} (importance "
                              "against performance): {o}."),
        "appendix_method": "Appendix A. Method",
        "appendix_quality": "Appendix B. Data quality",
        "appendix_diag": "Appendix C. Model diagnostics",
        "appendix_tables": "Appendix D. Full tables",
        "method": [
            "Scores. CSAT is the percentage of respondents in the top {top} box of the {lo}-{hi} "
            "scale; NPS is the percentage of promoters (9-10) minus detractors (0-6). Both are "
            "computed on every respondent who answered{weights}, with 95% normal intervals on "
            "Kish's effective sample size.",
            "Driver base. {base_text}",
            "Missing answers. \"Don't know\" and blank attribute answers are handled pairwise: "
            "each correlation uses every respondent who answered both questions, so a scattered "
            "\"don't know\" does not drop the respondent (listwise deletion would keep only "
            "{listwise:,} of the {n:,}). The correlation matrix is repaired to the nearest "
            "positive definite matrix when needed.",
            "Importance. Each outcome is regressed on all attributes; the explained variance R² "
            "is divided among the drivers by exact Shapley values (LMG, as in R's relaimpo), "
            "and a dimension's importance is the Shapley value of its attributes as a group. "
            "Shares add up to 100% per outcome.",
            "Intervals. {b:,} bootstrap resamples of respondents (seed {seed}), drawn once for "
            "CSAT and NPS together, give 95% percentile intervals of every share and of the "
            "CSAT-minus-NPS difference.",
            "Priorities. A priority matrix crosses each attribute's share with its mean rating "
            "on the base; cross-hairs at the means. \"Fix first\" (important, below-par) comes "
            "first, then by importance times headroom. Confidence is the share of bootstrap "
            "resamples, recomputing importance, mean rating and cross-hairs together, that put "
            "the driver in the same quadrant: high from 90%, moderate from 70%, low below. "
            "Segment matrices are point estimates.",
            "CSAT and NPS. The correlation, cross-tab and divergent groups use every respondent "
            "who answered both outcomes{weights}.",
        ],
        "base_applicable_text": ("{n:,} of {total:,} respondents: those with no \"not "
                                 "applicable\" answer on any attribute ({na:,} left out: "
                                 "{blocks}). Drivers are estimated where every driver applies; "
                                 "a customer who never met a block cannot be driven by it. "
                                 "{used:,} of them answered every outcome and enter the "
                                 "driver models."),
        "base_all_text": ("All {n:,} respondents (no attribute has \"not applicable\" answers); "
                          "{used:,} answered every outcome and enter the driver models."),
        "blocks_na": "{dims} did not apply",
        "quality_intro": ("Answers and missing answers per rated question, over all {n:,} "
                          "respondents."),
        "column": "Question",
        "answered": "Answered",
        "reason": {"dont_know": "Don't know", "not_applicable": "Not applicable",
                   "no_answer": "Blank", "refused": "Refused"},
        "diag_intro": ("The linear models behind the shares, on the driver base (pairwise). "
                       "Cross-validated R² is from a 5-fold fit on the respondents who "
                       "answered every attribute."),
        "fit": "Fit of the models",
        "fact": "Measure",
        "vif_title": "Collinearity and coefficients",
        "vif": "VIF",
        "beta": "β {o}",
        "r": "r {o}",
        "warnings": "Warnings",
        "no_warnings": "No warnings: sample size, collinearity and signs are within bounds.",
        "cv_r2": "cross-validated R² (complete cases)",
        "full_compare": "Attribute shares, CSAT against NPS",
        "full_perf": "Attribute performance on the driver base",
        "full_matrix": "{o} priority matrix",
        "full_dims": "Dimension shares, CSAT against NPS",
        "outcomes_all": "Outcomes, all respondents",
        "score": "Score",
        "ci": "95% CI",
        "n": "n",
        "mean": "Mean",
        "top_box": "Top box %",
        "diff": "CSAT − NPS",
        "lead": "Lead",
        "label": "Driver",
        "group": "Group",
        "definition": "Definition",
        "share_all": "% of all",
        "share_base": "% of base",
        "segment": "Segment",
        "outcome": "Outcome",
        "wave": "Wave",
        "movement": "Movement",
        "csat_short": "CSAT",
        "nps_short": "NPS",
        "shared": "shared",
        "csat_led": "CSAT-led",
        "nps_led": "NPS-led",
        "high": "high",
        "moderate": "moderate",
        "low": "low",
        "no interval": "no interval",
        "steps": ["loading the base and the scores", "drivers by dimension",
                  "drivers by attribute", "priorities and actions", "CSAT and NPS relationship",
                  "model diagnostics", "segments and waves", "writing the PDF and workbook"],
    },
    "zh": {
        "subtitle": "满意度（CSAT）与推荐意愿（NPS）的驱动因素及改进重点",
        "study": "研究：{title}",
        "base_line": "驱动分析样本：{n:,} / {total:,} 名受访者（{why}）",
        "base_all": "全部受访者",
        "base_applicable": "所有题组均适用的受访者",
        "waves_line": "调查期：{waves}",
        "no_waves": "单期调查（无分期）",
        "respondents_line": "受访者：{n:,} 名{weighted}",
        "weighted": "，已按客户结构加权",
        "bootstrap_line": "置信区间：95%，{b:,} 次自助重抽样，随机种子 {seed}",
        "summary": "执行摘要",
        "csat_box": "CSAT（前{top}项高分）",
        "nps_box": "NPS",
        "base_box": "驱动分析样本",
        "ci_note": "95% 置信区间 {lo} 至 {hi}",
        "trend_note": "{first} 至 {last}：{delta}",
        "base_note": "共 {total:,} 名受访者",
        "headline": ("在 {n:,} 名受访者中{weighted}，{csat_pct} 表示满意（CSAT 前{top}项高分；"
                     "95% 置信区间 {csat_lo} 至 {csat_hi}），NPS 为 {nps}（95% 置信区间 {nps_lo} "
                     "至 {nps_hi}）。"),
        "headline_weighted": "（加权）",
        "trend": ("从 {first} 到 {last}，CSAT 变化 {csat_delta} 个百分点{csat_test}，NPS 变化 "
                  "{nps_delta} 分{nps_test}（图 {fig}）。"),
        "trend_test": "（p = {p}{ns}）",
        "not_significant": "，不显著",
        "dims_differ": ("{csat_dim}对满意度影响最大（占解释方差的 {csat_share}），而{nps_dim}对推荐"
                        "意愿影响最大（{nps_share}）。提升 CSAT 与 NPS 需要不同的抓手。"),
        "dims_same": "{csat_dim}同时是满意度（占解释方差的 {csat_share}）和推荐意愿（{nps_share}）的首要驱动因素。",
        "top_drivers": "首要驱动因素",
        "actions_title": "最优先的三项行动",
        "actions_note": ("按同一规则选出：处于 CSAT 或 NPS“优先改进”象限、该象限在至少 {p}% 的自助"
                         "重抽样中成立、且预期增益（若所有低于高分档的客户对该指标的评分提高一分）的 "
                         "{ci}% 区间高于零的指标；按增益区间下限（以结果指标的标准差计）排序。共有 {k} "
                         "项指标符合。增益是调查中相关关系的预测，而非实测的因果效应。"),
        "trend_caption": "各期 CSAT（高分比例 %）与 NPS 及 95% 置信区间。",
        "nps_mix_caption": "推荐者、中立者与贬损者：全部受访者的 NPS。",
        "rank": "#",
        "driver_of": "{o} 驱动因素",
        "share": "占比",
        "action": "改进项",
        "dimension": "维度",
        "drives": "影响",
        "performance": "平均分（{lo}-{hi}）",
        "quadrant": "象限",
        "certainty": "置信度",
        "drivers_of": "{o} 的驱动因素",
        "drivers_intro": ("各驱动因素在{label}解释方差中所占比例（Shapley 值 / LMG，R² = {r2:.2f}，"
                          "n = {n:,}）；误差线为 95% 自助置信区间。"),
        "dim_level": "体验维度",
        "attr_level": "具体指标",
        "dim_caption": "{o}：各体验维度的解释方差占比。",
        "attr_caption": "{o}：各指标的解释方差占比。",
        "matrix": "优先级矩阵",
        "matrix_caption": "{o} 优先级矩阵：重要性（占比）与表现（平均分）；分界线为均值；标注优先级最高的 {k} 项。",
        "action_list": "行动清单",
        "compare": "CSAT 与 NPS 对比",
        "compare_intro": ("两个结果指标使用同一批 {n:,} 名受访者；每个驱动因素的 CSAT 占比减去 NPS 占比，"
                          "并给出配对自助置信区间。区间不含零时，该因素为 CSAT 主导或 NPS 主导。"),
        "compare_dims_caption": "各维度的解释方差占比：CSAT 与 NPS。",
        "scatter_caption": "各指标对 CSAT（横轴）与 NPS（纵轴）的解释方差占比。",
        "leads": "差异明显的驱动因素",
        "no_leads": "没有驱动因素在 CSAT 与 NPS 之间存在明显差异。",
        "lead_line": "{lead}：{names}。",
        "relation": "CSAT 与 NPS 的关系",
        "relation_intro": ("CSAT 与推荐意愿的相关系数 r = {r:.2f}（95% 置信区间 {lo:.2f} 至 {hi:.2f}，"
                           "n = {n:,} 名同时回答两题的受访者）。"),
        "crosstab_caption": "CSAT 高分与 NPS 分组交叉表，占全部受访者 %（及人数）。",
        "divergent": "背离群体",
        "divergent_intro": "满意度与推荐意愿不一致的客户。",
        "profile_caption": "“满意但不推荐”客户的特征：与其他客户的标准化均值差。",
        "advice": "问卷建议",
        "segments": "细分视角",
        "segment_of": "按 {s}",
        "segment_table": "按 {s} 的 CSAT 与 NPS",
        "segment_mix_caption": "按 {s} 的 NPS 构成。",
        "segment_matrix_caption": "按 {s} 的 {o} 优先级矩阵（点估计，各细分有各自的分界线；标注前 4 个优先项）。",
        "no_segments": "本研究没有细分变量，因此没有细分视角。",
        "waves": "按调查期",
        "wave_table": "各期 CSAT 与 NPS",
        "wave_move_caption": "各维度从 {first} 到 {last} 的变化（重要性与表现）：{o}。",
        "appendix_method": "附录 A. 方法",
        "appendix_quality": "附录 B. 数据质量",
        "appendix_diag": "附录 C. 模型诊断",
        "appendix_tables": "附录 D. 完整表格",
        "method": [
            "得分。CSAT 为在 {lo}-{hi} 量表中选择前 {top} 项高分的受访者比例；NPS 为推荐者（9-10 分）"
            "比例减去贬损者（0-6 分）比例。两者均基于所有作答的受访者计算{weights}，95% 置信区间基于 "
            "Kish 有效样本量的正态近似。",
            "驱动分析样本。{base_text}",
            "缺失处理。“不知道”和未作答的指标按成对删除处理：每个相关系数使用同时回答两题的全部受访者，"
            "零散的“不知道”不会使受访者被剔除（若按列表删除，{n:,} 人中只剩 {listwise:,} 人）。必要时将"
            "相关矩阵修正为最近的正定矩阵。",
            "重要性。每个结果指标对全部指标做回归；解释方差 R² 按精确 Shapley 值（LMG，同 R 的 relaimpo）"
            "分配给各驱动因素，维度的重要性为其指标作为一组的 Shapley 值。每个结果指标的占比合计为 100%。",
            "置信区间。对受访者进行 {b:,} 次自助重抽样（随机种子 {seed}），CSAT 与 NPS 使用同一组重抽样，"
            "得到每个占比及 CSAT 减 NPS 差值的 95% 百分位区间。",
            "优先级。优先级矩阵将各指标的占比与其在分析样本上的平均分交叉，分界线为均值。“优先改进”"
            "（重要且表现低于平均）排在最前，其次按重要性乘以提升空间排序。置信度是同时重算重要性、平均分与"
            "分界线的自助重抽样中，该因素留在同一象限的比例：90% 及以上为高，70% 及以上为中，其余为低。"
            "细分矩阵为点估计。",
            "CSAT 与 NPS。相关、交叉表与背离群体基于同时回答两个结果指标的全部受访者{weights}。",
        ],
        "base_applicable_text": ("{total:,} 名受访者中的 {n:,} 名：在任何指标上都没有“不适用”回答的受访者"
                                 "（剔除 {na:,} 名：{blocks}）。驱动因素只在所有因素都适用的受访者中估计："
                                 "从未接触某一题组的客户不会受其驱动。其中 {used:,} 名回答了全部结果指标，"
                                 "进入驱动模型。"),
        "base_all_text": "全部 {n:,} 名受访者（没有指标含“不适用”回答）；其中 {used:,} 名回答了全部结果指标，进入驱动模型。",
        "blocks_na": "{dims}不适用",
        "quality_intro": "全部 {n:,} 名受访者在每道评分题上的作答与缺失情况。",
        "column": "题目",
        "answered": "已作答",
        "reason": {"dont_know": "不知道", "not_applicable": "不适用", "no_answer": "未作答",
                   "refused": "拒答"},
        "diag_intro": "占比背后的线性模型，基于驱动分析样本（成对删除）。交叉验证 R² 来自对所有指标均作答的受访者的 5 折拟合。",
        "fit": "模型拟合",
        "fact": "指标",
        "vif_title": "共线性与系数",
        "vif": "VIF",
        "beta": "β {o}",
        "r": "r {o}",
        "warnings": "警示",
        "no_warnings": "无警示：样本量、共线性与系数符号均在合理范围内。",
        "cv_r2": "交叉验证 R²（完整样本）",
        "full_compare": "各指标占比：CSAT 与 NPS",
        "full_perf": "驱动分析样本上的指标表现",
        "full_matrix": "{o} 优先级矩阵",
        "full_dims": "各维度占比：CSAT 与 NPS",
        "outcomes_all": "结果指标（全部受访者）",
        "score": "得分",
        "ci": "95% 置信区间",
        "n": "n",
        "mean": "平均分",
        "top_box": "高分比例 %",
        "diff": "CSAT − NPS",
        "lead": "主导",
        "label": "驱动因素",
        "group": "群体",
        "definition": "定义",
        "share_all": "占全部 %",
        "share_base": "占基数 %",
        "segment": "细分",
        "outcome": "结果指标",
        "wave": "调查期",
        "movement": "变化",
        "csat_short": "CSAT",
        "nps_short": "NPS",
        "shared": "共同",
        "csat_led": "CSAT 主导",
        "nps_led": "NPS 主导",
        "high": "高",
        "moderate": "中",
        "low": "低",
        "no interval": "无区间",
        "steps": ["载入样本与得分", "维度驱动因素", "指标驱动因素", "优先级与行动", "CSAT 与 NPS 关系",
                  "模型诊断", "细分与调查期", "写出 PDF 与工作簿"],
    },
}

_DIVERGENT_ZH = {
    "satisfied_not_promoting": ("满意但不推荐", "CSAT 高分且 NPS 贬损者（0-6）"),
    "satisfied_not_promoting_incl_passives": ("满意但不推荐（含中立者）", "CSAT 高分且 NPS 0-8"),
    "promoting_not_satisfied": ("推荐但不满意", "NPS 推荐者（9-10）且非 CSAT 高分"),
}


# ---------------------------------------------------------------------- results
@dataclass
class ReportResult:
    """What :func:`build_report` wrote and the numbers behind it.

    Attributes
    ----------
    pdf : Path
        The PDF.
    workbook : Path or None
        The Excel workbook (a sheet per table), when asked for.
    pages : int
        Pages of the PDF.
    summary_pages : (int, int)
        First and last page of the executive summary (equal: it fits one page).
    tables : dict of str -> DataFrame
        Every table behind the report, by sheet name (the workbook's sheets).
    facts : dict
        Headline facts: outcomes, base sizes, scores, top drivers, the first actions.
    warnings : list of str
        Analysis warnings a reader should see (also printed in the appendix).
    """

    pdf: Path
    workbook: Path | None
    pages: int
    summary_pages: tuple[int, int]
    tables: dict[str, pd.DataFrame]
    facts: dict
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Analysis:
    """Everything the report shows, computed once."""

    study: Study
    base: Study
    csat: str
    nps: str
    bootstrap: int
    seed: int | None
    tables: dict[str, pd.DataFrame]
    facts: dict
    relation: object
    advice: object
    warnings: list[str]


# ---------------------------------------------------------------------- the base
def report_base(study: Study) -> tuple[Study, dict]:
    """The driver base of the report: the package's one base, :func:`drivers.analysis.driver_base`.

    >>> import drivers
    >>> base, facts = report_base(drivers.load_study(drivers.bank_loan_study_file()))
    >>> facts["n"], facts["total"], facts["not_applicable"], facts["dimensions"]
    (1339, 2000, 650, ['SX'])
    """
    from drivers.analysis import driver_base

    return driver_base(study)


def _outcome_pair(study: Study) -> tuple[str, str]:
    """The study's CSAT outcome and its likelihood-to-recommend (NPS) outcome, by kind."""
    csat = next((n for n, o in study.outcomes.items() if o.kind == "csat"), None)
    nps = next((n for n, o in study.outcomes.items() if o.kind == "nps"), None)
    if csat is None or nps is None:
        kinds = ", ".join(f"{n} ({o.kind})" for n, o in study.outcomes.items())
        raise ValueError("a report needs a CSAT outcome (kind: csat) and a likelihood-to-"
                         f"recommend outcome (kind: nps); the study has {kinds}")
    return csat, nps


# ---------------------------------------------------------------------- computing
class _Steps:
    """Progress lines on standard error: ``drivers report [3/8] drivers by attribute``."""

    def __init__(self, names: list[str], show: bool):
        self.names, self.show, self.i, self.start = names, show, 0, time.perf_counter()

    def __call__(self) -> None:
        self.i += 1
        if self.show:
            took = time.perf_counter() - self.start
            print(f"drivers report [{self.i}/{len(self.names)}] {self.names[self.i - 1]} "
                  f"({took:.0f} s)", file=sys.stderr, flush=True)


def _per_outcome(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """One outcome's importance table out of a :func:`drivers.analysis.compare` table."""
    columns = {"driver": "driver", "label": "label", "dimension": "dimension",
               f"importance_{name}": "importance", f"share_{name}": "share",
               f"rank_{name}": "rank", f"share_{name}_ci_low": "share_ci_low",
               f"share_{name}_ci_high": "share_ci_high"}
    out = table[[c for c in columns if c in table.columns]].rename(columns=columns)
    out.attrs = {"outcome": name, "method": table.attrs.get("method"),
                 "ci": table.attrs.get("ci")}
    resamples = table.attrs.get("resamples")
    if resamples is not None:
        out.attrs["resamples"] = resamples.select([f"{name}:{d}" for d in out["driver"]],
                                                  as_names=list(out["driver"]))
    return out


def compute_report(study: Study, bootstrap: int = 1000, seed: int | None = 1,
                   lang: str = "en", progress: bool = False, n_jobs: int = 2,
                   step: Callable[[], None] | None = None) -> _Analysis:
    """Run every analysis of the report once (see :func:`build_report`).

    Returns the tables (``.tables``, the workbook's sheets) and the headline facts
    (``.facts``) without writing anything.
    """
    from drivers.actions import expected_gains
    from drivers.analysis import DriverAnalysis, compare
    from drivers.changes import segment_differences, wave_changes
    from drivers.diagnostics import regression_diagnostics
    from drivers.metrics import attribute_performance, dimension_performance, outcome_table
    from drivers.priority import (
        action_table,
        performance_resamples,
        performance_values,
        priority_matrix,
        study_priority,
        wave_movement,
    )
    from drivers.relationship import relationship

    words = _TEXT[lang]
    step = step or _Steps(words["steps"], progress)
    bars = bool(progress) and sys.stderr.isatty()
    csat, nps = _outcome_pair(study)
    pair = (csat, nps)
    step()
    base, base_facts = report_base(study)
    tables: dict[str, pd.DataFrame] = {}
    tables["outcomes"] = outcome_table(study)
    if study.wave_column:
        tables["outcomes_by_wave"] = outcome_table(study, by=study.wave_column)
    segments = [s for s in study.segment_columns if s != study.wave_column]
    for segment in segments:
        tables[f"outcomes_by_{segment}"] = outcome_table(study, by=segment)
    tables["attribute_performance"] = attribute_performance(base, lang=lang)
    tables["dimension_performance"] = dimension_performance(base, lang=lang)

    options = {"outcomes": pair, "bootstrap": int(bootstrap), "seed": seed,
               "missing": "pairwise", "n_jobs": n_jobs, "progress": bars}
    step()
    tables["drivers_dimension"] = compare(base, level="dimension", **options)
    step()
    tables["drivers_attribute"] = compare(base, level="attribute", **options)

    step()
    scales = {a.scale for a in base.attributes.values()}
    scale = scales.pop() if len(scales) == 1 else None
    kind = "mean" if scale is not None else "top_box"
    attrs = base.attribute_columns
    performance = performance_values(base.data[attrs], base.weights, kind, scale or (1, 5))
    dimension_of = {a: base.dimension_of(a) for a in attrs}
    actions = {}
    for name in pair:
        importance = _per_outcome(tables["drivers_attribute"], name)
        samples = None
        if "resamples" in importance.attrs:
            samples = performance_resamples(base.data[attrs], base.weights,
                                            importance.attrs["resamples"], kind, scale or (1, 5))
        matrix = priority_matrix(importance, performance, dimension=dimension_of,
                                 scale=scale if kind == "mean" else (0.0, 100.0),
                                 performance_samples=samples)
        matrix.attrs.update({"outcome": name, "level": "attribute", "performance_kind": kind})
        tables[f"priority_{name}"] = matrix
        actions[name] = action_table(matrix, base, lang)
        tables[f"actions_{name}"] = actions[name]
    # The first actions by the stated rule of drivers.actions (quadrant probability and
    # expected gain); the gains, wave moves and segment gaps are tested numbers for the text.
    gains = {name: expected_gains(base, name, bootstrap=int(bootstrap), seed=seed,
                                  n_jobs=n_jobs, progress=bars) for name in pair}
    for name in pair:
        tables[f"gains_{name}"] = gains[name]
    tables["first_actions"] = first_actions(actions, gains)
    if study.wave_column and study.data[study.wave_column].nunique() >= 2:
        tables["wave_changes"] = wave_changes(study, between="first_last")
    if segments:
        tables["segment_differences"] = segment_differences(study, by=segments)

    step()
    relation = relationship(study, csat=csat, nps=nps)
    # Named by their labels, so the advice reads in words rather than column names.
    named = {key: _per_outcome(tables["drivers_attribute"], name).assign(
        driver=lambda t: [_label(base, d, lang) for d in t["driver"]])
        for key, name in (("csat", csat), ("nps", nps))}
    advice = relation.advice(importance=named)
    tables["relation_correlation"] = relation.correlation
    tables["relation_crosstab"] = relation.crosstab
    tables["divergent_groups"] = relation.divergent
    tables["divergent_profiles"] = relation.profiles
    tables["divergent_segment_mix"] = relation.segment_mix
    if relation.by_wave is not None:
        tables["relation_by_wave"] = relation.by_wave

    step()
    fits, vifs, warnings = [], [], []
    for name in pair:
        model = DriverAnalysis(name, missing="pairwise", n_jobs=1).fit(base)
        complete = regression_diagnostics(base.data, base.outcome(name).column, attrs,
                                          weights=base.weight_column)
        header = {k: v for k, v in model.header()
                  if k not in ("outcome", "method", "base", "missing") and v != "n/a"}
        header[words["cv_r2"]] = (f"{complete.attrs['cv_r2']:.3f} (n = "
                                  f"{complete.attrs['n']:,})")
        header["max VIF"] = f"{model.diagnostics_['vif'].max():.2f}"
        fits.append(pd.Series(header, name=name))
        vif = model.diagnostics_.set_index("driver")[["vif", "beta", "r", "sign_reversal"]]
        vifs.append(vif.add_suffix(f"_{name}"))
        warnings += [f"{name.upper()}: {w}" for w in model.warnings_]
        warnings += [f"{name.upper()} (complete cases): {w}"
                     for w in complete.attrs.get("warnings", [])]
    fit = pd.concat(fits, axis=1).reset_index().rename(columns={"index": "measure"})
    tables["model_fit"] = fit
    vif_table = pd.concat(vifs, axis=1).reset_index()
    vif_table.insert(1, "label", [_label(base, d, lang) for d in vif_table["driver"]])
    vif_table.insert(2, "dimension", [base.dimension_of(d) for d in vif_table["driver"]])
    tables["model_vif"] = vif_table
    listwise = int(base.data[attrs].notna().all(axis=1).sum())
    warnings += [w for w in tables["drivers_attribute"].attrs.get("warnings", [])]
    tables["data_quality"] = _data_quality(study, lang)

    step()
    if segments:
        by = segments[0]
        for name in pair:
            try:
                with _quiet():
                    tables[f"segment_priority_{name}"] = study_priority(
                        base, name, level="attribute", by=by, performance=kind,
                        missing="pairwise", seed=seed)
            except ValueError as error:  # no segment large enough: no segment matrices
                warnings.append(f"{name.upper()} priority matrices by {by}: {error}")
    if study.wave_column and base.data[study.wave_column].nunique() >= 2:
        for name in pair:
            tables[f"wave_movement_{name}"] = wave_movement(
                base, name, level="dimension", performance=kind, missing="pairwise", seed=seed)

    facts = _facts(study, base, base_facts, tables, pair, bootstrap, seed, listwise)
    return _Analysis(study=study, base=base, csat=csat, nps=nps, bootstrap=int(bootstrap),
                     seed=seed, tables=tables, facts=facts, relation=relation, advice=advice,
                     warnings=list(dict.fromkeys(warnings)))


class _quiet:
    """Silence the "segment too small" warnings of study_priority (the table says so)."""

    def __enter__(self):
        import warnings

        self._ctx = warnings.catch_warnings()
        self._ctx.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)


def _label(study: Study, name: str, lang: str) -> str:
    from drivers.style import label_for

    return label_for(study, name, lang)


def _data_quality(study: Study, lang: str) -> pd.DataFrame:
    """Answered and missing (by reason) per rated column, all respondents."""
    columns = [o.column for o in study.outcomes.values()] + study.attribute_columns
    reasons = sorted({r for c in columns if c in study.missing.columns
                      for r in study.missing[c].dropna().unique()})
    names = {o.column: n for n, o in study.outcomes.items()}
    rows = []
    for column in columns:
        row = {"column": column, "label": _label(study, names.get(column, column), lang),
               "answered": int(study.data[column].notna().sum())}
        counts = study.missing[column].value_counts() if column in study.missing else {}
        for reason in reasons:
            row[reason] = int(counts.get(reason, 0))
        rows.append(row)
    return pd.DataFrame(rows)


def _facts(study, base, base_facts, tables, pair, bootstrap, seed, listwise) -> dict:
    csat, nps = pair
    outcomes = tables["outcomes"].set_index("outcome")
    drivers_dim = tables["drivers_dimension"]
    drivers_attr = tables["drivers_attribute"]

    def top(table, name, k):
        order = table.sort_values(f"rank_{name}", kind="mergesort")
        return order["driver"].head(k).tolist()

    facts = {
        "outcomes": pair, "title": study.title, "n": len(study.data),
        "weighted": study.weight_column is not None, "base": base_facts,
        "n_used": int(drivers_attr.attrs["n_used"]), "listwise": listwise,
        "bootstrap": int(bootstrap), "seed": seed,
        "waves": natural_levels(study.data[study.wave_column]) if study.wave_column else [],
        "top_dimension": {o: top(drivers_dim, o, 1)[0] for o in pair},
        "top_attributes": {o: top(drivers_attr, o, 3) for o in pair},
        "first_actions": tables["first_actions"]["attribute"].tolist(),
    }
    for name in pair:
        row = outcomes.loc[name]
        facts[name] = {k: float(row[k]) for k in ("score", "ci_low", "ci_high")}
        facts[name]["n"] = int(row["n"])
    if "outcomes_by_wave" in tables and len(facts["waves"]) >= 2:
        by_wave = tables["outcomes_by_wave"]
        wave = study.wave_column
        for name in pair:
            scores = by_wave[by_wave["outcome"] == name].set_index(wave)["score"]
            facts[name]["trend"] = {str(w): float(scores[w]) for w in facts["waves"]}
    return facts


# ---------------------------------------------------------------------- the PDF
def build_report(study: Study | str | Path, out_pdf: str | Path, title: str | None = None,
                 lang: str = "en", bootstrap: int = 1000, seed: int | None = 1,
                 date: dt.date | str | None = None, workbook: str | Path | None = None,
                 progress: bool = False, n_jobs: int = 2) -> ReportResult:
    """Write the stakeholder PDF (and the Excel workbook behind it) for a study.

    Parameters
    ----------
    study : Study or path
        The survey, or its study file (YAML).
    out_pdf : path
        The PDF to write (atomically: a failure leaves no partial file, and an older file
        stays as it was).
    title : str, optional
        Report title; default the study's title.
    lang : {"en", "zh"}
        Language of the text, the labels (the study's ``label_zh``) and the charts.
    bootstrap : int
        Respondent resamples for every interval (1000 for reporting; 50 is enough to test).
    seed : int, optional
        Seed of the resampling: the same seed gives the same numbers.
    date : date or ISO string, optional
        Report date on the title page, in the header and in the file's metadata; never taken
        from the clock, so a rebuild gives the same bytes.
    workbook : path, optional
        An .xlsx file to write with a sheet per table behind the report.
    progress : bool
        Print one line per step on standard error (and bootstrap progress bars on a
        terminal).
    n_jobs : int
        Processes for the bootstrap (the numbers do not depend on it).

    Returns
    -------
    ReportResult
        The files written, the page count, the tables and the headline facts.

    Examples
    --------
    A tiny study: satisfaction (1-7) driven by dimension A, recommendation by B.

    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from drivers.io import study_from_frame
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 4))
    >>> frame = pd.DataFrame({f"q{j}": np.clip(np.round(3 + x[:, j]), 1, 5) for j in range(4)})
    >>> frame["sat"] = np.clip(np.round(4 + x[:, 0] + x[:, 1] + rng.normal(size=300)), 1, 7)
    >>> frame["rec"] = np.clip(np.round(7 + x[:, 2] + x[:, 3] + rng.normal(size=300)), 0, 10)
    >>> spec = {"title": "Tiny study",
    ...         "outcomes": {"csat": {"column": "sat", "kind": "csat", "scale": [1, 7]},
    ...                      "nps": {"column": "rec", "kind": "nps"}},
    ...         "dimensions": {"A": {"attributes": ["q0", "q1"]},
    ...                        "B": {"attributes": ["q2", "q3"]}}}
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> result = build_report(study_from_frame(frame, spec), out / "report.pdf", bootstrap=20,
    ...                       seed=1, date="2026-11-23", workbook=out / "tables.xlsx")
    >>> result.pdf.read_bytes()[:5], result.summary_pages[0] == result.summary_pages[1]
    (b'%PDF-', True)
    >>> result.facts["top_dimension"]
    {'csat': 'A', 'nps': 'B'}
    >>> "drivers_attribute" in result.tables and result.workbook.exists()
    True
    """
    from drivers.io import load_study
    from drivers.output import check_output, study_inputs, write_table, write_together

    if lang not in _TEXT:
        raise ValueError(f"lang must be one of {', '.join(_TEXT)}, not {lang!r}")
    if int(bootstrap) != bootstrap or bootstrap < 1:
        raise ValueError(f"bootstrap must be a whole number of resamples >= 1, got {bootstrap!r}")
    if not isinstance(study, Study):
        study = load_study(study)
    # Every output checked before any work: never an input, a folder or a wrong ending.
    inputs = study_inputs(study)
    out_pdf = check_output(out_pdf, inputs, (".pdf",))
    outputs = [out_pdf]
    if workbook is not None:
        outputs.append(check_output(workbook, inputs, (".xlsx",), outputs=outputs))
    step = _Steps(_TEXT[lang]["steps"], progress)
    analysis = compute_report(study, bootstrap=bootstrap, seed=seed, lang=lang,
                              progress=progress, n_jobs=n_jobs, step=step)
    step()
    sheets = _sheets(analysis)
    # Both files or neither: each is written to a temporary file, renamed only if all succeed.
    with write_together(*outputs) as temps:
        # The contents get one page unless they need more; saving fails before writing
        # anything when they do, and the pages are laid out again with room for them.
        for toc_pages in (1, 2, 3):
            doc, summary_pages = _render(analysis, title or study.title, lang, date, toc_pages)
            try:
                doc.save(temps[0])
            except RuntimeError as error:
                if "table of contents needs more" in str(error) and toc_pages < 3:
                    continue
                raise
            break
        if workbook is not None:
            write_table(sheets, temps[1])
    return ReportResult(pdf=out_pdf, workbook=None if workbook is None else Path(workbook),
                        pages=doc.page_count, summary_pages=summary_pages, tables=sheets,
                        facts=analysis.facts, warnings=analysis.warnings)


def _sheets(analysis: _Analysis) -> dict[str, pd.DataFrame]:
    """The workbook: every table, plain values (attrs dropped), under Excel-safe names."""
    sheets = {}
    for name, table in analysis.tables.items():
        frame = table.copy()
        frame.attrs = {}
        for column in frame.columns:
            if frame[column].dtype == object:
                frame[column] = frame[column].map(
                    lambda v: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v)
        sheets[name[:31]] = frame
    return sheets


def _tidy_figure(fig) -> None:
    """Move legends anchored under the axes just below the axis title and tick labels.

    Anchored at a fixed fraction of the axes height, they run into the x-axis title on the
    short axes a report page gives a chart.
    """

    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is None:
            continue
        anchor = legend.get_bbox_to_anchor()
        box = ax.transAxes.inverted().transform(anchor.get_points())
        if box[1][1] >= 0:  # not under the axes
            continue
        axis = ax.xaxis.get_tightbbox(renderer)
        if axis is None:
            continue
        bottom = ax.transAxes.inverted().transform((0, axis.y0))[1]
        gap = 4 / ax.get_window_extent(renderer).height  # 4 px
        if box[1][1] > bottom - gap:
            legend.set_bbox_to_anchor((0.5, bottom - gap), transform=ax.transAxes)


# -- formatting helpers
#: Chinese gist of each advice reason of drivers.relationship.advice, by words its English
#: sentence contains; the first match wins.
ZH_ADVICE_REASONS = (
    (("Only",), "调查期数不足，无法判断两者关系是否稳定"),
    (("below",), "两题的相关系数低于 0.70，测量的是不同的东西"),
    (("moved by",), "各期相关系数波动较大，关系不稳定"),
    (("top", "differ"), "两者的前三位驱动因素不同，各自提供对方没有的信息"),
    (("No driver",), "未提供驱动因素对比"),
    (("share their top",), "两者的前三位驱动因素相同"),
    (("at least", "correlation"), "各期相关系数均达到阈值"),
    (("stayed within",), "各期相关系数稳定"),
    (("waves measured",), "调查期数足够"),
)


def _pct(value: float, digits: int = 0) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.{digits}f}%"


def _points(value: float, signed: bool = False, digits: int = 0) -> str:
    if pd.isna(value):
        return "–"
    if round(value, digits) == 0:
        value = 0.0
    text = f"{value:+.{digits}f}" if signed else f"{value:.{digits}f}"
    if signed and value == 0:
        text = text[1:]
    return text.replace("-", "−")


def _interval(low: float, high: float, share: bool = True) -> str:
    if pd.isna(low) or pd.isna(high):
        return "–"
    if share:
        return f"{100 * low:.0f}–{100 * high:.0f}"
    return f"{low:.1f} to {high:.1f}".replace("-", "−")


class _Writer:
    """Pages of the report: wraps a ReportDocument with the analysis and the language."""

    def __init__(self, analysis: _Analysis, title: str, lang: str, date, toc_pages: int):
        from drivers.pdf import ReportDocument

        self.a, self.lang, self.w = analysis, lang, _TEXT[lang]
        self.study, self.base = analysis.study, analysis.base
        self.csat, self.nps = analysis.csat, analysis.nps
        self.doc = ReportDocument(title, subtitle=self.w["subtitle"], lang=lang, date=date)
        self.toc_pages = toc_pages
        self.short = {self.csat: self.w["csat_short"], self.nps: self.w["nps_short"]}

    # -- helpers
    def broken_title(self) -> str:
        """The title with explicit line breaks: the title page justifies wrapped lines, which
        spreads a long title's words across the page; explicit breaks keep them together."""
        pdf = self.doc.pdf
        pdf.set_font(self.doc.font, "B" if "B" in self.doc._styles else "", 26)
        lines, line = [], ""
        for word in self.doc.title.split(" "):
            trial = f"{line} {word}".strip()
            if line and pdf.get_string_width(trial) > pdf.epw - 2:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
        pdf.set_font(self.doc.font, "", 10)
        return "\n".join(lines)

    def subsection(self, title: str, keep: float = 0.0) -> None:
        """A subheading that moves to a new page when less than ``keep`` mm follow it."""
        pdf = self.doc.pdf
        if keep and pdf.page_break_trigger - pdf.get_y() < min(keep, pdf.eph - 20) + 12:
            self.doc.page_break()
        self.doc.subsection(title)

    def label(self, name: str) -> str:
        return _label(self.study, name, self.lang)

    def chart_text(self, text: str) -> str:
        from drivers.style import chart_text

        return chart_text(text, self.lang)

    def figure(self, draw: Callable, size: tuple[float, float], caption: str,
               width: float | None = None, ncols: int = 1) -> int:
        import matplotlib.pyplot as plt

        from drivers.style import use_house_style

        with use_house_style(self.lang):
            if ncols == 1:
                fig, ax = plt.subplots(figsize=size)
            else:
                fig, ax = plt.subplots(1, ncols, figsize=size)
            try:
                draw(ax)
                _tidy_figure(fig)
                self.doc.figure(fig, width=width, caption=caption)
            finally:
                plt.close(fig)

    def lead_text(self, lead: str) -> str:
        if lead == f"{self.csat.upper()}-led":
            return self.w["csat_led"]
        if lead == f"{self.nps.upper()}-led":
            return self.w["nps_led"]
        return self.w.get(lead, lead)

    def score_text(self, name: str, value: float) -> str:
        if self.study.outcome(name).kind == "nps":
            return _points(value, signed=True)
        return f"{value:.0f}%"

    # -- pages
    def title_page(self) -> None:
        w, f = self.w, self.a.facts
        why = w["base_applicable"] if f["base"]["not_applicable"] else w["base_all"]
        waves = ", ".join(map(str, f["waves"])) if f["waves"] else w["no_waves"]
        lines = [w["study"].format(title=self.study.title),
                 w["respondents_line"].format(n=f["n"],
                                              weighted=w["weighted"] if f["weighted"] else ""),
                 w["base_line"].format(n=f["n_used"], total=f["n"], why=why),
                 w["waves_line"].format(waves=waves),
                 w["bootstrap_line"].format(b=f["bootstrap"], seed=f["seed"])]
        self.doc.title_page(title=self.broken_title(), lines=lines)
        self.doc.table_of_contents(pages=self.toc_pages)

    def summary(self) -> tuple[int, int]:
        w, f, doc = self.w, self.a.facts, self.doc
        csat, nps = self.csat, self.nps
        doc.section(w["summary"])
        first = doc.pdf.page
        top = self.study.outcome(csat).top or default_top_box(self.study.outcome(csat).scale)

        def note(name):
            text = w["ci_note"].format(lo=self.score_text(name, f[name]["ci_low"]),
                                       hi=self.score_text(name, f[name]["ci_high"]))
            trend = f[name].get("trend")
            if trend:
                waves = list(trend)
                delta = trend[waves[-1]] - trend[waves[0]]
                text += "\n" + w["trend_note"].format(first=waves[0], last=waves[-1],
                                                      delta=_points(delta, signed=True, digits=1))
            return text

        doc.key_figures([
            (w["csat_box"].format(top=top), self.score_text(csat, f[csat]["score"]), note(csat)),
            (w["nps_box"], self.score_text(nps, f[nps]["score"]), note(nps)),
            (w["base_box"], f"{f['n_used']:,}", w["base_note"].format(total=f["n"])),
        ], per_row=3)
        doc.paragraph(w["headline"].format(
            n=f["n"], weighted=w["headline_weighted"] if f["weighted"] else "",
            csat_pct=self.score_text(csat, f[csat]["score"]), top=top,
            csat_lo=self.score_text(csat, f[csat]["ci_low"]),
            csat_hi=self.score_text(csat, f[csat]["ci_high"]),
            nps=self.score_text(nps, f[nps]["score"]),
            nps_lo=self.score_text(nps, f[nps]["ci_low"]),
            nps_hi=self.score_text(nps, f[nps]["ci_high"])))
        dims = self.a.tables["drivers_dimension"].set_index("driver")
        d_csat, d_nps = f["top_dimension"][csat], f["top_dimension"][nps]
        key = "dims_same" if d_csat == d_nps else "dims_differ"
        trend_text = ""
        if "trend" in f[csat]:
            waves = list(f[csat]["trend"])
            fig_no = self.doc._figures + 1
            trend_text = " " + w["trend"].format(
                first=waves[0], last=waves[-1],
                csat_delta=_points(f[csat]["trend"][waves[-1]] - f[csat]["trend"][waves[0]],
                                   signed=True, digits=1),
                nps_delta=_points(f[nps]["trend"][waves[-1]] - f[nps]["trend"][waves[0]],
                                  signed=True, digits=1), fig=fig_no,
                csat_test=self.trend_test(csat), nps_test=self.trend_test(nps))
        doc.paragraph(w[key].format(csat_dim=self.label(d_csat), nps_dim=self.label(d_nps),
                                    csat_share=_pct(dims.loc[d_csat, f"share_{csat}"]),
                                    nps_share=_pct(dims.loc[d_nps, f"share_{nps}"]))
                      + trend_text)
        if "trend" in f[csat]:
            self.trend_figure(size=(7.0, 2.35), width=150)
        # top drivers of each outcome, side by side
        attr = self.a.tables["drivers_attribute"]
        rows = []
        for k in range(3):
            row = {"rank": k + 1}
            for name in (csat, nps):
                ordered = attr.sort_values(f"rank_{name}", kind="mergesort").iloc[k]
                row[f"d_{name}"] = self.label(ordered["driver"])
                row[f"s_{name}"] = _pct(ordered[f"share_{name}"])
            rows.append(row)
        doc.table(pd.DataFrame(rows),
                  columns={"rank": w["rank"],
                           f"d_{csat}": w["driver_of"].format(o=self.short[csat]),
                           f"s_{csat}": w["share"],
                           f"d_{nps}": w["driver_of"].format(o=self.short[nps]),
                           f"s_{nps}": w["share"]},
                  col_widths=(5, 38, 9, 38, 9), title=w["top_drivers"], font_size=8)
        chosen = self.a.tables["first_actions"]
        self.actions_table(chosen, w["actions_title"], with_outcome=True)
        rule = chosen.attrs["rule"]
        doc.paragraph(w["actions_note"].format(
            p=f"{100 * rule['min_quadrant_probability']:.0f}", ci=f"{100 * rule['ci']:g}",
            k=chosen.attrs["n_candidates"]), muted=True, size=8.5)
        return first, doc.pdf.page

    def trend_test(self, name: str) -> str:
        """' (p = 0.10, not significant)': the test of an outcome's first-to-last move."""
        moves = self.a.tables["wave_changes"].set_index("outcome")
        row = moves.loc[name]
        return self.w["trend_test"].format(
            p=f"{row['p_value']:.2f}" if row["p_value"] >= 0.005 else "< 0.01",
            ns="" if row["significant"] else self.w["not_significant"])

    def trend_figure(self, size, width=None) -> None:
        from drivers.plots import trend_plot

        wave = self.study.wave_column
        table = self.a.tables["outcomes_by_wave"]
        table = table[table["outcome"].isin([self.csat, self.nps])]
        labels = {self.csat: self.w["csat_short"], self.nps: self.w["nps_short"]}
        self.figure(lambda ax: trend_plot(table, ax=ax, wave=wave, labels=labels,
                                          lang=self.lang), size, self.w["trend_caption"],
                    width=width)

    def actions_table(self, table: pd.DataFrame, title: str, with_outcome: bool = False,
                      limit: int | None = None) -> None:
        w = self.w
        scale = self.a.tables[f"priority_{self.csat}"].attrs.get("scale") or (1, 5)
        scale = tuple(f"{v:g}" for v in scale)
        frame = table.head(limit) if limit else table
        shown = pd.DataFrame({
            "rank": range(1, len(frame) + 1) if with_outcome else frame["priority"],
            "label": [self.label(a) for a in frame["attribute"]],
            "dimension": [self.label(d) if d else "–" for d in frame["dimension"]],
            "importance": [f"{_pct(v)} ({_interval(lo, hi)})" if pd.notna(lo) else _pct(v)
                           for v, lo, hi in zip(frame["importance"], frame["importance_ci_low"],
                                                frame["importance_ci_high"], strict=True)],
            "performance": [f"{v:.2f}" for v in frame["performance"]],
            "quadrant": [self.chart_text(q) for q in frame["quadrant"]],
            "certainty": [w["no interval"] if pd.isna(c) else f"{w[c]} ({100 * p:.0f}%)"
                          for c, p in zip(frame["confidence"], frame["quadrant_probability"],
                                          strict=True)],
        })
        columns = {"rank": w["rank"], "label": w["action"], "dimension": w["dimension"]}
        widths = [6, 36, 21]
        if with_outcome:
            shown["drives"] = [", ".join(self.short.get(o.strip(), o) for o in s.split(","))
                               for s in frame["outcomes"]]
            columns["drives"] = w["drives"]
            widths.append(14)
        columns.update({"importance": w["share"],
                        "performance": w["performance"].format(lo=scale[0], hi=scale[1]),
                        "quadrant": w["quadrant"], "certainty": w["certainty"]})
        widths += [16, 14, 22, 30]
        self.doc.table(shown, columns=columns, col_widths=widths, title=title, font_size=8)

    def drivers_section(self, name: str) -> None:
        from drivers.plots import priority_matrix_plot, ranking_plot

        w, doc = self.w, self.doc
        short = self.short[name]
        doc.section(w["drivers_of"].format(o=short))
        attr = self.a.tables["drivers_attribute"]
        doc.paragraph(w["drivers_intro"].format(
            label=self.label(name), r2=attr.attrs["r2"][name], n=attr.attrs["n_used"]))
        dims = _per_outcome(self.a.tables["drivers_dimension"], name)
        self.subsection(w["dim_level"], keep=170 / 7 * (0.6 * len(dims) + 1.4))
        self.figure(lambda ax: ranking_plot(dims, ax=ax, labels=self.base, lang=self.lang),
                    (7.0, 0.6 * len(dims) + 1.4), w["dim_caption"].format(o=short))
        ordered = dims.sort_values("rank")
        shown = pd.DataFrame({
            "rank": ordered["rank"].to_numpy(),
            "label": [self.label(d) for d in ordered["driver"]],
            "share": [_pct(v) for v in ordered["share"]],
            "interval": [_interval(lo, hi) for lo, hi in
                         zip(ordered.get("share_ci_low", ordered["share"] * float("nan")),
                             ordered.get("share_ci_high", ordered["share"] * float("nan")),
                             strict=True)],
        })
        doc.table(shown, columns={"rank": w["rank"], "label": w["dimension"],
                                  "share": w["share"], "interval": w["ci"]},
                  col_widths=(10, 70, 20, 30), font_size=8)
        self.subsection(w["attr_level"], keep=170 / 7 * (0.42 * len(attr) + 1.0))
        table = _per_outcome(attr, name)
        self.figure(lambda ax: ranking_plot(table, ax=ax, labels=self.base, lang=self.lang),
                    (7.0, 0.42 * len(table) + 1.0), w["attr_caption"].format(o=short))
        self.subsection(w["matrix"], keep=170 / 7 * 6.2)
        matrix = self.a.tables[f"priority_{name}"]
        self.figure(lambda ax: priority_matrix_plot(matrix, ax=ax, labels=self.base,
                                                    lang=self.lang, n_labels=MATRIX_LABELS),
                    (7.0, 6.2), w["matrix_caption"].format(o=short, k=min(MATRIX_LABELS, len(matrix))))
        doc.subsection(w["action_list"])
        self.actions_table(self.a.tables[f"actions_{name}"], w["action_list"] + f" ({short})",
                           limit=10)

    def compare_section(self) -> None:
        from drivers.plots import (
            crosstab_heatmap,
            divergent_profile_plot,
            importance_scatter,
            ranking_pair_plot,
        )

        w, doc, csat, nps = self.w, self.doc, self.csat, self.nps
        attr = self.a.tables["drivers_attribute"]
        doc.section(w["compare"])
        doc.paragraph(w["compare_intro"].format(n=attr.attrs["n_used"]))
        dims = self.a.tables["drivers_dimension"]
        self.figure(lambda axes: ranking_pair_plot(
            _per_outcome(dims, csat), _per_outcome(dims, nps), axes=axes, labels=self.base,
            lang=self.lang, titles=(w["csat_short"], w["nps_short"])),
            (7.0, 0.45 * len(dims) + 1.2), w["compare_dims_caption"], ncols=2)
        self.figure(lambda ax: importance_scatter(attr, ax=ax, x=f"share_{csat}",
                                                  y=f"share_{nps}", labels=self.base,
                                                  lang=self.lang),
                    (7.0, 5.8), w["scatter_caption"], width=140)
        doc.subsection(w["leads"])
        lines = []
        for lead in (f"{csat.upper()}-led", f"{nps.upper()}-led"):
            rows = attr[attr["lead"] == lead].sort_values("diff", ascending=lead.startswith(
                nps.upper()), kind="mergesort")
            if len(rows):
                lines.append(w["lead_line"].format(
                    lead=self.lead_text(lead),
                    names="; ".join(f"{self.label(d)} ({_points(100 * v, signed=True)})"
                                    for d, v in zip(rows["driver"], rows["diff"], strict=True))))
        if lines:
            doc.bullets(lines)
        else:
            doc.paragraph(w["no_leads"])

        relation = self.a.relation
        self.subsection(w["relation"], keep=80)
        pearson = relation.correlation.iloc[0]
        doc.paragraph(w["relation_intro"].format(r=pearson["r"], lo=pearson["ci_low"],
                                                 hi=pearson["ci_high"], n=int(pearson["n"])))
        self.figure(lambda ax: crosstab_heatmap(relation.crosstab, ax=ax, lang=self.lang),
                    (6.0, 2.8), w["crosstab_caption"], width=130)
        doc.subsection(w["divergent"])
        doc.paragraph(w["divergent_intro"])
        div = relation.divergent.copy()
        if self.lang == "zh":
            div["label"] = [_DIVERGENT_ZH.get(g, (lbl, d))[0]
                            for g, lbl, d in zip(div["group"], div["label"], div["definition"], strict=True)]
            div["definition"] = [_DIVERGENT_ZH.get(g, (lbl, d))[1]
                                 for g, lbl, d in zip(div["group"], div["label"], div["definition"], strict=True)]
        div["share_text"] = [f"{s:.1f} ({lo:.1f}–{hi:.1f})" for s, lo, hi in
                             zip(div["share"], div["ci_low"], div["ci_high"], strict=True)]
        div["base_text"] = [f"{s:.1f} ({lo:.1f}–{hi:.1f})" for s, lo, hi in
                            zip(div["share_of_base"], div["base_ci_low"], div["base_ci_high"], strict=True)]
        doc.table(div, columns={"label": w["group"], "definition": w["definition"],
                                "n": w["n"], "share_text": w["share_all"],
                                "base_text": w["share_base"]},
                  col_widths=(30, 40, 9, 20, 20), font_size=8)
        profiles = relation.profiles
        chosen = profiles[(profiles["group"] == "satisfied_not_promoting")
                          & (profiles["kind"] == "attribute")]
        if len(chosen) and chosen["smd"].notna().any():
            top = min(10, int(chosen["smd"].notna().sum()))
            self.figure(lambda ax: divergent_profile_plot(
                profiles, group="satisfied_not_promoting", kind="attribute", ax=ax,
                labels=self.study, lang=self.lang, top=top),
                (7.0, 0.32 * top + 1.3), w["profile_caption"])
        doc.subsection(w["advice"])
        doc.paragraph(self.advice_text())

    def advice_text(self) -> str:
        advice = self.a.advice
        if self.lang == "en":
            return advice.text
        if advice.keep_both:
            return ("建议继续同时测量 CSAT 与推荐意愿：" + "；".join(
                self._zh_reason(r) for r in advice.reasons) + "。只有在多期调查显示两者关系稳定、强相关"
                "且首要驱动因素相同后，才考虑删去其中一题。")
        return ("可以考虑删去其中一题：" + "；".join(self._zh_reason(r) for r in advice.reasons)
                + "。后续各期仍需复核，并保留利益相关方据以行动的那一题。")

    def _zh_reason(self, reason: str) -> str:
        # The advice sentences are English; give the Chinese gist by what they check.
        for words, gist in ZH_ADVICE_REASONS:
            if all(word in reason for word in words):
                return gist
        return reason

    def segments_section(self) -> None:
        from drivers.plots import nps_composition_plot

        w, doc, study = self.w, self.doc, self.study
        doc.section(w["segments"])
        segments = [s for s in study.segment_columns if s != study.wave_column]
        if not segments and "outcomes_by_wave" not in self.a.tables:
            doc.paragraph(w["no_segments"])
        for segment in segments:
            self.subsection(w["segment_of"].format(s=segment), keep=80)
            table = self.a.tables[f"outcomes_by_{segment}"]
            self.outcome_rows(table, segment, w["segment_table"].format(s=segment))
            nps_rows = table[table["outcome"] == self.nps]
            overall = self.a.tables["outcomes"]
            overall = overall[overall["outcome"] == self.nps].assign(**{segment: None})
            both = pd.concat([overall, nps_rows], ignore_index=True)
            self.figure(lambda ax, both=both, segment=segment: nps_composition_plot(
                both, ax=ax, group=segment, lang=self.lang, overall=self.chart_text("All")),
                (7.0, 0.42 * len(both) + 1.1), w["segment_mix_caption"].format(s=segment),
                width=150)
        if segments:
            by = segments[0]
            for name in (self.csat, self.nps):
                if f"segment_priority_{name}" not in self.a.tables:
                    continue
                self.segment_matrix(self.a.tables[f"segment_priority_{name}"],
                                    w["segment_matrix_caption"].format(o=self.short[name], s=by))
        if "outcomes_by_wave" in self.a.tables:
            doc.subsection(w["waves"])
            self.outcome_rows(self.a.tables["outcomes_by_wave"], study.wave_column,
                              w["wave_table"])
            moves = [self.a.tables.get(f"wave_movement_{n}") for n in (self.csat, self.nps)]
            if all(m is not None for m in moves):
                from drivers.plots import wave_movement_plot

                first, last = moves[0]["wave_from"].iloc[0], moves[0]["wave_to"].iloc[0]
                for name, moved in zip((self.csat, self.nps), moves, strict=True):
                    self.figure(lambda ax, moved=moved: wave_movement_plot(
                        moved, ax=ax, labels=self.base, lang=self.lang), (7.0, 4.6),
                        w["wave_move_caption"].format(first=first, last=last,
                                                      o=self.short[name]), width=140)

    def segment_matrix(self, matrix: pd.DataFrame, caption: str) -> None:
        """Small multiples, two per row at a size where their labels stay readable.

        segment_priority_plot's own figure puts three 5.8-inch panels in a row, which shrinks
        to 4-point text on an A4 page; it draws into axes given to it, without the legend,
        so the dimension legend is added under the panels here.
        """
        import matplotlib.pyplot as plt
        from matplotlib.lines import Line2D

        from drivers.plots import segment_priority_plot
        from drivers.style import point_style, use_house_style

        panels = matrix["segment"].nunique()
        rows = -(-panels // 2)
        with use_house_style(self.lang):
            fig, grid = plt.subplots(rows, 2, figsize=(7.2, 3.4 * rows + 0.5),
                                     layout="constrained", squeeze=False)
            try:
                grid = grid.ravel()
                for spare in grid[panels:]:
                    spare.remove()
                order = list(self.base.dimensions)
                handles = [Line2D([], [], label=self.label(d), **point_style(d, order))
                           for d in order]
                fig.legend(handles=handles, loc="outside lower center", ncol=min(4, len(order)))
                segment_priority_plot(matrix, axes=grid[:panels], labels=self.base,
                                      lang=self.lang, n_labels=4, ncols=2)
                _tidy_figure(fig)
                self.doc.figure(fig, caption=caption)
            finally:
                plt.close(fig)

    def outcome_rows(self, table: pd.DataFrame, by: str, title: str) -> None:
        w = self.w
        rows = []
        for level, part in table.groupby(by, sort=False):
            row = {"level": str(level).replace("_", " ")}
            for name in (self.csat, self.nps):
                one = part[part["outcome"] == name].iloc[0]
                row[f"{name}"] = self.score_text(name, one["score"])
                row[f"{name}_ci"] = (f"{self.score_text(name, one['ci_low'])} – "
                                     f"{self.score_text(name, one['ci_high'])}")
                row["n"] = int(one["n"])
            rows.append(row)
        frame = pd.DataFrame(rows)
        self.doc.table(frame, columns={
            "level": by.replace("_", " ").capitalize(), "n": w["n"], self.csat: w["csat_short"], f"{self.csat}_ci": w["ci"],
            self.nps: w["nps_short"], f"{self.nps}_ci": w["ci"]},
            col_widths=(30, 12, 12, 22, 12, 22), title=title, font_size=8)

    def appendix(self) -> None:
        w, doc, f = self.w, self.doc, self.a.facts
        csat = self.study.outcome(self.csat)
        weights = "" if not f["weighted"] else (
            ", weighted by the design weights" if self.lang == "en" else "，使用设计权重加权")
        doc.section(w["appendix_method"])
        if f["base"]["not_applicable"]:
            blocks = w["blocks_na"].format(dims=", ".join(
                self.label(d) for d in f["base"]["dimensions"]))
            base_text = w["base_applicable_text"].format(
                n=f["base"]["total"] - f["base"]["not_applicable"], total=f["n"],
                na=f["base"]["not_applicable"], blocks=blocks, used=f["n_used"])
        else:
            base_text = w["base_all_text"].format(n=f["n"], used=f["n_used"])
        for text in w["method"]:
            doc.paragraph(text.format(
                top=csat.top or default_top_box(csat.scale), lo=csat.scale[0], hi=csat.scale[1],
                weights=weights, base_text=base_text, listwise=f["listwise"],
                n=f["base"]["n"], b=f["bootstrap"], seed=f["seed"]))

        doc.section(w["appendix_quality"])
        doc.paragraph(w["quality_intro"].format(n=f["n"]))
        quality = self.a.tables["data_quality"]
        reasons = [c for c in quality.columns if c not in ("column", "label", "answered")]
        columns = {"label": w["column"], "answered": w["answered"]}
        columns.update({r: w["reason"].get(r, r.replace("_", " ")) for r in reasons})
        doc.table(quality, columns=columns,
                  col_widths=[60, 14] + [14] * len(reasons), font_size=7.5)

        doc.section(w["appendix_diag"])
        doc.paragraph(w["diag_intro"])
        fit = self.a.tables["model_fit"]
        doc.table(fit, columns={"measure": w["fact"], self.csat: w["csat_short"],
                                self.nps: w["nps_short"]},
                  col_widths=(30, 35, 35), title=w["fit"], font_size=8)
        vif = self.a.tables["model_vif"]
        two = "{:.2f}".format
        doc.table(vif, columns={
            "label": w["label"], f"vif_{self.csat}": w["vif"],
            f"beta_{self.csat}": w["beta"].format(o=self.short[self.csat]),
            f"r_{self.csat}": w["r"].format(o=self.short[self.csat]),
            f"beta_{self.nps}": w["beta"].format(o=self.short[self.nps]),
            f"r_{self.nps}": w["r"].format(o=self.short[self.nps])},
            formats={f"vif_{self.csat}": two, f"beta_{self.csat}": two, f"r_{self.csat}": two,
                     f"beta_{self.nps}": two, f"r_{self.nps}": two},
            col_widths=(60, 12, 14, 14, 14, 14), title=w["vif_title"], font_size=7.5)
        doc.subsection(w["warnings"])
        if self.a.warnings:
            doc.bullets(self.a.warnings)
        else:
            doc.paragraph(w["no_warnings"])

        doc.section(w["appendix_tables"])
        for key, title in (("drivers_dimension", w["full_dims"]),
                           ("drivers_attribute", w["full_compare"])):
            self.compare_table(self.a.tables[key], title)
        perf = self.a.tables["attribute_performance"]
        doc.table(perf.assign(label=[self.label(a) for a in perf["attribute"]],
                              ci=[f"{lo:.2f}–{hi:.2f}" for lo, hi in
                                  zip(perf["mean_ci_low"], perf["mean_ci_high"], strict=True)]),
                  columns={"label": w["label"], "mean": w["mean"], "ci": w["ci"],
                           "top_box": w["top_box"], "n": w["n"]},
                  formats={"mean": "{:.2f}", "top_box": "{:.1f}"},
                  col_widths=(70, 14, 22, 16, 12), title=w["full_perf"], font_size=7.5)
        for name in (self.csat, self.nps):
            self.actions_table(self.a.tables[f"actions_{name}"],
                               w["full_matrix"].format(o=self.short[name]))

    def compare_table(self, table: pd.DataFrame, title: str) -> None:
        w, csat, nps = self.w, self.csat, self.nps
        shown = pd.DataFrame({
            "label": [self.label(d) for d in table["driver"]],
            "csat": [f"{_pct(s)} ({_interval(lo, hi)})" for s, lo, hi in
                     zip(table[f"share_{csat}"], table.get(f"share_{csat}_ci_low"),
                         table.get(f"share_{csat}_ci_high"), strict=True)],
            "nps": [f"{_pct(s)} ({_interval(lo, hi)})" for s, lo, hi in
                    zip(table[f"share_{nps}"], table.get(f"share_{nps}_ci_low"),
                        table.get(f"share_{nps}_ci_high"), strict=True)],
            "diff": [f"{_points(100 * d, signed=True)} ({_points(100 * lo, signed=True)} "
                     f"to {_points(100 * hi, signed=True)})" for d, lo, hi in
                     zip(table["diff"], table["diff_ci_low"], table["diff_ci_high"], strict=True)],
            "lead": [self.lead_text(x) for x in table["lead"]],
        })
        self.doc.table(shown, columns={"label": w["label"], "csat": w["csat_short"],
                                       "nps": w["nps_short"], "diff": w["diff"],
                                       "lead": w["lead"]},
                       col_widths=(62, 22, 22, 26, 18), title=title, font_size=7.5)


def _render(analysis: _Analysis, title: str, lang: str, date, toc_pages: int):
    writer = _Writer(analysis, title, lang, date, toc_pages)
    writer.title_page()
    summary_pages = writer.summary()
    writer.drivers_section(analysis.csat)
    writer.drivers_section(analysis.nps)
    writer.compare_section()
    writer.segments_section()
    writer.appendix()
    return writer.doc, summary_pages

