"""Find and load the signal models once per process."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import ModelError


def models_dir() -> Path:
    """The models folder: inside the installed package, else beside it in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    inside = package / "models"
    return inside if inside.is_dir() else package.parent / "models"


@lru_cache(maxsize=None)
def load_model(name: str) -> Any:
    """The joblib model `name` from the models folder, loaded on first use and cached."""
    import joblib

    path = models_dir() / f"{name}.joblib"
    if not path.is_file():
        raise ModelError(f"model file {path} is missing: train it with scripts/train_{name}.py")
    try:
        return joblib.load(path)
    except Exception as error:  # a truncated or incompatible pickle: say which file and what to do
        raise ModelError(
            f"cannot load {path} ({error}); retrain it with scripts/train_{name}.py"
        ) from error
