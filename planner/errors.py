"""The one base class of what a user should see as a refusal.

Rules implemented here:

- ``JobbusError`` is raised when the request cannot be done as asked and nothing was changed:
  a service's ``planner.refusal.Refusal`` (permission, transition, movement, invalid request)
  and ``planner.problems.InputError`` (problems in an input file) both derive from it;
- the app shows a ``JobbusError`` as a refusal in the reader's language; any other exception
  is a bug: logged with its traceback and shown as a short error with a reference.
"""

from __future__ import annotations

__all__ = ["JobbusError"]


class JobbusError(Exception):
    """A request refused for a reason the user can act on; nothing was changed."""
