"""Claim evidence stored as message codes: rendered in Chinese and English, and a ledger that
still holds English sentences (written before codes) is read, not flagged or churned."""

from __future__ import annotations

from pathlib import Path

import openpyxl

from planner.ledger import UnitOfWork
from planner.ledger import models as m
from planner.ledger.evidence import evidence_messages, evidence_text
from planner.paths import DATA_DIR
from planner.services import ledger as svc
from planner.services.auth import User
from tests.ledger.test_ledger_claims import tiny_ledger


def _computed(url: str, actors: dict[str, User]) -> None:
    shangyu = (DATA_DIR / "policies" / "shangyu-2020.toml").read_text(encoding="utf-8")
    svc.add_policy_version(shangyu, actors["admin"], url=url)
    svc.compute_claims(actors["operator"], url=url)


def _to_legacy(url: str) -> dict[str, list[str]]:
    """Rewrite every claim's evidence as the English sentences an older ledger stored."""
    legacy: dict[str, list[str]] = {}
    with UnitOfWork(url) as uow:
        for claim in uow.repo.claims(None, None):
            claim.evidence = [str(e) for e in evidence_messages(claim.evidence, claim.rule)]
            legacy[claim.key] = list(claim.evidence)
        uow.commit()
    return legacy


def test_claim_evidence_is_stored_as_codes_and_reads_in_both_languages(
    ledger_url: str, actors: dict[str, User]
) -> None:
    """compute_claims stores each evidence line as a message (code and parameters); the same
    claim reads in Chinese with no English word and in English as the engine's sentence."""
    tiny_ledger(ledger_url)
    _computed(ledger_url, actors)
    with UnitOfWork(ledger_url) as uow:
        stored = {c.key: c.evidence for c in uow.repo.claims(None, None)}
    assert stored["self_return:P1"][0] == {
        "code": "evidence.arrival_own", "params": {"day": "2020-02-20", "employer": "甲厂"}}
    claims = svc.list_claims(url=ledger_url).set_index("key")
    evidence = claims.loc["charter:C1", "evidence"]
    assert evidence_text(evidence, "en").startswith(
        "charter contract C1, invoice 20,000.00 yuan, 1 riders; departed 2020-02-20 from 510102")
    zh = evidence_text(evidence, "zh")
    assert zh.startswith("包车合同 C1，发票 20,000.00 元，乘车 1 人；2020-02-20 自 ")
    assert not any(ch.isascii() and ch.isalpha() for ch in zh.replace("C1", ""))


def test_a_legacy_ledger_is_neither_flagged_nor_churned(
    ledger_url: str, actors: dict[str, User]
) -> None:
    """Claims whose evidence is English sentences: a recompute updates the drafts to codes once
    and leaves the approved claim (same amount) untouched and unflagged; the next recompute
    changes nothing."""
    tiny_ledger(ledger_url)
    _computed(ledger_url, actors)
    claims = svc.list_claims(url=ledger_url).set_index("key")
    approved = int(claims.loc["charter:C1", "claim_id"])
    svc.review([approved], actors["reviewer"], url=ledger_url)
    svc.approve([approved], actors["approver"], url=ledger_url)
    legacy = _to_legacy(ledger_url)
    first = svc.compute_claims(actors["operator"], url=ledger_url)
    assert (first.added, first.flagged, first.voided) == (0, 0, 0)
    assert first.updated == len(legacy) - 1 and first.unchanged == 1
    again = svc.compute_claims(actors["operator"], url=ledger_url)
    assert (again.updated, again.flagged, again.unchanged) == (0, 0, len(legacy))
    with UnitOfWork(ledger_url) as uow:
        claim = uow.session.get(m.Claim, approved)
        assert claim is not None
        assert claim.evidence == legacy["charter:C1"] and not claim.needs_review


def test_legacy_lines_read_as_written_in_english_and_as_the_rule_in_chinese(
    ledger_url: str, actors: dict[str, User], tmp_path: Path
) -> None:
    """A legacy sentence shows as written in English and as 按…规定核定 in Chinese — on
    screen and in the finance list."""
    tiny_ledger(ledger_url)
    _computed(ledger_url, actors)
    legacy = _to_legacy(ledger_url)
    claims = svc.list_claims(url=ledger_url).set_index("key")
    evidence = claims.loc["charter:C1", "evidence"]
    assert evidence_text(evidence, "en") == "; ".join(legacy["charter:C1"])
    assert evidence_text(evidence, "zh") == "按包车补贴规定核定"
    path = svc.export_finance_list(tmp_path / "finance.xlsx", actors["finance"], state="draft",
                                   url=ledger_url)
    cells = [str(c.value) for ws in openpyxl.load_workbook(path).worksheets
             for row in ws.iter_rows() for c in row if c.value is not None]
    assert "按包车补贴规定核定" in cells and not any("charter contract" in c for c in cells)
