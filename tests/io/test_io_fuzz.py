"""Whatever bytes a table holds, checking a scenario reports problems and never raises."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from planner.io import check_scenario

CELLS = st.sampled_from(
    [
        "",
        "x",
        "1",
        "-1",
        "2020-02-30",
        "是",
        "5.22425E+17",
        "422801",
        "seat",
        "coach",
        "0.5",
        "42280119900101123X",
        '"',
        "\n",
        "\x00",
        "；",
        "１２",
        "nan",
        "1e309",
        "¥-0.001",
    ]
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(st.lists(CELLS, min_size=0, max_size=10), min_size=0, max_size=5),
    table=st.sampled_from(["workers", "employers", "fleet"]),
)
def test_random_tables_never_raise(make_scenario, rows: list[list[str]], table: str) -> None:
    """Random cells under a real header give problems or a scenario, never an exception."""
    d: Path = make_scenario()
    header = (d / f"{table}.csv").read_text("utf-8").splitlines()[0]
    text = header + "\n" + "\n".join(",".join(r) for r in rows)
    (d / f"{table}.csv").write_text(text, "utf-8")
    scenario, problems = check_scenario(d)
    assert scenario is not None or problems


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_never_raise(make_scenario, data: bytes) -> None:
    """Random bytes as a table, as an xlsx or as scenario.toml never raise."""
    d: Path = make_scenario()
    (d / "fleet.csv").write_bytes(data)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("xl/workbook.xml", data)
    (d / "workers.csv").write_bytes(buf.getvalue())
    scenario, problems = check_scenario(d)
    assert scenario is None and problems
    (d / "scenario.toml").write_bytes(data)
    scenario, problems = check_scenario(d)
    assert scenario is None and problems
