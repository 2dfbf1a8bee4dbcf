"""Measuring the block model on labelled pages: block P/R/F1, teaser recall, main-text F1 per set."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from . import corpus
from .records import Block


@dataclass(frozen=True, slots=True)
class SetScores:
    set: str
    pages: int
    main_text: corpus.MainTextScore
    block_precision: float | None = None  # article blocks, L3S sets only
    block_recall: float | None = None
    block_f1: float | None = None
    teaser_recall: float | None = None  # L3S class 4 labelled boilerplate
    teasers: int = 0


# A labeller takes a page's blocks and title and returns whether each block is article.
Labeller = Callable[[Sequence[Block], str], np.ndarray]


def model_labeller() -> Labeller:
    """The committed model's article decisions."""
    from .model import classify

    def label(blocks: Sequence[Block], title: str) -> np.ndarray:
        verdict = classify(blocks, title=title)
        return np.array([r.label.value == "article" for r in verdict.blocks], dtype=bool)

    return label


def page_language(blocks: Sequence[Block]) -> str:
    """The language the features guess for a page ("?" when none)."""
    from .features.page import page_data

    return page_data(blocks).lang or "?"


def evaluate(pages: Sequence[corpus.Page], labeller: Labeller, by: str = "set") -> list[SetScores]:
    """Scores of the labeller on the pages, grouped per set (`by="set"`) or per guessed language."""
    counts: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    block = defaultdict(lambda: np.zeros(3))  # tp, fp, fn
    teaser = defaultdict(lambda: np.zeros(2))  # caught, total
    for page in pages:
        blocks, title = corpus.page_blocks(page)
        pred = labeller(blocks, title) if blocks else np.zeros(0, dtype=bool)
        text = "\n".join(b.text for b, a in zip(blocks, pred) if a)
        group = page.set if by == "set" else page_language(blocks)
        counts[group].append(corpus.match_counts(text, corpus.gold_text(page)))
        if page.gold_format == "l3s-spans" and blocks and by == "set":
            gold = corpus.label_blocks(blocks, corpus.gold_words(page), l3s=True)
            truth = np.asarray(gold.article, dtype=bool)
            block[page.set] += (np.sum(pred & truth), np.sum(pred & ~truth), np.sum(~pred & truth))
            is4 = np.asarray(gold.l3s_class) == 4
            teaser[page.set] += (np.sum(is4 & ~pred), np.sum(is4))
    out = []
    for name in sorted(counts, key=lambda k: (-len(counts[k]), k)) if by != "set" else sorted(counts):
        kw = {}
        if name in block:
            tp, fp, fn = block[name]
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            caught, total = teaser[name]
            kw = dict(
                block_precision=p, block_recall=r, block_f1=2 * p * r / (p + r) if p + r else 0.0,
                teaser_recall=caught / total if total else None, teasers=int(total),
            )
        out.append(SetScores(name, len(counts[name]), corpus.main_text_score(counts[name]), **kw))
    return out


def format_table(rows: Sequence[SetScores]) -> str:
    """A plain-text table of the scores."""
    lines = [f"{'set':<16} {'pages':>5} {'F1':>6} {'P':>6} {'R':>6}  {'blkP':>6} {'blkR':>6} {'blkF1':>6} {'teaserR':>8}"]
    for r in rows:
        m = r.main_text
        blk = (
            f"{r.block_precision:6.3f} {r.block_recall:6.3f} {r.block_f1:6.3f} "
            f"{(r.teaser_recall if r.teaser_recall is not None else float('nan')):8.3f}"
            if r.block_f1 is not None else f"{'':>6} {'':>6} {'':>6} {'':>8}"
        )
        lines.append(f"{r.set:<16} {r.pages:5d} {m.f1:6.3f} {m.precision:6.3f} {m.recall:6.3f}  {blk}")
    return "\n".join(lines)
