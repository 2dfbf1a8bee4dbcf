"""Low-quality text made from clean article text, for training and measuring the `low_quality` label.

Three kinds, as content farms make them: spun (synonyms swapped in out of context, with the project's
thesaurus spinner in scripts/spinner.py), word salad (the words of a paragraph in random order), and
keyword stuffing (a key phrase pushed into the paragraph again and again). Training only.
"""

from __future__ import annotations

import importlib.util
import random
import re
import sys
from collections import Counter
from functools import lru_cache
from pathlib import Path

KINDS = ("spun", "salad", "stuffed")
_WORD = re.compile(r"\w+")


@lru_cache(maxsize=1)
def _spinner():
    path = Path(__file__).resolve().parents[1] / "scripts" / "spinner.py"
    spec = importlib.util.spec_from_file_location("quality_spinner", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the file runs
    spec.loader.exec_module(module)
    return module


def spun(text: str, rng: random.Random, rate: float = 0.35) -> str:
    """The text with about `rate` of its content words swapped for thesaurus synonyms."""
    return _spinner().spin(text, rate, rng).text


def salad(text: str, rng: random.Random) -> str:
    """The text's words shuffled into one run-on sentence."""
    words = text.split()
    rng.shuffle(words)
    out = " ".join(w.strip(".!?") or w for w in words)
    return out[:1].upper() + out[1:] + "."


def stuffed(text: str, rng: random.Random, keyword: str | None = None) -> str:
    """The text with a key phrase (its two commonest long words, or `keyword`) after every few words."""
    words = text.split()
    if keyword is None:
        common = [
            w
            for w, _ in Counter(w.lower() for w in _WORD.findall(text) if len(w) > 4).most_common(2)
        ]
        keyword = " ".join(common) or "best cheap deals"
    out = []
    for i, w in enumerate(words):
        out.append(w)
        if i % rng.randint(4, 7) == 0:
            out.append(keyword)
    return " ".join(out)


def degrade(text: str, kind: str, rng: random.Random) -> str:
    """The text made low-quality in the given way."""
    if kind == "spun":
        return spun(text, rng)
    if kind == "salad":
        return salad(text, rng)
    if kind == "stuffed":
        return stuffed(text, rng)
    raise ValueError(f"unknown kind {kind!r}")
