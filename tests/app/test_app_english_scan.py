"""The leftover-English scan (issue 13): in Chinese, every role visits every page it has (with
the main pickers opened) and the exported files are made through the services the download
buttons call; any run of Latin letters a user would read, other than the allowed codes, is
listed by page and fails the test. In English, no page shows a Chinese catalogue text."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from tests.app import leftovers as lo
from tests.app.conftest import PASSWORD, ROLES

PAGES = ["overview", "registration", "planning", "tracking", "subsidies", "settings"]
LEADER = "lead-scan"


def _names(home: Path) -> list[str]:
    """The user names in the test ledger, all made by this session's tests (shown as actors
    and in the user list)."""
    from planner.services.auth import list_users

    return [u.username for u in list_users(url=_url(home))]


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"


@pytest.fixture()
def scan_leader(env_home: Path) -> str:
    """A ``leader`` user assigned the first trip of the dispatched plan."""
    from planner.services import leaders
    from planner.services.auth import Role, add_user, system_actor

    url = _url(env_home)
    trips = leaders.leader_trips(system_actor(Role.AUDITOR), url)
    with contextlib.suppress(ValueError):  # made by an earlier test of the session
        add_user(LEADER, PASSWORD, "leader", url=url)
    leaders.assign_leader(str(trips["trip_id"].iloc[0]), LEADER, system_actor(Role.OPERATOR),
                          url=url)
    return LEADER


def _pick_first(at: Any, key: str) -> None:
    """Choose the first option of the selectbox ``key`` if the page shows it."""
    with contextlib.suppress(KeyError):
        box = at.selectbox(key=key)
        if box.options:
            box.select_index(0).run()


def _visit(at: Any, page: str, found: dict, where: str, names: list[str]) -> None:
    """Open ``page``, its main pickers, and note what the user reads there."""
    at.switch_page(f"app_pages/{page}.py").run()
    assert not at.exception, (where, at.exception)
    lo.collect(found, where, lo.screen_texts(at), names)
    pickers = {"planning": ["plan_trip"], "tracking": ["trk_mv_trip", "trk_reseat_to"]}
    for key in pickers.get(page, []):
        _pick_first(at, key)
        assert not at.exception, (where, key, at.exception)
        lo.collect(found, f"{where} · {key}", lo.screen_texts(at), names)
    if page == "subsidies":
        _visit_claims(at, found, where, names)


def _visit_claims(at: Any, found: dict, where: str, names: list[str]) -> None:
    """Pick one claim of each state (its evidence, history and the role's actions)."""
    from planner.services.ledger import list_claims

    claims = list_claims(url=_url(Path(at.session_state["_scan_home"])))
    firsts = claims.sort_values("claim_id").groupby("state")["claim_id"].first()
    flagged = claims[claims.get("flagged", False).astype(bool)] if "flagged" in claims else None
    picks = [int(c) for c in firsts]
    if flagged is not None and not flagged.empty:
        picks.append(int(flagged["claim_id"].iloc[0]))
    for claim in picks:
        at.multiselect(key="sub_selected").set_value([claim]).run()
        assert not at.exception, (where, claim, at.exception)
        lo.collect(found, f"{where} · claim {claim}", lo.screen_texts(at), names)
    at.multiselect(key="sub_selected").set_value([]).run()


def test_no_english_on_any_screen_in_chinese(sign_in, env_home, scan_leader, capsys):
    """Every role (and a bus leader) reads no English on any page in Chinese mode."""
    found: dict[str, dict[str, list[str]]] = {}
    names = _names(env_home)
    for role in ("admin", *ROLES):
        at = sign_in(role)
        at.session_state["_scan_home"] = str(env_home)
        for page in PAGES:
            _visit(at, page, found, f"{role} · {page}", names)
    at = sign_in(scan_leader)
    assert not at.exception, at.exception
    lo.collect(found, "leader · 我的车次", lo.screen_texts(at), names)
    with capsys.disabled():
        print("\n" + (lo.report(found) or "no English left"))
    assert not found, lo.report(found)


def test_english_mode_shows_no_chinese_catalogue_text(sign_in, env_home):
    """In English, no page shows a text of the Chinese catalogue (a gap in the English one)
    or a bare catalogue key."""
    import re

    from ui.i18n import catalogue

    zh, en = catalogue("zh"), catalogue("en")
    chinese_only = {v for k, v in zh.items() if re.search(r"[\u4e00-\u9fff]", v)} - set(
        en.values())
    gaps: dict[str, set[str]] = {}
    at = sign_in("admin", lang="en")
    for page in PAGES:
        at.switch_page(f"app_pages/{page}.py").run()
        assert not at.exception, (page, at.exception)
        shown = set(lo.screen_texts(at))
        gaps[page] = {s for s in shown if s in chinese_only or s in zh}
    assert not any(gaps.values()), gaps


def _export_files(url: str, tmp: Path) -> dict[str, bytes]:
    """The exported files, made through the functions the download buttons call."""
    from planner.services import ledger
    from planner.services.auth import Role, system_actor
    from planner.services.plans import list_plans, load_plan
    from ui import plan_views as pv
    from ui import workspace

    files: dict[str, bytes] = {}
    made = {
        "finance-list.xlsx": (ledger.export_finance_list, Role.AUDITOR),
        "public-notice.xlsx": (ledger.export_notice, Role.APPROVER),
        "public-notice.csv": (ledger.export_notice, Role.APPROVER),
        "returns-report.xlsx": (ledger.export_returns, Role.AUDITOR),
    }
    for name, (export, role) in made.items():
        files[name] = Path(export(tmp / name, system_actor(role), url=url)).read_bytes()
    folder = workspace.scenario_dir()
    scenario, _ = workspace.load_scenario(str(folder), 0.0)
    for saved in list_plans(url):
        plan = load_plan(saved.id, url)
        key = f"plan-{saved.id}"
        files[f"P{saved.id} dispatch"] = pv.dispatch_xlsx(plan, key, "zh")
        files[f"P{saved.id} manifests"] = pv.manifests_xlsx(plan, scenario, key, "zh")
        files[f"P{saved.id} self-return calls"] = pv.self_return_calls_xlsx(plan, scenario, key,
                                                                            "zh")
    return files


def test_no_english_in_the_exported_files(env_home, tmp_path, capsys):
    """The finance list, the notice (xlsx and csv), the returns report and the plan papers
    carry no English."""
    found: dict[str, dict[str, list[str]]] = {}
    for name, data in _export_files(_url(env_home), tmp_path).items():
        texts = lo.csv_texts(data) if name.endswith(".csv") else lo.xlsx_texts(data)
        lo.collect(found, name, texts, _names(env_home))
    with capsys.disabled():
        print("\n" + (lo.report(found) or "no English left"))
    assert not found, lo.report(found)
