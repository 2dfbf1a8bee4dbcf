"""Print the signal scorers' dev figures: spun-paragraph AUC, tortured-phrase pairs, clickbait accuracy, timing.

    python scripts/eval_signals.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))


def clickbait_accuracy(model, pairs: list[tuple[str, int]]) -> dict[str, float]:
    """Accuracy of a clickbait model on headlines as written, lower-cased and title-cased."""
    from quality.signals.clickbait import logit

    variants = {"as_written": str, "lower_cased": str.lower, "title_cased": str.title}
    return {
        name: sum((logit(model, change(text)) > 0) == bool(label) for text, label in pairs) / len(pairs)
        for name, change in variants.items()
    }
