"""Problems found in input, reported all at once as ``file:row: column: what is wrong``.

A problem's text is a message code with parameters (``planner.messages``), rendered in Chinese
for the app (``Problem.text("zh")``) and in English for the CLI and logs (``str(problem)``,
``problem.message``); the codes live in ``planner/messages/catalogue/problems.*.toml`` and
``policy.*.toml``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from planner.errors import JobbusError
from planner.messages import Message, msg


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input file.

    ``what`` says what is wrong, as a message code with parameters. ``row`` is the row number as
    the spreadsheet shows it (the header is row 1, the first data row is row 2); ``None`` for a
    problem with the whole file. ``column`` is the column name as the file spells it (``None``
    for a whole row or file).
    """

    file: str
    what: Message
    row: int | None = None
    column: str | None = None
    severity: Severity = Severity.ERROR

    @property
    def message(self) -> str:
        """What is wrong, in English (for the CLI and logs)."""
        return self.what.render("en")

    def text(self, lang: str = "zh") -> str:
        """What is wrong, in ``lang`` (``"zh"`` or ``"en"``)."""
        return self.what.render(lang)

    def __str__(self) -> str:
        where = self.file if self.row is None else f"{self.file}:{self.row}"
        column = f" {self.column}:" if self.column else ""
        prefix = "warning: " if self.severity is Severity.WARNING else ""
        return f"{where}:{column} {prefix}{self.message}"


def problem(
    file: str,
    code: str,
    /,
    row: int | None = None,
    column: str | None = None,
    severity: Severity = Severity.ERROR,
    **params: Any,
) -> Problem:
    """A ``Problem`` from a message code (``"problem.file_not_found"``) and its parameters."""
    return Problem(file, msg(code, **params), row, column, severity)


class InputError(JobbusError):
    """Input refused: carries every problem found. Nothing has been written."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = [p for p in problems]
        super().__init__("\n".join(str(p) for p in self.problems))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]
