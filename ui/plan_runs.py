"""Planner runs that outlive the page: one background thread per user, its result saved in
the ledger.

Rules implemented:

- a run is owned by the server (a registry made once with ``st.cache_resource``), keyed by
  the user's name, not by the page script: switching pages, reloading or signing out does
  not stop it, and coming back shows its progress or its result;
- the thread never touches Streamlit: the planner's progress callback only records the share
  done; when the planner finishes, the plan is saved with ``planner.services.plans.save_plan``
  (parameters — with the scenario's edits when given ``PlanSettings`` —, name, parent plan) and
  the run keeps the saved plan's number and name (a plan the user did not name is named when
  it is saved, after the number it gets);
- a user runs one plan at a time; a failure is kept (shown, never raised): input problems and
  refusals in the reader's language (``error_text``), anything else — a bug — logged and shown
  as an internal error naming its type.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st


@dataclass
class PlanRun:
    """One planner run: its name, share done, and the saved plan or the failure.

    ``naming``: the function of the saved plan's number that names it (a plan the user did not
    name); ``name`` is then the run's label until the plan is saved, and its name after.
    """

    name: str
    fraction: float = 0.0
    message: str = ""
    saved_id: int | None = None
    error: str | None = None
    failure: BaseException | None = field(default=None, repr=False)
    seen: bool = False
    thread: threading.Thread | None = field(default=None, repr=False)
    naming: Callable[[int], str] | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()


class Registry:
    """The runs of every user of this server (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs: dict[str, PlanRun] = {}

    def get(self, username: str) -> PlanRun | None:
        with self._lock:
            return self._runs.get(username)

    def start(self, user: Any, scenario: Any, params: Any, name: str | Callable[[int], str],
              url: str, parent_id: int | None = None, folder: Any = None, *,
              label: str = "") -> PlanRun | None:
        """Start planning ``scenario`` for ``user`` with ``params`` (``PlanParams``, or
        ``PlanSettings``, saved with the plan; their policy file read from ``folder``);
        ``None`` if their last run still runs. ``name`` is the plan's name, or a function of
        the number it is saved under giving it (``label`` names the run until then)."""
        with self._lock:
            current = self._runs.get(user.username)
            if current is not None and current.running:
                return None
            run = (PlanRun(name) if isinstance(name, str)
                   else PlanRun(label, naming=name))
            run.thread = threading.Thread(target=_work, name=f"plan-{user.username}",
                                          args=(run, user, scenario, params, url, parent_id,
                                                folder),
                                          daemon=True)
            self._runs[user.username] = run
        run.thread.start()
        return run


def _work(run: PlanRun, user: Any, scenario: Any, params: Any, url: str,
          parent_id: int | None, folder: Any = None) -> None:
    """The thread: plan, check and save the plan in the ledger (a service use case)."""
    from planner.services.planning import plan_and_save

    def progress(fraction: float = 0.0, message: str = "", *_: Any) -> None:
        run.fraction = min(max(float(fraction), 0.0), 1.0)
        run.message = str(message)

    try:
        saved = plan_and_save(scenario, params, run.naming or run.name, user, url,
                              progress=progress, parent_id=parent_id, folder=folder)
        run.name = saved.name
        run.saved_id = saved.id
        run.fraction = 1.0
    except Exception as exc:  # shown on the page; the thread must not die silently
        run.error = str(exc) or type(exc).__name__
        run.failure = exc
        if not _expected(exc):
            logging.getLogger(__name__).exception("planner run %r failed", run.name)


def _expected(exc: BaseException) -> bool:
    """Whether a failure is the user's to fix (input problems, a refusal), not a bug."""
    from planner.problems import InputError
    from planner.refusal import Refusal

    return isinstance(exc, InputError | Refusal)


def error_text(run: PlanRun, lang: str) -> str:
    """Why a run failed, in ``lang``: its input problems (the first five) or refusal, or an
    internal error naming the exception's type."""
    from planner.problems import InputError
    from planner.refusal import Refusal
    from ui.i18n import translate

    exc = run.failure
    if isinstance(exc, InputError):
        texts = [f"{p.file}：{p.text(lang)}" for p in exc.problems[:5]]
        more = len(exc.problems) - len(texts)
        return "；".join(texts) + (translate("planning.run_more", lang, n=more) if more else "")
    if isinstance(exc, Refusal):
        return exc.message.render(lang)
    kind = type(exc).__name__ if exc is not None else (run.error or "")
    return translate("planning.run_internal", lang, kind=kind)


@st.cache_resource(show_spinner=False)
def registry() -> Registry:
    """The server's one registry of planner runs."""
    return Registry()
