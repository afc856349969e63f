"""Input problems as codes: every problem code the planner raises has a Chinese and an English
text, and a bad workers.csv reads in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

from planner.messages import catalogue

PLANNER = Path(__file__).resolve().parents[2] / "planner"
CODE = re.compile(r"\"((?:problem|policy_file)\.[a-z0-9_]+)\"")


def test_every_problem_code_raised_has_both_languages() -> None:
    """Each ``problem.*`` / ``policy_file.*`` code written in planner/ is in both catalogues."""
    used = {c for path in PLANNER.rglob("*.py") for c in CODE.findall(path.read_text("utf-8"))}
    assert len(used) > 150
    missing = {lang: sorted(used - set(catalogue(lang))) for lang in ("zh", "en")}
    assert missing == {"zh": [], "en": []}


def test_a_bad_workers_csv_reads_in_chinese(tmp_path: Path) -> None:
    """Problems of several kinds in workers.csv render with no English word left (Latin letters
    only in file names, column codes and the values written)."""
    from planner.io.schemas import WORKERS
    from planner.io.tables import read_table

    path = tmp_path / "workers.csv"
    path.write_text(
        "id_number,name,home_adcode,available_from,phone,travel,poverty_registered\n"
        "123,张三,52050,2020-13-01,12345,fly,maybe\n"
        "5.22401E+17,,520502,1899-01-01,,seat,是\n", "utf-8")
    problems = read_table(path, WORKERS).problems
    assert len({p.what.code for p in problems}) >= 6
    for p in problems:
        zh = p.text("zh")
        for value in [str(v) for _, v in p.what.params]:
            zh = zh.replace(value, "")
        assert re.search(r"[\u4e00-\u9fff]", zh), zh
        assert re.findall(r"[A-Za-z]{2,}", re.sub(r"\bExcel\b", "", zh)) == [], zh
