"""Survey exports into DataFrames: CSV in any common encoding and layout, Excel, SPSS, Parquet.

What CX teams actually have: CSV saved by Excel on Chinese Windows (GBK / GB18030, Big5),
"Unicode text" (UTF-16, tab-separated), semicolon-separated files with decimal commas, Qualtrics
exports (a row of question texts and a row of ImportIds under the column names), Excel
workbooks with a title row above the header, a merged band over it, or the data on another
sheet, and SPSS files with value labels and missing ranges. :func:`read_table` reads them all
and says in ``TableMeta.detected`` what it found; an ``encoding`` / ``delimiter`` / ``decimal``
/ ``sheet`` / ``header_row`` / ``header_rows`` given in :class:`ReadOptions` (the study file's
keys of those names) overrides every guess. Files are only read, never written.

>>> from drivers.paths import bank_loan_study_file
>>> frame, meta = read_table(bank_loan_study_file().parent / "survey.csv")
>>> frame.shape, meta.detected["encoding"], meta.detected["delimiter"]
((2000, 30), 'utf-8 (detected)', 'comma (detected)')
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from drivers.study import StudyError

#: File endings we read, and how.
READERS = {".csv": "csv", ".txt": "csv", ".tsv": "tsv", ".xlsx": "excel", ".xlsm": "excel",
           ".sav": "spss", ".zsav": "spss", ".parquet": "parquet", ".pq": "parquet"}

#: How a delimiter is named in messages and in the data-quality summary.
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}

#: Rows at the top of a file searched for the header (title rows, merged bands above it).
HEADER_SEARCH_ROWS = 30

#: Bytes of a file read to guess its delimiter, decimal mark and header rows.
SAMPLE_BYTES = 256 * 1024

#: Chinese encodings a detector may name; GB18030 is their superset, so it reads them all.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "hz", "cp936"}

#: Encodings survey exports come in (Excel's "CSV" in the regional code page of Windows), tried
#: in this order when the study's column names can tell them apart.
EXPORT_ENCODINGS = ("gb18030", "big5", "cp1252", "cp1251", "cp932", "cp949", "cp1250", "cp1253",
                    "cp1254", "cp1257", "cp1255", "cp1256", "cp874", "cp1258", "koi8_r")

#: A detected encoding that rests on fewer non-ASCII bytes than this is said to be a guess.
THIN_EVIDENCE = 64

_IMPORT_ID = re.compile(r'^\s*\{\s*"ImportId"\s*:')


@dataclass
class ReadOptions:
    """What the study file says about how to read its data (None: detect)."""

    encoding: str | None = None
    delimiter: str | None = None
    decimal: str | None = None
    sheet: str | int | None = None
    header_row: int | None = None
    header_rows: int | None = None
    columns: tuple[str, ...] = ()
    """Column names the study expects: the header is the first row holding them."""


@dataclass
class TableMeta:
    """What a data file says about itself beyond the values.

    Attributes
    ----------
    column_labels : dict
        Column -> its question text (SPSS variable labels, Qualtrics' second header row).
    value_labels : dict
        Column -> {code: label} (SPSS value labels).
    missing_ranges : dict
        Column -> [(low, high), ...]: SPSS user-missing values and ranges (98 thru 99).
    detected : dict
        How the file was read, for the data-quality summary: ``encoding``, ``delimiter``,
        ``decimal``, ``sheet``, ``header_row``, ``header_rows`` (each with "(detected)" or
        "(study file)" where that applies).
    merged : list
        Merged cells over data rows of an Excel sheet: (columns, first row, last row, cell range).
    warnings : list
        What the reader could only guess and the user should check (one line each), e.g. an
        encoding told from a handful of bytes.
    """

    column_labels: dict[str, str] = field(default_factory=dict)
    value_labels: dict[str, dict[float, str]] = field(default_factory=dict)
    missing_ranges: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    detected: dict[str, str] = field(default_factory=dict)
    merged: list[tuple[list[str], int, int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def read_table(path: str | Path, options: ReadOptions | None = None
               ) -> tuple[pd.DataFrame, TableMeta]:
    """Read a survey export into a DataFrame, with any labels the file carries.

    Parameters
    ----------
    path : str or Path
        A .csv / .txt / .tsv, .xlsx, .sav or .parquet file.
    options : ReadOptions, optional
        Encoding, delimiter, decimal mark, sheet and header rows to use instead of guessing,
        and the column names expected (to find the header row).

    Returns
    -------
    (DataFrame, TableMeta)
        The raw table (no value replaced; text such as "N/A" kept as text) and what the file
        says about itself and how it was read.

    Raises
    ------
    StudyError
        Naming the file and the fix: an unknown encoding, a header that repeats a column, a
        file with a header but no rows.
    """
    path = Path(path)
    options = options or ReadOptions()
    if not path.exists():
        raise StudyError(f"data file not found (expected a {', '.join(sorted(READERS))} file)",
                         path)
    if path.is_dir():
        raise StudyError("is a folder; expected a survey export file", path)
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise StudyError(f"cannot read files ending in {path.suffix!r}; expected one of "
                         f"{', '.join(sorted(READERS))}", path)
    meta = TableMeta()
    try:
        if kind in ("csv", "tsv"):
            frame = _read_csv(path, options, meta, tab=kind == "tsv")
        elif kind == "excel":
            frame = _read_excel(path, options, meta)
        elif kind == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = _read_spss(path, meta)
    except StudyError as error:
        if error.source is None:
            raise StudyError(error.problems, path) from None
        raise
    except Exception as error:  # the reader's own message is the useful part
        raise StudyError(f"could not be read as {kind}: {_first_line(error)}", path) from error
    if not len(frame.columns):
        raise StudyError("holds no table: no row of column names was found", path)
    frame.columns = [str(c).strip() for c in frame.columns]
    check_header(list(frame.columns), path)
    if options.columns and not set(options.columns).intersection(
            str(c).strip() for c in frame.columns):
        raise StudyError(_no_study_columns(kind, meta), path)
    if frame.empty and len(frame.columns):
        raise StudyError("has column names but no data rows; expected one row per respondent "
                         "under the header", path)
    return frame, meta


def _no_study_columns(kind: str, meta: TableMeta) -> str:
    """Refusal of a table whose header holds none of the study's columns, naming the fix."""
    if kind == "excel":
        where = f" of sheet {meta.detected['sheet']}" if "sheet" in meta.detected else ""
        return (f"none of the study's columns is in the header{where}; set sheet: and "
                f"header_row: in the study file to where the column names are")
    if kind in ("csv", "tsv"):
        read = ", ".join(f"{k} {v}" for k, v in meta.detected.items())
        return (f"none of the study's columns is in the header (read with {read}); set "
                f"delimiter:, encoding: or header_row: in the study file")
    return "none of the study's columns is in the data"


def check_header(names: list[str], path: Path | None = None) -> None:
    """Refuse a header that names a column twice, naming both positions.

    >>> check_header(["id", "csat", "a", "csat"])
    Traceback (most recent call last):
    ...
    drivers.study.StudyError: the header repeats 'csat' (columns 2 and 4, B and D); each \
column needs its own name
    """
    first: dict[str, int] = {}
    problems = []
    for position, name in enumerate(names, start=1):
        if name in first:
            problems.append(
                f"the header repeats {name!r} (columns {first[name]} and {position}, "
                f"{column_letter(first[name])} and {column_letter(position)}); each column "
                f"needs its own name")
        else:
            first[name] = position
    if problems:
        raise StudyError(problems, path)


def column_letter(position: int) -> str:
    """Spreadsheet letters of a 1-based column position.

    >>> column_letter(1), column_letter(27), column_letter(703)
    ('A', 'AA', 'AAA')
    """
    letters = ""
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


# ---- text encodings -------------------------------------------------------------------------
def detect_encoding(path: Path, given: str | None = None, expected: Sequence[str] = ()
                    ) -> tuple[str, str]:
    """The codec to read a text file with, and how it was found.

    A byte-order mark decides (UTF-8-SIG, UTF-16); then a file that is valid UTF-8 is UTF-8;
    then, when the study names columns in other scripts (``expected``), the encoding whose
    header holds most of them; otherwise charset-normalizer names the encoding (GBK and GB2312
    are read as their superset GB18030). The whole file is checked to decode, so a guess from
    its start cannot fail later.

    A header of a few words gives a detector little to go on: two Cyrillic names in cp1251
    read as clean cp1125, two Japanese ones as Korean. The study's own column names are
    better evidence than any statistics of the bytes.

    Returns
    -------
    (str, str)
        Codec name and "study file", "byte-order mark", "matches the study's column names" or
        "detected".

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "export.csv"
    >>> _ = path.write_bytes("РЕГИОН,оценка\\n1,2\\n".encode("cp1251"))
    >>> detect_encoding(path, expected=["РЕГИОН", "оценка"])
    ('cp1251', "matches the study's column names")
    """
    if given:
        try:
            codec = codecs.lookup(given).name
        except LookupError:
            raise StudyError(f"encoding: {given!r} is not an encoding Python knows; use e.g. "
                             f"utf-8, gbk, gb18030, big5, utf-16", path) from None
        _check_decodes(path, codec, how="study file")
        return codec, "study file"
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", "byte-order mark"
    if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return "utf-16", "byte-order mark"
    if _decodes(path, "utf-8"):
        return "utf-8", "detected"
    head = _head_bytes(path, 4 * SAMPLE_BYTES)
    codec = _detect_codec(head)
    matched = _codec_by_names(path, head, codec, expected)
    if matched is not None:
        return matched, "matches the study's column names"
    if codec is None:
        raise StudyError("is not UTF-8 text and its encoding could not be told; set encoding: "
                         "in the study file (e.g. encoding: gbk, big5 or utf-16)", path)
    _check_decodes(path, codec, how="detected")
    return codec, "detected"


def _codec_by_names(path: Path, head: bytes, detected: str | None, expected: Sequence[str]
                    ) -> str | None:
    """The encoding whose header rows hold most of the study's non-ASCII column names (the
    detected one when it holds as many as any, else the first in :data:`EXPORT_ENCODINGS`
    that decodes the whole file), or None when none holds any."""
    names = {str(name).strip() for name in expected if not str(name).isascii()}
    if not names:
        return None
    block = b"\n".join(head.split(b"\n")[:HEADER_SEARCH_ROWS + 3])

    def found(codec: str) -> int:
        text = block.decode(codec, errors="replace")
        cells = {cell.strip(" \t\r\"'") for cell in re.split(r"[,;\t|\n]", text)}
        return len(names & cells)

    order = list(dict.fromkeys(([detected] if detected else []) + list(EXPORT_ENCODINGS)))
    scores = {codec: found(codec) for codec in order}
    for codec in sorted(order, key=lambda c: -scores[c]):  # stable: the order above breaks ties
        if scores[codec] == 0:
            return None
        if _decodes(path, codec):
            return codec
    return None


def _thin_evidence(path: Path, codec: str) -> str | None:
    """A warning when a detected encoding rests on a handful of bytes, showing what they read as
    (the first words outside ASCII, so the user can see at a glance whether they are right)."""
    head = _head_bytes(path, 4 * SAMPLE_BYTES)
    wide = sum(byte > 0x7F for byte in head)
    if not 0 < wide < THIN_EVIDENCE:
        return None
    words = re.findall(r"[^\x00-\x7f]+", head.decode(codec, errors="replace"))
    shown = ", ".join(dict.fromkeys(words[:8]))
    return (f"{path}: the encoding {codec} was told from only {wide} non-ASCII bytes, which "
            f"read as {shown}; if they look wrong, set encoding: in the study file (e.g. "
            f"encoding: gbk, big5, cp1251 or cp1252)")


def decode_text(data: bytes, path: Path | None = None, what: str = "file"
                ) -> tuple[str, str | None]:
    """Text of a small file (a study file): UTF-8 first, else the detected encoding.

    Returns the text and the codec when it was not UTF-8 (None otherwise).

    >>> decode_text("title: 满意度".encode("gbk"))
    ('title: 满意度', 'gb18030')
    """
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return data.decode("utf-16"), "utf-16"
    codec = _detect_codec(data)
    if codec is not None:
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError:
            pass
    raise StudyError(f"the {what} is not UTF-8 text and its encoding could not be told; save it "
                     f"as UTF-8", path)


def _detect_codec(sample: bytes) -> str | None:
    """The encoding charset-normalizer finds for a sample, preferring the Chinese ones.

    Short Chinese texts decode cleanly in several East Asian encodings; among the candidates
    about as clean as the best, GB18030 (mainland, a superset of GBK) is taken first, then
    Big5, as those are what exports from China and Taiwan use.
    """
    from charset_normalizer import from_bytes

    matches = list(from_bytes(sample))
    if not matches:
        return None
    cleanest = min(match.percent_chaos for match in matches)
    names = [_codec_name(m.encoding) for m in matches if m.percent_chaos <= cleanest + 2.0]
    for preferred in ("gb18030", "big5hkscs", "big5"):
        if preferred in names:
            return preferred
    best = _codec_name(matches[0].encoding)
    if _is_single_byte(best) and _reads_as_common_chinese(sample):
        return "gb18030"
    return best


#: Common Chinese in GB2312: punctuation and full-width forms (lead bytes A1-A3) and the
#: 3,755 most frequent characters (level 1, lead bytes B0-D7), where survey text lives.
_GB_COMMON_LEADS = (range(0xA1, 0xA4), range(0xB0, 0xD8))


def _reads_as_common_chinese(sample: bytes) -> bool:
    """Whether the sample reads as GB text whose every non-ASCII character is common Chinese.

    A short GBK header (a few column names, the rest numbers) gives a detector too little
    to go on: charset-normalizer found 推荐,第一季度,推荐意愿 as clean Thai (cp874). Text in a
    single-byte code page almost never pairs up into common GB2312 characters throughout
    (Latin accents are followed by ASCII letters, lowercase Cyrillic falls among the rare
    characters); Korean EUC-KR does, which is why only a single-byte guess is overruled.
    """
    text = codecs.getincrementaldecoder("gb18030")(errors="strict")
    try:
        decoded = text.decode(sample, final=False)  # the sample may end inside a character
    except UnicodeDecodeError:
        return False
    wide = [ch for ch in decoded if ord(ch) > 0x7F]
    if len(wide) < 2:
        return False
    for ch in wide:
        try:
            lead = ch.encode("gb2312")[0]
        except UnicodeEncodeError:
            return False
        if not any(lead in leads for leads in _GB_COMMON_LEADS):
            return False
    return True


def _is_single_byte(codec: str) -> bool:
    """Whether a codec maps each byte to one character (code pages, ISO 8859, KOI8, Mac)."""
    try:
        alone = [bytes([byte]).decode(codec, errors="replace") for byte in range(0x80, 0x100)]
    except LookupError:
        return False
    return sum(ch != "\ufffd" for ch in alone) >= 0x60  # multi-byte leads mean nothing alone


def _codec_name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "gb18030" if name in _GB_FAMILY else name


def _head_bytes(path: Path, size: int) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(size)


def _decodes(path: Path, codec: str) -> bool:
    return _decode_error(path, codec) is None


def _decode_error(path: Path, codec: str) -> int | None:
    """Byte offset of the first undecodable byte, or None when the whole file decodes."""
    decoder = codecs.getincrementaldecoder(codec)()
    offset = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return offset + max(error.start, 0)
            offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return offset
    return None


def _check_decodes(path: Path, codec: str, how: str) -> None:
    bad = _decode_error(path, codec)
    if bad is not None:
        advice = ("check the encoding: key" if how == "study file"
                  else "set encoding: in the study file (e.g. encoding: gbk, big5, utf-16)")
        raise StudyError(f"is not valid {codec} text (byte {bad:,} cannot be read as "
                         f"{codec}); {advice}", path)


# ---- CSV ------------------------------------------------------------------------------------
def _read_csv(path: Path, options: ReadOptions, meta: TableMeta, tab: bool) -> pd.DataFrame:
    encoding, delimiter, decimal, header, rows, records = csv_dialect(path, options, meta, tab)
    check_header([c.strip() for c in records[header]] if records else [], path)
    try:
        frame = pd.read_csv(path, encoding=encoding, sep=delimiter, decimal=decimal,
                            header=header,
                            # Only a truly empty cell is "no answer": text such as "NA" or "n/a"
                            # must be seen and reported, not silently turned into a missing value.
                            keep_default_na=False, na_values=[""], low_memory=False)
    except pd.errors.ParserError as error:
        read = ", ".join(f"{k} {v}" for k, v in meta.detected.items())
        raise StudyError(f"could not be read as CSV with {read}: {_first_line(error)}; if the "
                         f"delimiter is wrong, set delimiter: (comma, semicolon, tab or pipe) in "
                         f"the study file", path) from None
    if rows > 1:
        frame = _drop_header_rows(frame, rows - 1, meta, decimal)
    return frame


def csv_dialect(path: Path, options: ReadOptions, meta: TableMeta, tab: bool = False):
    """How a CSV export is read: (encoding, delimiter, decimal mark, 0-based row of the
    column names, header rows, the first records), from ``options`` where the study file
    sets them, else detected; each choice noted in ``meta.detected`` ("Read as:"), and an
    encoding told from a handful of bytes in ``meta.warnings``."""
    encoding, told = detect_encoding(path, options.encoding, options.columns)
    meta.detected["encoding"] = _said(encoding, told)
    sample = _sample_text(path, encoding)
    if options.delimiter:
        delimiter, how = options.delimiter, "study file"
    elif tab:
        delimiter, how = "\t", "file ending"
    else:
        delimiter, how = sniff_delimiter(sample), "detected"
    meta.detected["delimiter"] = _said(DELIMITER_NAMES.get(delimiter, repr(delimiter)), how)
    records = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:HEADER_SEARCH_ROWS + 3]
    records = [r for r in records if r]  # pandas skips empty lines when counting rows
    if options.decimal:
        decimal, how = options.decimal, "study file"
    else:
        decimal, how = sniff_decimal(records[1:], delimiter), "detected"
    meta.detected["decimal"] = _said("comma" if decimal == "," else "point", how)
    header, rows = _header_block(records, options, meta)
    if told == "detected" and encoding != "utf-8":
        meta.warnings += filter(None, [_thin_evidence(path, encoding)])
    return encoding, delimiter, decimal, header, rows, records


def _said(value: str, how: str) -> str:
    return f"{value} ({how})"


def _sample_text(path: Path, encoding: str) -> str:
    """The start of a text file, decoded, cut at its last complete line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    text = decoder.decode(_head_bytes(path, SAMPLE_BYTES))
    if len(text) >= SAMPLE_BYTES // 4 and "\n" in text:
        text = text[:text.rindex("\n") + 1]
    return text


def sniff_delimiter(sample: str) -> str:
    """The delimiter (comma, semicolon, tab or pipe) that splits a sample most consistently.

    >>> sniff_delimiter("a;b;c\\n1,5;2;3\\n4;5,5;6\\n")
    ';'
    >>> sniff_delimiter("a\\tb\\n1\\t2\\n")
    '\\t'
    """
    best, best_score = ",", (0.0, 0)
    for delimiter in (",", ";", "\t", "|"):
        rows = list(csv.reader(io.StringIO(sample), delimiter=delimiter))[:50]
        counts = [len(r) for r in rows if any(c.strip() for c in r)]
        if not counts:
            continue
        widest = max(counts)
        if widest < 2:
            continue
        values, frequencies = np.unique(counts, return_counts=True)
        modal = int(values[np.argmax(frequencies)])
        score = (float(frequencies.max()) / len(counts), modal)
        if modal > 1 and score > best_score:
            best, best_score = delimiter, score
    return best


def sniff_decimal(records: list[list[str]], delimiter: str) -> str:
    """"," when numbers are written with a decimal comma (only possible if "," does not
    separate the fields), else ".".

    >>> sniff_decimal([["1", "0,55", "3"], ["2", "1,25", "4"]], ";")
    ','
    """
    if delimiter == ",":
        return "."
    comma = point = 0
    for record in records:
        for cell in record:
            cell = cell.strip()
            if re.fullmatch(r"-?\d+,\d+", cell):
                comma += 1
            elif re.fullmatch(r"-?\d+\.\d+", cell):
                point += 1
    return "," if comma > point else "."


def _header_block(records: list[list[str]], options: ReadOptions, meta: TableMeta
                  ) -> tuple[int, int]:
    """(0-based row of the column names, number of header rows) from the first records."""
    if options.header_row is not None:
        header, how = options.header_row - 1, "study file"
    else:
        header, how = find_header_row(records, options.columns), "detected"
    if header > 0 or how == "study file":
        meta.detected["header_row"] = f"{header + 1} ({how})"
    if options.header_rows is not None:
        rows, how = options.header_rows, "study file"
    else:
        rows, how = _qualtrics_rows(records, header), "detected"
    if rows > 1 or how == "study file":
        note = " (Qualtrics-style: question texts and ImportIds)" if (
            how == "detected") else " (study file)"
        meta.detected["header_rows"] = f"{rows}{note}"
    if rows > 1 and header + 1 < len(records):
        names = [c.strip() for c in records[header]]
        labels = records[header + 1]
        meta.column_labels.update({name: str(text).strip() for name, text in zip(
            names, labels, strict=False) if name and str(text).strip()
            and str(text).strip() != name})
    return header, rows


def find_header_row(records: list[list], expected: tuple[str, ...] = ()) -> int:
    """0-based index of the row holding the column names among the first rows of a sheet.

    With the study's column names, the first row holding most of them; without, the first
    row whose cells are all text and that is about as wide as the widest row (a title row or
    a merged band above it has few cells).

    >>> find_header_row([["Bank survey 2026"], ["id", "csat", "a1"], ["1", "5", "4"]])
    1
    >>> find_header_row([["x"], ["id", "csat", "a1"]], expected=("id", "csat"))
    1
    """
    rows = [[_cell_text(c) for c in r] for r in records[:HEADER_SEARCH_ROWS]]
    if expected:
        wanted = set(expected)
        need = max(1, (len(wanted) + 1) // 2)
        for index, row in enumerate(rows):
            if len(wanted.intersection(row)) >= need:
                return index
        return 0  # not found: the first row, and the missing columns are reported
    widths = [sum(1 for c in r if c) for r in rows]
    if not widths or max(widths) == 0:
        return 0
    widest = max(widths)
    for index, row in enumerate(rows):
        cells = [c for c in row if c]
        if len(cells) >= max(2, widest // 2) and not any(_is_number(c) for c in cells):
            return index
    return 0


def _cell_text(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value).strip()


def _is_number(text: str) -> bool:
    try:
        float(text.replace(",", "."))
    except ValueError:
        return False
    return True


def _qualtrics_rows(records: list[list], header: int) -> int:
    """3 when the rows under the header are question texts and {"ImportId": ...}, else 1."""
    if header + 2 >= len(records):
        return 1
    cells = [_cell_text(c) for c in records[header + 2]]
    filled = [c for c in cells if c]
    if filled and sum(bool(_IMPORT_ID.match(c)) for c in filled) >= len(filled) / 2:
        return 3
    return 1


def _drop_header_rows(frame: pd.DataFrame, extra: int, meta: TableMeta, decimal: str
                      ) -> pd.DataFrame:
    """Drop the header rows under the column names and read the columns as numbers again."""
    frame = frame.iloc[extra:].reset_index(drop=True)
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        text = values.astype("string").str.strip()
        blank = text.isna() | text.eq("")
        if decimal == ",":
            text = text.str.replace(",", ".", regex=False)
        numbers = pd.to_numeric(text.where(~blank), errors="coerce")
        if numbers[~blank].notna().all():
            frame[column] = numbers.astype(float)
        else:
            frame[column] = values.where(~blank, np.nan)
    return frame


# ---- Excel ------------------------------------------------------------------------------------
def _read_excel(path: Path, options: ReadOptions, meta: TableMeta) -> pd.DataFrame:
    from openpyxl import load_workbook

    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet, how = _choose_sheet(workbook, options, path)
        if how != "first sheet" or len(workbook.sheetnames) > 1:
            meta.detected["sheet"] = f"{sheet.title} ({how})"
        rows = sheet.iter_rows(values_only=True)
        head = []
        for row in rows:
            head.append(row)
            if len(head) >= HEADER_SEARCH_ROWS + 3:
                break
        header, extra = _header_block(head, options, meta)
        body = head[header + extra:] + [row for row in rows]
        names = [_cell_text(c) for c in head[header]] if head else []
        merged = _merged_ranges(sheet)
    finally:
        workbook.close()
    while names and not names[-1] and all(len(r) < len(names) or r[len(names) - 1] is None
                                          for r in body):
        names.pop()
    names = [name or f"Unnamed: {i}" for i, name in enumerate(names)]
    check_header(names, path)
    while body and all(c is None or (isinstance(c, str) and not c.strip()) for c in body[-1]):
        body.pop()
    width = len(names)
    frame = pd.DataFrame.from_records([tuple(r[:width]) + (None,) * (width - len(r))
                                       for r in body], columns=names)
    frame = frame.replace({"": np.nan}) if len(frame) else frame
    above = header + extra  # sheet rows above data row 1
    for ref in merged:
        low_col, low_row, high_col, high_row = _range_bounds(ref)
        first, last = max(low_row - above, 1), high_row - above
        if last < 1 or first > len(frame):
            continue
        columns = names[low_col - 1:high_col]
        meta.merged.append((columns, first, min(last, len(frame)), ref))
    return frame


def _choose_sheet(workbook, options: ReadOptions, path: Path):
    names = workbook.sheetnames
    if options.sheet is not None:
        if isinstance(options.sheet, int):
            if options.sheet > len(names):
                raise StudyError(f"sheet: {options.sheet} but the workbook has {len(names)} "
                                 f"sheet(s): {', '.join(names)}", path)
            return workbook[names[options.sheet - 1]], "study file"
        if options.sheet not in names:
            raise StudyError(f"sheet: {options.sheet!r} is not in the workbook; its sheets are "
                             f"{', '.join(names)}", path)
        return workbook[options.sheet], "study file"
    if options.columns:
        wanted = set(options.columns)
        for name in names:
            head = [[_cell_text(c) for c in row] for row in workbook[name].iter_rows(
                max_row=HEADER_SEARCH_ROWS, values_only=True)]
            if any(len(wanted.intersection(row)) >= max(1, (len(wanted) + 1) // 2)
                   for row in head):
                return workbook[name], "detected" if name != names[0] else "first sheet"
        if len(names) > 1:
            raise StudyError(f"none of the sheets ({', '.join(names)}) has a row with the study's "
                             f"column names in its first {HEADER_SEARCH_ROWS} rows; set sheet: "
                             f"and header_row: in the study file", path)
        return workbook[names[0]], "first sheet"
    for name in names:
        sheet = workbook[name]
        if any(any(c is not None for c in row) for row in sheet.iter_rows(
                max_row=HEADER_SEARCH_ROWS, values_only=True)):
            return sheet, "detected" if name != names[0] else "first sheet"
    return workbook[names[0]], "first sheet"


_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*?\bref="([A-Z]+[0-9]+:[A-Z]+[0-9]+)"')


def _merged_ranges(sheet) -> list[str]:
    """Merged cell ranges of a read-only sheet ("C5:C7"), scanned from its XML in chunks."""
    found: list[str] = []
    tail = b""
    with sheet._get_source() as source:  # openpyxl's read-only sheets do not list merges
        while chunk := source.read(1 << 20):
            text = tail + chunk
            found += [m.decode() for m in _MERGE.findall(text)]
            tail = text[-300:]
    return list(dict.fromkeys(found))


def _range_bounds(ref: str) -> tuple[int, int, int, int]:
    from openpyxl.utils.cell import range_boundaries

    low_col, low_row, high_col, high_row = range_boundaries(ref)
    return low_col, low_row, high_col, high_row


# ---- SPSS -------------------------------------------------------------------------------------
def _read_spss(path: Path, meta: TableMeta) -> pd.DataFrame:
    import pyreadstat

    frame, info = pyreadstat.read_sav(str(path), user_missing=True)
    meta.column_labels.update({k: v for k, v in info.column_names_to_labels.items() if v})
    meta.value_labels.update({k: {_number_or_text(code): label for code, label in v.items()}
                              for k, v in info.variable_value_labels.items()})
    for column, ranges in (info.missing_ranges or {}).items():
        spans = []
        for span in ranges:
            low, high = span["lo"], span["hi"]
            if isinstance(low, int | float) and isinstance(high, int | float):
                spans.append((float(low), float(high)))
        if spans:
            meta.missing_ranges[column] = spans
    for column, values in (getattr(info, "missing_user_values", None) or {}).items():
        numbers = [float(v) for v in values if isinstance(v, int | float)]
        if numbers:
            meta.missing_ranges.setdefault(column, []).extend((v, v) for v in numbers)
    return frame


def _number_or_text(code):
    if isinstance(code, int | float) and not isinstance(code, bool):
        return float(code)
    return code


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__
