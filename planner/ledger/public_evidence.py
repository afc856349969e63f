"""Claim evidence as the public notice shows it: Chinese, places by name, nothing identifying.

Rules implemented here:

- the subsidy engine (``planner.subsidies``) writes each evidence line as a message code with
  parameters (``planner.messages``); the notice renders it in Chinese from the catalogue, in
  the public wording of ``[evidence_public]`` where that differs (no trip or contract of a
  person's journey, no province code);
- parameters are made safe to publish by name before rendering: places are named through the
  gazetteer, never shown as codes: a coach's origin county in full (``520502`` →
  贵州省毕节市七星关区; a code no longer in it by its prefecture or province), someone's home no
  finer than the prefecture (贵州省毕节市: the masked ID shows as much, the county would reveal
  two more digits of it);
- employers and agencies are named when the notice knows their name, else called 用人单位
  (no credit code in the sentence); ID numbers are masked (``5224**********8267``) and
  nothing else of the person is shown (no county code beside a masked ID);
- a legacy line (an English sentence of an older ledger) is not shown: the line's rule
  (``按包车补贴规定核定``) stands in for it, once;
- every rendered value and the whole text also go through ``planner.ledger.exports.scrub``, so
  an ID-like number, mobile or landline in a contract number or a name never survives.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from planner.ledger.evidence import evidence_messages, legacy_line
from planner.messages import Message, catalogue, msg, render

#: Someone's employer when the notice does not know its name.
UNNAMED_EMPLOYER = "用人单位"
#: Someone's home (a coach's origin) when its code is not in the gazetteer.
UNNAMED_PLACE = "户籍地不详"
UNNAMED_ORIGIN = "出发地不详"


def place_name(adcode: str, unknown: str = UNNAMED_PLACE) -> str:
    """A county's full name from its (current or old) code; for a code no longer known, its
    prefecture's or province's name; ``unknown`` when even that is unknown."""
    from planner.geo import load_gazetteer

    if not (adcode.isdigit() and len(adcode) in (6, 12)):
        return unknown
    division = load_gazetteer().get(adcode)
    return division.full_name if division is not None else home_area(adcode, unknown)


def home_area(adcode: str, unknown: str = UNNAMED_PLACE) -> str:
    """Someone's home named no finer than the prefecture (贵州省毕节市): the first four digits
    of a masked ID number show as much, the county would show two more."""
    from planner.geo import load_gazetteer

    gazetteer = load_gazetteer()
    division = gazetteer.get(adcode) if adcode.isdigit() else None
    if division is not None:
        province, prefecture = division.province, division.prefecture
        if "直辖" in prefecture:
            prefecture = ""
    else:
        province = gazetteer.province_name(adcode[:2]) or ""
        prefecture = gazetteer.prefecture_name(adcode[:4]) or ""
    return (province + prefecture if prefecture != province else province) or unknown


def _safe(message: Message, names: Mapping[str, str]) -> dict[str, Any]:
    """``message``'s parameters as the notice may show them (nested messages rendered)."""
    from planner.ledger.exports import mask_id, scrub

    def employer(uscc: Any) -> str:
        return scrub(names.get(str(uscc), "")) or UNNAMED_EMPLOYER

    safe: dict[str, Callable[[Any], Any]] = {
        "employer": employer, "id": lambda v: mask_id(str(v)),
        "home": lambda v: home_area(str(v)),
        "origin": lambda v: place_name(str(v), UNNAMED_ORIGIN),
    }
    out: dict[str, Any] = {}
    for key, value in message.params:
        if isinstance(value, Message):
            out[key] = public_line(value, names)
        elif isinstance(value, tuple):
            out[key] = "、".join(public_line(v, names) if isinstance(v, Message)
                                else scrub(str(v)) for v in value)
        elif key in safe:
            out[key] = safe[key](value)
        elif isinstance(value, int):
            out[key] = value  # amounts (``{x:yuan}``) and counts
        else:
            out[key] = scrub(str(value))
    return out


def public_line(message: Message, names: Mapping[str, str]) -> str:
    """One evidence line in public Chinese."""
    from planner.ledger.exports import scrub

    code = message.code
    public = "evidence_public." + code.removeprefix("evidence.")
    if code.startswith("evidence.") and public in catalogue("zh"):
        code = public
    return scrub(render(msg(code, **_safe(message, names)), "zh"))


def _known(message: Message) -> bool:
    """Whether the catalogue has ``message``'s code in Chinese (a code of a newer release
    would render as its bare code and parameters: never published)."""
    return message.code in catalogue("zh")


def public_evidence(evidence: object, rule: str, names: Mapping[str, str] | None = None) -> str:
    """A claim's evidence for the public notice.

    Parameters
    ----------
    evidence
        The evidence as ``planner.services.ledger.finance_lines`` gives it (messages), or as the
        ledger stores it (message JSON, legacy English sentences, one ``;``-joined text).
    rule
        The claim's rule (``charter``, ``self_return``, …): named for a legacy sentence.
    names
        Credit code → name of the employers and agencies the notice may name.

    Returns
    -------
    str
        Chinese sentences joined by ``；``, with no code and no unmasked identifier.
    """
    out: list[str] = []
    for message in evidence_messages(evidence, rule):
        if not _known(message):
            message = legacy_line("", rule)
        line = public_line(message, names or {})
        if line not in out:
            out.append(line)
    return "；".join(out)
