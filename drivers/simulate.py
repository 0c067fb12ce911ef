"""A seeded survey simulator with a known truth: the bundled bank mobile-loan CX case.

The case: a bank's mobile-internet loan (up to 300,000 yuan, terms up to 5 years, sold in the
mobile bank app, online banking and partner platforms; credit-only or pledged). Its study found
that overall satisfaction (CSAT) is driven most by the brand keeping its promises on credit
limit, interest, fees and payout speed (BX), while willingness to recommend (NPS) is driven
most by a competent human agent who explains them (SX). The simulator plants exactly that, so
every analysis in the toolkit can be checked against a truth that is written down.

``python -m drivers.simulate --out data/bank_loan`` (what ``make data`` runs) writes
``survey.csv`` and ``study.yaml``; from the default seed both are byte-identical on every run.

Examples
--------
>>> survey, spec = simulate_bank_loan(n=300, seed=1)
>>> survey.shape
(300, 30)
>>> spec["outcomes"]["nps"]["column"], list(spec["dimensions"])
('recommend', ['BX', 'PX', 'SX', 'EX'])
>>> max(OUTCOME_WEIGHTS["csat"], key=OUTCOME_WEIGHTS["csat"].get)
'BX'
>>> max(OUTCOME_WEIGHTS["nps"], key=OUTCOME_WEIGHTS["nps"].get)
'SX'
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.special import ndtri

from drivers.output import atomic_write

#: Seed of the bundled data set.
DEFAULT_SEED = 20261123

#: Codes written into attribute answers (never into outcomes).
DONT_KNOW = 98
NOT_APPLICABLE = 99

DIMENSIONS = {
    "BX": ("Brand experience", "品牌体验"),
    "PX": ("Product experience", "产品体验"),
    "SX": ("Service experience", "服务体验"),
    "EX": ("Employee experience", "员工体验"),
}

#: Correlation of the latent experiences, in the order of DIMENSIONS (a general halo of 0.3-0.5).
DIMENSION_CORRELATION = np.array([
    [1.00, 0.45, 0.35, 0.35],
    [0.45, 1.00, 0.35, 0.30],
    [0.35, 0.35, 1.00, 0.45],
    [0.35, 0.30, 0.45, 1.00],
])


@dataclass(frozen=True)
class Item:
    """One simulated attribute: its labels and how it is generated.

    ``loading`` is the correlation of the item's underlying response with its dimension's
    latent experience; ``shift`` moves the item's answers up (>0) or down (<0) the scale;
    ``dont_know`` is the probability of a 98 among those the item applies to.
    """

    column: str
    label: str
    label_zh: str
    loading: float
    shift: float = 0.0
    dont_know: float = 0.015


ATTRIBUTES: dict[str, tuple[Item, ...]] = {
    "BX": (
        Item("bx_promise_limit", "Credit limit granted as promised", "授信额度与承诺一致",
             0.85, 0.05),
        Item("bx_promise_rate", "Interest rate as promised", "实际利率与承诺一致", 0.85, 0.0),
        Item("bx_promise_fees", "No fees beyond those promised", "无承诺以外的额外费用",
             0.80, -0.10, 0.05),
        Item("bx_promise_payout", "Money paid out as fast as promised", "放款速度与承诺一致",
             0.80, 0.20),
        Item("bx_trust", "I trust the bank", "信任这家银行", 0.70, 0.15),
        Item("bx_brand_strength", "A strong, reputable bank", "银行品牌实力强、信誉好",
             0.65, 0.20),
    ),
    "PX": (
        Item("px_limit_size", "Credit limit (up to 300,000 yuan) meets my needs",
             "授信额度(最高30万元)满足需要", 0.75, -0.25),
        Item("px_rate_transparency", "Interest rate and fees are transparent",
             "利率和费用公开透明", 0.80, -0.20, 0.035),
        Item("px_repayment_flexibility", "Choice among the four repayment methods",
             "四种还款方式可灵活选择", 0.75, 0.0),
        Item("px_revolving", "Revolving use of the credit line (borrow, repay, borrow again)",
             "额度可循环使用、随借随还", 0.70, 0.05),
        Item("px_app_usability", "Applying in the app is easy", "手机银行申请操作便捷",
             0.75, 0.20),
    ),
    "SX": (
        Item("sx_agent_expertise", "The agent knew the loan well", "客服人员专业能力强",
             0.85, 0.0),
        Item("sx_explain_rate_fees", "The agent explained limit, interest and other fees clearly",
             "客服清楚解释额度、利息及其他费用", 0.85, -0.10, 0.04),
        Item("sx_explain_repayment",
             "The agent explained the repayment options, their cost and revolving use",
             "客服清楚解释还款方式、还款成本及循环使用", 0.80, -0.05),
        Item("sx_explain_credit_report", "The agent explained the impact on my credit report",
             "客服清楚解释对个人征信的影响", 0.80, -0.20, 0.06),
        Item("sx_reachability", "A human agent was easy to reach", "容易联系到人工客服",
             0.65, -0.20),
        Item("sx_resolution", "The agent resolved my question or problem", "客服解决了我的问题",
             0.75, 0.05),
    ),
    "EX": (
        Item("ex_staff_attitude", "Staff were courteous and patient", "工作人员态度友好、有耐心",
             0.80, 0.20),
        Item("ex_staff_knowledge", "Staff knew the product and the rules", "工作人员熟悉产品和规定",
             0.80, 0.05),
        Item("ex_proactive_followup", "Staff followed up proactively", "工作人员主动跟进",
             0.70, -0.15, 0.025),
        Item("ex_responsiveness", "Staff responded quickly", "工作人员响应及时", 0.75, 0.0),
    ),
}

#: True latent weights of each outcome: the planted truth (dimensions in DIMENSIONS order).
OUTCOME_WEIGHTS = {
    "csat": {"BX": 0.50, "PX": 0.20, "SX": 0.15, "EX": 0.10},
    "nps": {"BX": 0.18, "PX": 0.12, "SX": 0.50, "EX": 0.10},
    "ces": {"BX": 0.12, "PX": 0.50, "SX": 0.10, "EX": 0.05},
}

#: Share of each outcome's variance explained by the latent experiences (the rest is noise).
OUTCOME_R2 = {"csat": 0.60, "nps": 0.55, "ces": 0.50}

#: Correlation of the outcomes' unexplained parts (csat, nps, ces): a customer's general
#: disposition colours every overall rating, so CSAT and NPS agree beyond their drivers.
OUTCOME_NOISE_CORRELATION = np.array([
    [1.00, 0.50, 0.30],
    [0.50, 1.00, 0.25],
    [0.30, 0.25, 1.00],
])

#: Outcome columns, scales and the answer distribution at the average experience.
OUTCOMES = {
    "csat": {"column": "csat", "kind": "csat", "scale": [1, 5], "top": 2,
             "label": "Overall satisfaction with the loan", "label_zh": "对贷款的总体满意度",
             "probabilities": [0.03, 0.06, 0.23, 0.41, 0.27], "blank": 0.002},
    "nps": {"column": "recommend", "kind": "nps", "scale": [0, 10],
            "label": "Likelihood to recommend the loan", "label_zh": "向亲友推荐该贷款的可能性",
            "probabilities": [0.012, 0.005, 0.01, 0.015, 0.02, 0.058, 0.10, 0.16, 0.21, 0.19,
                              0.22], "blank": 0.005},
    "ces": {"column": "effort", "kind": "ces", "scale": [1, 7], "top": 3,
            "label": "It was easy to get my loan", "label_zh": "获得这笔贷款很容易",
            "probabilities": [0.02, 0.04, 0.07, 0.15, 0.24, 0.28, 0.20], "blank": 0.003},
}

#: Answer distribution of an attribute at the average experience (1-5; mean 3.89).
ATTRIBUTE_PROBABILITIES = [0.03, 0.07, 0.20, 0.38, 0.32]

#: Population and sample shares of the segments; the sample over-represents the app channel.
SEGMENTS = {
    "channel": {"mobile_app": (0.40, 0.55), "online_banking": (0.35, 0.30),
                "partner_platform": (0.25, 0.15)},
    "product": {"credit_only": (0.70, 0.75), "pledged": (0.30, 0.25)},
    "region": {"east": (0.32, 0.38), "south": (0.24, 0.26), "north": (0.24, 0.22),
               "west": (0.20, 0.14)},
}

#: How the segment columns and their levels are shown in reports (English, Chinese).
SEGMENT_LABELS = {
    "channel": (("Channel", "渠道"), {
        "mobile_app": ("Mobile app", "手机银行"), "online_banking": ("Online banking", "网上银行"),
        "partner_platform": ("Partner platform", "合作平台")}),
    "product": (("Product", "产品"), {
        "credit_only": ("Credit loan", "信用贷款"), "pledged": ("Secured loan", "抵质押贷款")}),
    "region": (("Region", "地区"), {
        "east": ("East", "华东"), "south": ("South", "华南"), "north": ("North", "华北"),
        "west": ("West", "西部")}),
}

#: Shifts of the latent experiences (in latent SDs) by segment level.
SEGMENT_SHIFTS = {
    "mobile_app": {"PX": 0.20, "SX": -0.10},
    "partner_platform": {"BX": -0.25, "EX": -0.10},
    "pledged": {"BX": 0.10, "PX": 0.10},
    "west": {"SX": -0.10},
}

#: Latent SX gain per wave: agents were trained to explain costs, so service improves.
SX_DRIFT_PER_WAVE = 0.15

#: Log-odds of never having contacted an agent, by channel, and per latent SD of PX
#: (a worse product experience sends customers to an agent).
NO_CONTACT_LOGIT = {"mobile_app": -0.65, "online_banking": -1.15, "partner_platform": -1.35}
NO_CONTACT_PX = 0.50

#: Probability that a shown attribute question is left blank (outcomes: OUTCOMES[...]['blank']).
ATTRIBUTE_BLANK = 0.004

#: Trimming bounds of the design weights.
WEIGHT_BOUNDS = (0.4, 2.5)


def _wave_entry(waves: int) -> dict:
    """The study file's wave entry: its column, labels and how each quarter is shown."""
    names_zh = "一二三四"
    values = {}
    for code in wave_labels(waves):
        year, quarter = code.split("Q")
        values[code] = {"label": f"{year} Q{quarter}",
                        "label_zh": f"{year}年第{names_zh[int(quarter) - 1]}季度"}
    return {"column": "wave", "label": "Wave", "label_zh": "调查期", "values": values}


def _segment_entries() -> dict:
    return {column: {"label": label, "label_zh": label_zh,
                     "values": {code: {"label": en, "label_zh": zh}
                                for code, (en, zh) in levels.items()}}
            for column, ((label, label_zh), levels) in SEGMENT_LABELS.items()}


def wave_labels(waves: int, first_year: int = 2026) -> list[str]:
    """Quarter labels for consecutive waves.

    >>> wave_labels(5)
    ['2026Q1', '2026Q2', '2026Q3', '2026Q4', '2027Q1']
    """
    return [f"{first_year + k // 4}Q{k % 4 + 1}" for k in range(waves)]


def simulate_bank_loan(n: int = 2000, seed: int = DEFAULT_SEED, waves: int = 3
                       ) -> tuple[pd.DataFrame, dict]:
    """Simulate the bank mobile-loan CX survey with a known driver structure.

    Parameters
    ----------
    n : int
        Number of respondents, split as evenly as possible over the waves.
    seed : int
        Seed of ``numpy.random.default_rng``; the same seed gives the same data.
    waves : int
        Number of quarterly waves (labelled 2026Q1, 2026Q2, ...).

    Returns
    -------
    survey : DataFrame
        One row per respondent, as a survey platform exports it: ``respondent_id``, ``wave``,
        ``channel``, ``product``, ``region``, ``weight``, the outcomes ``csat`` (1-5),
        ``recommend`` (0-10) and ``effort`` (1-7), then 21 attributes rated 1-5 (nullable
        integers; 98 = don't know, 99 = not applicable, <NA> = left blank).
    spec : dict
        The study file describing the survey (what ``data/bank_loan/study.yaml`` holds).

    Notes
    -----
    The planted truth:

    * Four latent experiences BX, PX, SX, EX, standard normal with correlations 0.30-0.45
      (:data:`DIMENSION_CORRELATION`), shifted by segment (:data:`SEGMENT_SHIFTS`: the app
      channel has a better product, worse service experience; partner platforms a weaker
      brand) and by wave (SX improves by 0.15 SD per wave).
    * Each attribute answer is ``loading * latent + sqrt(1 - loading**2) * noise``, shifted by
      the item's ``shift`` and cut into 1-5 at thresholds that give 3/7/20/38/32 % at the
      average experience (negative skew, item means about 3.7-4.1). Loadings are 0.65-0.85;
      the promise items (BX) and the explanation items (SX) load highest (:data:`ATTRIBUTES`).
    * Outcomes are ``weights @ latent + noise`` (latent R² 0.60 / 0.55 / 0.50), cut into
      their scales (:data:`OUTCOMES`). True weights (:data:`OUTCOME_WEIGHTS`): CSAT BX 0.50,
      PX 0.20, SX 0.15, EX 0.10, so BX leads; NPS SX 0.50, BX 0.18, PX 0.12, EX 0.10, so SX
      leads; CES PX 0.50, BX 0.12, SX 0.10, EX 0.05, so PX leads. The noise parts of the
      outcomes are correlated (CSAT-NPS 0.50, :data:`OUTCOME_NOISE_CORRELATION`), so CSAT and
      NPS correlate about 0.6 although different dimensions drive them.
    * Not applicable (99): a respondent who never contacted a human agent answers no SX item,
      and for that respondent the SX term of every outcome is zero (no agent, no service
      effect). P(no contact) = logistic(channel intercept + 0.5 * PX latent)
      (:data:`NO_CONTACT_LOGIT`): about 40 % in the app, 24 % in online banking, 21 % on
      partner platforms, 30-33 % of the sample; the better the product experience, the less
      need to call. Every SX item of a non-contacted respondent is 99, never blank or 98.
    * Don't know (98) is scattered at random: 1.5 % of applicable answers, 2.5-6 % on the
      fee, transparency, follow-up and credit-report items. 0.4 % of attribute answers and
      0.2-0.5 % of outcome answers are blank; outcomes carry no codes.
    * ``weight`` rakes the sample to population shares of channel, product and region
      (:data:`SEGMENTS`; the app channel is over-sampled), trimmed to 0.4-2.5, mean 1.

    Examples
    --------
    >>> survey, spec = simulate_bank_loan(n=200, seed=3, waves=2)
    >>> sorted(survey["wave"].unique())
    ['2026Q1', '2026Q2']
    >>> bool(survey["respondent_id"].is_unique), round(float(survey["weight"].mean()), 3)
    (True, 1.0)
    >>> spec["missing_codes"]
    {98: 'dont_know', 99: 'not_applicable'}
    """
    if n < 1 or waves < 1:
        raise ValueError(f"need n >= 1 and waves >= 1, got n={n}, waves={waves}")
    rng = np.random.default_rng(seed)
    names = list(DIMENSIONS)

    wave_index = np.repeat(np.arange(waves), [len(part) for part in
                                              np.array_split(np.arange(n), waves)])
    segments = {name: _draw_levels(rng, levels, n) for name, levels in SEGMENTS.items()}

    latent = rng.multivariate_normal(np.zeros(len(names)), DIMENSION_CORRELATION, size=n,
                                     method="cholesky")
    for levels in segments.values():
        for level, shifts in SEGMENT_SHIFTS.items():
            hit = levels == level
            for dimension, shift in shifts.items():
                latent[hit, names.index(dimension)] += shift
    latent[:, names.index("SX")] += SX_DRIFT_PER_WAVE * wave_index

    logit = np.array([NO_CONTACT_LOGIT[c] for c in segments["channel"]])
    logit += NO_CONTACT_PX * latent[:, names.index("PX")]
    no_contact = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))

    survey = pd.DataFrame({
        "respondent_id": [f"BL{i:05d}" for i in range(1, n + 1)],
        "wave": np.array(wave_labels(waves))[wave_index],
        **segments,
        "weight": rake_weights(segments),
    })

    # Without an agent there is no service effect on the outcomes, whatever the latent SX.
    experienced = latent.copy()
    experienced[no_contact, names.index("SX")] = 0.0
    disposition = rng.multivariate_normal(np.zeros(len(OUTCOMES)), OUTCOME_NOISE_CORRELATION,
                                          size=n, method="cholesky")
    for k, (name, outcome) in enumerate(OUTCOMES.items()):
        weights = np.array([OUTCOME_WEIGHTS[name][d] for d in names])
        explained = weights @ DIMENSION_CORRELATION @ weights
        noise_sd = np.sqrt(explained * (1 - OUTCOME_R2[name]) / OUTCOME_R2[name])
        utility = (experienced @ weights + noise_sd * disposition[:, k]) / np.sqrt(
            explained + noise_sd**2)
        answers = _cut(utility, outcome["probabilities"], outcome["scale"][0])
        survey[outcome["column"]] = _with_blanks(rng, answers, outcome["blank"])

    for d, dimension in enumerate(names):
        for item in ATTRIBUTES[dimension]:
            response = (item.loading * latent[:, d]
                        + np.sqrt(1 - item.loading**2) * rng.normal(size=n) + item.shift)
            answers = _cut(response, ATTRIBUTE_PROBABILITIES, 1).astype(float)
            applies = ~no_contact if dimension == "SX" else np.ones(n, dtype=bool)
            answers[~applies] = NOT_APPLICABLE
            answers[applies & (rng.random(n) < item.dont_know)] = DONT_KNOW
            # Skip logic fills in 99 by itself, so only a question actually shown is left blank.
            survey[item.column] = _with_blanks(rng, answers, ATTRIBUTE_BLANK, among=applies)
    return survey, study_spec(waves)


def study_spec(waves: int = 3) -> dict:
    """The study-file content of the simulated survey with ``waves`` waves (see
    :mod:`drivers.study`).

    >>> spec = study_spec()
    >>> spec["dimensions"]["SX"]["label_zh"], len(spec["dimensions"]["SX"]["attributes"])
    ('服务体验', 6)
    """
    outcomes = {}
    for name, outcome in OUTCOMES.items():
        entry = {"column": outcome["column"], "kind": outcome["kind"],
                 "scale": list(outcome["scale"])}
        if "top" in outcome:
            entry["top"] = outcome["top"]
        entry["label"] = outcome["label"]
        entry["label_zh"] = outcome["label_zh"]
        outcomes[name] = entry
    dimensions = {
        name: {"label": label, "label_zh": label_zh,
               "attributes": {item.column: {"label": item.label, "label_zh": item.label_zh}
                              for item in ATTRIBUTES[name]}}
        for name, (label, label_zh) in DIMENSIONS.items()
    }
    return {
        "title": "Mobile-internet loan CX survey (simulated bank-loan case)",
        "title_zh": "手机互联网贷款客户体验调研（模拟银行贷款案例）",
        "description": "Simulated with a known truth; see README.md beside this file.",
        "data": "survey.csv",
        "id": "respondent_id",
        "weight": "weight",
        "segments": _segment_entries(),
        "wave": _wave_entry(waves),
        "second_language": "zh",
        "missing_codes": {DONT_KNOW: "dont_know", NOT_APPLICABLE: "not_applicable"},
        "outcomes": outcomes,
        "attribute_scale": [1, 5],
        "dimensions": dimensions,
    }


def rake_weights(segments: dict[str, np.ndarray], iterations: int = 50) -> np.ndarray:
    """Raking weights to the population shares in :data:`SEGMENTS`, trimmed, mean 1.

    Parameters
    ----------
    segments : dict of str -> array
        The level of each respondent for every segment variable of :data:`SEGMENTS`.
    iterations : int
        Rounds of iterative proportional fitting and trimming.

    Returns
    -------
    ndarray
        Positive weights with mean 1 within :data:`WEIGHT_BOUNDS`, rounded to 4 decimals.

    Notes
    -----
    Each round scales the weights so that every segment's weighted shares meet the population
    shares, then trims to the bounds; trimming leaves the margins close to, not exactly on,
    the targets, as in practice.

    Examples
    --------
    >>> channel = np.array(["mobile_app"] * 6 + ["online_banking"] * 3 + ["partner_platform"])
    >>> w = rake_weights({"channel": channel})
    >>> [round(float(w[channel == c].sum() / w.sum()), 2)
    ...  for c in ("mobile_app", "online_banking", "partner_platform")]
    [0.4, 0.35, 0.25]
    """
    n = len(next(iter(segments.values())))
    weights = np.ones(n)
    low, high = WEIGHT_BOUNDS
    for _ in range(iterations):
        for name, levels in segments.items():
            for level, (population, _sample) in SEGMENTS[name].items():
                hit = levels == level
                if hit.any():
                    weights[hit] *= population * weights.sum() / weights[hit].sum()
        weights = np.clip(weights / weights.mean(), low, high)
    weights = np.clip(weights / weights.mean(), low, high)
    return np.round(weights, 4)


def write_bank_loan(out: str | Path, n: int = 2000, seed: int = DEFAULT_SEED, waves: int = 3
                    ) -> tuple[Path, Path]:
    """Write ``survey.csv`` and ``study.yaml`` of the simulated case into the folder ``out``.

    The files are written atomically and deterministically: the same arguments give the same
    bytes (weights with 4 decimals, codes as integers, blanks empty, ``\\n`` line ends, UTF-8).

    Returns
    -------
    (Path, Path)
        The survey file and the study file.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    survey, spec = simulate_bank_loan(n=n, seed=seed, waves=waves)
    csv_text = survey.to_csv(index=False, lineterminator="\n", float_format="%.4f")
    header = (f"# Generated by `python -m drivers.simulate` (n={n}, seed={seed}, "
              f"waves={waves}); regenerate with `make data`, do not edit by hand.\n")
    yaml_text = header + yaml.dump(spec, Dumper=_FlowListDumper, allow_unicode=True,
                                   sort_keys=False, width=120)
    survey_path, study_path = out / "survey.csv", out / "study.yaml"
    # Bytes, not text: no platform may turn "\n" into "\r\n" and break byte identity.
    atomic_write(survey_path, lambda tmp: tmp.write_bytes(csv_text.encode("utf-8")))
    atomic_write(study_path, lambda tmp: tmp.write_bytes(yaml_text.encode("utf-8")))
    for path in (survey_path, study_path):
        # Temporary files are created private (0600); bundled data is meant to be shared.
        path.chmod(0o644)
    return survey_path, study_path


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python -m drivers.simulate --out DIR [--n N] [--seed S] [--waves W]``."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.simulate",
        description="Write the simulated bank-loan survey (survey.csv, study.yaml) into a folder.")
    parser.add_argument("--out", required=True, help="folder to write into (created if needed)")
    parser.add_argument("--n", type=int, default=2000, help="respondents (default 2000)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--waves", type=int, default=3, help="quarterly waves (default 3)")
    args = parser.parse_args(argv)
    survey_path, study_path = write_bank_loan(args.out, n=args.n, seed=args.seed,
                                              waves=args.waves)
    print(f"wrote {survey_path} and {study_path}")
    return 0


# ---- helpers -------------------------------------------------------------------------------
def _draw_levels(rng: np.random.Generator, levels: dict[str, tuple[float, float]], n: int
                 ) -> np.ndarray:
    """Segment levels drawn with the sample shares (the second number of each pair)."""
    names = list(levels)
    shares = np.array([sample for _population, sample in levels.values()])
    return np.array(names, dtype=object)[rng.choice(len(names), size=n, p=shares / shares.sum())]


def _cut(values: np.ndarray, probabilities: list[float], lowest: int) -> np.ndarray:
    """Integer answers from a standard-normal response: category k has probability p[k] at 0."""
    cumulative = np.cumsum(probabilities)[:-1] / np.sum(probabilities)
    return lowest + np.searchsorted(ndtri(cumulative), values)


def _with_blanks(rng: np.random.Generator, answers: np.ndarray, rate: float,
                 among: np.ndarray | None = None) -> pd.Series:
    """Nullable integers with a share ``rate`` of answers (within ``among``) blanked at random."""
    result = pd.array(np.asarray(answers, dtype=np.int64), dtype="Int64")
    blank = rng.random(len(answers)) < rate
    result[blank if among is None else blank & among] = pd.NA
    return pd.Series(result)


class _FlowListDumper(yaml.SafeDumper):
    """Writes short lists such as scales as ``[1, 5]`` and everything else in block style."""


def _represent_list(dumper: yaml.SafeDumper, data: list):
    flow = all(isinstance(v, (int, float, str)) for v in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_FlowListDumper.add_representer(list, _represent_list)


if __name__ == "__main__":
    raise SystemExit(main())
