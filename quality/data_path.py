"""Where the shared datasets live: `$QUALITY_DATA`, else `../shared/datasets` beside the project."""

from __future__ import annotations

import os
from pathlib import Path


def data_root() -> Path:
    """The datasets folder: `$QUALITY_DATA` when set, else the project's sibling shared/datasets."""
    env = os.environ.get("QUALITY_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
