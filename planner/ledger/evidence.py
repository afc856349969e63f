"""A claim's evidence as the ledger stores it and as people read it.

Rules implemented here:

- the ledger stores each evidence line as a message's JSON (``{"code": …, "params": {…}}``,
  ``planner.messages.Message.to_json``) in ``claims.evidence`` (a JSON list);
- a ledger written before evidence became codes holds English sentences: such a string is a
  legacy line, read as the message ``evidence.legacy`` — its English text as written, in
  Chinese only the claim's rule (``按包车补贴规定核定``), since the sentence is not parsed;
- a line is rendered in Chinese or English from the message catalogue; lines are joined by
  ``；`` in Chinese and ``; `` in English.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from planner.messages import Message, msg, render

__all__ = ["evidence_messages", "evidence_text", "legacy_line", "stored_evidence"]

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
