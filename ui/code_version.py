"""Has the code changed under the running server? Then stop before a page runs.

Rules implemented here:

- Streamlit runs ``app.py`` and the page scripts afresh on every run, but modules it has
  imported (``planner``, ``ui``) stay as they were loaded. After the files change under a
  running server (a deploy, a ``git pull``), a page would run new page code over old helpers
  and could fail half-way, after a write (a page calling a ``ui`` helper the old process does
  not have);
- the code a server process runs is the source of ``planner`` and ``ui`` as it was when this
  module was first imported (by ``app.py``, with the other modules, at the server's first
  run): its fingerprint (``STARTED``) is the path, size and modification time
  of every source file (``.py``, and the ``.toml`` message catalogues read once and kept) —
  files statted, never read, about 200 of them, under a millisecond per run;
- on every run ``app.py`` compares the fingerprint of the files now with ``STARTED`` before
  anything else (no sign-in check, no page): when they differ it shows 程序已更新，请重启服务
  (in the session's language) and stops, so no page runs until the service is restarted.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import streamlit as st

import planner
from ui.i18n import t

#: The folders whose source a server process loads and keeps: the package and the app's helpers.
SOURCE_ROOTS: tuple[Path, ...] = (Path(planner.__file__).resolve().parent,
                                  Path(__file__).resolve().parent)

#: The files that make up the code: Python modules and the message catalogues.
SOURCE_SUFFIXES = (".py", ".toml")

Fingerprint = frozenset[tuple[str, int, int]]


def source_fingerprint(roots: Iterable[Path] = SOURCE_ROOTS) -> Fingerprint:
    """The (path, size, modification time in ns) of every source file under ``roots``
    (``__pycache__`` and hidden folders left out): a file changed, added or removed gives
    another fingerprint. Stats only; no file is read."""
    entries: set[tuple[str, int, int]] = set()
    for root in roots:
        _scan(str(root), entries)
    return frozenset(entries)


def _scan(folder: str, entries: set[tuple[str, int, int]]) -> None:
    try:
        listing = os.scandir(folder)
    except OSError:
        return  # a folder removed meanwhile: its files are missing from the fingerprint
    with listing:
        for entry in listing:
            if entry.is_dir(follow_symlinks=False):
                if entry.name != "__pycache__" and not entry.name.startswith("."):
                    _scan(entry.path, entries)
            elif entry.name.endswith(SOURCE_SUFFIXES):
                try:
                    stat = entry.stat()
                except OSError:
                    continue
                entries.add((entry.path, stat.st_size, stat.st_mtime_ns))


#: The code this process loaded: the source as it was at the first import of this module.
STARTED: Fingerprint = source_fingerprint()


def code_changed() -> bool:
    """Whether the source files differ from those this process loaded (``STARTED``)."""
    return source_fingerprint() != STARTED


def stop_if_code_changed() -> None:
    """When the code changed under this server: say so (程序已更新，请重启服务) and stop
    the run, before any page runs."""
    if code_changed():
        st.error(t("app.code_changed"), icon=":material/restart_alt:")
        st.caption(t("app.code_changed_why"))
        st.stop()
