"""Headline bait: a linear model over hashed, lower-cased word and character n-grams plus a few cues.

Every feature is taken from the lower-cased text, so the model cannot lean on letter case (the
training labels follow the publisher, and one publisher writes its headlines in lower case).
Hashing is done here with crc32 rather than sklearn, so scoring needs only numpy.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np

from ._models import load_model

MAX_EVIDENCE = 5
N_FEATURES = 2**18  # 262k buckets: collisions cost under 0.1 point of dev accuracy at this size
WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SECOND_PERSON = frozenset("you your you're yours yourself you'll you've you'd ya".split())
QUESTION_OPENERS = frozenset(
    "who what when where why how which should can could would will do does did is are".split()
)
SUPERLATIVES = re.compile(r"\b(?:best|worst|most|least|ever|actually|literally|totally|really)\b")


@dataclass(frozen=True, slots=True)
class ClickbaitModel:
    """Weights of the hashed features and the bias of a logistic model."""

    weights: np.ndarray  # float32, N_FEATURES
    bias: float


def cue_features(words: list[str], text: str) -> list[str]:
    """Named structural cues of a lower-cased headline: numbers first, second person, questions."""
    cues = []
    if words and words[0].isdigit():
        cues.append("cue:leading_number")
    if any(w.isdigit() for w in words):
        cues.append("cue:has_number")
    if SECOND_PERSON.intersection(words):
        cues.append("cue:second_person")
    if text.rstrip().endswith("?") or (words and words[0] in QUESTION_OPENERS):
        cues.append("cue:question")
    if "!" in text:
        cues.append("cue:exclamation")
    if SUPERLATIVES.search(text):
        cues.append("cue:intensifier")
    cues.append(f"cue:length_{min(len(words) // 3, 6)}")
    return cues


def headline_features(text: str) -> Counter[str]:
    """Named features of one headline, all from its lower-cased text."""
    lowered = " ".join(text.lower().replace("\u2019", "'").split())
    words = WORD.findall(lowered)
    features: Counter[str] = Counter()
    features.update(map("w:".__add__, words))
    features.update(map("b:{} {}".format, words, words[1:]))
    features.update(chain.from_iterable(map(_char_grams, words)))
    features.update(cue_features(words, lowered))
    return features


def bucket(feature: str) -> int:
    """The hash bucket of a named feature, the same on every machine."""
    return zlib.crc32(feature.encode("utf-8")) % N_FEATURES


def hashed(features: Counter[str]) -> tuple[np.ndarray, np.ndarray]:
    """Bucket indices and L2-normalised values of a feature bag."""
    # `bucket` of each feature, the crc32s taken without a Python call per feature
    crcs = np.fromiter(map(zlib.crc32, map(str.encode, features)), np.int64, len(features))
    index = crcs % N_FEATURES
    values = np.fromiter(features.values(), dtype=np.float64, count=len(features))
    norm = math.sqrt(float((values**2).sum())) or 1.0
    return index, values / norm


def logit(model: ClickbaitModel, text: str) -> float:
    """The model's log-odds that a headline is bait."""
    index, values = hashed(headline_features(text))
    return float(model.weights[index] @ values) + model.bias


def sigmoid(x: float) -> float:
    """The logistic function, safe for large magnitudes."""
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _char_grams(word: str) -> list[str]:
    """The word's character n-gram features: its 3-, 4- and 5-character runs once padded with a
    space each side, shortest first, each in order of position, named "c:" + run."""
    padded = f" {word} "
    return list(map(_PREFIX, map(padded.__getitem__, _gram_slices(len(padded)))))


_PREFIX = "c:".__add__


@lru_cache(maxsize=64)
def _gram_slices(size: int) -> tuple[slice, ...]:
    return tuple(slice(i, i + n) for n in (3, 4, 5) for i in range(size - n + 1))


def contributions(model: ClickbaitModel, text: str) -> list[tuple[str, float]]:
    """Each word (with its character n-grams), word pair and cue with its push on the log-odds, largest first."""
    features = headline_features(text)
    index, values = hashed(features)
    push = dict(zip(features, (model.weights[index] * values).tolist()))
    out: dict[str, float] = {}
    for name, value in push.items():
        kind, _, token = name.partition(":")
        if kind == "w":
            out[token] = value + sum(push.get(g, 0.0) / features[g] for g in _char_grams(token))
        elif kind in ("b", "cue"):
            out[token] = value
    return sorted(out.items(), key=lambda pair: -pair[1])


@dataclass(frozen=True, slots=True)
class ClickbaitResult:
    """A clickbait score with the words, word pairs and cues that pushed it up."""

    score: float
    tokens: tuple[str, ...]


def clickbait_scores(texts: list[str]) -> list[float]:
    """Clickbait scores in [0, 1] for many headlines with one model load; texts without words score 0."""
    model: ClickbaitModel = load_model("clickbait")
    return [sigmoid(logit(model, text)) if WORD.search(text.lower()) else 0.0 for text in texts]


def clickbait_score(text: str) -> float:
    """How likely a headline is bait, in [0, 1]."""
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    return clickbait_scores([text])[0]


def clickbait_evidence(text: str) -> ClickbaitResult:
    """The clickbait score of a headline with the tokens that pushed it towards bait."""
    score = clickbait_score(text)
    if score == 0.0:
        return ClickbaitResult(0.0, ())
    model: ClickbaitModel = load_model("clickbait")
    pushes = [token for token, push in contributions(model, text) if push > 0]
    return ClickbaitResult(score, tuple(pushes[:MAX_EVIDENCE]))


explain_clickbait = clickbait_evidence
