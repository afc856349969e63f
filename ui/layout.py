"""Small layout helpers shared by the screens: KPI cards and the date format of inputs.

Rules implemented:

- a KPI is a bordered ``st.metric``; its note (a share, "of 84") is grey with no arrow, since
  these numbers are states, not changes;
- money on a card is short (``¥107.54万``, :func:`ui.fmt.yuan_short`) so it fits a card at
  1366 px; the exact amount is the first line of the card's tooltip;
- a page shows one message at a time, the latest: a save keeps its success message in session
  state and reruns (so the counts above refresh), and the next run shows it once at the top
  (:func:`flash`, :func:`show_flash`) instead of an older warning or error;
- date inputs show ``2020-02-15`` (ISO), as every table and file does;
- a page's tabs keep the tab open across the rerun after a save, also when a label changes
  (a count in it): Streamlit names a keyed ``st.tabs`` by its labels, so a changed label is a
  new tab set that opens on its first tab; the tab open last run is remembered by name and
  opened again (:func:`lasting_tabs`);
- a confirmation (an action tapped once, waiting for 确认) holds only while the page that asked
  keeps drawing its 确认 button: Streamlit forgets the state of a widget a run does not draw, so
  a waiting confirmation whose 确认 has no state was left behind (another page, or another part
  of the page, ran meanwhile) and is dropped (:func:`left_unconfirmed`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import streamlit as st

from ui import fmt
from ui.i18n import current_language, t

DATE_FORMAT = "YYYY-MM-DD"
FLASH = "flash"


def kpi(where: Any, label: str, value: str, note: str | None = None,
        trend: Sequence[float] | None = None, help: str | None = None) -> None:
    """One KPI card in ``where`` (a column or ``st``)."""
    where.metric(label, value, note, delta_color="off", delta_arrow="off", border=True,
                 chart_data=list(trend) if trend is not None else None, chart_type="bar",
                 help=help)


def money_kpi(where: Any, label: str, fen: int | Decimal | None, note: str | None = None,
              help: str | None = None) -> None:
    """A KPI card of an amount in fen: short on the card, exact in the tooltip."""
    exact = t("common.exact_amount", amount=fmt.yuan(fen))
    kpi(where, label, fmt.yuan_short(fen, current_language()), note,
        help=f"{exact}\n\n{help}" if help else exact)


def flash(message: str, *, ledger: bool = True, warn: bool = False, at: str = "top") -> None:
    """Keep ``message`` for the next run and rerun now (``ledger``: the ledger changed, so its
    cached reads are dropped first; ``warn``: done, but something needs a look — shown as a
    warning, not a success; ``at``: where the page shows it, :func:`show_flash` with the same
    name — next to the button that did it when that is far down the page)."""
    if ledger:
        from ui import backend

        backend.ledger_changed()
    keep_flash(message, warn=warn, at=at)
    st.rerun()


def keep_flash(message: str, *, warn: bool = False, at: str = "top") -> None:
    """Keep ``message`` for :func:`show_flash` at place ``at`` in the next run (without
    rerunning: for a callback, whose run follows anyway)."""
    st.session_state[FLASH] = (message, warn, at)


def show_flash(at: str = "top") -> bool:
    """Show (once) the message kept by :func:`flash` for place ``at``; ``True`` if there was
    one."""
    kept = st.session_state.get(FLASH)
    if kept is None or kept[2] != at:
        return False
    message, warn, _at = st.session_state.pop(FLASH)
    if warn:
        st.warning(message, icon=":material/priority_high:")
    else:
        st.success(message, icon=":material/check:")
    return True


def left_unconfirmed(key: str, yes_key: str) -> Any | None:
    """Drop and return the confirmation waiting under session key ``key`` when the last run
    did not draw its 确认 button ``yes_key`` (the user went to another page, or the page drew
    something else, and came back); the caller says plainly that it was cancelled. ``None``:
    none waits, or the last run drew it (call this before the page draws its buttons)."""
    pending = st.session_state.get(key)
    if pending is None or yes_key in st.session_state:
        return None
    del st.session_state[key]
    return pending


def lasting_tabs(labels: Mapping[str, str], key: str) -> dict[str, Any]:
    """``st.tabs`` of ``labels`` (label by name), keyed ``key`` and tracking the open tab
    (``.open``), that opens the tab open last run again even when the labels changed since (a
    count in one of them after a save); returns the tab containers by name."""
    shown, opened = tuple(labels.values()), st.session_state.get(f"{key}:open")
    if st.session_state.get(f"{key}:labels", shown) != shown and isinstance(opened, str) \
            and opened in labels:
        st.session_state[key] = labels[opened]  # the new tab set opens where the user was
    st.session_state[f"{key}:labels"] = shown
    tabs = dict(zip(labels, st.tabs(list(shown), key=key, on_change="rerun"), strict=True))
    st.session_state[f"{key}:open"] = next((name for name, tab in tabs.items() if tab.open),
                                           None)
    return tabs
