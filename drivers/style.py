"""House style of every chart: fonts, sizes, palettes and Chinese-capable font discovery.

One place decides how the charts look, so that a priority matrix and a ranking drawn months
apart match. Colours come from the Okabe & Ito (2008) colour-blind-safe palette, and every
experience dimension also has its own marker shape and hatch, so a chart printed in black and
white still tells BX from PX, SX and EX.

Chinese labels need a font with CJK glyphs. :func:`cjk_font` finds one without downloading
anything: the Noto Sans CJK SC file shipped by the optional ``mplfonts`` package, or a CJK
font already installed on the system. The house style puts it behind the Latin font as a
per-glyph fallback, so mixed English/Chinese text renders with real glyphs.

Examples
--------
>>> import matplotlib.pyplot as plt
>>> with use_house_style():
...     fig, ax = plt.subplots()
...     _ = ax.plot([1, 2], [1, 2], **point_style("SX"))
>>> dimension_style("BX")["marker"], dimension_style("SX")["marker"]
('o', '^')
>>> plt.close(fig)
"""

from __future__ import annotations

import importlib.util
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

#: Okabe & Ito (2008) colour-blind-safe colours, by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}

#: Colour, marker and hatch per experience dimension. The grey levels of the four colours
#: differ (dark blue, light orange, mid green, light-mid purple) and the markers and hatches
#: differ too, so each dimension survives black-and-white printing.
DIMENSION_STYLES = {
    "BX": {"color": OKABE_ITO["blue"], "marker": "o", "hatch": "///"},
    "PX": {"color": OKABE_ITO["orange"], "marker": "s", "hatch": "..."},
    "SX": {"color": OKABE_ITO["green"], "marker": "^", "hatch": "xxx"},
    "EX": {"color": OKABE_ITO["purple"], "marker": "D", "hatch": "\\\\\\"},
}

#: Styles handed out, in order, to dimensions outside BX/PX/SX/EX (by their first appearance).
EXTRA_STYLES = (
    {"color": OKABE_ITO["vermillion"], "marker": "v", "hatch": "---"},
    {"color": OKABE_ITO["sky_blue"], "marker": "P", "hatch": "+++"},
    {"color": "#555555", "marker": "X", "hatch": "ooo"},
    {"color": OKABE_ITO["yellow"], "marker": "h", "hatch": "|||"},
)

#: Style of drivers without a dimension.
NO_DIMENSION_STYLE = {"color": "#333333", "marker": "o", "hatch": ""}

#: NPS groups: red-ish detractors, neutral grey passives, blue promoters; hatches for print.
NPS_STYLES = {
    "detractors": {"color": OKABE_ITO["vermillion"], "hatch": "///", "text": "white"},
    "passives": {"color": "#C8C8C8", "hatch": "", "text": "black"},
    "promoters": {"color": OKABE_ITO["blue"], "hatch": "...", "text": "white"},
}

#: The two outcomes when drawn together (trend lines, paired rankings).
OUTCOME_STYLES = {
    "csat": {"color": OKABE_ITO["blue"], "marker": "o", "linestyle": "-"},
    "nps": {"color": OKABE_ITO["vermillion"], "marker": "s", "linestyle": "--"},
    "ces": {"color": OKABE_ITO["green"], "marker": "^", "linestyle": ":"},
}

#: Background tints of the priority-matrix quadrants (light enough for black text on top).
QUADRANT_COLORS = {
    "Fix first": "#F9D9C7",
    "Maintain": "#D4E6F1",
    "Monitor": "#EDEDED",
    "Possible overinvestment": "#FBF0C9",
}

#: Sequential colour map of heatmaps; monotone in lightness, so it prints in grey.
SEQUENTIAL_CMAP = "Blues"

#: Font sizes in points.
FONT_SIZES = {"base": 9.0, "small": 8.0, "label": 7.5, "title": 11.0}

#: Width (in Latin characters; a Chinese character counts two) at which labels wrap.
WRAP_WIDTH = 22

#: Font families that carry CJK glyphs, tried in order among installed fonts.
CJK_FAMILIES = (
    "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
    "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC",
    "Heiti SC", "SimHei", "Noto Sans CJK JP", "Noto Sans CJK TC", "Arial Unicode MS",
)

#: The file of mplfonts we prefer (a sans-serif that matches DejaVu Sans well).
MPLFONTS_FILE = "NotoSansCJKsc-Regular.otf"

#: Punctuation that must not open a line (kept with the character before it).
CLOSING_PUNCTUATION = "、，。；：！？）》」』】,.;:!?)"

#: Punctuation that must not end a line (kept with the word after it).
OPENING_PUNCTUATION = "(（“‘《「『【"

#: Languages whose labels need a CJK font.
CJK_LANGUAGES = ("zh", "ja", "ko")

_warned: set[str] = set()

#: The charts' own words (axis titles, quadrant names, legend entries) in other languages.
CHART_TEXTS = {
    "zh": {
        "Fix first": "优先改进",
        "Maintain": "保持优势",
        "Monitor": "持续观察",
        "Possible overinvestment": "可能过度投入",
        "Performance (mean rating)": "表现（平均评分）",
        "Performance (top-box %)": "表现（高分比例 %）",
        "Importance (share of explained variance)": "重要性（解释方差占比）",
        "Importance": "重要性",
        "importance interval": "重要性置信区间",
        "95% intervals": "95% 置信区间",
        "hollow: quadrant holds in under {p}% of resamples": "空心：象限成立的重抽样不足 {p}%",
        "Share of explained variance": "解释方差占比",
        "NPS-led: matters more for recommending": "NPS主导：对推荐意愿影响更大",
        "CSAT-led: matters more for satisfaction": "CSAT主导：对满意度影响更大",
        "CSAT: share of explained variance": "CSAT：解释方差占比",
        "NPS: share of explained variance": "NPS：解释方差占比",
        "CSAT: importance": "CSAT：重要性",
        "NPS: importance": "NPS：重要性",
        "Detractors": "贬损者",
        "Passives": "中立者",
        "Promoters": "推荐者",
        "Share of respondents": "受访者占比",
        "All": "总体",
        "Score\n(top-box %, NPS points)": "得分\n（高分比例 %，NPS 分值）",
        "Top-box %": "高分比例 %",
        "NPS points": "NPS 分值",
        "Wave": "调查期",
        "CSAT top box": "CSAT 高分",
        "CSAT not top box": "CSAT 非高分",
        "NPS group": "NPS 分组",
        "% of all respondents": "占全部受访者 %",
        "% of the CSAT group": "占 CSAT 分组 %",
        "% of the NPS group": "占 NPS 分组 %",
        "weighted respondents": "加权受访者",
        "cross-hairs of": "分界线：",
        "Penalty (bottom box vs middle)": "惩罚（低分 vs 中间）",
        "Reward (top box vs middle)": "奖励（高分 vs 中间）",
        "hollow: not significant": "空心：不显著",
        "Basic: low rating hurts": "基本因素：低分伤害大",
        "Performance: both": "绩效因素：双向影响",
        "Delighter: high rating lifts": "兴奋因素：高分提升大",
        "No clear effect": "无明显影响",
        "Change in the outcome (points): penalty of a low rating (left), reward of a high "
        "rating (right)": "结果变化（分）：低分的惩罚（左），高分的奖励（右）",
        "Difference from the other respondents (Cohen's d)": "与其他受访者的差异（Cohen's d）",
        "|d| < 0.2: small": "|d| < 0.2：差异小",
        "interval": "置信区间",
        "Satisfied, not promoting": "满意但不推荐",
        "Satisfied, not promoting (incl. passives)": "满意但不推荐（含中立者）",
        "Promoting, not satisfied": "推荐但不满意",
    },
}



def dimension_style(dimension: str | None, order: list[str] | None = None) -> dict[str, str]:
    """Colour, marker and hatch of a dimension.

    Parameters
    ----------
    dimension : str or None
        ``BX``, ``PX``, ``SX``, ``EX`` or any other dimension name; None for no dimension.
    order : list of str, optional
        All dimension names of the chart in order of appearance; other names get the
        :data:`EXTRA_STYLES` by their position among the non-standard names.

    Returns
    -------
    dict
        ``color``, ``marker``, ``hatch``.

    Examples
    --------
    >>> dimension_style("PX")["color"]
    '#E69F00'
    >>> dimension_style("CX", order=["BX", "CX"])["marker"]
    'v'
    """
    if dimension is None or (isinstance(dimension, float) and dimension != dimension):
        return dict(NO_DIMENSION_STYLE)
    if dimension in DIMENSION_STYLES:
        return dict(DIMENSION_STYLES[dimension])
    others = [d for d in (order or [dimension]) if d not in DIMENSION_STYLES]
    position = others.index(dimension) if dimension in others else 0
    return dict(EXTRA_STYLES[position % len(EXTRA_STYLES)])


def point_style(dimension: str | None, order: list[str] | None = None) -> dict:
    """Keyword arguments for ``ax.plot``/``ax.scatter``-like markers of one dimension.

    >>> sorted(point_style("BX"))
    ['color', 'linestyle', 'marker', 'markeredgecolor', 'markeredgewidth', 'markersize']
    """
    style = dimension_style(dimension, order)
    return {"color": style["color"], "marker": style["marker"], "linestyle": "none",
            "markersize": 7.0, "markeredgecolor": "black", "markeredgewidth": 0.7}


def house_rc(lang: str = "en") -> dict:
    """The rcParams of the house style.

    Parameters
    ----------
    lang : str
        Label language; the CJK fallback font is added whenever one is found (so Chinese text
        anywhere renders), ``lang`` only decides whether a missing one is warned about.

    Returns
    -------
    dict
        rcParams: fonts (Latin first, CJK fallback), sizes, grid, axes, and the settings that
        make saved files reproducible (``svg.hashsalt``, font embedding).

    Examples
    --------
    >>> house_rc()["svg.hashsalt"]
    'drivers'
    """
    import matplotlib as mpl

    families = ["DejaVu Sans"]
    cjk = cjk_font()
    if cjk is not None:
        families.append(cjk)
    elif lang in CJK_LANGUAGES:
        _warn_once("no-cjk-font", "no font with Chinese glyphs found (install the 'cjk' extra: "
                   "pip install mplfonts); Chinese text will show as empty boxes")
    return {
        # An explicit list, not "sans-serif": matplotlib falls back glyph by glyph only along
        # the listed families, and a generic family resolves to a single font.
        "font.family": families,
        "font.sans-serif": [*families, *mpl.rcParamsDefault["font.sans-serif"]],
        "font.size": FONT_SIZES["base"],
        "axes.titlesize": FONT_SIZES["title"],
        # Normal weight: the bundled CJK font has no bold, and mixed weights look broken.
        "axes.titleweight": "normal",
        "axes.titlelocation": "left",
        "axes.labelsize": FONT_SIZES["base"],
        "xtick.labelsize": FONT_SIZES["small"],
        "ytick.labelsize": FONT_SIZES["small"],
        "legend.fontsize": FONT_SIZES["small"],
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#333333",
        "axes.linewidth": 0.8,
        "axes.grid": False,
        "grid.color": "#DDDDDD",
        "grid.linewidth": 0.6,
        "axes.unicode_minus": True,
        "hatch.linewidth": 0.6,
        "figure.dpi": 100,
        "savefig.dpi": 150,
        "savefig.facecolor": "white",
        "figure.facecolor": "white",
        # Reproducible files: fixed SVG ids, TrueType fonts embedded whole in PDF/PS.
        "svg.hashsalt": "drivers",
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
    }


@contextmanager
def use_house_style(lang: str = "en") -> Iterator[dict]:
    """Context in which new figures, axes and texts take the house style.

    Fonts are fixed when a text is created, so a chart built inside the context keeps its
    fonts when it is saved outside.

    >>> import matplotlib.pyplot as plt
    >>> with use_house_style() as rc:
    ...     plt.rcParams["font.size"] == rc["font.size"]
    True
    """
    import matplotlib as mpl

    rc = house_rc(lang)
    with mpl.rc_context(rc):
        yield rc


def save_metadata(fmt: str) -> dict:
    """``metadata=`` for ``savefig`` that keeps files byte-identical between runs.

    Parameters
    ----------
    fmt : str
        File format (``png``, ``pdf``, ``svg``, ...).

    Returns
    -------
    dict
        No creation date (PDF, SVG) and a fixed software tag.

    >>> save_metadata("pdf")
    {'Creator': 'drivers', 'Producer': None, 'CreationDate': None}
    """
    fmt = fmt.lower().lstrip(".")
    if fmt == "pdf":
        return {"Creator": "drivers", "Producer": None, "CreationDate": None}
    if fmt == "svg":
        return {"Creator": "drivers", "Date": None}
    if fmt == "png":
        return {"Software": "drivers"}
    return {}


# ---------------------------------------------------------------- CJK fonts


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """Family name of a font with Chinese glyphs, registered with matplotlib; None if none.

    Looks first for the Noto Sans CJK SC file shipped by the ``mplfonts`` package (found by
    its install location, without importing it), then for any installed font of
    :data:`CJK_FAMILIES` that really has the glyphs. Nothing is downloaded.

    Returns
    -------
    str or None
        The family name to put in ``font.sans-serif``.

    Examples
    --------
    >>> name = cjk_font()
    >>> name is None or has_glyphs("品牌体验", name)
    True
    """
    from matplotlib import font_manager

    spec = importlib.util.find_spec("mplfonts")
    if spec is not None and spec.submodule_search_locations:
        for folder in spec.submodule_search_locations:
            path = Path(folder) / "fonts" / MPLFONTS_FILE
            if path.is_file():
                font_manager.fontManager.addfont(str(path))
                name = font_manager.FontProperties(fname=str(path)).get_name()
                if has_glyphs("中文", name):
                    return name
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in installed and has_glyphs("中文", family):
            return family
    return None


def has_glyphs(text: str, family: str) -> bool:
    """Whether the font matplotlib picks for ``family`` draws every character of ``text``.

    >>> has_glyphs("Brand", "DejaVu Sans"), has_glyphs("品牌", "DejaVu Sans")
    (True, False)
    """
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    try:
        path = font_manager.findfont(font_manager.FontProperties(family=family),
                                     fallback_to_default=False)
    except ValueError:
        return False
    font = FT2Font(path)
    return all(font.get_char_index(ord(ch)) != 0 for ch in text if not ch.isspace())


def label_for(study, name: str, lang: str = "en") -> str:
    """Label of an attribute, dimension or outcome for a chart in ``lang``.

    Parameters
    ----------
    study : Study
        The study whose labels to use.
    name : str
        Attribute column, dimension or outcome name.
    lang : str
        ``"en"`` or the study's second language (e.g. ``"zh"``).

    Returns
    -------
    str
        The second-language label when asked for, present and renderable; otherwise the
        English label. A warning is given once per reason: the study has no labels in
        ``lang``, or no CJK font was found for Chinese.

    Examples
    --------
    >>> from drivers import load_study, bank_loan_study_file
    >>> study = load_study(bank_loan_study_file())
    >>> label_for(study, "BX", "en")
    'Brand experience'
    >>> label_for(study, "BX", "zh") if cjk_font() else '品牌体验'
    '品牌体验'
    """
    if lang == "en":
        return study.label(name, "en")
    if lang != study.second_language:
        _warn_once(f"lang-{lang}", f"the study has no {lang!r} labels (its second language is "
                   f"{study.second_language!r}); using English labels")
        return study.label(name, "en")
    if lang in CJK_LANGUAGES and cjk_font() is None:
        _warn_once("no-cjk-font-labels", "no font with Chinese glyphs found (install the 'cjk' "
                   "extra: pip install mplfonts); using English labels")
        return study.label(name, "en")
    return study.label(name, lang)


def chart_text(text: str, lang: str = "en") -> str:
    """A chart's own words (axis titles, quadrant names) in ``lang``; English if unknown.

    >>> chart_text("Fix first", "zh") if cjk_font() else "优先改进"
    '优先改进'
    >>> chart_text("Fix first", "en")
    'Fix first'
    """
    if lang in CJK_LANGUAGES and cjk_font() is None:
        return text
    return CHART_TEXTS.get(lang, {}).get(text, text)


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        warnings.warn(message, UserWarning, stacklevel=3)


# ---------------------------------------------------------------- text


def text_width(text: str) -> int:
    """Display width in Latin characters: East Asian wide characters count two.

    >>> text_width("abc"), text_width("品牌")
    (3, 4)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def wrap_label(text: str, width: int = WRAP_WIDTH, segment: bool | None = None) -> str:
    """Wrap a label into balanced lines of at most ``width`` display characters.

    Latin text breaks at spaces (a word longer than a line is split); Chinese text, which has
    no spaces, breaks between words found by the jieba segmenter (``segment``, on by default
    for text with Chinese characters), so 授信额度 never splits into 授信额 / 度; a word
    longer than a line is split between characters. The line count is the fewest that fit ``width``,
    and among the layouts with that many lines the one breaking after punctuation, then the
    most even one, wins (so no one-character last line).

    Examples
    --------
    >>> print(wrap_label("The agent explained the impact on my credit report"))
    The agent explained
    the impact on my
    credit report
    >>> print(wrap_label("客服清楚解释额度、利息及其他费用"))
    客服清楚解释额度、
    利息及其他费用
    >>> print(wrap_label("额度可循环使用、随借随还"))
    额度可循环使用、
    随借随还
    >>> print(wrap_label("授信额度(最高30万元)满足需要", 16))
    授信额度(最高
    30万元)满足需要
    """
    wrapped = []
    for paragraph in str(text).split("\n"):
        use = segment if segment is not None else any(text_width(ch) == 2 for ch in paragraph)
        tokens = _tokens(paragraph, use)
        lines = _greedy_wrap(tokens, width)
        if len(lines) > 1:
            # Same number of lines, but prefer breaks after punctuation (Chinese has no
            # spaces to break at), then the most even lines.
            best = None
            for target in range(-(-text_width(paragraph) // len(lines)), width + 1):
                trial = _greedy_wrap(tokens, target)
                if len(trial) != len(lines):
                    continue
                breaks = sum(line[-1:] in CLOSING_PUNCTUATION for line in trial[:-1] if line)
                key = (-breaks, max(text_width(line) for line in trial))
                if best is None or key < best[0]:
                    best = (key, trial)
            lines = best[1] if best is not None else lines
        wrapped.extend(lines)
    return "\n".join(wrapped)


def _greedy_wrap(tokens: list[str], width: int) -> list[str]:
    lines: list[str] = []
    line = ""
    for token in tokens:
        candidate = (line + token) if line else token.lstrip()
        if line and text_width(candidate.rstrip()) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line = candidate
        while text_width(line.rstrip()) > width:
            head, line = _split_at_width(line, width)
            lines.append(head)
    lines.append(line.rstrip())
    return lines


def _tokens(text: str, segment: bool = False) -> list[str]:
    """Words with their leading space; Chinese words (jieba) or single wide characters."""
    if segment:
        return _word_tokens(text)
    tokens: list[str] = []
    current = ""
    for ch in text:
        wide = unicodedata.east_asian_width(ch) in ("W", "F")
        if ch in CLOSING_PUNCTUATION and tokens and not current:
            # Chinese typography never starts a line with closing punctuation.
            tokens[-1] += ch
        elif wide:
            if current:
                tokens.append(current)
            tokens.append(ch)
            current = ""
        elif ch == " " and current.strip():
            tokens.append(current)
            current = " "
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


def _word_tokens(text: str) -> list[str]:
    """Tokens at word boundaries: jieba's words for Chinese, spaces for Latin text.

    Closing punctuation stays with the word before it (a line never starts with it); a
    Latin word keeps its leading space.
    """
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokens: list[str] = []
    for word in jieba.cut(text, HMM=False):
        if word == " ":
            tokens.append(" ")
        elif tokens and (word[0] in CLOSING_PUNCTUATION or tokens[-1] == " "
                         or tokens[-1][-1] in OPENING_PUNCTUATION
                         or tokens[-1][-1].isdigit()
                         or (tokens[-1][-1].isascii() and tokens[-1][-1].isalnum()
                             and word[0].isascii() and word[0].isalnum())):
            tokens[-1] += word
        else:
            tokens.append(word)
    return [t for t in tokens if t]


def _split_at_width(line: str, width: int) -> tuple[str, str]:
    used = 0
    for i, ch in enumerate(line):
        used += text_width(ch)
        if used > width:
            return line[:i], line[i:]
    return line, ""
