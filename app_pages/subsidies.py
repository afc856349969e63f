"""补贴 Subsidies: compute the claims from the ledger, review and approve them by role, publish
the public notice, issue and record payments, make a payment batch (confirmed), import the
bank's results, and export the finance list, the masked notice and the returns report. Every
line shows the evidence it rests on; the service refuses whatever a role may not do, the screen
only hides it."""

import streamlit as st

from planner.services import claims as claims_service
from ui import backend
from ui import claim_views as views
from ui.auth import current_user, may
from ui.i18n import t
from ui.layout import flash, show_flash
from ui.widget_texts import file_uploader

st.title(t("subsidies.title"))
st.caption(t("subsidies.intro"))

url = backend.database_url()
user = current_user()
assert user is not None  # app.py shows this page only when signed in

claims = views.claims(url, user)
views.claim_metrics(claims)

if may("compute_claims") and st.button(t("subsidies.compute"), key="sub_compute",
                                       icon=":material/calculate:"):
    result = backend.run(claims_service.compute_claims, user, url=url)
    if result is not None:
        flash(t("subsidies.computed", added=result.added, updated=result.updated,
                flagged=result.flagged, unchanged=result.unchanged))
show_flash()

if claims.empty:
    st.info(t("subsidies.no_claims"))
else:
    f1, f2 = st.columns(2)
    # labels are made here, not in format_func, so they never depend on when they are drawn
    state_names = {"": t("common.all"), **{s: t(f"states.{s}") for s in views.CLAIM_STATES},
                   views.EXCEPTIONS: t("subsidies.filter_exceptions")}
    rule_names = {"": t("common.all"), **{r: t(f"rules.{r}") for r in views.RULES}}
    state = f1.selectbox(t("subsidies.filter_state"), list(state_names),
                         format_func=state_names.__getitem__, key="sub_state")
    rule = f2.selectbox(t("subsidies.filter_rule"), list(rule_names),
                        format_func=rule_names.__getitem__, key="sub_rule")
    shown = claims
    if state == views.EXCEPTIONS:
        shown = shown[shown["paid_exception"].astype(bool)]
    elif state:
        shown = shown[shown["state"] == state]
    if rule:
        shown = shown[shown["rule"] == rule]
    if shown.empty:  # Streamlit draws an empty table with the English word "empty"
        st.info(t("subsidies.none_shown"), icon=":material/filter_alt_off:")
    else:
        st.dataframe(views.claims_table(shown), hide_index=True, width="stretch",
                     key="sub_table", column_config=views.claims_columns())

    mine = [a for a in views.CLAIM_ACTIONS if may(a.permission)]
    st.subheader(t("subsidies.act") if mine else t("subsidies.look"))
    options = [int(c) for c in shown["claim_id"]]
    label = views.claim_labels(shown)
    # as picked when the page was last drawn: a claim that has since left the filter drops out
    # of the picker below, but a click on that page was about it
    if "sub_selected" in st.session_state:  # ids again, whatever labels the browser sent back
        st.session_state["sub_selected"] = views.claim_ids(st.session_state["sub_selected"])
    drawn_with = list(st.session_state.get("sub_selected") or [])
    picked = st.multiselect(
        t("subsidies.pick"), options, format_func=lambda c: label.get(c, str(c)),
        key="sub_selected", placeholder=t("subsidies.pick_placeholder"),
    )
    actions = views.actions_for(mine, claims, picked)
    for action in mine:  # clicked on a page drawn before someone else acted on these claims
        if st.session_state.get(views.action_key(action.name)) and action not in actions:
            st.warning(views.not_done_text(action, claims, drawn_with), icon=":material/sync:")
    reason = ""
    if not mine:
        st.caption(t("subsidies.no_actions", role=t(f"roles.{user.role}")))
    elif not picked:
        st.caption(t("subsidies.pick_first"))
    elif not actions:
        st.caption(t("subsidies.nothing_to_do"))
    else:
        if any(a.name in views.ACTIONS_WITH_NOTE for a in actions):
            reason = st.text_input(t("subsidies.reason"), key="sub_reason")
    # a money action waiting for 确认 holds only for the claims picked, as they were then,
    # and until another button is clicked
    left = views.confirmation_left()  # waiting when the user went to another page
    if left is not None:
        st.info(left, icon=":material/cancel:")
    lapsed = views.confirmation_lapsed(claims, picked, actions)
    if lapsed is not None:
        st.warning(lapsed, icon=":material/sync:")
    cols = st.columns(max(len(actions), 1))
    main = views.main_action(actions)
    for col, action in zip(cols, actions, strict=False):
        if col.button(t(f"subsidies.do_{action.name}"), key=views.action_key(action.name),
                      width="stretch", type="primary" if action is main else "secondary"):
            if action.name in views.MONEY_ACTIONS:  # moves money: first its count and total
                views.ask_to_confirm(action, claims, picked)
                continue
            st.session_state.pop(views.CONFIRM, None)
            done = views.run_action(action, picked, user, reason, url)
            if done is not None:
                flash(t("subsidies.done", what=done))
    pending = views.claims_confirmation()  # 生成拨付批次 is asked beside its button, below
    if pending is not None and st.session_state.get(views.CONFIRM_YES):
        # 确认 clicked: acted on now, before the question is drawn, so a refusal stands alone
        del st.session_state[views.CONFIRM]
        chosen = next(a for a in actions if a.name == pending.action)
        done = views.run_action(chosen, list(pending.ids), user, "", url,
                                seen=pending.versions)
        if done is not None:
            flash(t("subsidies.done", what=done))
    elif pending is not None:  # 取消 is read above: it drops the confirmation
        st.warning(views.confirm_text(pending), icon=":material/payments:")
        yes, no = st.columns(2)
        yes.button(t("subsidies.confirm_yes"), key=views.CONFIRM_YES, type="primary",
                   width="stretch")
        no.button(t("subsidies.confirm_no"), key=views.CONFIRM_NO, width="stretch")

    show_flash(at="claim")  # a payment exception resolved: here, not at the top of the page
    if picked:
        with st.expander(t("subsidies.evidence_of", claim=picked[0]), expanded=True):
            views.claim_detail(claims, picked[0], url)
            if may("resolve_payment_exception"):
                views.resolve_exception_form(claims, picked[0], user, url)

st.divider()
left, right = st.columns(2)
with left:
    st.subheader(t("subsidies.exports"))
    views.batch_panel(claims, url, user)  # a numbered batch is made here, confirmed
    views.export_buttons(url, user)  # a download never issues a payment
with right:
    st.subheader(t("subsidies.bank"))
    bank = file_uploader(t("subsidies.bank_file"), ["csv", "xlsx"], key="sub_bank_file")
    if not may("import_bank_results"):
        st.caption(t("subsidies.finance_only"))
    importing = (may("import_bank_results") and bank is not None
                 and st.button(t("subsidies.bank_import"), key="sub_bank_import"))
show_flash(at="bank")  # what the import did, under its button, not at the top of a long page
if importing:  # below both columns: a refused file's problems table gets the page's width
    result = views.import_upload("bank_results", bank, user, url)
    if result is not None:
        flash(views.bank_done_text(result), warn=views.bank_needs_a_look(result), at="bank")
