"""Where jobbus finds its shipped data and keeps its own files."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("JOBBUS_DATA_DIR", REPO_ROOT / "data"))


def user_data_dir() -> Path:
    """The folder for the embedded database and uploads (``JOBBUS_HOME`` or ``~/.jobbus``),
    private to its owner: created 0700, and an existing one loses its group and other rights
    (the ledger in it holds ID numbers, phones and password hashes)."""
    home = Path(os.environ.get("JOBBUS_HOME", Path.home() / ".jobbus"))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    make_private(home)
    return home


def make_private(path: Path) -> None:
    """Take group and other rights away from ``path`` (a folder keeps 0700, a file 0600 at
    most); a path that does not exist or is not ours is left alone."""
    try:
        mode = path.stat().st_mode & 0o777
        if mode & 0o077:
            path.chmod(mode & 0o700)
    except (FileNotFoundError, PermissionError):
        pass
