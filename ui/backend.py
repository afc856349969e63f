"""The app's door to ``planner.services``: which services exist yet, the ledger URL, and the
cached loaders pages call.

Rules implemented:

- a page asks for a service with :func:`service`; when the module (or a function it needs) is
  not there, the page calls :func:`unavailable` and shows a clear "not available yet" notice
  instead of failing;
- the ledger URL is ``JOBBUS_DATABASE_URL`` or the embedded SQLite file in ``JOBBUS_HOME``
  (``planner.ledger.db.default_database_url``);
- caching lives here only (``st.cache_data`` / ``st.cache_resource``); anything that changes the
  ledger clears the cached reads with :func:`ledger_changed`;
- the reads of 总览 and 跟踪 (:func:`read`) are cached by the ledger's stamp
  (:func:`ledger_stamp`: the newest audit entry and the number of them — every change a
  service makes writes the audit log in the same transaction), so a change made elsewhere
  (the CLI, another user) shows at the next rerun, and nothing is read twice in between.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from typing import Any

import streamlit as st

from ui.i18n import current_language, t
from ui.messages import localise


def service(name: str, *functions: str) -> ModuleType | None:
    """The module ``planner.services.<name>`` if it exists and has every function named.

    Parameters
    ----------
    name
        ``"scenario"``, ``"planning"``, ``"ledger"`` or ``"auth"``.
    *functions
        Attributes the caller needs; missing any of them counts as not available.
    """
    module_name = f"planner.services.{name}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    if all(hasattr(module, f) for f in functions):
        return module
    return None


def unavailable(what: str) -> None:
    """Say plainly that a part of the screen waits for a service not built yet."""
    st.info(t("common.unavailable", what=t(f"service.{what}")), icon=":material/construction:")


def database_url() -> str:
    """The ledger's SQLAlchemy URL."""
    try:
        from planner.ledger.db import default_database_url
    except ModuleNotFoundError:  # pragma: no cover - the ledger package is always there
        from planner.paths import user_data_dir

        return os.environ.get(
            "JOBBUS_DATABASE_URL", f"sqlite:///{user_data_dir() / 'jobbus.sqlite'}"
        )
    return default_database_url()


def ledger_changed() -> None:
    """Forget every cached read of the ledger (after an import, a transition, a new user)."""
    st.cache_data.clear()


def _invoke(module: ModuleType, function: str, *args: Any, **kwargs: Any) -> tuple[bool, Any]:
    from planner.problems import InputError

    try:
        return True, getattr(module, function)(*args, **kwargs)
    except InputError as exc:
        show_problems_inline(exc.problems)
    except refusals() as exc:
        st.error(t("common.refused", reason=localise(str(exc), current_language())),
                 icon=":material/block:")
    return False, None


def call(module: ModuleType, function: str, *args: Any, **kwargs: Any) -> Any:
    """Call ``module.function`` and turn a refusal into an error box instead of a traceback.

    Returns ``None`` when the service refused (the message is already on screen).
    """
    return _invoke(module, function, *args, **kwargs)[1]


def attempt(module: ModuleType, function: str, *args: Any, **kwargs: Any) -> bool:
    """Like :func:`call` for a service function that returns nothing: ``True`` if it was done."""
    return _invoke(module, function, *args, **kwargs)[0]


def refusals() -> tuple[type[BaseException], ...]:
    """The exceptions by which a service says no (shown as a message, not a traceback)."""
    found: list[type[BaseException]] = [PermissionError, ValueError, LookupError, RuntimeError]
    for module_name, name in (
        ("planner.services.auth", "PermissionDenied"),
        ("planner.ledger.workflow", "TransitionRefused"),
    ):
        try:
            found.append(getattr(importlib.import_module(module_name), name))
        except (ModuleNotFoundError, AttributeError):
            continue
    return tuple(found)


def show_problems_inline(problems: Any) -> None:
    """Problems of an import as a table: file, row, column, message."""
    import pandas as pd

    rows = [
        {
            t("problems.file"): p.file,
            t("problems.row"): p.row,
            t("problems.column"): p.column or "",
            t("problems.message"): localise(p.message, current_language()),
        }
        for p in problems
    ]
    st.error(t("problems.count", n=len(rows)), icon=":material/error:")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


@st.cache_resource(show_spinner=False, max_entries=16)
def saved_plan(url: str, plan_id: int) -> Any:
    """A saved plan (``planner.services.plans.load_plan``); plan versions never change, so it
    is kept once loaded."""
    from planner.services.plans import load_plan

    return load_plan(plan_id, url)


def saved_plans() -> list[Any]:
    """The ledger's saved plans, newest first (``[]`` without a ledger)."""
    plans = service("plans", "list_plans")
    if plans is None:
        return []
    return list(plans.list_plans(database_url()))


def ledger_stamp(url: str) -> tuple[int, int]:
    """The ledger's version as seen now: (newest audit entry id, number of entries)."""
    from sqlalchemy import func, select

    from planner.ledger import models as m
    from planner.ledger.db import get_engine

    with get_engine(url).connect() as conn:
        newest, count = conn.execute(
            select(func.max(m.AuditEntry.id), func.count(m.AuditEntry.id))).one()
    return int(newest or 0), int(count or 0)


def read(function: str, url: str, *args: Any) -> Any:
    """A ledger read of ``planner.services``, cached while the ledger does not change:
    ``read("tracking.trips", url, as_of)`` is ``tracking.trips(url, as_of)``,
    ``read("ledger.money_by_rule", url)`` is ``ledger.money_by_rule(url=url)`` (the result is
    a copy, see ``st.cache_data``)."""
    return _cached_read(function, url, ledger_stamp(url), *args)


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_read(function: str, url: str, stamp: tuple[int, int], *args: Any) -> Any:
    del stamp  # the cache key: a new stamp is a new read
    module_name, name = function.split(".")
    found = getattr(importlib.import_module(f"planner.services.{module_name}"), name)
    return found(url, *args) if module_name == "tracking" else found(*args, url=url)
