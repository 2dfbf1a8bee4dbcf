"""What every feature family reads from one page, computed once: words per block, language, sizes."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from ..records import Block

WORD = re.compile(r"\w+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")


@lru_cache(maxsize=1)
def stopwords() -> dict[str, frozenset[str]]:
    """Function words per language code, from the package's word lists."""
    out: dict[str, frozenset[str]] = {}
    for name in ("stopwords.txt", "cjk.txt"):
        text = resources.files("quality.resources").joinpath(name).read_text(encoding="utf-8")
        for line in text.splitlines():
            if line and not line.startswith("#") and ":" in line:
                code, words = line.split(":", 1)
                out[code.strip()] = frozenset(words.split())
    return out


CJK_LANGS = ("zh", "ja")


@lru_cache(maxsize=1)
def _word_languages() -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for code, vocab in stopwords().items():
        if code not in CJK_LANGS:
            for w in vocab:
                index.setdefault(w, []).append(code)
    return {w: tuple(codes) for w, codes in index.items()}


@dataclass(frozen=True, slots=True)
class PageData:
    blocks: Sequence[Block]
    title: str
    lower: list[str]  # each block's text, lower-cased
    words: list[list[str]]  # lower-case \w+ runs of each block
    chars: np.ndarray  # characters per block
    lang: str  # guessed from function words over the whole page
    site_repeats: Collection[int]


def guess_language(words: Sequence[Sequence[str]], text_sample: str) -> str:
    """The language whose function words cover most of the page's words ("" when none fits)."""
    if len(CJK.findall(text_sample[:4000])) > 200:
        lists = stopwords()
        ja = sum(text_sample.count(c) for c in lists["ja"] if len(c) == 1 and "\u3040" <= c <= "\u30ff")
        return "ja" if ja > 50 else "zh"
    counts: dict[str, int] = {}
    index = _word_languages()
    seen = 0
    for block_words in words:
        for w in block_words:
            for code in index.get(w, ()):
                counts[code] = counts.get(code, 0) + 1
        seen += len(block_words)
        if seen > 1500:  # enough words to tell the language
            break
    if not counts:
        return ""
    return max(sorted(counts), key=counts.get)


def page_data(
    blocks: Sequence[Block], title: str = "", site_repeats: Collection[int] | None = None
) -> PageData:
    """Shared per-page inputs of the feature families."""
    lower = [b.text.lower() for b in blocks]
    words = [WORD.findall(t) for t in lower]
    chars = np.fromiter((len(b.text) for b in blocks), dtype=np.float64, count=len(blocks))
    # The longest blocks decide the language: menus are short and often English on any site.
    order = np.argsort(-chars, kind="stable")[:20]
    sample = " ".join(blocks[i].text for i in order)
    lang = guess_language([words[i] for i in order], sample)
    return PageData(blocks, title or "", lower, words, chars, lang, site_repeats or ())


def char_counts(texts: Sequence[str], classes: Sequence[np.ndarray]) -> np.ndarray:
    """Per text, how many characters fall in each class (a sorted array of code points or ranges).

    The texts are joined and read as one array of code points, so the counting is numpy work
    rather than a Python loop over characters.
    """
    n = len(texts)
    out = np.zeros((n, len(classes)))
    if not n:
        return out
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    for k, cls in enumerate(classes):
        if callable(cls):
            mask = cls(codes)
        else:
            table = np.zeros(int(cls.max()) + 2, dtype=bool)
            table[cls] = True
            mask = table[np.minimum(codes, len(table) - 1)]
        out[:, k] = np.add.reduceat(mask.astype(np.int32), starts)
    return out
