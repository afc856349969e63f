"""A claim's evidence as the ledger stores it and as people read it.

Rules implemented here:

- the ledger stores each evidence line as a message's JSON (``{"code": …, "params": {…}}``,
  ``planner.messages.Message.to_json``) in ``claims.evidence`` (a JSON list);
- a ledger written before evidence became codes holds English sentences: such a string is a
  legacy line, read as the message ``evidence.legacy`` — its English text as written, in
  Chinese only the claim's rule (``按包车补贴规定核定``), since the sentence is not parsed;
- a claim's review note is stored as a message's JSON text (``note_json``); an older ledger's
  English note reads as written in English and as 需复核 in Chinese; a claim flagged for two
  reasons keeps both (``review_note.several``, ``with_note``);
- a payee's bank account is named in a note by its bank and its last four characters only
  (``account_label``: 农业银行 尾号 5678), never in full;
- a line is rendered in Chinese or English from the message catalogue; lines are joined by
  ``；`` in Chinese and ``; `` in English.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from planner.messages import Message, msg, render

__all__ = ["ACCOUNT_CHANGED", "account_label", "evidence_messages", "evidence_text",
           "legacy_line", "note_json", "note_message", "note_messages", "notes_json",
           "stored_evidence", "with_note"]

#: The review note of a claim whose payee's bank account changed (only a reviewer clears it).
ACCOUNT_CHANGED = "review_note.payee_account_changed"

_JOIN = {"zh": "；", "en": "; "}


def stored_evidence(messages: Iterable[Message]) -> list[dict[str, Any]]:
    """The JSON the ledger stores for evidence ``messages``."""
    return [m.to_json() for m in messages]


def legacy_line(text: str, rule: str) -> Message:
    """An English evidence sentence of an older ledger, under the claim's ``rule``."""
    return msg("evidence.legacy", text=text.strip(), rule=msg(f"subsidy_rule.{rule}"))


def evidence_messages(stored: object, rule: str) -> tuple[Message, ...]:
    """A claim's evidence as messages, from what the ledger stored (or a service frame holds).

    Parameters
    ----------
    stored
        A list of message JSON dicts or legacy English strings (``claims.evidence``), messages
        already, one ``;``-joined legacy text, or ``None``.
    rule
        The claim's rule, named by legacy lines in Chinese.
    """
    if stored is None or (isinstance(stored, float) and stored != stored):
        return ()
    items: Iterable[Any] = (stored.split(";") if isinstance(stored, str)
                            else stored)  # type: ignore[assignment]
    out: list[Message] = []
    for item in items:
        if isinstance(item, Message):
            out.append(item)
        elif isinstance(item, Mapping) and "code" in item:
            out.append(Message.from_json(item))
        elif str(item).strip():
            out.append(legacy_line(str(item), rule))
    return tuple(out)


def evidence_text(messages: Iterable[Message], lang: str = "zh") -> str:
    """Evidence lines rendered in ``lang`` and joined (a repeated line shown once)."""
    lines: list[str] = []
    for m in messages:
        text = render(m, lang)
        if text not in lines:
            lines.append(text)
    return _JOIN.get(lang, "；").join(lines)


def note_json(message: Message) -> str:
    """The text ``claims.review_note`` stores for a review note: the message's JSON."""
    return json.dumps(message.to_json(), ensure_ascii=False)


def note_message(note: str | None) -> Message | None:
    """A stored review note as a message: JSON written by ``note_json``, or an older ledger's
    English note (``review_note.legacy``: as written in English, 需复核 in Chinese)."""
    if note is None or not str(note).strip():
        return None
    try:
        data = json.loads(note)
    except ValueError:
        data = None
    if isinstance(data, dict) and "code" in data:
        return Message.from_json(data)
    return msg("review_note.legacy", text=str(note))


def note_messages(note: str | None) -> tuple[Message, ...]:
    """The reasons a stored review note gives, one message each (``review_note.several``
    unpacked)."""
    message = note_message(note)
    if message is None:
        return ()
    if message.code == "review_note.several":
        return tuple(m for m in message.args.get("notes", ()) if isinstance(m, Message))
    return (message,)


def notes_json(notes: Sequence[Message]) -> str:
    """The stored review note giving the reasons ``notes`` (at least one)."""
    return note_json(notes[0] if len(notes) == 1 else msg("review_note.several",
                                                           notes=tuple(notes)))


def with_note(note: str | None, message: Message) -> str:
    """The stored review note of a flagged claim with ``message`` added to the reasons it
    gives already (``note`` of a claim not flagged: ``None``)."""
    return notes_json((*note_messages(note), message))


def account_label(bank_name: str | None, bank_account: str | None) -> Message:
    """A bank account as a note names it: its bank and its last four characters
    (``review_note.no_account`` when none is registered)."""
    account = "".join(str(bank_account or "").split())
    if not account:
        return msg("review_note.no_account")
    if bank_name:
        return msg("review_note.account_at_bank", bank=bank_name, tail=account[-4:])
    return msg("review_note.account_tail", tail=account[-4:])


def reason_message(reason: str | None) -> Message | str | None:
    """A decision's stored reason: a ``Message`` when the system wrote it (JSON written by
    ``note_json``), else the text a person typed, as typed."""
    if reason is None or not str(reason).strip():
        return reason
    try:
        data = json.loads(reason)
    except ValueError:
        return reason
    return Message.from_json(data) if isinstance(data, dict) and "code" in data else reason
