"""Server time of the app's screens: every page switch and the opening of a manifest on 规划.

On a temporary JOBBUS_HOME whose ledger is seeded with the demo (``prepare_ledger``, as
``jobbus serve`` does on first start: ``planner.services.ledger.seed_demo``, 1,500 people by
default, ``JOBBUS_DEMO_WORKERS`` or ``--workers`` for another size), an AppTest signs in as
an operator and, for each page, switches to it from another page: one warm-up switch, then
``--repeat`` timed switches (the median is printed). The manifest is timed on 规划: picking a
trip in the manifest picker (the seeded ledger holds a saved plan), one warm-up then
``--repeat`` picks of different trips. Last, 总览 and 跟踪 are timed right after the ledger
changed (the cached reads dropped, as after an import): the cost of the first visit.

An AppTest reruns the whole script for every interaction (it has no fragment-only reruns), so
the manifest figure here is the full page's rerun: an upper bound for the browser, where the
manifest is a fragment and only it reruns.

Usage: ``python bench/pages.py [--workers 1500] [--repeat 5] [--home DIR]``; a table goes to
stdout (Markdown, for bench/README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "bench-pass-1"
PAGES = {"总览": "app_pages/overview.py", "登记": "app_pages/registration.py",
         "规划": "app_pages/planning.py", "跟踪": "app_pages/tracking.py",
         "补贴": "app_pages/subsidies.py", "设置": "app_pages/settings.py"}


def prepare(home: Path, workers: int) -> None:
    """A seeded ledger in ``home`` (kept if already there) with an operator."""
    os.environ.update({
        "JOBBUS_HOME": str(home), "JOBBUS_DATABASE_URL": f"sqlite:///{home / 'jobbus.sqlite'}",
        "JOBBUS_DEMO_WORKERS": str(workers), "JOBBUS_ADMIN_PASSWORD": PASSWORD,
    })
    from planner.commands.serve import prepare_ledger
    from planner.services.auth import add_user

    started = time.perf_counter()
    seeded, _ = prepare_ledger(os.environ["JOBBUS_DATABASE_URL"])
    with contextlib.suppress(ValueError):
        add_user("operator", PASSWORD, "operator", url=os.environ["JOBBUS_DATABASE_URL"])
    if seeded:
        print(f"seeded {workers} people in {time.perf_counter() - started:.0f} s",
              file=sys.stderr)


def signed_in() -> Any:
    """An AppTest of app.py signed in as the operator."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO_ROOT / "app.py"), default_timeout=600)
    at.session_state["lang"] = "zh"
    at.run()
    at.text_input(key="login_username").input("operator")
    at.text_input(key="login_password").input(PASSWORD)
    at.button(key="login_submit").click()
    at.run()
    _check(at)
    return at


def _check(at: Any) -> None:
    if at.exception:
        raise SystemExit(f"the app failed: {at.exception}")


def timed(action: Callable[[], Any]) -> float:
    """Seconds ``action`` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def page_switches(at: Any, repeat: int) -> dict[str, list[float]]:
    """For each page: ``repeat`` timed switches to it (from the page before it), after one
    warm-up round over all pages."""
    names = list(PAGES)
    for name in names:  # warm-up: imports, caches, the base map
        at.switch_page(PAGES[name]).run()
        _check(at)
    times: dict[str, list[float]] = {name: [] for name in names}
    for _ in range(repeat):
        for name in names:
            times[name].append(timed(lambda n=name: at.switch_page(PAGES[n]).run()))
            _check(at)
    return times


def after_a_change(at: Any, repeat: int) -> dict[str, list[float]]:
    """总览 and 跟踪 right after the ledger changed (every cached read dropped, as an import
    or a check-in does): ``repeat`` timed switches each."""
    import streamlit as st

    times: dict[str, list[float]] = {"总览": [], "跟踪": []}
    for _ in range(repeat):
        for name in times:
            at.switch_page(PAGES["设置"]).run()
            st.cache_data.clear()
            times[name].append(timed(lambda n=name: at.switch_page(PAGES[n]).run()))
            _check(at)
    return times


def manifest_openings(at: Any, repeat: int) -> list[float]:
    """``repeat`` timed picks of a trip in 规划's manifest picker (after one warm-up pick)."""
    at.switch_page(PAGES["规划"]).run()
    _check(at)
    options = at.selectbox(key="plan_trip").options
    if not options:
        raise SystemExit("no saved plan with trips on 规划")
    times = []
    for i in range(repeat + 1):
        trip = options[(i * 7) % len(options)]
        spent = timed(lambda t=trip: at.selectbox(key="plan_trip").set_value(
            _option_value(at, t)).run())
        _check(at)
        if i:
            times.append(spent)
    return times


def _option_value(at: Any, label: str) -> Any:
    """The value behind a shown option (the picker shows labels, keeps trip ids)."""
    box = at.selectbox(key="plan_trip")
    values = getattr(box, "_values", None) or box.options
    return label if label in values else label.split(" · ")[0]


def table(workers: int, switches: dict[str, list[float]], manifest: list[float],
          changed: dict[str, list[float]]) -> str:
    """The figures as a Markdown table: median, min and max in seconds."""
    rows = [f"| {workers:,} people | median (s) | min | max |", "|---|---|---|---|"]
    for name, spent in [*((f"切换到 {n}", s) for n, s in switches.items()),
                        ("规划：打开乘车名单", manifest),
                        *((f"切换到 {n}（台账刚变动）", s) for n, s in changed.items())]:
        rows.append(f"| {name} | {statistics.median(spent):.2f} | {min(spent):.2f} "
                    f"| {max(spent):.2f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workers", type=int,
                        default=int(os.environ.get("JOBBUS_DEMO_WORKERS", "1500")))
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--home", type=Path, help="reuse this JOBBUS_HOME (seeded once)")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO_ROOT))
    os.chdir(REPO_ROOT)
    with tempfile.TemporaryDirectory(prefix="jobbus-bench-") as tmp:
        home = args.home or Path(tmp)
        home.mkdir(parents=True, exist_ok=True)
        prepare(home, args.workers)
        at = signed_in()
        switches = page_switches(at, args.repeat)
        manifest = manifest_openings(at, args.repeat)
        changed = after_a_change(at, args.repeat)
    print(table(args.workers, switches, manifest, changed))


if __name__ == "__main__":
    main()
