"""Bad inputs never end in a traceback: every CLI command, run as a user runs it (a subprocess, so argv can
carry bytes that are not UTF-8), with unknown IDs, rich markup, missing files, folders instead of files,
context files of the wrong shape, YAML alias bombs, deeply nested YAML and binary files. Each ends with
exit code 2 (bad input) or 1 (nothing to do) and exactly one ``error:`` line."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.database import cli_environment
from tests.doubles import copy_data

CLI = [sys.executable, "-c", "from assistant.cli.app import main; main()"]
BOMB = "\n".join([
    'a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
    *(f"{n}: &{n} [{', '.join([f'*{p}'] * 9)}]" for p, n in zip("abcdefgh", "bcdefghi", strict=True)),
    "not_met: *i",
]) + "\n"
FILES: dict[str, str | bytes] = {
    "bomb.yaml": BOMB,
    "bomb-history.yaml": BOMB.replace("not_met: *i", "history: *i"),
    "deep.yaml": "not_met: " + "[" * 5000 + "]" * 5000 + "\n",
    "deep-map.yaml": "".join(f"{' ' * i}k{i}:\n" for i in range(200)) + " " * 200 + "x: 1\n",
    "binary.yaml": bytes(range(256)) * 4,
    "latin1.yaml": "not_met: [3.1.1]\nnote: caf\xe9\n".encode("latin-1"),
    "list.yaml": "- 3.1.1\n- 3.1.2\n",
    "scalar.yaml": "just a sentence\n",
    "types.yaml": "not_met: {a: 1}\nevidence: 5\n",
    "as-of.yaml": "as_of: [2024, 1, 1]\n",
    "max-age.yaml": "max_age_days: -5\n",
    "markup.yaml": "not_met: ['[/]', '[bold red]x']\nas_of: '[/]'\n",
    "unknown-key.yaml": "not_mett: [3.1.1]\n",
    "broken.yaml": "not_met: [3.1.1\n",
    "big.yaml": "x: '" + "a" * (6 * 1024 * 1024) + "'\n",
    "suite-bomb.yaml": "- id: b1\n  kind: lookup\n  question: q\n  source: s\n  expected: {}\n  context:\n"
                       + "".join(f"    {line}\n" for line in BOMB.splitlines()),
    "random.pdf": bytes(range(256)) * 8,
    "random.docx": b"PK\x03\x04" + bytes(range(256)) * 8,
    "notes.txt.md": b"\xff\xfe\x00binary\x00",
}


@dataclass
class Case:
    """A command line, the exit codes it may end with, and a fragment its ``error:`` line must hold."""

    name: str
    args: list[str | bytes]
    codes: tuple[int, ...] = (2,)
    says: str = ""
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case("show markup close tag", ["controls", "show", "[/]"], says="not a control ID"),
    Case("show markup style", ["controls", "show", "[bold red]x[/]"], says="not a control ID"),
    Case("show non-UTF-8 bytes", ["controls", "show", b"\xff\xfe3.1.1"], says="not a control ID"),
    Case("show unknown requirement", ["controls", "show", "3.99.1"], says="3.1–3.14"),
    Case("show terminal escape", ["controls", "show", "\x1b]0;pwned\x07\x1b[31m3.1.1"]),
    Case("show no argument", ["controls", "show"], says="Missing argument"),
    Case("crosswalk markup", ["controls", "crosswalk", "[/]"], says="not a control ID"),
    Case("crosswalk bad target", ["controls", "crosswalk", "3.1.1", "--to", "[/]"], says="unknown framework"),
    Case("list bad framework", ["controls", "list", "--framework", b"\xc3\x28"], says="unknown framework"),
    Case("list level out of range", ["controls", "list", "--level", "9"], says="--level"),
    Case("list level not a number", ["controls", "list", "--level", "three"], says="--level"),
    Case("list unknown family", ["controls", "list", "--family", "[/]"], codes=(1,), says="no controls match"),
    Case("unknown command", [b"\xff"], says="No such command"),
    Case("unknown subcommand", ["controls", "[/]"], says="No such command"),
    Case("unknown option", ["controls", "show", "3.1.1", "--colour"], says="No such option"),
    Case("search bad framework", ["search", "x", "--framework", "[/]"], says="unknown framework"),
    Case("search bad mode", ["search", "x", "--mode", "[/]"], says="unknown mode"),
    Case("search bad by", ["search", "x", "--by", b"\xff"], says="unknown --by"),
    Case("search k zero", ["search", "x", "--k", "0"], says="--k"),
    Case("ask missing context", ["ask", "q", "--context", "missing.yaml"], says="No such file"),
    Case("ask context is a folder", ["ask", "q", "--context", "folder"], says="Is a directory"),
    Case("ask context non-UTF-8 name", ["ask", "q", "--context", b"\xff.yaml"], says="context file"),
    Case("ask alias bomb", ["ask", "q", "--context", "bomb.yaml"], says="context file"),
    Case("ask alias bomb in history", ["ask", "q", "--context", "bomb-history.yaml"], says="context file"),
    Case("ask deeply nested list", ["ask", "q", "--context", "deep.yaml"], says="nested"),
    Case("ask deeply nested mapping", ["ask", "q", "--context", "deep-map.yaml"], says="nested"),
    Case("ask binary context", ["ask", "q", "--context", "binary.yaml"], says="not UTF-8"),
    Case("ask latin-1 context", ["ask", "q", "--context", "latin1.yaml"], says="not UTF-8"),
    Case("ask list context", ["ask", "q", "--context", "list.yaml"], says="must hold a mapping"),
    Case("ask scalar context", ["ask", "q", "--context", "scalar.yaml"], says="must hold a mapping"),
    Case("ask wrong types", ["ask", "q", "--context", "types.yaml"], says="bad context"),
    Case("ask as_of not a date", ["ask", "q", "--context", "as-of.yaml"], says="as_of"),
    Case("ask negative max age", ["ask", "q", "--context", "max-age.yaml"], says="max_age_days"),
    Case("ask markup in context", ["ask", "q", "--context", "markup.yaml"], says="as_of"),
    Case("ask unknown context key", ["ask", "q", "--context", "unknown-key.yaml"], says="not_mett"),
    Case("ask broken YAML", ["ask", "q", "--context", "broken.yaml"], says="not valid YAML"),
    Case("ask huge context", ["ask", "q", "--context", "big.yaml"], says="larger than"),
    Case("chat alias bomb", ["chat", "--context", "bomb.yaml"], says="context file"),
    Case("eval missing suite", ["eval", "--suite", "missing.yaml"], says="no cases"),
    Case("eval empty folder", ["eval", "--suite", "folder"], says="no cases"),
    Case("eval binary suite", ["eval", "--suite", "binary.yaml"], says="no cases"),
    Case("eval alias bomb in a case", ["eval", "--suite", "suite-bomb.yaml"], says="no cases"),  # file rejected
    Case("eval bad mode", ["eval", "--mode", "[/]"], says="unknown mode"),
    Case("eval jobs zero", ["eval", "--jobs", "0"], says="--jobs"),
    Case("eval report is a file", ["eval", "--report", "list.yaml"], says="is a file"),
    Case("eval baseline is a folder", ["eval", "--baseline", "folder", "--update-baseline"], says="not a file"),
    Case("eval baseline is not JSON", ["eval", "--suite", "suite-bomb.yaml", "--baseline", "list.yaml"],
         says="cannot be read as JSON"),
    Case("add-docs missing file", ["index", "add-docs", "missing.md"], codes=(1,), says="no readable documents"),
    Case("add-docs empty folder", ["index", "add-docs", "folder"], codes=(1,), says="no readable documents"),
    Case("add-docs binary files", ["index", "add-docs", "random.pdf", "random.docx", "notes.txt.md", "binary.yaml"],
         codes=(1,), says="no readable documents"),
    Case("slack without tokens", ["slack"], says="SLACK_BOT_TOKEN"),
    Case("bad setting", ["controls", "show", "3.1.1"], env={"COMPLIANCE_ASSISTANT_LLM_TIMEOUT_S": "soon"},
         says="invalid setting"),
]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory, built_data: Path) -> Path:
    """Input files of every kind, and a data folder with the index built (an ask is answered, not built for)."""
    folder = tmp_path_factory.mktemp("bad-inputs")
    copy_data(built_data, folder / "data")
    for name, content in FILES.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    (folder / "folder").mkdir()
    return folder


def run_cli(workdir: Path, args: list[str | bytes], env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    """The CLI in a subprocess, from ``workdir``, with its own data folder and no LLM or Slack settings."""
    environment = cli_environment(COMPLIANCE_ASSISTANT_DATA_DIR=str(workdir / "data"), HF_HUB_OFFLINE="1",
                                  PYTHONPATH=str(Path(__file__).resolve().parents[2]), **(env or {}))
    argv = [os.fsencode(a) if isinstance(a, str) else a for a in args]
    return subprocess.run([*CLI, *argv], capture_output=True, cwd=workdir, env=environment, timeout=timeout,
                          check=False)


def assert_one_error_line(result: subprocess.CompletedProcess[bytes], codes: tuple[int, ...], says: str) -> None:
    stderr = result.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr, stderr[-3000:]
    assert result.returncode in codes, (result.returncode, stderr[-2000:])
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr[-2000:]
    assert says in errors[0], errors[0]
    assert "\x1b]" not in stderr  # no terminal escape from the input reached the terminal


def _param(case: Case) -> Any:
    """A case as a pytest param: ``slack`` opens the conversation store before it finds the tokens missing."""
    return pytest.param(case, id=case.name, marks=[pytest.mark.storage] if case.args[:1] == ["slack"] else [])


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_ends_in_one_error_line(workdir: Path, case: Case) -> None:
    assert_one_error_line(run_cli(workdir, case.args, case.env), case.codes, case.says)


@pytest.mark.slow
@pytest.mark.storage
def test_unknown_id_in_a_context_gets_the_tools_message(workdir: Path) -> None:
    (workdir / "unknown.yaml").write_text("not_met: [3.99.1, AC.L2-3.1.1]\n", encoding="utf-8")
    result = run_cli(workdir, ["ask", "what is our SPRS score?", "--context", "unknown.yaml"], timeout=600)
    assert_one_error_line(result, (2,), "3.99.1 is not a NIST SP 800-171 Rev 2 requirement")


@pytest.mark.slow
@pytest.mark.storage
@pytest.mark.parametrize("args", [["ask", b"\xff\xfe what does 3.1.1 require?"], ["ask", "[/] [bold]3.1.1"],
                                  ["ask", "q", "--conversation", b"\xff"], ["search", b"\xff\xfe"],
                                  ["search", "[/]", "--kind", b"\xff"]], ids=lambda a: repr(a[1])[:20])
def test_odd_questions_are_answered_without_a_traceback(workdir: Path, args: list[str | bytes]) -> None:
    result = run_cli(workdir, args, timeout=600)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 0 and "Traceback" not in stderr, stderr[-3000:]


def test_an_internal_error_is_one_line_with_a_reference(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import app, controls

    def broken(*args: object) -> None:
        raise RuntimeError("database exploded")

    monkeypatch.setenv("COMPLIANCE_ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr(controls, "get_control", broken)
    monkeypatch.setattr(sys, "argv", ["compliance-assistant", "controls", "show", "3.1.1"])
    with pytest.raises(SystemExit) as exit_info:
        app.main()
    stderr = capsys.readouterr().err
    assert exit_info.value.code == 1 and stderr.startswith("error: internal error (reference ")
    assert "database exploded" not in stderr and "Traceback" not in stderr
    log = (tmp_path / "data" / "logs" / "cli-errors.log").read_text(encoding="utf-8")
    assert "database exploded" in log and "Traceback" in log
