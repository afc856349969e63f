"""设置 Settings: the subsidy policy in force (every setting as a row; an administrator edits it
and saves a new version, the old ones stay), the fleet the planner may charter, and the users
and their roles (administrator)."""

import streamlit as st

from planner.services import auth, policies, registration, reports
from ui import backend, fmt, policy_views, workspace
from ui.auth import actor_label, current_user, may, role_label
from ui.i18n import current_language, has, t
from ui.layout import flash, show_flash

st.title(t("settings.title"))
show_flash()
url = backend.database_url()
user = current_user()
assert user is not None  # app.py shows this page only when signed in
# a keyed tab set that tracks its tab: the rerun after a save (flash) opens the same tab,
# though the message above it moves it down the page
policy_tab, fleet_tab, users_tab = st.tabs(
    [t("settings.tab_policy"), t("settings.tab_fleet"), t("settings.tab_users")],
    key="set_tabs", on_change="rerun",
)

with policy_tab:
    found = policies.load_active_policy(url)
    if found is None:
        st.info(t("settings.no_policy"))
    else:
        from planner.subsidies import policy_to_toml

        version_id, policy = found
        text = policy_to_toml(policy)
        shown_name = policy_views.policy_title(policy.name, policy.title, current_language())
        st.markdown(t("settings.policy_in_force", name=shown_name, version=version_id,
                      since=fmt.date(policy.valid_from)))
        rows = policy_views.policy_rows(text)
        editable = may("manage_policies")
        edited = st.data_editor(
            rows.rename(columns={"setting": t("settings.setting"),
                                 "meaning": t("settings.meaning"),
                                 "value": t("settings.value")}),
            disabled=[t("settings.setting"), t("settings.meaning")] if editable else True,
            hide_index=True, width="stretch", key="set_policy_editor",
            height=min(40 + 35 * len(rows), 2400),
        )
        if not editable:
            st.caption(t("settings.admin_only"))
        elif st.button(t("settings.save_policy"), key="set_policy_save", type="primary"):
            edited.columns = ["setting", "meaning", "value"]
            try:
                new_text = policy_views.rows_to_toml(text, edited)
            except ValueError as exc:
                st.error(t("common.refused", reason=str(exc)))
            else:
                new_id = backend.run(policies.add_policy_version, new_text, user,
                                     file_name="policy.toml", url=url)
                if new_id is not None:
                    flash(t("settings.policy_saved", version=new_id))
        with st.expander(t("settings.versions_log")):
            log = reports.audit_log("policy", url=url)
            if log.empty:
                st.caption(t("common.none"))
            else:
                log = log.assign(
                    at=[fmt.recorded(a) for a in log["at"]],
                    actor=[actor_label(a) for a in log["actor"]],
                    action=[t(f"audit_actions.{a}") if has(f"audit_actions.{a}") else a
                            for a in log["action"]])
                st.dataframe(
                    log[["at", "actor", "entity_id", "action"]].rename(
                        columns={"at": t("history.at"), "actor": t("history.actor"),
                                 "entity_id": t("settings.version"),
                                 "action": t("history.action")}),
                    hide_index=True, width="stretch")

    policy_views.versions_panel(url, user)

with fleet_tab:
    folder = workspace.scenario_dir()
    st.caption(t("settings.fleet_intro"))
    fleet = workspace.table_frame(folder, "fleet")
    edited_fleet = st.data_editor(fleet.rename_axis(t("problems.row")), num_rows="dynamic",
                                  width="stretch",
                                  key="set_fleet_editor",
                                  disabled=["_index"] if may("import") else True)
    if may("import") and st.button(t("settings.save_fleet"), key="set_fleet_save"):
        upload = registration.TableUpload("fleet", registration.table_file(folder, "fleet"),
                                          workspace.canonical(edited_fleet, "fleet"))
        registration.check_upload(upload, folder, labels=workspace.headers("fleet"),
                                  gazetteer=workspace.gazetteer())
        if upload.errors:
            backend.show_problems_inline(upload.errors)
        elif backend.run(registration.save_upload, upload, folder) is not None:
            flash(t("settings.fleet_saved"), ledger=False)
    elif not may("import"):
        st.caption(t("registration.operator_only"))

with users_tab:
    users = auth.list_users(url=url)
    st.dataframe(
        [{t("settings.username"): u.username, t("settings.role"): role_label(str(u.role)),
          t("settings.active"): t("common.yes") if u.active else t("common.no")}
         for u in users],
        hide_index=True, width="stretch", key="set_users_table",
    )
    if not may("manage_users"):
        st.caption(t("settings.admin_only"))
    else:
        roles = [str(r) for r in auth.Role]
        role_names = {r: role_label(r) for r in roles}
        with st.form("set_add_user"):  # a refused user keeps what was typed
            st.markdown(t("settings.add_user"))
            c1, c2, c3 = st.columns(3)
            name = c1.text_input(t("settings.username"), key="set_new_name")
            password = c2.text_input(t("login.password"), type="password",
                                     key="set_new_password")
            role = c3.selectbox(t("settings.role"), roles, format_func=role_names.__getitem__,
                                key="set_new_role")
            if st.form_submit_button(t("settings.add"), key="set_add_user_submit"):
                made = backend.run(auth.add_user, name.strip(), password, role,
                                    actor=user, url=url)
                if made is not None:
                    for typed in ("set_new_name", "set_new_password"):
                        del st.session_state[typed]
                    flash(t("settings.user_added", user=made.username))
        c1, c2, c3 = st.columns(3)
        who = c1.selectbox(t("settings.username"), [u.username for u in users],
                           key="set_user_pick")
        picked = next((u for u in users if u.username == who), None)
        current = str(picked.role) if picked is not None else roles[0]
        new_role = c2.selectbox(t("settings.role"), roles, index=roles.index(current),
                                format_func=role_names.__getitem__,
                                key=f"set_user_role_{who}")  # starts at the user's own role
        if c3.button(t("settings.change_role"), key="set_user_role_save",
                     disabled=new_role == current) and backend.attempt(
            auth.set_role, who, new_role, actor=user, url=url
        ):
            flash(t("settings.role_changed", user=who))
        if picked is not None and picked.username != user.username:
            flip = t("settings.disable") if picked.active else t("settings.enable")
            if st.button(flip, key="set_user_active") and backend.attempt(
                auth.set_active, who, not picked.active, actor=user, url=url
            ):
                flash(t("settings.user_disabled" if picked.active else "settings.user_enabled",
                        user=who))
