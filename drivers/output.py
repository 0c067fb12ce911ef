"""Writing outputs atomically: a failure half-way leaves no half-written file behind.

Every CSV, XLSX, PNG and PDF the toolkit writes goes through :func:`atomic_write`, which
writes to a temporary file in the same folder and renames it over the target only once the
writer has finished.

>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "table.csv"
>>> _ = atomic_write(target, lambda tmp: tmp.write_text("a,b\\n1,2\\n"))
>>> target.read_text()
'a,b\\n1,2\\n'
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(tmp_path)`` and move the result to ``path`` only if it succeeded."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix,
                                        dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        # mkstemp makes the file private (0600); give it the permissions of any new file.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_table(table: pd.DataFrame | dict[str, pd.DataFrame], path: str | Path) -> Path:
    """Write one table to .csv or .xlsx, or several (a dict of sheet name -> table) to .xlsx."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise ValueError(f"{path}: can write .csv or .xlsx tables, not {path.suffix!r}")
    if isinstance(table, dict):
        if suffix != ".xlsx":
            raise ValueError(f"{path}: several tables need an .xlsx workbook (a sheet each)")
        return atomic_write(path, lambda tmp: _write_workbook(table, tmp))
    if suffix == ".csv":
        return atomic_write(path, lambda tmp: table.to_csv(tmp, index=False))
    return atomic_write(path, lambda tmp: _write_workbook({"table": table}, tmp))


def _write_workbook(tables: dict[str, pd.DataFrame], tmp: Path) -> None:
    with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for name, frame in tables.items():
            # Excel caps sheet names at 31 characters and forbids a few symbols.
            sheet = "".join(ch for ch in str(name) if ch not in "[]:*?/\\")[:31] or "table"
            frame.to_excel(writer, sheet_name=sheet, index=False)


def save_figure(figure, path: str | Path, **kwargs) -> Path:
    """Save a matplotlib figure atomically (format from the file ending)."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower() or "png"
    return atomic_write(path, lambda tmp: figure.savefig(tmp, format=fmt, **kwargs))
