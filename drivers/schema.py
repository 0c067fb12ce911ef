"""The study-file schema: a strict YAML reader and the models every entry must fit.

Reading a study file takes two steps. :func:`read_yaml` turns the text into plain Python values;
it refuses a key given twice in one mapping (a second ``BX:`` block would silently replace the
first) and an alias "bomb" (a few lines that expand to billions of nodes), and records the line
of every key. :func:`parse_spec` then checks every entry against the pydantic models below:
unknown keys at any depth (with a "did you mean"), wrong types and impossible values each give
one line naming the line number, the entry and what was expected::

    line 14, dimensions.BX.attributes.bx_trust: unknown key 'revers'; did you mean 'reverse'?
    line 3, outcomes.csat: expected a mapping such as {column: csat, kind: csat, scale: [1, 5]}
        or a column name, got 5

The keys themselves are documented in :mod:`drivers.study`.

>>> spec, lines = read_yaml("title: T\\noutcomes:\\n  csat: {column: sat}\\n")
>>> lines[("outcomes", "csat", "column")]
3
>>> read_yaml("a: 1\\na: 2\\n")
Traceback (most recent call last):
...
drivers.study.StudyError: line 2: key 'a' is given twice in one mapping (first on line 1); \
merge the two entries into one
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from drivers.reasons import REASONS, reason_for_label
from drivers.study import OUTCOME_KINDS, StudyError, default_top_box

#: Most nodes a study file may expand to once its aliases are followed. A real study file has
#: a few thousand; an alias bomb has billions.
MAX_NODES = 200_000

#: Delimiters we read, by the names a study file may also use.
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "|": "|", "comma": ",", "semicolon": ";",
              "tab": "\t", "pipe": "|"}

_LANG_KEY = re.compile(r"^(label|title|company|confidentiality)_([a-z]{2})$")


# ---- YAML with line numbers, no duplicate keys, bounded aliases ------------------------------
class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (a construct_mapping that checks first)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _value in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: let the base class say so
                    continue
                if first is not None:
                    raise StudyError(f"line {line}: key {key!r} is given twice in one mapping "
                                     f"(first on line {first}); merge the two entries into one")
                seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(text: str) -> tuple[Any, dict[tuple, int]]:
    """Parse YAML text strictly; returns the value and the line of every key path.

    Parameters
    ----------
    text : str
        The YAML text.

    Returns
    -------
    (object, dict)
        The parsed value, and ``{(key, key, ...): line}`` (1-based) for every mapping key and
        sequence item.

    Raises
    ------
    StudyError
        On invalid YAML, a duplicate key (naming both lines) or more than :data:`MAX_NODES`
        nodes once aliases are expanded.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        size = _expanded_size(node, {}, [])
        if size > MAX_NODES:
            raise StudyError(f"expands to more than {MAX_NODES:,} entries through YAML aliases "
                             f"(&name / *name); refused as an alias bomb")
        value = loader.construct_document(node)
    except RecursionError:
        raise StudyError("is nested too deeply to be a study file") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise StudyError(f"{where}is not valid YAML: {problem}") from None
    finally:
        loader.dispose()
    lines: dict[tuple, int] = {}
    _record_lines(node, (), lines, loader)
    return value, lines


def _expanded_size(node, memo: dict[int, int], stack: list[int]) -> int:
    """Number of nodes once aliases are followed, memoised so a bomb is counted, not walked."""
    key = id(node)
    if key in memo:
        return memo[key]
    if key in stack:  # a recursive alias: refuse rather than loop
        return MAX_NODES + 1
    stack.append(key)
    total = 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            total += _expanded_size(key_node, memo, stack) + _expanded_size(value_node, memo,
                                                                             stack)
            if total > MAX_NODES:
                break
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            total += _expanded_size(item, memo, stack)
            if total > MAX_NODES:
                break
    stack.pop()
    memo[key] = total
    return total


def _record_lines(node, path: tuple, lines: dict[tuple, int], loader: _Loader) -> None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = loader.construct_object(key_node)
            lines.setdefault((*path, key), key_node.start_mark.line + 1)
            _record_lines(value_node, (*path, key), lines, loader)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.setdefault((*path, index), item.start_mark.line + 1)
            _record_lines(item, (*path, index), lines, loader)


# ---- value types ------------------------------------------------------------------------
def _text(value: Any) -> Any:
    """Labels and titles: numbers read as text; yes/no (YAML booleans) refused."""
    if isinstance(value, bool):
        raise ValueError(f"expected text, got {value!r} (YAML reads yes/no/on/off as true/false;"
                         f" put the text in quotes)")
    if isinstance(value, int | float):
        return str(value)
    return value


def _column(value: Any) -> Any:
    """Column names: text, or a number that is read as text (a column called 2024)."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError(f"expected a column name, got {_short(value)}")
    return str(value)


def _scale(value: Any) -> tuple[int, int]:
    if (isinstance(value, list | tuple) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool)
                    and float(v).is_integer() for v in value)
            and value[0] < value[1]):
        return int(value[0]), int(value[1])
    raise ValueError(f"expected a scale [lowest, highest] of whole numbers with lowest < highest,"
                     f" e.g. [1, 5], got {_short(value)}")


def _code(value: Any) -> float | str:
    """A missing code: a number, or a text marker such as "(跳过)" or "N/A"."""
    if isinstance(value, bool) or value is None or isinstance(value, list | dict):
        raise ValueError(f"expected a code (a number or a text such as '(跳过)'), "
                         f"got {_short(value)}")
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(value)
    except ValueError:
        return str(value)


def _reason(value: Any) -> str:
    reason = reason_for_label(value) if isinstance(value, str) else None
    if reason is None:
        raise ValueError(f"expected a reason: one of {', '.join(REASONS)} (or a label such as "
                         f"\"Don't know\" / 不知道), got {_short(value)}")
    return reason


def _codes(value: Any) -> Any:
    """``{98: dont_know}`` or ``[98, 99]`` (reason from the file's labels, else no_answer)."""
    if isinstance(value, list):
        return {code: None for code in value}
    if value is None:
        return {}
    return value


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


Text = Annotated[str, BeforeValidator(_text)]
ColumnName = Annotated[str, BeforeValidator(_column)]
Scale = Annotated[tuple[int, int], BeforeValidator(_scale)]
Code = Annotated[float | str, BeforeValidator(_code)]
Reason = Annotated[str, BeforeValidator(_reason)]
MissingCodes = Annotated[dict[Code, Reason | None], BeforeValidator(_codes)]
#: Answer text -> scale point, e.g. {非常满意: 5, 满意: 4, ...}.
AnswerMap = dict[Annotated[str, BeforeValidator(_text)], int | float]


class _Model(BaseModel):
    """Every entry: unknown keys refused, no silent type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class _Labelled(_Model):
    """An entry with a label and translations (``label_zh``, ``label_ja`` ...)."""

    label: Text | None = None
    translations: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_translations(cls, data: Any) -> Any:
        return _collect_languages(data, "label")


def _collect_languages(data: Any, *stems: str) -> Any:
    """Move ``label_zh`` (and other ``<stem>_<lang>`` keys) into ``translations``."""
    if not isinstance(data, dict):
        return data
    data = dict(data)
    for key in list(data):
        match = _LANG_KEY.match(str(key))
        if match and match.group(1) in stems:
            data.setdefault("translations", {})
            data["translations"] = {**data["translations"],
                                    f"{match.group(1)}_{match.group(2)}": data.pop(key)}
    return data


class ValueSpec(_Labelled):
    """How one value of a segment or wave column is shown: ``{label, label_zh}``."""

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return {"label": data} if isinstance(data, str | int | float) and not isinstance(
            data, bool) else data


class SegmentSpec(_Labelled):
    """A segment column: ``{label, label_zh, values: {code: {label, label_zh}}}``."""

    column: ColumnName | None = None
    values: dict[Code, ValueSpec] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _short_form(data, "column", "a column name or a mapping {column, label, "
                                           "label_zh, values}")


def _short_form(data: Any, key: str, expected: str) -> Any:
    """An entry given as a plain text (``key: text``) or nothing, else the mapping itself."""
    if data is None:
        return {}
    if isinstance(data, str):
        return {key: data}
    if not isinstance(data, dict):
        raise ValueError(f"expected {expected}, got {_short(data)}")
    return _collect_languages(data, "label")


def _names(value: list, what: str) -> dict[str, dict]:
    """A list of column names as a mapping name -> {}, refusing a name listed twice."""
    names = [_column(v) for v in value]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{what} {', '.join(repeated)} listed twice")
    return {name: {} for name in names}


def _segments(value: Any) -> Any:
    """``channel``, ``[channel, region]`` or ``{channel: {label: ...}}`` -> mapping."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {value: {}}
    if isinstance(value, list):
        return _names(value, "segment column(s)")
    if isinstance(value, dict):
        for key, entry in value.items():
            if isinstance(entry, dict) and "column" in entry:
                raise ValueError(f"segment {key!r}: the column is the key ({key}: {{label: ...}});"
                                 f" remove column:")
        return {str(k): ({} if v is None else v) for k, v in value.items()}
    raise ValueError(f"expected a list of column names or a mapping column -> "
                     f"{{label, label_zh, values}}, got {_short(value)}")


def _wave(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"column": str(value)}
    if isinstance(value, dict) and not value.get("column"):
        raise ValueError("expected the wave column: wave: wave, or wave: {column: wave, label: "
                         "Wave, values: {...}}")
    return value


class OutcomeSpec(_Labelled):
    """An outcome: ``{column, kind, scale, top, label, label_zh, missing_codes, value_labels}``."""

    column: ColumnName | None = None
    kind: Literal["csat", "nps", "ces", "rating"] | None = None
    scale: Scale | None = None
    top: int | None = Field(default=None, ge=1)
    missing_codes: MissingCodes = Field(default_factory=dict)
    value_labels: AnswerMap = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _short_form(data, "column", "a mapping such as {column: csat, kind: csat, "
                                           "scale: [1, 5]} or a column name")


class AttributeSpec(_Labelled):
    """A rated attribute: ``{label, label_zh, scale, reverse, missing_codes, value_labels}``."""

    scale: Scale | None = None
    reverse: bool = False
    missing_codes: MissingCodes = Field(default_factory=dict)
    value_labels: AnswerMap = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, data: Any) -> Any:
        return _short_form(data, "label", "a label or a mapping {label, label_zh, scale, "
                                          "reverse, missing_codes}")


def _attributes(value: Any) -> Any:
    if isinstance(value, list):
        return _names(value, "attribute(s)")
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items()}
    raise ValueError("expected a list of column names [a, b] or a mapping column -> "
                     f"{{label, ...}}, got {_short(value)}")


class DimensionSpec(_Labelled):
    """An experience dimension: ``{label, label_zh, attributes: [...] or {...}}``."""

    attributes: Annotated[dict[str, AttributeSpec], BeforeValidator(_attributes)]

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"attributes": data}
        if not isinstance(data, dict):
            raise ValueError("expected a mapping {label, attributes: [...]} or a list of "
                             f"attribute columns, got {_short(data)}")
        return _collect_languages(data, "label")

    @field_validator("attributes")
    @classmethod
    def _not_empty(cls, value: dict) -> dict:
        if not value:
            raise ValueError("has no attributes; list at least one column")
        return value


_HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def _colour(value: Any) -> str:
    if isinstance(value, str) and _HEX_COLOUR.match(value):
        return value.upper()
    raise ValueError(f"expected a colour as #RRGGBB (e.g. '#1F4E79', quoted), got {_short(value)}")


class ColoursSpec(_Model):
    """Brand colours of the report."""

    primary: Annotated[str, BeforeValidator(_colour)] | None = None
    accent: Annotated[str, BeforeValidator(_colour)] | None = None


class ReportSpec(_Model):
    """The ``report:`` block: company, logo, colours, confidentiality line and template."""

    company: Text = ""
    logo: Text | None = None
    colours: ColoursSpec = Field(default_factory=ColoursSpec)
    confidentiality: Text = ""
    template: Text | None = None
    translations: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_translations(cls, data: Any) -> Any:
        return _collect_languages(data, "company", "confidentiality")


def _sheet(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a sheet name or its number (1 = the first sheet), "
                         f"got {_short(value)}")
    if isinstance(value, int) and value < 1:
        raise ValueError(f"sheet numbers start at 1, got {value}")
    return value


def _delimiter(value: Any) -> str:
    if isinstance(value, str) and value in DELIMITERS:
        return DELIMITERS[value]
    raise ValueError(f"expected one of ',' ';' tab '|' (or comma, semicolon, tab, pipe), "
                     f"got {_short(value)}")


class StudySpec(_Model):
    """A whole study file. Keys are documented in :mod:`drivers.study`."""

    title: Text = "Untitled study"
    description: Text = ""
    data: Text | None = None
    allow_outside_folder: bool = False
    encoding: Text | None = None
    delimiter: Annotated[str, BeforeValidator(_delimiter)] | None = None
    decimal: Literal[".", ","] | None = None
    sheet: Annotated[str | int, BeforeValidator(_sheet)] | None = None
    header_row: int | None = Field(default=None, ge=1)
    header_rows: int | None = Field(default=None, ge=1, le=10)
    id: ColumnName | None = None
    weight: ColumnName | None = None
    segments: Annotated[dict[str, SegmentSpec], BeforeValidator(_segments)] = Field(
        default_factory=dict)
    wave: Annotated[SegmentSpec | None, BeforeValidator(_wave)] = None
    second_language: Literal["zh", "ja", "ko", "fr", "de", "es", "pt", "it", "ru"] | None = None
    missing_codes: MissingCodes = Field(default_factory=dict)
    value_labels: dict[str, AnswerMap] = Field(default_factory=dict)
    outcomes: dict[str, OutcomeSpec]
    attribute_scale: Scale = (1, 5)
    dimensions: dict[str, DimensionSpec]
    report: ReportSpec = Field(default_factory=ReportSpec)
    translations: dict[str, Text] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _collect_translations(cls, data: Any) -> Any:
        return _collect_languages(data, "title")

    @field_validator("outcomes")
    @classmethod
    def _some_outcome(cls, value: dict) -> dict:
        if not value:
            raise ValueError("expected at least one outcome, e.g. csat: {column: csat, "
                             "kind: csat, scale: [1, 5]}")
        return value

    @field_validator("dimensions")
    @classmethod
    def _some_dimension(cls, value: dict) -> dict:
        if not value:
            raise ValueError("expected at least one dimension with attributes, e.g. "
                             "BX: {label: Brand experience, attributes: [...]}")
        return value


def outcome_settings(name: str, entry: OutcomeSpec) -> tuple[str, tuple[int, int], int | None]:
    """(kind, scale, top box) of an outcome, defaults filled in; ValueError if they clash.

    >>> outcome_settings("csat", OutcomeSpec(column="sat"))
    ('csat', (1, 5), 2)
    """
    kind = entry.kind or (name if name in OUTCOME_KINDS else "rating")
    scale = entry.scale or OUTCOME_KINDS[kind]["scale"]
    if scale is None:
        raise ValueError("a 'rating' outcome needs a scale, e.g. scale: [1, 10]")
    if kind == "nps" and scale != (0, 10):
        raise ValueError(f"likelihood to recommend (NPS) is read on 0-10, got "
                         f"{scale[0]}-{scale[1]}")
    top = entry.top if entry.top is not None else OUTCOME_KINDS[kind]["top"]
    if kind == "csat" and top is None:
        top = default_top_box(scale)
    if top is not None and not 1 <= top < scale[1] - scale[0] + 1:
        raise ValueError(f"top box {top} does not fit the scale {scale[0]}-{scale[1]}")
    return kind, scale, top


# ---- validation with readable messages ------------------------------------------------------
def parse_spec(spec: Any, lines: dict[tuple, int] | None = None) -> StudySpec:
    """Check a parsed study file against :class:`StudySpec`; every problem one line.

    Parameters
    ----------
    spec : dict
        The parsed study file (or a dict written in Python).
    lines : dict, optional
        Key path -> line, from :func:`read_yaml`, to name the line of each problem.

    Raises
    ------
    StudyError
        Listing every problem.

    Examples
    --------
    >>> parse_spec({"outcomes": {"csat": 5}, "dimensions": {"BX": ["a"]}})
    Traceback (most recent call last):
    ...
    drivers.study.StudyError: outcomes.csat: expected a mapping such as {column: csat, \
kind: csat, scale: [1, 5]} or a column name, got 5
    """
    lines = lines or {}
    if not isinstance(spec, dict):
        raise StudyError("expected a YAML mapping (title:, data:, outcomes:, dimensions: ...)")
    problems = []
    outcomes = spec.get("outcomes")
    for name, entry in (outcomes.items() if isinstance(outcomes, dict) else ()):
        try:
            outcome_settings(str(name), OutcomeSpec.model_validate(entry))
        except ValidationError:
            continue  # reported below with the rest
        except ValueError as problem:
            problems.append(_where(("outcomes", name), lines) + str(problem))
    try:
        model = StudySpec.model_validate(spec)
    except ValidationError as error:
        problems = _messages(error, lines) + problems
    if problems:
        raise StudyError(problems)
    return model


def where(path: tuple, lines: dict[tuple, int]) -> str:
    """'line 12, dimensions.BX: ' for a key path (the nearest line known)."""
    return _where(path, lines)


def _where(path: tuple, lines: dict[tuple, int]) -> str:
    dotted = ".".join(str(p) for p in path)
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return f"line {line}, {dotted}: " if dotted else f"line {line}: "
    return f"{dotted}: " if dotted else ""


def _messages(error: ValidationError, lines: dict[tuple, int]) -> list[str]:
    problems = []
    seen = set()
    for item in error.errors(include_url=False):
        path, message = _explain(item)
        text = _where(_spec_path(path), lines) + message
        if text not in seen:
            seen.add(text)
            problems.append(text)
    return problems


def _spec_path(path: tuple) -> tuple:
    """The YAML path of a model location (``translations`` keys live at the entry's level)."""
    out = []
    for part in path:
        if part == "translations" or str(part).startswith(("function-", "tagged-")):
            continue
        out.append(part)
    return tuple(out)


_REQUIRED = {
    "outcomes": ("missing; expected at least one outcome, e.g. outcomes: {csat: {column: csat, "
                 "kind: csat, scale: [1, 5]}}"),
    "dimensions": ("missing; expected at least one dimension with attributes, e.g. "
                   "dimensions: {BX: {label: Brand experience, attributes: [...]}}"),
    "attributes": "missing; expected the dimension's attribute columns, e.g. attributes: [a, b]",
}

_TYPE_WORDS = {
    "string_type": "expected text", "int_type": "expected a whole number",
    "float_type": "expected a number", "bool_type": "expected true or false",
    "dict_type": "expected a mapping (key: value lines)", "model_type": "expected a mapping",
    "list_type": "expected a list", "tuple_type": "expected a list",
    "missing": "is required", "literal_error": "expected {expected}",
    "greater_than_equal": "expected a number >= {ge}",
    "less_than_equal": "expected a number <= {le}",
    "int_from_float": "expected a whole number",
}


def _explain(item: dict) -> tuple[tuple, str]:
    path = tuple(item["loc"])
    kind = item["type"]
    context = item.get("ctx") or {}
    if kind == "extra_forbidden":
        key = path[-1]
        parent = path[:-1]
        allowed = _allowed_keys(parent)
        hint = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        did_you_mean = f"; did you mean {hint[0]!r}?" if hint else ""
        return path, (f"unknown key {key!r}{did_you_mean} (expected one of "
                      f"{', '.join(allowed)})")
    if kind == "missing" and path[-1] in _REQUIRED:
        return path, _REQUIRED[path[-1]]
    if kind == "value_error":
        return path, str(context.get("error", item["msg"]))
    words = _TYPE_WORDS.get(kind)
    if words is None:
        return path, item["msg"]
    message = words.format(**{k: v for k, v in context.items()})
    if kind != "missing":
        message += f", got {_short(item.get('input'))}"
    return path, message


def _allowed_keys(parent: tuple) -> list[str]:
    """The keys a mapping at ``parent`` may hold (for "did you mean")."""
    model: type[BaseModel] = StudySpec
    for part in parent:
        field = model.model_fields.get(str(part)) if isinstance(part, str) else None
        if field is not None:
            inner = _model_in(field.annotation)
            if inner is None:
                return []
            model = inner
            continue
        # a mapping key (an outcome, a dimension, a column) or a list position: same model
    keys = [name for name in model.model_fields if name != "translations"]
    if "translations" in model.model_fields:
        keys += ["label_zh"] if "label" in model.model_fields else []
        keys += ["title_zh"] if "title" in model.model_fields else []
        if model is ReportSpec:
            keys += ["company_zh", "confidentiality_zh"]
    return keys


def _model_in(annotation: Any) -> type[BaseModel] | None:
    """The model type inside an annotation such as dict[str, OutcomeSpec] or Annotated[...]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    for arg in getattr(annotation, "__metadata__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return _model_in(origin)
    return None


def study_text(path: Path) -> tuple[str, str | None]:
    """The text of a study file and the encoding it was read in (None for UTF-8).

    UTF-8 (with or without a byte-order mark) is tried first, then the encoding a detector
    finds (a file saved as GBK from a Chinese editor).
    """
    from drivers.readers import decode_text

    return decode_text(path.read_bytes(), path, what="study file")
