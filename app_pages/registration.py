"""登记 Registration: upload the people and employers tables (CSV or xlsx), see every problem
(file, row, column, message), fix the cells in place and save — checked again, and nothing saved
while an error remains. Saving imports the scenario into the ledger and puts the table into the
working scenario (``planner.services.registration``): saving adds to what is registered (a
known ID number or credit code takes the cells of the columns the table carries — a blank cell
clears that item, a missing column keeps it — nothing is removed; in the ledger its identity
must match and its contact, availability, demand and bank details are updated, a changed or
cleared bank account sending unpaid claims back to review), as the page says beside the button,
and the saved message counts the rows added, updated and unchanged."""

import functools

import streamlit as st

from planner.services import registration
from planner.services.scenario import scenario_summary
from ui import backend, fmt, workspace
from ui.auth import current_user, may
from ui.i18n import t
from ui.layout import flash, kpi, show_flash
from ui.plan_views import XLSX
from ui.widget_texts import file_uploader

st.title(t("registration.title"))
st.caption(t("registration.intro"))

flashed = show_flash()  # a save's message, the latest: the upload's old banners give way
folder = workspace.scenario_dir()
scenario, _ = workspace.load_scenario(str(folder), workspace.scenario_version(folder))
if scenario is not None:
    c1, c2, c3 = st.columns(3)
    kpi(c1, t("registration.people"), fmt.count(len(scenario.workers)))
    kpi(c2, t("registration.employers"), fmt.count(len(scenario.employers)))
    demand = sum(e.new_hires_wanted for e in scenario.employers)
    kpi(c3, t("registration.demand"), fmt.count(demand))
    with st.expander(t("registration.by_province")):
        counts = scenario_summary(scenario, workspace.gazetteer())
        st.dataframe(
            [{t("overview.province"): p.name, t("registration.people"): p.people,
              t("registration.returning"): p.returning, t("registration.new"): p.new}
             for p in counts.provinces],
            hide_index=True, width="stretch", key="reg_provinces")

labels = {k: t(f"problems.{k}") for k in ("file", "row", "column", "message", "severity",
                                          "error", "warning")}
tabs = st.tabs([t("registration.tab_workers"), t("registration.tab_employers")],
               key="reg_tabs", on_change="rerun")  # a save's rerun stays on its tab
for kind, tab in zip(workspace.TABLE_KINDS, tabs, strict=True):
    with tab:
        uploaded = file_uploader(
            t(f"registration.upload_{kind}"), ["csv", "xlsx"], key=f"reg_file_{kind}"
        )
        state_key = f"reg_upload_{kind}"
        if uploaded is None:
            st.session_state.pop(state_key, None)
            st.info(t("registration.how"), icon=":material/upload_file:")
            st.download_button(t(f"registration.template_{kind}"),
                               data=functools.partial(workspace.template_xlsx, kind),
                               file_name=f"{t(f'registration.tab_{kind}')}.xlsx",
                               mime=XLSX, key=f"reg_template_{kind}",
                               icon=":material/download:", on_click="ignore")
            continue
        upload = st.session_state.get(state_key)
        if upload is None or upload.file_name != uploaded.name:
            with st.spinner(t("registration.checking")):
                upload = registration.read_upload(
                    kind, uploaded.name, uploaded.getvalue(), folder,
                    labels=workspace.headers(kind), gazetteer=workspace.gazetteer())
            st.session_state[state_key] = upload

        # the check's verdict, withdrawn below if saving is refused (no green above the red)
        verdict = st.empty()
        if upload.errors:
            verdict.error(t("registration.errors", n=len(upload.errors)), icon=":material/error:")
        elif flashed:
            pass
        elif upload.problems:
            verdict.warning(t("registration.warnings", n=len(upload.problems)))
        else:
            verdict.success(t("registration.clean", n=len(upload.frame)), icon=":material/check:")
        if upload.problems:
            st.dataframe(workspace.problems_frame(upload.problems, labels), hide_index=True,
                         width="stretch", key=f"reg_problems_{kind}")

        st.subheader(t("registration.fix"))
        edited = st.data_editor(workspace.shown_frame(upload.frame, kind)
                                .rename_axis(t("problems.row")),
                                num_rows="dynamic", width="stretch", key=f"reg_editor_{kind}",
                                disabled=["_index"])  # 行 is the spreadsheet's row number
        may_save = may("import")
        if not may_save:
            st.caption(t("registration.operator_only"))
        st.caption(t(f"registration.save_rule_{kind}"))
        if st.button(t("registration.save"), key=f"reg_save_{kind}", type="primary",
                     disabled=not may_save, help=t(f"registration.save_help_{kind}")):
            upload.frame = workspace.canonical(edited, kind)
            with st.spinner(t("registration.checking")):
                registration.check_upload(upload, folder, labels=workspace.headers(kind),
                                          gazetteer=workspace.gazetteer())
            if upload.errors:
                st.session_state[state_key] = upload
                st.rerun()
            user = current_user()
            assert user is not None  # may("import") holds only for a signed-in user
            result = backend.run(registration.register_upload, upload, folder, user,
                                 url=backend.database_url())
            if result is None:  # refused: its reasons are shown under the button
                verdict.empty()
            if result is not None and upload.changes is not None:
                # the rows of this table, not of the whole scenario the ledger imported
                c = upload.changes
                flash(t(f"registration.saved_{kind}", rows=fmt.count(len(upload.frame)),
                        added=fmt.count(c.added), updated=fmt.count(c.updated),
                        unchanged=fmt.count(c.unchanged), kept=fmt.count(c.kept)))
