"""Refusals: a service says no with a message code, shown in the reader's language.

Rules implemented here:

- a ``Refusal`` is a ``planner.errors.JobbusError`` (the app shows it as a refusal);
- every refusal of a service (a permission, a claim transition, a trip movement, a sign-in
  lock, a request the service will not do) is a ``Refusal`` holding ``.message``, a
  ``planner.messages.Message`` whose codes live in ``catalogue/refusals.*.toml``;
- ``str(refusal)`` is the English text (logs, the command line); the app shows
  ``refusal.message.render(lang)``;
- ``InvalidRequest`` is also a ``ValueError``, so callers that caught the ``ValueError`` the
  service raised before keep working.
"""

from __future__ import annotations

from planner.errors import JobbusError
from planner.messages import Message

__all__ = ["InvalidRequest", "Refusal"]


class Refusal(JobbusError):
    """A service refused; nothing was changed. ``message`` says why."""

    def __init__(self, message: Message) -> None:
        self.message = message
        super().__init__(str(message))


class InvalidRequest(Refusal, ValueError):
    """The request itself is not acceptable (a weak password, a rejection without a reason)."""
