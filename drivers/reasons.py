"""Why an answer is missing: one fixed set of reason codes, and the labels that mean each.

An export says why an answer is empty in many ways: a code (98, 99), a value label in English
or Chinese ("Don't know", "不知道"), a skip marker ("(跳过)"), or a reason written in the study
file. Whatever the language, the recorded reason is one of :data:`REASONS`; the driver base
(who is left out as "not applicable") therefore never depends on how a label is spelled.

>>> reason_for_label("不适用"), reason_for_label("Not applicable"), reason_for_label("(跳过)")
('not_applicable', 'not_applicable', 'not_applicable')
>>> reason_for_label("Weiß nicht") is None
True
"""

from __future__ import annotations

import re
import unicodedata

#: The reason codes a missing answer can have, with their English and Chinese names.
REASONS = {
    "not_applicable": ("Not applicable", "不适用"),
    "dont_know": ("Don't know", "不知道"),
    "refused": ("Refused", "拒绝回答"),
    "no_answer": ("No answer", "未作答"),
}

#: Reason of a blank cell, and of a missing code whose label says nothing we recognise.
NO_ANSWER = "no_answer"

#: Words (after :func:`normalize_text`) that name each reason, in English and Chinese.
_SYNONYMS = {
    "not_applicable": [
        "not applicable", "n/a", "na", "n.a.", "does not apply", "not relevant", "skipped",
        "skip", "routed", "not asked", "not shown", "inapplicable", "not_applicable",
        "不适用", "跳过", "(跳过)", "跳题", "未涉及", "不涉及", "无此项", "未使用", "没用过",
        "未接触", "未显示",
    ],
    "dont_know": [
        "don't know", "dont know", "do not know", "don’t know", "dk", "dont_know", "unsure",
        "not sure", "cannot say", "can't say", "can't rate", "cannot rate", "no opinion",
        "unable to rate", "unable to answer", "不知道", "不清楚", "说不清", "说不清楚",
        "不确定", "无法评价", "无法回答", "难以回答", "难以评价", "不了解", "不好说",
    ],
    "refused": [
        "refused", "refusal", "prefer not to say", "prefer not to answer", "declined",
        "拒绝回答", "拒答", "不愿回答", "不愿透露", "拒绝",
    ],
    "no_answer": [
        "no answer", "no_answer", "blank", "missing", "not answered", "no response",
        "system missing", "(空)", "空", "未回答", "未作答", "无回答", "缺失", "未填",
    ],
}

_LOOKUP = {}
for _reason, _words in _SYNONYMS.items():
    for _word in _words:
        _LOOKUP[_word] = _reason
for _reason, (_en, _zh) in REASONS.items():
    _LOOKUP[_en.lower()] = _reason
    _LOOKUP[_zh] = _reason


def normalize_text(text: object) -> str:
    """The form answer texts are compared in: full-width folded (NFKC), trimmed, case-folded.

    >>> normalize_text("  （跳过） "), normalize_text("Very Satisfied")
    ('(跳过)', 'very satisfied')
    """
    folded = unicodedata.normalize("NFKC", str(text)).strip().casefold()
    return re.sub(r"\s+", " ", folded).replace("’", "'")


def reason_for_label(label: object) -> str | None:
    """The reason code a label or written reason means, or None when it names none we know.

    Brackets and a leading code are ignored, so "(跳过)", "[Don't know]" and "98 = Don't know"
    all count.

    >>> reason_for_label("Don't Know"), reason_for_label("98 = 不知道"), reason_for_label("dk")
    ('dont_know', 'dont_know', 'dont_know')
    """
    if label is None:
        return None
    text = normalize_text(label)
    if text in _LOOKUP:
        return _LOOKUP[text]
    text = re.sub(r"^-?\d+(\.\d+)?\s*[=:.)\-]?\s*", "", text)  # "98 = Don't know"
    text = text.strip("()[]{}<>*#- ")
    return _LOOKUP.get(text)


def reason_names(lang: str = "en") -> dict[str, str]:
    """Reason code -> its name in ``lang`` ("en" or "zh").

    >>> reason_names("zh")["dont_know"]
    '不知道'
    """
    index = 1 if lang == "zh" else 0
    return {code: names[index] for code, names in REASONS.items()}


#: Values survey platforms use for "don't know", "refused" and "not applicable".
CODE_LIKE = (-999, -99, -98, -97, -9, -8, -7, -1, 9, 97, 98, 99, 997, 998, 999, 9999)

#: The reason each usual code is taken to mean when nothing says otherwise (a guess that
#: ``drivers init`` writes down for the user to check).
USUAL_CODE_REASONS = {97: "refused", 98: "dont_know", 99: "not_applicable", 9: "dont_know",
                      -1: "no_answer", -9: "no_answer", -99: "no_answer", 999: "no_answer"}


def suspect_codes(values) -> list[float]:
    """Values of a rating column that look like missing codes rather than ratings.

    A usual code (97, 98, 99, 9, -1 ...) is suspect when it lies outside the bulk of the
    other values: above their highest by more than one point, or below their lowest.

    >>> suspect_codes([1, 2, 5, 4, 99, 98, 3])
    [98.0, 99.0]
    >>> suspect_codes([0, 9, 10, 7]), suspect_codes([0, 50, 97, 100])
    ([], [])
    """
    import numpy as np

    numbers = np.asarray(values, dtype=float)
    present = np.unique(numbers[np.isfinite(numbers)])
    codes = np.isin(present, CODE_LIKE)
    bulk = present[~codes]
    if not len(bulk) or not codes.any():
        return []
    low, high = bulk.min(), bulk.max()
    return [float(v) for v in present[codes] if v > high + 1 or v < low]


def code_warnings(frame, columns) -> list[str]:
    """One line per column holding values that look like missing codes (see suspect_codes).

    >>> import pandas as pd
    >>> code_warnings(pd.DataFrame({"a": [1, 2, 3, 99, 99]}), ["a"])  # doctest: +NORMALIZE_WHITESPACE
    ["column 'a': 99 (2 rows) lies far outside its other values (1-3); if it means don't know
      or not applicable, pass --missing-codes 99"]
    """
    import pandas as pd

    lines = []
    for column in columns:
        if column not in frame.columns:
            continue
        numbers = pd.to_numeric(frame[column], errors="coerce")
        codes = suspect_codes(numbers)
        if not codes:
            continue
        rest = numbers[~numbers.isin(codes)].dropna()
        counts = ", ".join(f"{c:g} ({int((numbers == c).sum())} rows)" for c in codes)
        listed = ",".join(f"{c:g}" for c in codes)
        verb, it = ("lies", "it means") if len(codes) == 1 else ("lie", "they mean")
        lines.append(f"column {column!r}: {counts} {verb} far outside its other values "
                     f"({rest.min():g}-{rest.max():g}); if {it} don't know or not "
                     f"applicable, pass --missing-codes {listed}")
    return lines
