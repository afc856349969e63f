"""Where jobbus finds its shipped data and keeps its own files."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = Path(os.environ.get("JOBBUS_DATA_DIR", REPO_ROOT / "data"))


def user_data_dir() -> Path:
    """The folder for the embedded database and uploads (``JOBBUS_HOME`` or ``~/.jobbus``)."""
    home = Path(os.environ.get("JOBBUS_HOME", Path.home() / ".jobbus"))
    home.mkdir(parents=True, exist_ok=True)
    return home
