"""Every text the package shows a reader, per language, from message catalogs keyed by id.

One YAML file per language sits beside this module (``en.yaml``, ``zh.yaml``): message ids
grouped by where the text appears, each a Python format string with named parameters. A
translator edits a file, not Python; adding a language means adding a file with the same ids
and parameters. Nothing is ever translated from an English sentence: code asks for an id.

Why YAML and not gettext ``.po`` files: gettext keys a message by its English source text,
which is what made the old Chinese report depend on English wording; the report needs stable
ids, lists (the method paragraphs, the steps) and per-language settings (the interval
convention, the line-breaking rule), which a YAML mapping holds directly; PyYAML is already a
dependency and there is no compile step (``.mo``).

The :class:`Words` of a language also hold its conventions for numbers: one minus sign, one
way of writing an interval and a bracket, one list separator, so that every table, sentence
and chart of a report writes them alike.

Examples
--------
>>> en, zh = words("en"), words("zh")
>>> en("summary.title"), zh("summary.title")
('Executive summary', '执行摘要')
>>> en.interval(en.pct(0.651), en.pct(0.712)), zh.interval(zh.pct(0.651), zh.pct(0.712))
('65% to 71%', '65% 至 71%')
>>> en.points(-4.5, signed=True, digits=1), en.bracket("n = 12"), zh.bracket("n = 12")
('−4.5', ' (n = 12)', '（n = 12）')
>>> en.join(["a", "b", "c"]), zh.join(["甲", "乙", "丙"])
('a, b and c', '甲、乙和丙')
"""

from __future__ import annotations

import datetime as dt
import string
from functools import cache
from pathlib import Path

import yaml

CATALOG_DIR = Path(__file__).resolve().parent


def languages() -> list[str]:
    """The languages that have a catalog, by file name (``en``, ``zh``, ...).

    >>> {"en", "zh"} <= set(languages())
    True
    """
    return sorted(p.stem for p in CATALOG_DIR.glob("*.yaml"))


@cache
def catalog(lang: str) -> dict:
    """The parsed catalog of ``lang`` (a nested mapping of message ids)."""
    path = CATALOG_DIR / f"{lang}.yaml"
    if not path.is_file():
        raise ValueError(f"no messages in language {lang!r}; available: {', '.join(languages())}")
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def flat_ids(tree: dict, prefix: str = "") -> dict[str, object]:
    """Every message id of a catalog (``"summary.title"``) with its value."""
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flat_ids(value, name + "."))
        else:
            out[name] = value
    return out


def parameters(message) -> set[str]:
    """Names of the ``{parameters}`` of a message (or of every string of a list).

    >>> sorted(parameters("{n:,} of {total:,}"))
    ['n', 'total']
    """
    texts = message if isinstance(message, list) else [message]
    names = set()
    for text in texts:
        if isinstance(text, str):
            names |= {field.split(".")[0].split("[")[0]
                      for _, field, _, _ in string.Formatter().parse(text) if field}
    return names


class Words:
    """The messages and number conventions of one language.

    Call it with a message id and the message's parameters: ``w("drivers.title", o="CSAT")``.
    """

    def __init__(self, lang: str):
        self.lang = lang
        self._flat = flat_ids(catalog(lang))
        self._english = flat_ids(catalog("en")) if lang != "en" else self._flat

    def __call__(self, key: str, **params) -> str:
        text = self.raw(key)
        return text.format(**params) if params else text

    def raw(self, key: str):
        """The message as stored (a string or a list), without formatting."""
        if key in self._flat:
            return self._flat[key]
        if key in self._english:  # a catalog behind the English one: never silent in tests
            raise KeyError(f"message {key!r} is missing from the {self.lang!r} catalog")
        raise KeyError(f"no message {key!r}")

    def keys(self, prefix: str) -> list[str]:
        """The ids under ``prefix`` (``"workbook.sheets"`` -> ``["README", ...]``)."""
        start = prefix + "."
        return [k[len(start):] for k in self._flat if k.startswith(start)]

    def has(self, key: str) -> bool:
        return key in self._flat

    # -- settings
    @property
    def typst_lang(self) -> str:
        return self.raw("language.typst")

    @property
    def wrap_rule(self) -> str:
        return self.raw("language.wrap")

    # -- numbers
    def number(self, value: float, digits: int = 0, signed: bool = False) -> str:
        """A number with this language's minus sign; ``-0`` and ``+0`` print as ``0``."""
        if value is None or value != value:
            return "–"
        if round(value, digits) == 0:
            value = 0.0
        text = f"{value:+.{digits}f}" if signed and value != 0 else f"{value:.{digits}f}"
        return text.replace("-", self.raw("format.minus"))

    def pct(self, share: float, digits: int = 0) -> str:
        """A share (0-1) as a percentage."""
        if share is None or share != share:
            return "–"
        return self.raw("format.percent").format(value=self.number(100 * share, digits))

    def percent(self, value: float, digits: int = 0) -> str:
        """A value already in percent (a top-box score)."""
        if value is None or value != value:
            return "–"
        return self.raw("format.percent").format(value=self.number(value, digits))

    def points(self, value: float, signed: bool = False, digits: int = 0) -> str:
        return self.raw("format.points").format(value=self.number(value, digits, signed))

    def interval(self, low: str, high: str) -> str:
        """Two formatted bounds as an interval (``65% to 71%``)."""
        if low == "–" or high == "–":
            return "–"
        return self.raw("format.interval").format(low=low, high=high)

    def bracket(self, inner: str) -> str:
        """Text in brackets after a word, with this language's brackets and spacing."""
        return self.raw("format.bracket").format(inner=inner)

    def join(self, items) -> str:
        """A list in running text: ``a, b and c``."""
        items = [str(i) for i in items]
        if len(items) <= 1:
            return "".join(items)
        return self.raw("format.list_separator").join(items[:-1]) + \
            self.raw("format.list_last") + items[-1]

    def date(self, value) -> str:
        """A date (ISO string or date) written out; empty for None."""
        if value is None:
            return ""
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        months = self.raw("format.months")
        return self.raw("format.date").format(day=day.day, month=day.month, year=day.year,
                                              month_name=months[day.month - 1])

    def wrap(self, text: str, width: int) -> str:
        """A label wrapped at word boundaries (spaces; Chinese words by jieba)."""
        from drivers.style import wrap_label

        return wrap_label(text, width, segment=self.wrap_rule == "jieba")


@cache
def words(lang: str) -> Words:
    """The :class:`Words` of ``lang`` (cached)."""
    return Words(lang)
