"""The tables of the data contract (FORMATS.md) as schemas: column names, Chinese aliases,
whether a column is required and what kind of value it holds.

Rules implemented here:

- every column has an English name and Chinese aliases; headers are matched after Unicode NFKC
  normalisation (full-width brackets and letters become ASCII), ignoring case, spaces, ``_``/``-``,
  a leading ``*`` (a "required" mark) and, failing that, a trailing parenthesised note such as
  ``身份证号（18位）``;
- ``placements.csv`` [中介推荐] is an extension of FORMATS.md: one row per person an agency
  placed with an employer (agency_uscc, agency_name, id_number, employer_uscc), the evidence for
  the agency placement reward;
- ``fleet.csv`` also accepts the optional ``dest_station``, ``dest_lat``, ``dest_lon`` (where a
  train unloads; default the hub) and ``driver_cost`` (yuan per day for a second driver);
- ``trip_events.csv`` [车次动态] is an extension too: a trip's recorded departure, arrival,
  delay or cancellation (trip_id, event, at, note);
- the plan tables also accept the extra columns ``write_plan`` writes (see ``planner.io.plans``).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a cell holds; decides how it is parsed and checked."""

    TEXT = "text"
    ID_NUMBER = "id_number"  # 18-character resident ID, checked with stdnum.cn.ric
    USCC = "uscc"  # unified social credit code, checked with stdnum.cn.uscc
    PHONE = "phone"  # 11-digit mainland mobile
    ADCODE = "adcode"  # 6-digit division code
    CODE_PREFIX = "code_prefix"  # 2, 4 or 6 digits
    DATE = "date"
    DATETIME = "datetime"
    MONTH = "month"  # YYYY-MM
    BOOL = "bool"
    INT = "int"  # whole number >= 0
    POS_INT = "pos_int"  # whole number > 0
    FLOAT = "float"  # number >= 0
    LAT = "lat"
    LON = "lon"
    RATIO = "ratio"  # share in (0, 1]; "50%" accepted
    MONEY = "money"  # yuan, at most two decimals, >= 0 -> fen
    TRAVEL = "travel"  # seat / own / either
    VEHICLE_KIND = "vehicle_kind"  # coach / train
    STOP_KIND = "stop_kind"
    STATUS = "status"  # paid / failed
    TRIP_EVENT = "trip_event"  # departed / arrived / delayed / cancelled


MONEY_CEILING_YUAN = 100_000_000
"""The largest amount of money in any cell, in yuan (1亿元): a whole charter invoice, a special
train, a bank line. Anything larger is a typo and is refused with file, row and column."""

MONEY_CEILINGS_YUAN: dict[str, int] = {
    "ticket_amount": 10_000,  # one person's ticket home (arrivals.csv)
    "expected_subsidy": 100_000,  # one person's subsidy (self_returns.csv)
    "cost_per_km": 10_000,  # yuan per km of one vehicle (fleet.csv)
    "driver_cost": 100_000,  # yuan per day for a second driver (fleet.csv)
}
"""Lower ceilings for columns whose amount is per person, per km or per day."""


def money_ceiling_yuan(column: str) -> int:
    """The largest amount in yuan a money column may hold."""
    return MONEY_CEILINGS_YUAN.get(column, MONEY_CEILING_YUAN)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a table: English ``name``, Chinese ``aliases`` (first one is the header
    written with ``headers="zh"``), whether it is ``required`` and the ``kind`` of value."""

    name: str
    kind: Kind = Kind.TEXT
    required: bool = False
    aliases: tuple[str, ...] = ()

    @property
    def zh(self) -> str:
        return self.aliases[0] if self.aliases else self.name


@dataclass(frozen=True, slots=True)
class Schema:
    """One table: its ``name`` (file stem, e.g. ``workers``), Chinese ``title`` (a sheet or file
    may be named so) and columns."""

    name: str
    title: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that must be unique together (duplicate rows)
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def match(self, header: str) -> tuple[str, int] | None:
        """Which column a header means, and its priority (0 = the English name, then aliases in
        order); ``None`` if it means none."""
        if not self._lookup:
            for c in self.columns:
                for i, label in enumerate((c.name, *c.aliases)):
                    self._lookup.setdefault(normalise_header(label), f"{c.name}\t{i}")
        for key in (normalise_header(header), normalise_header(strip_note(header))):
            hit = self._lookup.get(key)
            if hit:
                name, prio = hit.split("\t")
                return name, int(prio)
        return None


_SPACE = re.compile(r"[\s_\-\u200b\ufeff]+")
_NOTE = re.compile(r"\s*[(（\[【].*?[)）\]】]\s*$")


def normalise_header(text: str) -> str:
    """Header as compared: NFKC, lower case, no spaces, ``_``, ``-`` or leading ``*``."""
    text = unicodedata.normalize("NFKC", str(text)).strip().lower()
    text = text.lstrip("*★※").strip()
    return _SPACE.sub("", text)


def strip_note(text: str) -> str:
    """``身份证号（18位）`` → ``身份证号``."""
    return _NOTE.sub("", unicodedata.normalize("NFKC", str(text)).strip())


def C(name: str, kind: Kind = Kind.TEXT, *aliases: str, required: bool = False) -> Column:
    return Column(name, kind, required, tuple(aliases))


ID_ALIASES = ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码", "证件号")
EMPLOYER_ALIASES = (
    "返岗企业信用代码",
    "企业信用代码",
    "企业统一社会信用代码",
    "返岗企业统一社会信用代码",
    "用工企业信用代码",
)

WORKERS = Schema(
    "workers",
    "人员登记表",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("name", Kind.TEXT, "姓名", "名字", required=True),
        C("phone", Kind.PHONE, "手机号", "手机号码", "手机", "联系电话", "电话", "联系方式"),
        C("home_adcode", Kind.ADCODE, "户籍地区划代码", "户籍地代码", "区划代码", "行政区划代码"),
        C(
            "home_address",
            Kind.TEXT,
            "户籍地址",
            "现居住地",
            "户籍地",
            "户籍所在地",
            "家庭住址",
            "现居住地址",
            "地址",
        ),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码"),
        C("available_from", Kind.DATE, "可出发日期", "出发日期", "可返岗日期"),
        C(
            "poverty_registered",
            Kind.BOOL,
            "建档立卡",
            "是否建档立卡",
            "建档立卡贫困劳动力",
            "是否建档立卡贫困户",
        ),
        C("travel", Kind.TRAVEL, "出行方式", "返岗方式"),
        # format extension (docs/FORMATS-EXTENSIONS.md): the payee's bank, for the finance list
        C("bank_name", Kind.TEXT, "开户银行", "开户行"),
        C("bank_account", Kind.TEXT, "银行账号", "银行卡号", "收款账号"),
    ),
    key=("id_number",),
)

EMPLOYERS = Schema(
    "employers",
    "企业用工需求",
    (
        C(
            "uscc",
            Kind.USCC,
            "统一社会信用代码",
            "社会信用代码",
            "信用代码",
            "企业信用代码",
            required=True,
        ),
        C("name", Kind.TEXT, "企业名称", "单位名称", "名称", required=True),
        C("lat", Kind.LAT, "纬度"),
        C("lon", Kind.LON, "经度"),
        C(
            "new_hires_wanted",
            Kind.INT,
            "招工需求人数",
            "需求人数",
            "招工人数",
            "用工需求",
            required=True,
        ),
        C("needed_by", Kind.DATE, "需求日期", "到岗日期", "最迟到岗日期"),
        # format extension (docs/FORMATS-EXTENSIONS.md): the payee's bank, for the finance list
        C("bank_name", Kind.TEXT, "开户银行", "开户行"),
        C("bank_account", Kind.TEXT, "银行账号", "对公账号", "收款账号"),
    ),
    key=("uscc",),
)

FLEET = Schema(
    "fleet",
    "运力",
    (
        C("kind", Kind.VEHICLE_KIND, "类型", "运力类型", "交通方式", required=True),
        C("name", Kind.TEXT, "名称", "车型", "运力名称", required=True),
        C("seats", Kind.POS_INT, "座位数", "座位", "核定座位数", required=True),
        C("max_load", Kind.RATIO, "最大载客率", "载客率"),
        C("cost_per_km", Kind.MONEY, "每公里价格", "每公里费用", "公里单价"),
        C("fixed_cost", Kind.MONEY, "固定费用", "每趟费用", "包车费"),
        C("available", Kind.INT, "可用数量", "数量"),
        C("origin_station", Kind.TEXT, "始发站", "上车站"),
        C("origin_lat", Kind.LAT, "始发站纬度"),
        C("origin_lon", Kind.LON, "始发站经度"),
        # format extension (docs/FORMATS-EXTENSIONS.md): further boarding stations of a train
        C("extra_stations", Kind.TEXT, "经停上车站", "经停站"),
        C("lead_days", Kind.INT, "提前天数", "提前预订天数"),
        C("dest_station", Kind.TEXT, "到达站"),
        C("dest_lat", Kind.LAT, "到达站纬度"),
        C("dest_lon", Kind.LON, "到达站经度"),
        C("driver_cost", Kind.MONEY, "司机费用", "第二司机日费用"),
    ),
    key=("name",),
)

LOAD_CAPS = Schema(
    "load_caps",
    "载客率限制",
    (
        C("from_date", Kind.DATE, "开始日期", "起始日期", required=True),
        C("to_date", Kind.DATE, "结束日期", "截止日期", required=True),
        C("origin", Kind.CODE_PREFIX, "出发地代码", "出发地", "地区代码"),
        C("max_load", Kind.RATIO, "最大载客率", "载客率", required=True),
    ),
)

TRIPS = Schema(
    "trips",
    "已派车次",
    (
        C("trip_id", Kind.TEXT, "车次编号", "车次", required=True),
        C("kind", Kind.VEHICLE_KIND, "类型", "运力类型", required=True),
        C("vehicle", Kind.TEXT, "车型", "运力", required=True),
        C("depart_date", Kind.DATE, "出发日期", required=True),
        C("arrive_date", Kind.DATE, "到达日期", required=True),
        C("stops", Kind.TEXT, "停靠点", "站点", required=True),
        C("seats", Kind.POS_INT, "座位数", required=True),
        C("load", Kind.INT, "载客人数", "人数", required=True),
        C("km", Kind.FLOAT, "公里数", "里程", required=True),
        C("cost", Kind.MONEY, "费用", "成本", required=True),
        C("depart_time", Kind.DATETIME, "出发时间"),
        C("arrive_time", Kind.DATETIME, "到达时间"),
        C("drivers", Kind.POS_INT, "司机人数"),
        C("capacity", Kind.INT, "可载人数"),
        C("origin_adcode", Kind.ADCODE, "出发地区划代码"),
        C("parent_trip_id", Kind.TEXT, "所属专列车次"),
        C("stop_refs", Kind.TEXT, "停靠点代码"),
        C("stop_kinds", Kind.TEXT, "停靠点类型"),
        C("stop_lats", Kind.TEXT, "停靠点纬度"),
        C("stop_lons", Kind.TEXT, "停靠点经度"),
        C("stop_times", Kind.TEXT, "停靠时间"),
        C("fixed", Kind.BOOL, "已固定"),
        C("leader_name", Kind.TEXT, "领队姓名", "领队", "带队人"),
        C("leader_phone", Kind.PHONE, "领队电话", "领队手机", "带队人电话"),
        C("driver_name", Kind.TEXT, "司机姓名", "司机"),
        C("driver_phone", Kind.PHONE, "司机电话", "司机手机"),
    ),
    key=("trip_id",),
)

ASSIGNMENTS = Schema(
    "assignments",
    "乘车名单",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("trip_id", Kind.TEXT, "车次编号", "车次", required=True),
        C("pickup_stop", Kind.TEXT, "上车点", required=True),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, required=True),
    ),
    key=("id_number",),
)

LEGS = Schema(
    "legs",
    "换乘行程",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("trip_id", Kind.TEXT, "车次编号", "车次", required=True),
        C("leg", Kind.POS_INT, "行程段", "段", required=True),
    ),
    key=("id_number", "leg"),
)

SELF_RETURN = Schema(
    "self_return",
    "自行返岗",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES),
        C("reason", Kind.TEXT, "原因", "理由", required=True),
        C("expected_subsidy", Kind.MONEY, "预计补贴", "预计补贴金额", required=True),
        C("reason_code", Kind.TEXT, "原因代码"),
        C("reason_params", Kind.TEXT, "原因参数"),
    ),
    key=("id_number",),
)

UNSERVED = Schema(
    "unserved",
    "未服务",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES),
        C("reason", Kind.TEXT, "原因", "理由", required=True),
        C("count", Kind.POS_INT, "人数"),
        C("reason_code", Kind.TEXT, "原因代码"),
        C("reason_params", Kind.TEXT, "原因参数"),
    ),
)

# --- event tables -------------------------------------------------------------------------

ARRIVALS = Schema(
    "arrivals",
    "到岗登记",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码", required=True),
        C("arrived_on", Kind.DATE, "到岗日期", "到达日期", required=True),
        C("trip_id", Kind.TEXT, "车次编号", "车次"),
        C("ticket_amount", Kind.MONEY, "车票金额", "票价"),
    ),
    key=("id_number", "employer_uscc"),
)

INSURANCE = Schema(
    "insurance",
    "社保参保",
    (
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码", required=True),
        C("month", Kind.MONTH, "参保月份", "月份", required=True),
    ),
    key=("id_number", "employer_uscc", "month"),
)

CHARTERS = Schema(
    "charters",
    "企业包车",
    (
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码", required=True),
        C("contract_no", Kind.TEXT, "合同编号", "合同号", required=True),
        C("depart_date", Kind.DATE, "出发日期", required=True),
        C("origin_adcode", Kind.ADCODE, "出发地区划代码", "出发地代码", required=True),
        C("seats", Kind.POS_INT, "座位数", "核定座位数", required=True),
        C("riders", Kind.INT, "乘车人数", "实载人数", required=True),
        C("invoice_amount", Kind.MONEY, "发票金额", "包车费用", required=True),
    ),
    key=("contract_no",),
)

CHARTER_RIDERS = Schema(
    "charter_riders",
    "包车花名册",
    (
        C("contract_no", Kind.TEXT, "合同编号", "合同号", required=True),
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
    ),
    key=("contract_no", "id_number"),
)

HEADCOUNT = Schema(
    "headcount",
    "参保人数",
    (
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码", required=True),
        C("month", Kind.MONTH, "月份", "参保月份", required=True),
        C("insured_headcount", Kind.INT, "参保人数", required=True),
    ),
    key=("employer_uscc", "month"),
)

BANK_RESULTS = Schema(
    "bank_results",
    "银行回单",
    (
        C("payment_id", Kind.TEXT, "支付编号", "付款编号", "业务编号", required=True),
        C("status", Kind.STATUS, "状态", "支付状态", required=True),
        C("paid_on", Kind.DATE, "支付日期", "付款日期"),
        C("amount", Kind.MONEY, "金额", "支付金额", required=True),
        C("reason", Kind.TEXT, "原因", "失败原因", "备注"),
    ),
    key=("payment_id",),
)

PLACEMENTS = Schema(
    "placements",
    "中介推荐",
    (
        C("agency_uscc", Kind.USCC, "中介信用代码", "中介机构信用代码", required=True),
        C("agency_name", Kind.TEXT, "中介名称", "中介机构名称", required=True),
        C("id_number", Kind.ID_NUMBER, *ID_ALIASES, required=True),
        C("employer_uscc", Kind.USCC, *EMPLOYER_ALIASES, "统一社会信用代码", required=True),
    ),
    key=("id_number",),
)

TRIP_EVENTS = Schema(
    "trip_events",
    "车次动态",
    (
        C("trip_id", Kind.TEXT, "车次编号", "车次", required=True),
        C("event", Kind.TRIP_EVENT, "动态", "事件", "状态", required=True),
        C("at", Kind.DATETIME, "时间", "发生时间", "日期时间", required=True),
        C("note", Kind.TEXT, "备注", "说明"),
    ),
    key=("trip_id", "event", "at"),
)

SCENARIO_TABLES: dict[str, Schema] = {s.name: s for s in (WORKERS, EMPLOYERS, FLEET, LOAD_CAPS)}
PLAN_TABLES: dict[str, Schema] = {
    s.name: s for s in (TRIPS, ASSIGNMENTS, SELF_RETURN, UNSERVED, LEGS)
}
EVENT_TABLES: dict[str, Schema] = {
    s.name: s
    for s in (ARRIVALS, INSURANCE, CHARTERS, CHARTER_RIDERS, HEADCOUNT, BANK_RESULTS, PLACEMENTS,
              TRIP_EVENTS)
}
ALL_TABLES: dict[str, Schema] = {**SCENARIO_TABLES, **PLAN_TABLES, **EVENT_TABLES}


@dataclass(frozen=True, slots=True)
class Placement:
    """A person an agency placed with an employer (placements.csv [中介推荐], an extension of
    FORMATS.md): evidence for the agency placement reward."""

    agency_uscc: str
    agency_name: str
    id_number: str
    employer_uscc: str
