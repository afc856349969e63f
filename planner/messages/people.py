"""A person as a message names them: never by the whole ID number.

Rules implemented here:

- a refusal or a problem shown on a screen names a person by their name and the last 4
  characters of their ID number (``魏兵林（身份证尾号 433X）``), as the leader's page shows a
  person; with no name known (someone not in the ledger), by those 4 characters alone
  (``身份证尾号 433X 的人员``): the row, the trip or the screen says which one, and the whole
  number stays in the ledger and the files that need it;
- the public notice masks more and otherwise (``planner.ledger.exports.mask_id``); the page and
  the messages share :func:`id_tail`.
"""

from __future__ import annotations

from planner.messages import Message, msg

__all__ = ["id_tail", "person"]


def id_tail(id_number: str) -> str:
    """The last 4 characters of an ID number (``52242719750705433X`` → ``433X``): all of it a
    page or a message shows."""
    return (id_number or "").strip()[-4:]


def person(id_number: str, name: str | None = None) -> Message:
    """The person with ``id_number`` as a message parameter: ``person.named`` (name and
    :func:`id_tail`) when ``name`` is known, else ``person.unnamed``."""
    name = (name or "").strip()
    if name:
        return msg("person.named", name=name, tail=id_tail(id_number))
    return msg("person.unnamed", tail=id_tail(id_number))
