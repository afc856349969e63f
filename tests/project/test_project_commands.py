"""The README's two commands are the project's entry points: CI must run exactly the test one."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("## The two commands", 1)[1]
    code = re.search(r"```bash\n(.*?)```", block, re.S)
    assert code, "the README's 'two commands' section has no bash block"
    return [line.split("#", 1)[0].strip() for line in code.group(1).splitlines() if line.strip()]


def _ci_commands() -> list[str]:
    lines = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    skip = ("#", "set ", "cd ")
    return [line.strip() for line in lines if line.strip() and not line.strip().startswith(skip)]


def test_readme_has_exactly_two_commands() -> None:
    """The README names two commands: one starts the app, one runs the tests."""
    commands = _readme_commands()
    assert commands == ["make app", "make test"]


def test_ci_runs_the_readme_test_command() -> None:
    """.ci/run runs the README's test command and nothing else."""
    assert _ci_commands() == [_readme_commands()[1]]


def test_make_targets_exist_for_both_commands() -> None:
    """Both README commands are real Makefile targets: app starts the server, test runs pytest."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for command in _readme_commands():
        target = shlex.split(command)[1]
        assert re.search(rf"^{target}:", makefile, re.M), f"no Makefile target {target!r}"
    assert "planner serve" in makefile
    test_script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert "-m pytest" in test_script
