"""Bad invocations, tried as a newcomer would: one line, the right exit, nothing of theirs touched.

Each case runs through the command line (``main([...])`` in process, or a subprocess where
signals and pipes matter) and checks the exit code, that standard error is one line without a
traceback, that every file in the folder (the study file and its data included) keeps its
bytes and modification time, and that no new or partial file is left behind.

These tests run as root on CI and on the build machine, where permission bits do not stop a
write; an unwritable folder is therefore simulated by making the probe file fail (and, on
Linux, tried for real in /proc), and a full disk by a writer that fails with ENOSPC half-way
(and, for real, by a file-size limit that makes the kernel refuse the write with EFBIG).
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import small_survey

import drivers.output
from drivers.cli import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, EXIT_TERMINATED, MAX_BOOTSTRAP, main

PACKAGE_ROOT = Path(drivers.output.__file__).resolve().parent.parent


def snapshot(folder: Path) -> dict[str, tuple[str, int]]:
    """Every file under ``folder`` (hidden ones too): content hash and modification time."""
    files = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and not path.is_symlink():
            files[str(path.relative_to(folder))] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                    path.stat().st_mtime_ns)
        elif path.is_symlink():
            files[str(path.relative_to(folder))] = (f"-> {os.readlink(path)}", 0)
    return files


@pytest.fixture
def study(write_study, tmp_path):
    """A study in tmp_path: study.yaml, survey.csv, survey.xlsx, a sub-folder, two links."""
    path = write_study()
    small_survey().to_excel(tmp_path / "survey.xlsx", index=False)
    (tmp_path / "sub").mkdir()
    (tmp_path / "results").mkdir()
    (tmp_path / "link.csv").symlink_to("survey.csv")
    os.link(tmp_path / "survey.csv", tmp_path / "hard.csv")
    return path


def run(argv: list[str], folder: Path, capsys) -> tuple[int, str]:
    """Run the command; check that nothing in ``folder`` changed; return (exit, stderr)."""
    before = snapshot(folder)
    code = main(argv)
    err = capsys.readouterr().err
    assert snapshot(folder) == before, "a file was changed, added or left behind"
    return code, err


def one_line(err: str, after_work: bool = False) -> str:
    """The one line of standard error; ``after_work`` allows warnings and progress before it."""
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    if after_work:
        lines = [line for line in lines
                 if not line.startswith(("warning: ", "drivers report [", "base: "))]
    assert len(lines) == 1, err
    return lines[0]


IMPORTANCE = ["--outcome", "sat", "--drivers", "a1,a2,s1,s2"]

#: (arguments with {dir}, {study}, {data} to fill in, exit code, words of the one line)
BAD_INVOCATIONS = [
    # output equal to an input, however it is spelled
    (["metrics", "{study}", "--out", "{data}"], 2, "is the input"),
    (["metrics", "{study}", "--out", "{dir}/sub/../survey.csv"], 2, "is the input"),
    (["metrics", "{study}", "--out", "{dir}/link.csv"], 2, "is the input"),
    (["metrics", "{study}", "--out", "{dir}/hard.csv"], 2, "is the input"),
    (["importance", "{data}", *IMPORTANCE, "--out", "{data}"], 2, "is the input"),
    (["importance", "{dir}/survey.xlsx", *IMPORTANCE, "--out", "{dir}/sub/../survey.xlsx"], 2,
     "is the input"),
    (["compare", "{study}", "--bootstrap", "0", "--out", "{dir}/./survey.csv"], 2,
     "is the input"),
    (["report", "{study}", "--out", "{dir}/r.pdf", "--workbook", "{dir}/results/../study.yaml"],
     2, "is the input"),
    # a folder, a missing folder, an ending the command cannot write, a device
    (["metrics", "{study}", "--out", "{dir}/results"], 2, "is a folder"),
    (["metrics", "{study}", "--out", "{dir}/nowhere/metrics.csv"], 2, "does not exist"),
    (["metrics", "{study}", "--out", "{dir}/metrics.txt"], 2, "ending in .csv or .xlsx"),
    (["importance", "{data}", *IMPORTANCE, "--out", "{dir}/x.json"], 2, ".csv or .xlsx"),
    (["compare", "{study}", "--bootstrap", "0", "--chart", "{dir}/x.gif"], 2,
     "expected a name ending in .png, .pdf or .svg"),
    (["report", "{study}", "--out", "{dir}/report.docx"], 2, "ending in .pdf"),
    # a language the command cannot honour
    (["compare", "{study}", "--bootstrap", "0", "--lang", "fr"], 2,
     "invalid choice: 'fr' (choose from 'en', 'zh')"),
    (["report", "{study}", "--out", "{dir}/r.pdf", "--lang", "fr"], 2, "choose from 'en', 'zh'"),
    # absurd resampling and other values out of range
    (["importance", "{data}", *IMPORTANCE, "--bootstrap", "1000000000"], 2,
     f"to {MAX_BOOTSTRAP:,} resamples, got 1,000,000,000"),
    (["importance", "{data}", *IMPORTANCE, "--bootstrap", "-5"], 2, "got -5"),
    (["compare", "{study}", "--bootstrap", "1000000000"], 2, f"{MAX_BOOTSTRAP:,}"),
    (["report", "{study}", "--out", "{dir}/r.pdf", "--bootstrap", "0"], 2,
     f"expected 1 to {MAX_BOOTSTRAP:,} resamples, got 0"),
    (["importance", "{data}", *IMPORTANCE, "--bootstrap", "many"], 2, "whole number"),
    (["importance", "{data}", *IMPORTANCE, "--ci", "95"], 2, "between 0 and 1"),
    (["importance", "{data}", *IMPORTANCE, "--seed", "-1"], 2, ">= 0"),
    (["importance", "{data}", *IMPORTANCE, "--missing-codes", "98;99"], 2, "such as 98,99"),
    (["report", "{study}", "--out", "{dir}/r.pdf", "--date", "2026-13-01"], 2,
     "a date such as"),
    (["importance", "{data}", "--outcome", "sat"], 2, "required: --drivers"),
    (["frobnicate"], 2, "invalid choice: 'frobnicate'"),
    # inputs that are folders, missing, empty
    (["validate", "{dir}"], 1, "is a folder; expected a study file"),
    (["metrics", "{dir}/results", "--out", "{dir}/m.csv"], 1, "is a folder"),
    (["importance", "{dir}/sub", *IMPORTANCE], 1, "is a folder; expected a survey export"),
    (["importance", "{dir}/nope.csv", *IMPORTANCE], 1, "survey export not found"),
    (["compare", "{dir}/nope.yaml", "--bootstrap", "0"], 1, "study file not found"),
]


@pytest.fixture
def no_long_resampling(monkeypatch):
    """Fail at once, rather than run for hours, if an absurd --bootstrap gets through."""
    import drivers.bootstrap

    real = drivers.bootstrap.block_plan

    def plan(n_resamples, seed, stream=None):
        assert n_resamples <= MAX_BOOTSTRAP, f"{n_resamples} resamples were started"
        return real(n_resamples, seed, stream)

    monkeypatch.setattr(drivers.bootstrap, "block_plan", plan)


@pytest.mark.parametrize("arguments, code, words", BAD_INVOCATIONS,
                         ids=[" ".join(case[0])[:60] for case in BAD_INVOCATIONS])
@pytest.mark.usefixtures("no_long_resampling")
def test_bad_invocation_is_one_line_and_touches_nothing(study, tmp_path, capsys, arguments,
                                                        code, words):
    fill = {"dir": str(tmp_path), "study": str(study), "data": str(tmp_path / "survey.csv")}
    exit_code, err = run([a.format(**fill) for a in arguments], tmp_path, capsys)
    line = one_line(err)
    assert exit_code == code, line
    assert words in line


def test_report_workbook_naming_the_input_xlsx_is_refused(write_study, tmp_path, capsys):
    # The case: --workbook naming the survey export the study reads.
    path = write_study(data_name="survey.xlsx")
    code, err = run(["report", str(path), "--out", str(tmp_path / "r.pdf"), "--workbook",
                     str(tmp_path / "sub" / ".." / "survey.xlsx")], tmp_path, capsys)
    assert code == 2
    assert "--workbook" in one_line(err) and "is the input" in err


def test_two_outputs_naming_one_file_are_refused(study, tmp_path, capsys):
    (tmp_path / "old.pdf").write_bytes(b"%PDF- an older report")
    (tmp_path / "tables.xlsx").symlink_to("old.pdf")
    code, err = run(["report", str(study), "--out", str(tmp_path / "old.pdf"), "--workbook",
                     str(tmp_path / "tables.xlsx")], tmp_path, capsys)
    assert code == 2
    assert "is also the output" in one_line(err)


def test_unwritable_folder_is_one_line(study, tmp_path, capsys, monkeypatch):
    # Root writes anywhere, so the probe that tries the folder is made to fail as it would
    # for a normal user in a read-only folder.
    real = drivers.output.tempfile.mkstemp

    def refuse(*args, dir=None, **kwargs):
        if Path(dir) == tmp_path / "results":
            raise PermissionError(errno.EACCES, "Permission denied", str(dir))
        return real(*args, dir=dir, **kwargs)

    monkeypatch.setattr(drivers.output.tempfile, "mkstemp", refuse)
    code, err = run(["metrics", str(study), "--out", str(tmp_path / "results" / "m.xlsx")],
                    tmp_path, capsys)
    assert code == 2
    assert "cannot write in the folder" in one_line(err) and "Permission denied" in err


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_folder_nobody_can_write_in(study, tmp_path, capsys):
    # /proc refuses new files even to root: the probe meets a real refusal.
    code, err = run(["metrics", str(study), "--out", "/proc/metrics.csv"], tmp_path, capsys)
    assert code == 2
    assert "cannot write in the folder /proc" in one_line(err)


def _fails_half_way(error: BaseException):
    """A DataFrame.to_csv that writes a few bytes, then fails like a full disk or Ctrl-C."""

    def to_csv(self, path, *args, **kwargs):
        Path(path).write_bytes(b"outcome,kind,sc")
        if isinstance(error, OSError):
            error.filename = str(path)
        raise error

    return to_csv


def test_full_disk_while_writing_leaves_no_partial_file(study, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_csv",
                        _fails_half_way(OSError(errno.ENOSPC, "No space left on device")))
    out = tmp_path / "results" / "metrics.csv"
    code, err = run(["metrics", str(study), "--out", str(out)], tmp_path, capsys)
    assert code == 1
    assert one_line(err, after_work=True) == (
        f"drivers: error: could not write {out}: No space left on device; nothing was written")


def test_interrupt_while_writing_leaves_no_partial_file(study, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(pd.DataFrame, "to_csv", _fails_half_way(KeyboardInterrupt()))
    code, err = run(["metrics", str(study), "--out", str(tmp_path / "metrics.csv")], tmp_path,
                    capsys)
    assert code == EXIT_INTERRUPTED == 130
    assert one_line(err, after_work=True) == "drivers: interrupted"


def test_report_failing_after_the_pdf_leaves_neither_file(study, tmp_path, capsys, monkeypatch):
    (tmp_path / "results" / "report.pdf").write_bytes(b"%PDF- last month's report")
    written = []

    def failing_workbook(tables, path, **kwargs):
        # The PDF is already in its temporary file beside the target when the workbook fails.
        pdfs = [p for p in Path(path).parent.glob(".report-*.pdf") if p.stat().st_size]
        written.extend(p.read_bytes()[:5] for p in pdfs)
        Path(path).write_bytes(b"PK\x03\x04 half a workbook")
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(drivers.output, "write_table", failing_workbook)
    code, err = run(["report", str(study), "--bootstrap", "20", "--out",
                     str(tmp_path / "results" / "report.pdf"), "--workbook",
                     str(tmp_path / "results" / "tables.xlsx")], tmp_path, capsys)
    assert written == [b"%PDF-"]
    assert code == 1
    assert one_line(err, after_work=True).endswith("No space left on device; nothing was written")
    assert "tables.xlsx" in err


# ---- signals and pipes: a real process --------------------------------------------------------
def _command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "drivers", *arguments]


def _environment() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT), "MPLBACKEND": "Agg"}


@pytest.mark.parametrize("command", [
    ["importance", "{data}", *IMPORTANCE],
    ["metrics", "{study}"],
])
def test_broken_pipe_ends_quietly(study, tmp_path, command):
    # As `drivers importance ... | head -1` when head has gone: the reader is closed first.
    fill = {"study": str(study), "data": str(tmp_path / "survey.csv")}
    before = snapshot(tmp_path)
    process = subprocess.Popen(_command(*[a.format(**fill) for a in command]),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env=_environment(), cwd=tmp_path)
    process.stdout.close()
    err = process.stderr.read().decode()
    assert process.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("sent, code, line", [
    (signal.SIGINT, EXIT_INTERRUPTED, "drivers: interrupted"),
    (signal.SIGTERM, EXIT_TERMINATED, "drivers: terminated"),
])
def test_interrupt_during_a_long_bootstrap_ends_quietly(study, tmp_path, sent, code, line):
    # Ctrl-C reaches the whole foreground process group (bootstrap workers included).
    before = snapshot(tmp_path)
    process = subprocess.Popen(
        _command("compare", str(study), "--bootstrap", str(MAX_BOOTSTRAP), "--out",
                 str(tmp_path / "results" / "compare.csv"), "--chart",
                 str(tmp_path / "results" / "compare.png")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environment(), cwd=tmp_path,
        start_new_session=True, text=True)
    estimate = process.stderr.readline()  # printed once the timing probe is done
    assert f"for {MAX_BOOTSTRAP:,} resamples" in estimate
    os.killpg(process.pid, sent)
    out, err = process.communicate(timeout=120)
    assert process.returncode == code
    assert one_line(err, after_work=True) == line
    assert out == ""
    assert snapshot(tmp_path) == before


def _group_processes(group: int) -> dict[int, str]:
    """Process id -> command line of every process in a process group (Linux /proc)."""
    found = {}
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2:].split()
            if entry.isdigit() and int(fields[2]) == group:
                found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().decode(
                    errors="replace").replace("\0", " ")
        except (OSError, ValueError):
            continue  # not a process, or gone meanwhile
    return found


@pytest.mark.skipif(not os.path.isdir("/proc") or (os.cpu_count() or 1) < 2,
                    reason="reads /proc (Linux); needs two cores for worker processes")
def test_a_group_stopped_while_workers_run_still_gets_one_line(study, tmp_path):
    # A CI job timing out stops the whole group: the parent, its two bootstrap workers and
    # joblib's resource tracker, whose own traceback (a KeyError on a folder the workers had
    # already removed) once came out under "drivers: terminated". The tracker writes to the
    # null device instead.
    before = snapshot(tmp_path)
    process = subprocess.Popen(
        _command("compare", str(study), "--bootstrap", str(MAX_BOOTSTRAP), "--jobs", "2",
                 "--out", str(tmp_path / "results" / "compare.csv")),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_environment(), cwd=tmp_path,
        start_new_session=True, text=True)
    assert f"for {MAX_BOOTSTRAP:,} resamples" in process.stderr.readline()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # until both workers are running
        group = _group_processes(process.pid)
        if sum("loky" in line and "resource_tracker" not in line
               for line in group.values()) >= 2:
            break
        time.sleep(0.05)
    trackers = [pid for pid, line in group.items() if "resource_tracker" in line]
    assert trackers, group
    assert all(os.readlink(f"/proc/{pid}/fd/2") == os.devnull for pid in trackers), [(group[p], os.readlink(f"/proc/{p}/fd/2")) for p in trackers]
    os.killpg(process.pid, signal.SIGTERM)
    out, err = process.communicate(timeout=120)
    assert process.returncode == EXIT_TERMINATED
    assert one_line(err, after_work=True) == "drivers: terminated"
    assert out == ""
    assert snapshot(tmp_path) == before


def test_ctrl_c_while_the_command_loads_ends_quietly():
    # Ctrl-C in the second or two the command spends loading pandas: raised (as a real
    # Ctrl-C would be) from inside that import, it still ends with the one line.
    code = """
import os, signal, sys
class InterruptAtPandas:
    def find_spec(self, name, path=None, target=None):
        if name == "pandas":
            os.kill(os.getpid(), signal.SIGINT)
        return None
sys.meta_path.insert(0, InterruptAtPandas())
sys.argv = ["drivers", "--version"]
from drivers.entry import main
raise SystemExit(main())
"""
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=_environment(), timeout=120)
    assert (result.returncode, result.stderr, result.stdout) == (
        EXIT_INTERRUPTED, "drivers: interrupted\n", "")


def _file_size_limit(limit: int):
    def apply():
        # The kernel then refuses writes beyond `limit` bytes with EFBIG (as a full disk
        # refuses them with ENOSPC); SIGXFSZ, which would kill the process, is ignored.
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_write_the_system_refuses_leaves_no_partial_file(study, tmp_path):
    out = tmp_path / "results" / "metrics.xlsx"
    before = snapshot(tmp_path)
    result = subprocess.run(_command("metrics", str(study), "--out", str(out)),
                            capture_output=True, text=True, env=_environment(), cwd=tmp_path,
                            preexec_fn=_file_size_limit(2000), timeout=120)
    assert result.returncode == 1
    assert one_line(result.stderr, after_work=True) == (
        f"drivers: error: could not write {out}: File too large; nothing was written")
    assert snapshot(tmp_path) == before
