"""What every feature family reads from one page, computed once: words per block, language, sizes."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from itertools import chain, count, repeat

import numpy as np

from ..records import Block

WORD = re.compile(r"\w+")
# ASCII text's word characters kept and every other byte made a space: for ASCII text, splitting
# the translated text on whitespace gives what WORD.findall gives, at a third of the cost. Line
# feeds stay, to cut a page's joined blocks apart again.
_ASCII_WORD_BYTES = (
    bytes(c if chr(c).isalnum() or c in b"_\n" else 32 for c in range(128)) + b" " * 128
)
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
    texts: list[str]  # each block's text
    lower: list[str]  # each block's text, lower-cased
    words: list[list[str]]  # lower-case \w+ runs of each block
    n_words: np.ndarray  # float, words per block: len(words[i])
    chars: np.ndarray  # characters per block
    # per block, a number standing for its tag path (equal paths, equal numbers)
    path_ids: np.ndarray
    lang: str  # guessed from function words over the whole page
    site_repeats: Collection[int]


def guess_language(words: Sequence[Sequence[str]], text_sample: str) -> str:
    """The language whose function words cover most of the page's words ("" when none fits)."""
    if len(CJK.findall(text_sample[:4000])) > 200:
        lists = stopwords()
        ja = sum(
            text_sample.count(c) for c in lists["ja"] if len(c) == 1 and "\u3040" <= c <= "\u30ff"
        )
        return "ja" if ja > 50 else "zh"
    seen = taken = 0
    for block_words in words:
        taken += 1
        seen += len(block_words)
        if seen > 1500:  # enough words to tell the language
            break
    read = Counter(chain.from_iterable(words[:taken]))
    # Each distinct word once, weighted by how often it was read.
    counts: dict[str, int] = {}
    index = _word_languages()
    for w in index.keys() & read.keys():
        n = read[w]
        for code in index[w]:
            counts[code] = counts.get(code, 0) + n
    if not counts:
        return ""
    return max(sorted(counts), key=counts.get)


def block_words(lower: list[str]) -> list[list[str]]:
    """`WORD.findall` of each text: through a byte table for ASCII text (most pages), else the regex."""
    joined = "\n".join(lower)
    if joined.isascii():
        table = _ASCII_WORD_BYTES
        cut = joined.encode("ascii").translate(table).decode("ascii").split("\n")
        if len(cut) == len(lower):  # else a text held a line feed itself
            return [t.split() for t in cut]
    findall = WORD.findall
    return [
        t.encode("ascii").translate(_ASCII_WORD_BYTES).decode("ascii").split()
        if t.isascii()
        else findall(t)
        for t in lower
    ]


def page_data(
    blocks: Sequence[Block], title: str = "", site_repeats: Collection[int] | None = None
) -> PageData:
    """Shared per-page inputs of the feature families."""
    texts = [b.text for b in blocks]
    lower = list(map(str.lower, texts))
    words = block_words(lower)
    n_words = np.fromiter(map(len, words), dtype=np.float64, count=len(blocks))
    chars = np.fromiter(map(len, texts), dtype=np.float64, count=len(blocks))
    # The longest blocks decide the language: menus are short and often English on any site.
    order = np.argsort(-chars, kind="stable")[:20]
    sample = " ".join([texts[i] for i in order])
    lang = guess_language([words[i] for i in order], sample)
    # Paths numbered in order of first appearance.
    paths = [b.path for b in blocks]
    number = dict(zip(dict.fromkeys(paths), count()))
    path_ids = np.fromiter(map(number.__getitem__, paths), dtype=np.int64, count=len(blocks))
    return PageData(
        blocks, title or "", texts, lower, words, n_words, chars, path_ids, lang, site_repeats or ()
    )


_FIELD_BITS = 21  # counts packed into one integer per block: each field holds under 2**21 words


@lru_cache(maxsize=64)
def _packed_table(sets: tuple[frozenset[str], ...]) -> dict[str, int]:
    """Each word of the sets -> its memberships as one integer, a field of `_FIELD_BITS` per set."""
    table: dict[str, int] = {}
    for k, words in enumerate(reversed(sets)):
        bit = 1 << (_FIELD_BITS * k)
        for w in words:
            table[w] = table.get(w, 0) + bit
    return table


def word_set_counts(words: Sequence[Sequence[str]], sets: tuple[frozenset[str], ...]) -> np.ndarray:
    """Per block, how many of its words (repeats included) are in each set: one column per set.

    One dictionary lookup per word gives its memberships in every set, packed into one integer, so
    a block's sum holds all its counts; `sum(map(s.__contains__, words))` per set gives the same.
    """
    n = len(words)
    out = np.zeros((n, len(sets)))
    if not n:
        return out
    longest = max(map(len, words))
    if longest >= 1 << _FIELD_BITS or _FIELD_BITS * len(sets) > 63:
        for k, s in enumerate(sets):
            out[:, k] = [sum(map(s.__contains__, ws)) for ws in words]
        return out
    get = _packed_table(sets).get
    zeros = repeat(0)
    packed = np.fromiter(
        map(sum, map(map, repeat(get), words, repeat(zeros))), dtype=np.int64, count=n
    )
    mask = (1 << _FIELD_BITS) - 1
    for k in range(len(sets)):
        out[:, len(sets) - 1 - k] = (packed >> (_FIELD_BITS * k)) & mask
    return out


_CODE_POINTS = 0x110000
_CLASS_TABLES: dict[int, tuple] = {}


def _class_table(classes: Sequence) -> np.ndarray | None:
    """Each code point's class number (1-based, 0 for none), or None when the classes overlap."""
    hit = _CLASS_TABLES.get(id(classes))
    if hit is None or hit[0] is not classes:
        every = np.arange(_CODE_POINTS, dtype=np.uint32)
        table = np.zeros(_CODE_POINTS, dtype=np.uint8)
        disjoint = len(classes) < 255
        for k, cls in enumerate(classes, 1):
            if callable(cls):
                mask = cls(every)
            else:
                mask = np.zeros(_CODE_POINTS, dtype=bool)
                mask[cls] = True
            disjoint = disjoint and not table[mask].any()
            table[mask] = k
        hit = _CLASS_TABLES[id(classes)] = (classes, table if disjoint else None)
    return hit[1]


def char_counts(texts: Sequence[str], classes: Sequence[np.ndarray]) -> np.ndarray:
    """Per text, how many characters fall in each class (a sorted array of code points, or a
    function of a code point array giving a mask).

    The texts are joined and read as one array of code points, so the counting is numpy work
    rather than a Python loop over characters; classes that do not overlap are counted in one
    pass through a code point -> class table.
    """
    n = len(texts)
    out = np.zeros((n, len(classes)))
    if not n:
        return out
    joined = "\x00".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=n)
    table = _class_table(classes)
    if table is not None:
        # Text k owns its characters and the separator after them; the key counts (text, class).
        width = len(classes) + 1
        owner = np.repeat(np.arange(0, n * width, width), lengths + 1)[: len(codes)]
        counts = np.bincount(owner + table[codes], minlength=n * width)
        return counts.reshape(n, width)[:, 1:].astype(np.float64)
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
