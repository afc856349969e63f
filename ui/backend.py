"""The app's door to ``planner.services``: calling a service, the ledger URL, and the cached
loaders pages call.

Rules implemented:

- pages import the services they use and call them through :func:`run` (or :func:`attempt`),
  so mypy checks every call;
- a ``planner.errors.JobbusError`` is a refusal: shown in the session's language (a
  ``Refusal`` by its message code, an ``InputError`` as its table of problems); any other
  exception is a bug: logged with its traceback (logger ``jobbus``) and shown as a short
  error with a reference to give the administrator, never the exception's text;
- problems of a write (an import, a save) say that nothing was written; those of a read
  (:func:`run_read`: opening a folder, a file) do not — nothing was to be written;
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
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import streamlit as st

from planner.errors import JobbusError
from planner.ledger.db import default_database_url
from planner.problems import InputError, Problem
from ui import fmt
from ui.i18n import current_language, t

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger("jobbus")


def database_url() -> str:
    """The ledger's SQLAlchemy URL."""
    return default_database_url()


def ledger_changed() -> None:
    """Forget every cached read of the ledger (after an import, a transition, a new user)."""
    st.cache_data.clear()


def _invoke(
    fn: Callable[P, R], writes: bool, *args: P.args, **kwargs: P.kwargs
) -> tuple[bool, R | None, list[Problem]]:
    try:
        return True, fn(*args, **kwargs), []
    except InputError as exc:
        show_problems_inline(exc.problems, wrote_nothing=writes)
        return False, None, list(exc.problems)
    except JobbusError as exc:
        st.error(t("common.refused", reason=refusal_text(exc)), icon=":material/block:")
    except Exception:
        show_bug(getattr(fn, "__qualname__", repr(fn)))
    return False, None, []


def show_bug(where: str) -> str:
    """Log the exception being handled with its traceback and a fresh reference, and show the
    user only that reference; returns the reference."""
    ref = uuid.uuid4().hex[:8]
    log.exception("bug %s in %s", ref, where)
    st.error(t("common.bug", ref=ref), icon=":material/error:")
    return ref


def refusal_text(exc: JobbusError) -> str:
    """A refusal in the session's language: a ``Refusal`` renders its message code, an
    ``InputError`` its problems."""
    from planner.messages import Message

    lang = current_language()
    if isinstance(exc, InputError):
        return "; ".join(p.text(lang) for p in exc.problems)
    message = getattr(exc, "message", None)
    if isinstance(message, Message):
        return message.render(lang)
    return str(exc)


def run(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """Call the service ``fn`` and turn a refusal into an error box instead of a traceback.

    Returns ``None`` when the service refused or failed (the message is already on screen).
    """
    return _invoke(fn, True, *args, **kwargs)[1]


def run_read(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R | None:
    """Like :func:`run` for a service that only reads (opening a folder or a file): its
    problems are counted without "nothing was written"."""
    return _invoke(fn, False, *args, **kwargs)[1]


def run_with_problems(fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs
                      ) -> tuple[R | None, list[Problem]]:
    """Like :func:`run`, and the problems of an ``InputError`` refusal (already on screen) for
    the page to offer what to do about them; ``[]`` when the service did not refuse so."""
    _, result, problems = _invoke(fn, True, *args, **kwargs)
    return result, problems


def attempt(fn: Callable[P, Any], *args: P.args, **kwargs: P.kwargs) -> bool:
    """Like :func:`run` for a service that returns nothing: ``True`` if it was done."""
    return _invoke(fn, True, *args, **kwargs)[0]


def refusals() -> tuple[type[BaseException], ...]:
    """The exceptions by which a service says no (shown as a message, not a traceback)."""
    return (JobbusError,)


def show_problems_inline(problems: Any, *, wrote_nothing: bool = True) -> None:
    """Problems as a table: file, row (blank when the problem has none), column, message;
    above it their count and, for a write (``wrote_nothing``), that nothing was written."""
    import pandas as pd

    rows = [
        {
            t("problems.file"): p.file,
            t("problems.row"): fmt.row_number(p.row),
            t("problems.column"): p.column or "",
            t("problems.message"): p.text(current_language()),
        }
        for p in problems
    ]
    st.error(t("problems.count" if wrote_nothing else "problems.count_read", n=len(rows)),
             icon=":material/error:")
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


@st.cache_resource(show_spinner=False, max_entries=16)
def saved_plan(url: str, plan_id: int) -> Any:
    """A saved plan (``planner.services.plans.load_plan``); plan versions never change, so it
    is kept once loaded."""
    from planner.services.plans import load_plan

    return load_plan(plan_id, url)


def saved_plans() -> list[Any]:
    """The ledger's saved plans, newest first (``[]`` without a ledger)."""
    from planner.services.plans import list_plans

    return list(list_plans(database_url()))


def ledger_stamp(url: str) -> tuple[int, int]:
    """The ledger's version as seen now: (newest audit entry id, number of entries)."""
    from sqlalchemy import func, select

    from planner.ledger import models as m
    from planner.ledger.db import get_engine

    with get_engine(url).connect() as conn:
        newest, count = conn.execute(
            select(func.max(m.AuditEntry.id), func.count(m.AuditEntry.id))).one()
    return int(newest or 0), int(count or 0)


def read(function: Callable[..., R], url: str, *args: Any) -> R:
    """A ledger read of ``planner.services``, cached while the ledger does not change (every
    change a service makes writes the audit log): ``read(tracking.trips, url, as_of)`` is
    ``tracking.trips(url, as_of)``; a function whose first parameter is not ``url`` gets it as
    a keyword: ``read(reports.money_by_rule, url)`` is ``money_by_rule(url=url)``. The result
    is a copy (``st.cache_data``)."""
    return cast(R, _cached_read(function.__module__, function.__name__, url, ledger_stamp(url),
                                *args))


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_read(module: str, name: str, url: str, stamp: tuple[int, int], *args: Any) -> Any:
    del stamp  # the cache key: a new stamp is a new read
    found = getattr(importlib.import_module(module), name)
    first = next(iter(inspect.signature(found).parameters.values()), None)
    positional = first is not None and first.name == "url" and first.kind in (
        inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return found(url, *args) if positional else found(*args, url=url)
