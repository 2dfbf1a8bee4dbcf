"""Signals that a text is not honest article text: spun (synonym-swapped) prose and bait headlines.

Each scorer returns a number in [0, 1], higher is worse, and has an evidence function that says which
words drove it. Models load lazily on first call and stay cached.
"""

from __future__ import annotations

from .clickbait import (
    ClickbaitResult,
    clickbait_evidence,
    clickbait_score,
    clickbait_scores,
    explain_clickbait,
)
from .spin import SpinResult, explain_spin, spin_evidence, spin_score, spin_scores

__all__ = [
    "ClickbaitResult",
    "SpinResult",
    "clickbait_evidence",
    "clickbait_score",
    "clickbait_scores",
    "explain_clickbait",
    "explain_spin",
    "spin_evidence",
    "spin_score",
    "spin_scores",
]
