from pathlib import Path

import pytest

from quality.data_path import data_root as quality_data_root

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "data" / "examples"


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The shared datasets folder; tests that need it skip where it is absent."""
    root = quality_data_root()
    if not (root / "README.md").exists():
        pytest.skip(f"shared datasets not found at {root} (set QUALITY_DATA to their folder)")
    return root


@pytest.fixture(scope="session")
def example_page() -> bytes:
    return (EXAMPLES / "harbour-ferry.html").read_bytes()
