"""jobbus — the Streamlit app: page config, language, login, navigation. Nothing else.

Run with ``jobbus serve`` (or ``streamlit run app.py``). Each screen is a thin script in
``app_pages/``; helpers live in ``ui/``; the work is done by ``planner.services``. Signed out,
every address shows the login form (the pages stay routed but hidden), so a bookmarked page
opens right after signing in. A bus leader (role ``leader``) gets only 我的车次, their phone
page. When the code changed under the running server, nothing runs until it is restarted
(``ui.code_version``).
"""

import streamlit as st

from ui.auth import check_session, current_user, login_form, sidebar_badge
from ui.code_version import stop_if_code_changed
from ui.i18n import language_picker, t
from ui.widget_texts import chinese_widget_texts

st.set_page_config(page_title=t("app.title"), page_icon="🚌", layout="wide")
stop_if_code_changed()  # files changed under this server since it started: restart, run nothing
check_session()  # a user deactivated or given another role meanwhile is signed out now
signed_in = current_user() is not None
leading = signed_in and str(current_user().role) == "leader"  # a bus leader gets only their page
page = st.navigation(
    [st.Page("app_pages/leader.py", title=t("nav.leader"), icon=":material/directions_bus:",
             default=True)] if leading else [
        st.Page("app_pages/overview.py", title=t("nav.overview"), icon=":material/dashboard:",
                default=True),
        st.Page("app_pages/registration.py", title=t("nav.registration"),
                icon=":material/how_to_reg:"),
        st.Page("app_pages/planning.py", title=t("nav.planning"), icon=":material/map:"),
        st.Page("app_pages/tracking.py", title=t("nav.tracking"),
                icon=":material/where_to_vote:"),
        st.Page("app_pages/subsidies.py", title=t("nav.subsidies"), icon=":material/payments:"),
        st.Page("app_pages/settings.py", title=t("nav.settings"), icon=":material/settings:"),
    ],
    position="sidebar" if signed_in else "hidden",
)
language_picker()
chinese_widget_texts()  # Streamlit's own widget words (the file uploader's) in Chinese
if signed_in:
    sidebar_badge()
    page.run()
else:
    login_form()
