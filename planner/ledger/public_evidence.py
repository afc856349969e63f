"""Claim evidence as the public notice shows it: Chinese, places by name, nothing identifying.

Rules implemented here:

- the subsidy engine (``planner.subsidies.entitlements``) stores each claim's evidence as
  English sentences; every known sentence template is rendered here in Chinese from its
  captured values (the catalogue ``PUBLIC_TEMPLATES``, evidence lines only);
- places are named through the gazetteer, never shown as codes: a coach's origin county in
  full (``520502`` → 贵州省毕节市七星关区; a code no longer in it by its prefecture or
  province), someone's home no finer than the prefecture (贵州省毕节市: the masked ID shows as
  much, the county would reveal two more digits of it);
- employers and agencies are named when the notice knows their name, else called 用人单位
  (no credit code in the sentence); ID numbers are masked (``5224**********8267``) and
  nothing else of the person is shown (no county code beside a masked ID);
- a sentence matching no template (older ledgers, future rules) is not shown: the line's rule
  (``按包车补贴规定核定``) stands in for it, once;
- every rendered value and the whole text also go through ``planner.ledger.exports.scrub``, so
  an ID-like number, mobile or landline in a contract number or a name never survives.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping

from planner.ledger.exports import mask_id, scrub
from planner.ledger.reports import RULE_ZH

_D = r"\d{4}-\d{2}-\d{2}"
_M = r"\d{4}-\d{2}(?:\.\.\d{4}-\d{2})?"
_Y = r"[\d,]+\.\d{2}"

#: Someone's employer when the notice does not know its name.
UNNAMED_EMPLOYER = "用人单位"
#: Someone's home (a coach's origin) when its code is not in the gazetteer.
UNNAMED_PLACE = "户籍地不详"
UNNAMED_ORIGIN = "出发地不详"

#: (English template of the subsidy engine as a regular expression, Chinese public text); the
#: first full match wins, so more specific templates come first.
PUBLIC_TEMPLATES: tuple[tuple[str, str], ...] = (
    (rf"charter contract (?P<contract>.+?), invoice (?P<invoice>{_Y}) yuan, (?P<riders>\d+) "
     r"riders", "包车合同 {contract}，发票 {invoice} 元，乘车 {riders} 人"),
    (rf"departed (?P<date>{_D}) from (?P<origin>\S+), (?P<seats>\d+) seats \(riders as "
     r"declared; no roster\)", "{date} 自 {origin} 发车，{seats} 座（乘车人数按申报；无乘车名单）"),
    (rf"departed (?P<date>{_D}) from (?P<origin>\S+), (?P<seats>\d+) seats",
     "{date} 自 {origin} 发车，{seats} 座"),
    (r"shared by (?P<shares>.+)", "共同承担：{shares}"),
    (rf"capped (?P<label>per trip|per seat|per rider) at (?P<amount>{_Y}) yuan",
     "{label}封顶 {amount} 元"),
    (rf"capped per employer at (?P<amount>{_Y}) yuan", "按每家企业封顶 {amount} 元"),
    (rf"employer cap (?P<cap>{_Y}) yuan: (?P<paid>{_Y}) yuan already paid on earlier charters",
     "企业封顶 {cap} 元：此前包车已付 {paid} 元"),
    (r"carried on government trip .+", "已乘政府组织的专车"),
    (r"carried on subsidised charter .+", "已乘受补贴的包车"),
    (r"on the roster of subsidised charter .+", "在受补贴包车的乘车名单上"),
    (rf"arrival (?P<date>{_D}) at (?P<employer>\S+) \(own travel\)",
     "{date} 到岗 {employer}（自行返岗）"),
    (rf"arrival (?P<date>{_D}) at (?P<employer>\S+)", "{date} 到岗 {employer}"),
    (rf"insured (?P<months>{_M}) at (?P<employer>\S+) \((?P<n>\d+) months after arrival\)",
     "{months} 在 {employer} 参保（到岗后 {n} 个月）"),
    (rf"insured (?P<months>{_M}) at (?P<employer>\S+)", "{months} 在 {employer} 参保"),
    (r"home (?P<home>\d+) \(province \d+, region (?P<region>\w+)\)",
     "户籍地 {home}（{region}）"),
    (rf"arrived (?P<date>{_D}): taper share (?P<share>\S+)", "{date} 到岗：递减比例 {share}"),
    (rf"placed (?P<id>\S+) at (?P<employer>\S+), insured (?P<first>{_M})\.\.(?P<last>{_M}) "
     r"\((?P<n>\d+) months\)", "介绍 {id} 到 {employer}，参保 {first} 至 {last}（{n} 个月）"),
    (r"(?P<count>\d+) placements insured more than (?P<months>\d+) months \(at least "
     r"(?P<min>\d+) needed\)", "{count} 人参保超过 {months} 个月（至少需 {min} 人）"),
    (rf"insured headcount (?P<months>{_M}): (?P<n>\d+) at (?P<employer>\S+)",
     "{months} 参保人数：{employer} {n} 人"),
    (rf"insured headcount (?P<months>{_M}): (?P<n>\d+)", "{months} 参保人数：{n} 人"),
    (r"growth (?P<growth>\d+); (?P<n>\d+) of them placed by a rewarded agency",
     "增长 {growth} 人；其中 {n} 人由已获奖励的中介介绍"),
    (rf"new recruit (?P<id>\S+) insured (?P<first>{_M})\.\.(?P<last>{_M}) \((?P<n>\d+) "
     r"months\) at (?P<employer>\S+)", "新招员工 {id} 参保 {first} 至 {last}（{n} 个月），"
     "单位 {employer}"),
    (r"registered poor \(建档立卡\)", "建档立卡贫困人员"),
    (rf"sent (?P<count>\d+) people \(arrivals (?P<first>{_D})\.\.(?P<last>{_D})\)",
     "输送 {count} 人（到岗 {first} 至 {last}）"),
    (rf"band: at least (?P<min>\d+) sent → (?P<amount>{_Y}) yuan",
     "档位：输送至少 {min} 人 → {amount} 元"),
)
_COMPILED = tuple((re.compile(p), text) for p, text in PUBLIC_TEMPLATES)

REGION_ZH = {"zhejiang": "浙江省内", "east_china": "华东地区", "other": "其他地区"}
CAP_LABEL_ZH = {"per trip": "每趟", "per seat": "按座位", "per rider": "按乘车人数"}
_SHARE = re.compile(rf"(?P<uscc>\S+) \((?P<amount>{_Y}) yuan\)")


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


def _values(match: re.Match[str], names: Mapping[str, str]) -> dict[str, str]:
    def employer(uscc: str) -> str:
        return scrub(names.get(uscc, "")) or UNNAMED_EMPLOYER

    def shares(text: str) -> str:
        parts = (_SHARE.fullmatch(p.strip()) for p in text.split(", "))
        return "、".join(f"{employer(m['uscc'])}（{m['amount']} 元）" if m else UNNAMED_EMPLOYER
                        for m in parts)

    render: dict[str, Callable[[str], str]] = {
        "employer": employer, "shares": shares, "home": home_area, "id": mask_id,
        "origin": lambda v: place_name(v, UNNAMED_ORIGIN),
        "region": lambda v: REGION_ZH.get(v, "其他地区"),
        "label": lambda v: CAP_LABEL_ZH[v], "months": lambda v: v.replace("..", " 至 "),
    }
    return {k: scrub(render.get(k, str)(v)) for k, v in match.groupdict().items()}


def public_line(sentence: str, names: Mapping[str, str]) -> str | None:
    """One evidence sentence in public Chinese, ``None`` if it matches no known template."""
    for pattern, text in _COMPILED:
        match = pattern.fullmatch(sentence.strip())
        if match is not None:
            return scrub(text.format(**_values(match, names)))
    return None


def public_evidence(evidence: str | Iterable[str] | None, rule: str,
                    names: Mapping[str, str] | None = None) -> str:
    """A claim's evidence for the public notice.

    Parameters
    ----------
    evidence
        The evidence sentences, or one text joining them with ``;`` (as
        ``planner.services.ledger.finance_lines`` gives them).
    rule
        The claim's rule (``charter``, ``self_return``, …): named when a sentence is unknown.
    names
        Credit code → name of the employers and agencies the notice may name.

    Returns
    -------
    str
        Chinese sentences joined by ``；``, with no code and no unmasked identifier.
    """
    if evidence is None:
        sentences: list[str] = []
    elif isinstance(evidence, str):
        sentences = evidence.split(";")
    else:
        sentences = [str(e) for e in evidence]
    out: list[str] = []
    for sentence in filter(str.strip, sentences):
        line = public_line(sentence, names or {})
        if line is None:
            line = f"按{RULE_ZH.get(rule, '补助')}规定核定"
        if line not in out:
            out.append(line)
    return "；".join(out)
