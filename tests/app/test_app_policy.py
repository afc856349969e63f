"""AppTest of the policy versions on 设置: an administrator puts a stored draft (such as the
policy a scenario import keeps as a draft) in force; other roles see the versions only."""

from __future__ import annotations

from pathlib import Path

from planner.paths import DATA_DIR


def _url(home: Path) -> str:
    return f"sqlite:///{home / 'jobbus.sqlite'}"



def _in_force_and_a_draft(url: str) -> tuple[int, int]:
    """The version in force and a new draft (the Ningbo policy) beside it."""
    from planner.services import ledger

    in_force, _ = ledger.load_active_policy(url)
    text = (DATA_DIR / "demo" / "policy-ningbo-2020.toml").read_text(encoding="utf-8")
    return in_force, ledger.add_policy_version(text, activate=False, url=url)

def test_admin_puts_a_draft_policy_in_force(sign_in, env_home):
    """A draft version is listed; the administrator picks it and puts it in force, and the
    ledger's active policy is that version."""
    from planner.services import ledger

    url = _url(env_home)
    in_force, draft = _in_force_and_a_draft(url)
    try:
        at = sign_in("admin")
        at.switch_page("app_pages/settings.py").run()
        assert not at.exception, at.exception
        at.selectbox(key="set_policy_activate_pick").select(draft).run()
        at.button(key="set_policy_activate").click().run()
        assert not at.exception, at.exception
        assert ledger.load_active_policy(url)[0] == draft
        assert any(f"已启用政策版本 {draft}" in str(s.value) for s in at.success)
    finally:
        ledger.activate_policy(in_force, url=url)


def test_page_shows_the_version_just_put_in_force(sign_in, env_home):
    """Right after putting a version in force, the page's header and versions table name that
    version (not the one in force before), so the editor is the one a new version builds on."""
    from planner.services import ledger

    url = _url(env_home)
    in_force, draft = _in_force_and_a_draft(url)
    try:
        at = sign_in("admin")
        at.switch_page("app_pages/settings.py").run()
        at.selectbox(key="set_policy_activate_pick").select(draft).run()
        at.button(key="set_policy_activate").click().run()
        assert not at.exception, at.exception
        header = next(str(m.value) for m in at.markdown if "现行政策" in str(m.value))
        assert f"版本 {draft}，" in header, header
        table = next(d.value for d in at.dataframe if "现行" in d.value.columns)
        active = table[table["现行"] == "是"]["版本"].tolist()
        assert active == [draft], table
    finally:
        ledger.activate_policy(in_force, url=url)


def test_operator_sees_versions_but_cannot_put_one_in_force(sign_in, env_home):
    """An operator sees the stored versions and no control to change the one in force."""
    at = sign_in("operator")
    at.switch_page("app_pages/settings.py").run()
    assert not at.exception, at.exception
    assert "set_policy_activate" not in {b.key for b in at.button}
    assert any("已存政策版本" in str(m.value) for m in at.markdown)
