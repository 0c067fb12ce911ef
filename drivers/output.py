"""Writing outputs safely: checked before any work, written whole or not at all, opened right.

Three promises, one place each:

- :func:`check_output` refuses, before any work, an output that would overwrite something the
  user gave (the study file, its data, a logo ...; compared after resolving ``..``, symlinks and
  hard links), a folder, a missing or unwritable folder, an ending the command cannot write, or
  the same file named for two outputs. Each refusal is one line naming the path and what was
  expected (an :class:`OutputError`).
- :func:`write_together` (and :func:`atomic_write`, its one-file case) writes to temporary files
  beside the targets and renames them into place only when every writer succeeded; any failure,
  a full disk or Ctrl-C included, removes the temporary files and leaves older files as they
  were (a :class:`WriteError` names the target).
- :func:`write_table` writes what Excel opens right: CSV as UTF-8 with a byte-order mark (Excel
  on Chinese Windows otherwise guesses GBK and garbles the labels); workbooks with typed numbers
  and number formats, a README sheet first when given, a frozen header, an autofilter, column
  widths (CJK characters count double), unique sheet names within Excel's 31 characters, and
  text that Excel would take for a formula (``=``, ``+``, ``-``, ``@``) kept as text.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> survey = folder / "survey.csv"
>>> _ = atomic_write(survey, lambda tmp: tmp.write_text("a,b\\n1,2\\n"))
>>> survey.read_text()
'a,b\\n1,2\\n'
>>> check_output(folder / "sub" / ".." / "survey.csv", inputs=[survey], label="--out")
... # doctest: +ELLIPSIS
Traceback (most recent call last):
...
drivers.output.OutputError: --out ...survey.csv: is the input ...survey.csv; choose a new file name (nothing you give is overwritten)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fnmatch
import math
import numbers
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

#: Endings the table writers accept, and the figure endings the commands offer.
TABLE_SUFFIXES = (".csv", ".xlsx")
FIGURE_SUFFIXES = (".png", ".pdf", ".svg")
#: CSV text encoding: UTF-8 with a byte-order mark, so that Excel reads it as UTF-8.
CSV_ENCODING = "utf-8-sig"
#: Excel's limits: characters in a sheet name, rows in a sheet (header included).
SHEET_NAME_LIMIT = 31
EXCEL_MAX_ROWS = 1_048_576
#: A text cell starting with one of these is a formula to Excel (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Number formats given to columns when the caller names none (glob patterns on column names).
DEFAULT_FORMATS = {"n": "#,##0", "n_*": "#,##0"}
#: Column widths in characters: at least, at most, and the rows sampled to measure them.
WIDTH_RANGE = (8, 60)
WIDTH_SAMPLE = 1000


class OutputError(ValueError):
    """An output the command refuses to write (named in the message, with what was expected)."""


class WriteError(OSError):
    """Writing an output failed (disk full, permission ...); nothing was written."""


# ---- before any work -----------------------------------------------------------------------
def check_output(path: str | Path, inputs: Iterable[str | Path | None] = (),
                 suffixes: Iterable[str] = (), *, label: str | None = None,
                 outputs: Iterable[str | Path | None] = ()) -> Path:
    """Refuse an output path that is unsafe or unusable, before any work is done.

    Parameters
    ----------
    path : str or Path
        The file to be written.
    inputs : iterable of paths
        Every file the command reads (study file, data file, logo, template ...); ``None``
        entries are skipped. The output may be none of them.
    suffixes : iterable of str
        Accepted endings (``".csv"``, ``".xlsx"``), compared case-insensitively; empty accepts
        any.
    label : str, optional
        How the user named the path (``"--out"``), to start the message with.
    outputs : iterable of paths
        Other outputs of the same command; the output may be none of them either.

    Returns
    -------
    Path
        ``path``, unchanged.

    Raises
    ------
    OutputError
        One line naming the path and what was expected, when the path is a folder, has an
        ending not in ``suffixes``, is one of ``inputs`` or ``outputs`` (after resolving
        ``..`` and symlinks, or the same file through a hard link), exists but is not a regular
        file (a device, a pipe), or lies in a folder that does not exist or cannot be written.

    Notes
    -----
    Whether the folder can be written is tried, not guessed from permission bits (which root
    ignores): a temporary file is created there and removed at once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> check_output(folder / "table.xlsx", suffixes=(".csv", ".xlsx")).name
    'table.xlsx'
    >>> check_output(folder / "chart.gif", suffixes=(".png", ".svg"), label="--chart")
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    drivers.output.OutputError: --chart ...chart.gif: cannot write a .gif file; expected a name ending in .png or .svg
    """
    shown = f"{label} {path}" if label else str(path)
    path = Path(path)
    allowed = tuple(s.lower() for s in suffixes)
    if path.is_dir():
        example = f" such as {path / ('table' + allowed[0])}" if allowed else ""
        raise OutputError(f"{shown}: is a folder; expected a file name{example}")
    # An input named as output is the most important thing to say, whatever its ending.
    for given in inputs:
        if given is not None and same_file(path, given):
            raise OutputError(f"{shown}: is the input {given}; choose a new file name (nothing "
                              f"you give is overwritten)")
    if allowed and path.suffix.lower() not in allowed:
        kind = f"a {path.suffix} file" if path.suffix else "a file without an ending"
        raise OutputError(f"{shown}: cannot write {kind}; expected a name ending in "
                          f"{_either(allowed)}")
    for other in outputs:
        if other is not None and same_file(path, other):
            raise OutputError(f"{shown}: is also the output {other}; give each output its own "
                              f"file name")
    if path.exists() and not path.is_file():
        raise OutputError(f"{shown}: exists and is not a regular file (a device, pipe or "
                          f"socket); expected a file name")
    folder = _resolved(path).parent
    if not folder.is_dir():
        raise OutputError(f"{shown}: the folder {path.parent} does not exist; create it first "
                          f"or write elsewhere")
    try:
        handle, probe = tempfile.mkstemp(prefix=".drivers-probe-", dir=folder)
    except OSError as error:
        raise OutputError(f"{shown}: cannot write in the folder {path.parent} "
                          f"({error.strerror or error}); expected a writable folder") from None
    os.close(handle)
    os.unlink(probe)
    return path


def same_file(first: str | Path, second: str | Path) -> bool:
    """True when two paths name one file: equal after resolving, or the same inode.

    >>> same_file("data/../data/x.csv", "data/x.csv")
    True
    """
    if _resolved(Path(first)) == _resolved(Path(second)):
        return True
    try:
        return os.path.samefile(first, second)
    except (OSError, ValueError):  # either does not exist (or is not a valid path)
        return False


def _resolved(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # a symlink loop: compare as written
        return path.absolute()


def study_inputs(study) -> list[Path]:
    """Every file a study was read from: study file, data file and any report logo or template.

    Paths in the study's ``report:`` block are relative to the study file. Use it as
    ``check_output(path, inputs=study_inputs(study))``.
    """
    files = [study.study_file, study.source]
    brand = getattr(study, "report", None)
    for name in ("logo", "template"):
        value = getattr(brand, name, None)
        if value:
            value = Path(value)
            if not value.is_absolute() and study.study_file is not None:
                value = Path(study.study_file).parent / value
            files.append(value)
    return [Path(f) for f in files if f]


def _either(choices: tuple[str, ...]) -> str:
    return choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"


# ---- writing, whole or not at all ----------------------------------------------------------
@contextlib.contextmanager
def write_together(*paths: str | Path) -> Iterator[list[Path]]:
    """Temporary files beside ``paths``, renamed into place together at a clean exit.

    Write each output to its temporary path inside the ``with`` block. When the block ends
    without an exception every temporary file replaces its target; when anything fails (an
    exception, a full disk, Ctrl-C) every temporary file is removed and no target changes. If
    one rename fails after another succeeded, the earlier targets are put back as they were.

    Raises
    ------
    WriteError
        An ``OSError`` while writing or renaming, naming the target instead of the temporary
        file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> try:
    ...     with write_together(folder / "report.pdf", folder / "tables.xlsx") as (pdf, book):
    ...         _ = pdf.write_bytes(b"%PDF-")
    ...         raise RuntimeError("the workbook failed")
    ... except RuntimeError:
    ...     pass
    >>> sorted(p.name for p in folder.iterdir())
    []
    """
    targets = [Path(p) for p in paths]
    for i, target in enumerate(targets):
        if any(same_file(target, other) for other in targets[:i]):
            raise ValueError(f"{target}: named twice among the files to write")
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, name = tempfile.mkstemp(prefix=f".{target.stem}-", suffix=target.suffix,
                                            dir=target.parent)
            os.close(handle)
            temps.append(Path(name))
        try:
            yield list(temps)
            # mkstemp makes files private (0600); give them the permissions of any new file.
            mode = 0o666 & ~_umask()
            for tmp in temps:
                os.chmod(tmp, mode)
            _replace_all(temps, targets)
        except Exception as error:
            failed = _as_os_error(error)
            if failed is None:
                raise
            raise _write_error(failed, temps, targets) from error
    finally:
        for tmp in temps:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded.

    The one-file case of :func:`write_together`.
    """
    path = Path(path)
    with write_together(path) as (tmp,):
        write(tmp)
    return path


def _replace_all(temps: list[Path], targets: list[Path]) -> None:
    """Rename every temporary file onto its target; on failure, undo the renames done."""
    if len(targets) == 1:
        os.replace(temps[0], targets[0])  # atomic on its own
        return
    done: list[tuple[Path, Path | None]] = []
    try:
        for tmp, target in zip(temps, targets, strict=True):
            backup = None
            if target.exists():
                handle, name = tempfile.mkstemp(prefix=f".{target.stem}-old-", dir=target.parent)
                os.close(handle)
                backup = Path(name)
                os.replace(target, backup)
            done.append((target, backup))
            os.replace(tmp, target)
    except BaseException:
        for target, backup in reversed(done):
            with contextlib.suppress(OSError):
                if backup is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(backup, target)
        raise
    for _, backup in done:
        if backup is not None:
            backup.unlink(missing_ok=True)


def _as_os_error(error: BaseException) -> OSError | None:
    """The system error behind a failed write, also when a library wrapped it.

    lxml (which openpyxl and python-pptx write through) reports a full disk or a file-size
    limit as ``SerialisationError("IO_ENOSPC")``, not as an ``OSError``.

    >>> class SerialisationError(Exception): pass
    >>> _as_os_error(SerialisationError("IO_EFBIG")).strerror
    'File too large'
    >>> _as_os_error(KeyError("x")) is None
    True
    """
    if isinstance(error, OSError):
        return error
    found = re.search(r"\bIO_(E[A-Z]+)\b", str(error))
    code = getattr(errno, found.group(1), None) if found else None
    if type(error).__name__ != "SerialisationError" or code is None:
        return None
    return OSError(code, os.strerror(code))


def _write_error(error: OSError, temps: list[Path], targets: list[Path]) -> WriteError:
    """The error of a failed write, naming the target rather than the temporary file."""
    names = {str(tmp): target for tmp, target in zip(temps, targets, strict=True)}
    target = names.get(str(error.filename)) if error.filename else None
    if target is None:
        target = targets[0] if len(targets) == 1 else ", ".join(map(str, targets))
    code = error.errno if error.errno is not None else errno.EIO
    return WriteError(code, error.strerror or str(error), str(target))


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# ---- tables --------------------------------------------------------------------------------
def write_table(tables: pd.DataFrame | Mapping[str, pd.DataFrame], path: str | Path, *,
                formats: Mapping[str, str] | None = None, readme: pd.DataFrame | None = None,
                encoding: str = CSV_ENCODING) -> Path:
    """Write one table to .csv or .xlsx, or several (sheet name -> table) to one .xlsx.

    Parameters
    ----------
    tables : DataFrame or mapping of str -> DataFrame
        The table, or the tables in sheet order. The index is not written.
    path : str or Path
        A ``.csv`` (one table) or ``.xlsx`` file, written atomically.
    formats : mapping of str -> str, optional
        Excel number format per column, keyed by column name or glob pattern (``"share*"``):
        ``"0.0%"``, ``"0.00"``, ``"#,##0"``, ``"0"``. Added to :data:`DEFAULT_FORMATS` (counts
        ``n`` and ``n_*`` as ``#,##0``); a column named here wins over a pattern.
    readme : DataFrame, optional
        Written as the first sheet, ``README`` (what the workbook holds, how to read it).
    encoding : str
        Text encoding of a CSV file; UTF-8 with a byte-order mark by default.

    Returns
    -------
    Path
        ``path``.

    Notes
    -----
    Every sheet gets a frozen header row, an autofilter over the table and column widths from
    its header and first :data:`WIDTH_SAMPLE` rows (East Asian wide characters count two).
    Sheet names are cleaned of the characters Excel forbids and made unique within
    :data:`SHEET_NAME_LIMIT` characters by :func:`sheet_names`. Numbers stay numbers (NaN an
    empty cell, infinities the text ``inf``); text is always text, and text that Excel would
    read as a formula is stored with Excel's quote prefix, as typing ``'=...`` does. In a CSV
    file text is written as it is: a CSV is for programs, the workbook is for Excel.

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> table = pd.DataFrame({"driver": ["=rate", "fees"], "share": [0.6, -0.1], "n": [1200, 80]})
    >>> path = write_table({"drivers": table}, folder / "t.xlsx", formats={"share": "0.0%"},
    ...                    readme=pd.DataFrame({"sheet": ["drivers"], "holds": ["shares"]}))
    >>> book = openpyxl.load_workbook(path)
    >>> book.sheetnames, book["drivers"]["A2"].data_type, book["drivers"]["B3"].value
    (['README', 'drivers'], 's', -0.1)
    >>> book["drivers"]["B2"].number_format, book["drivers"]["C2"].number_format
    ('0.0%', '#,##0')
    >>> write_table(table, folder / "t.csv").read_bytes()[:3] == b"\\xef\\xbb\\xbf"
    True
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise OutputError(f"{path}: can write tables to {_either(TABLE_SUFFIXES)} files, not "
                          f"{path.suffix or 'a file without an ending'}")
    several = not isinstance(tables, pd.DataFrame)
    if suffix == ".csv":
        if several and len(tables) != 1:
            raise OutputError(f"{path}: {len(tables)} tables need an .xlsx workbook (a sheet "
                              f"each); a CSV file holds one")
        if readme is not None:
            raise OutputError(f"{path}: a CSV file holds one table; write an .xlsx workbook "
                              f"to add a README sheet")
        table = next(iter(tables.values())) if several else tables
        return atomic_write(path, lambda tmp: table.to_csv(tmp, index=False, encoding=encoding))
    sheets = dict(tables) if several else {path.stem: tables}
    return atomic_write(path, lambda tmp: _write_workbook(sheets, tmp, formats, readme))


def sheet_names(names: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, str]:
    """Excel sheet names for table names: allowed characters, at most 31, all different.

    A long name keeps its start and its end (where ``_csat`` / ``_nps`` usually tell tables
    apart) around an ellipsis; names that still coincide (Excel compares them ignoring case) get
    `` (2)``, `` (3)`` ... Nothing is ever overwritten.

    Examples
    --------
    >>> names = sheet_names(["priority_by_customer_segment_region_csat",
    ...                      "priority_by_customer_segment_region_nps", "Outcomes", "outcomes"])
    >>> list(names.values())
    ['priority_by_cus…ent_region_csat', 'priority_by_cus…ment_region_nps', 'Outcomes', 'outcomes (2)']
    """
    taken = {name.casefold() for name in reserved} | {"history"}  # Excel reserves "History"
    chosen = {}
    for name in names:
        clean = "".join(ch for ch in str(name) if ch not in "[]:*?/\\" and ch.isprintable())
        clean = clean.strip().strip("'").strip() or "table"
        candidate, k = _shorten(clean, SHEET_NAME_LIMIT), 2
        while candidate.casefold() in taken:
            tail = f" ({k})"
            candidate, k = _shorten(clean, SHEET_NAME_LIMIT - len(tail)) + tail, k + 1
        taken.add(candidate.casefold())
        chosen[name] = candidate
    return chosen


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    tail = (limit - 1) // 2
    return text[:limit - 1 - tail] + "…" + text[len(text) - tail:]


def display_width(text: str) -> int:
    """Characters a text takes in a fixed-width cell: East Asian wide ones count two.

    >>> display_width("NPS"), display_width("满意度")
    (3, 6)
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _write_workbook(tables: Mapping[str, pd.DataFrame], tmp: Path,
                    formats: Mapping[str, str] | None, readme: pd.DataFrame | None) -> None:
    import io

    from openpyxl import Workbook

    reserved = ["README"] if readme is not None else []
    names = sheet_names(tables, reserved=reserved)
    sheets = [("README", readme)] if readme is not None else []
    sheets += [(names[key], frame) for key, frame in tables.items()]
    if not sheets:
        raise ValueError(f"{tmp}: no tables to write")
    rules = {**DEFAULT_FORMATS, **(formats or {})}
    book = Workbook()
    book.remove(book.active)
    for name, frame in sheets:
        _write_sheet(book.create_sheet(title=name), frame, rules)
    # Built in memory and written in one go: a failing disk then fails one plain write, not
    # openpyxl's zip and streaming files half-way (which report their own errors on cleanup).
    buffer = io.BytesIO()
    book.save(buffer)
    tmp.write_bytes(buffer.getvalue())


def _write_sheet(sheet, frame: pd.DataFrame, rules: Mapping[str, str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    if len(frame) + 1 > EXCEL_MAX_ROWS:
        raise ValueError(f"table {sheet.title!r} has {len(frame):,} rows; an Excel sheet holds "
                         f"{EXCEL_MAX_ROWS - 1:,}; write it to a .csv file instead")
    header = [_header(column) for column in frame.columns]
    bold = Font(bold=True)
    for j, (title, fmt) in enumerate(zip(header, (_format_of(c, rules) for c in header),
                                         strict=True), start=1):
        _text_cell(sheet.cell(row=1, column=j), title).font = bold
        values = [_cell_value(v) for v in frame.iloc[:, j - 1].tolist()]
        for i, value in enumerate(values, start=2):
            if isinstance(value, str):
                _text_cell(sheet.cell(row=i, column=j), value)
                continue
            cell = sheet.cell(row=i, column=j, value=value)
            if fmt and isinstance(value, (int, float)) and not isinstance(value, bool):
                cell.number_format = fmt
        shown = [display_width(title) + 2]  # room for the autofilter button
        shown += [_shown_width(v, fmt) for v in values[:WIDTH_SAMPLE]]
        width = min(max(max(shown) + 1, WIDTH_RANGE[0]), WIDTH_RANGE[1])
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.freeze_panes = "A2"
    if header:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(header))}{len(frame) + 1}"


def _text_cell(cell, text: str):
    """Store text as text (never a formula), with Excel's quote prefix when it looks like one."""
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True
    return cell


def _header(column) -> str:
    if isinstance(column, tuple):  # MultiIndex columns
        return " ".join(str(part) for part in column if str(part))
    return _clean_text(str(column))


def _format_of(column: str, rules: Mapping[str, str]) -> str | None:
    if column in rules:
        return rules[column]
    for pattern, fmt in rules.items():
        if fnmatch.fnmatchcase(column, pattern):
            return fmt
    return None


def _cell_value(value):
    """A Python value openpyxl writes as the right Excel type."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        value = float(value)
        if math.isnan(value):
            return None
        return value if math.isfinite(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, pd.Timestamp | dt.datetime):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert(None)
        return stamp.to_pydatetime()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, tuple, set)):
        return _clean_text(", ".join(map(str, value)))
    return _clean_text(str(value))


def _clean_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # Control characters cannot be stored in the file format (openpyxl refuses them).
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _shown_width(value, fmt: str | None) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return display_width(value)
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float)):
        decimals = len(fmt.split(".")[1].rstrip("%")) if fmt and "." in fmt else 0
        if fmt and fmt.endswith("%"):
            return len(f"{value * 100:.{decimals}f}%")
        if fmt and "," in fmt:
            return len(f"{value:,.{decimals}f}")
        if fmt:
            return len(f"{value:.{decimals}f}")
        return len(f"{value:.10g}")
    return len(str(value))


# ---- figures -------------------------------------------------------------------------------
def save_figure(figure, path: str | Path, **kwargs) -> Path:
    """Save a matplotlib figure atomically (format from the file ending)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    return atomic_write(path, lambda tmp: figure.savefig(tmp, format=fmt, **kwargs))
