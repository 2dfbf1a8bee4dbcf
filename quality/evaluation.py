"""Measuring the block model on labelled pages: block P/R/F1, teaser recall, main-text F1 per set."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from . import corpus
from .records import Block, Verdict


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
    teaser_detect_precision: float | None = None  # blocks given a teaser__ reason that are class 4
    teaser_detect_recall: float | None = None  # class 4 blocks given a teaser__ reason


# A labeller takes a page's blocks and title and returns whether each block is article, and
# optionally whether each was recognised as a teaser.
Labeller = Callable[[Sequence[Block], str], "np.ndarray | tuple[np.ndarray, np.ndarray]"]


def model_labeller(low_quality: bool = True) -> Labeller:
    """The committed model's article decisions and teaser detections."""
    from .model import classify

    def label(blocks: Sequence[Block], title: str) -> tuple[np.ndarray, np.ndarray]:
        verdict = classify(blocks, title=title, low_quality=low_quality)
        article = np.array([r.label.value == "article" for r in verdict.blocks], dtype=bool)
        teaser = np.array(
            [
                not a and any(c.startswith("teaser__") for c in r.reasons)
                for a, r in zip(article, verdict.blocks)
            ],
            dtype=bool,
        )
        return article, teaser

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
    detect = defaultdict(lambda: np.zeros(3))  # detected and class 4, detected, class 4
    for page in pages:
        blocks, title = corpus.page_blocks(page)
        out = labeller(blocks, title) if blocks else np.zeros(0, dtype=bool)
        pred, flagged = out if isinstance(out, tuple) else (out, None)
        text = "\n".join(b.text for b, a in zip(blocks, pred) if a)
        group = page.set if by == "set" else page_language(blocks)
        counts[group].append(corpus.match_counts(text, corpus.gold_text(page)))
        if page.gold_format == "l3s-spans" and blocks and by == "set":
            gold = corpus.page_labels(page, blocks)
            truth = np.asarray(gold.article, dtype=bool)
            block[page.set] += (np.sum(pred & truth), np.sum(pred & ~truth), np.sum(~pred & truth))
            is4 = np.asarray(gold.l3s_class) == 4
            teaser[page.set] += (np.sum(is4 & ~pred), np.sum(is4))
            if flagged is not None:
                detect[page.set] += (np.sum(is4 & flagged), np.sum(flagged), np.sum(is4))
    out = []
    for name in (
        sorted(counts, key=lambda k: (-len(counts[k]), k)) if by != "set" else sorted(counts)
    ):
        kw = {}
        if name in block:
            tp, fp, fn = block[name]
            p = tp / (tp + fp) if tp + fp else 0.0
            r = tp / (tp + fn) if tp + fn else 0.0
            caught, total = teaser[name]
            kw = dict(
                block_precision=p,
                block_recall=r,
                block_f1=2 * p * r / (p + r) if p + r else 0.0,
                teaser_recall=caught / total if total else None,
                teasers=int(total),
            )
            if name in detect:
                both, flagged, actual = detect[name]
                kw["teaser_detect_precision"] = both / flagged if flagged else None
                kw["teaser_detect_recall"] = both / actual if actual else None
        out.append(SetScores(name, len(counts[name]), corpus.main_text_score(counts[name]), **kw))
    return out


def format_table(rows: Sequence[SetScores]) -> str:
    """A plain-text table of the scores."""
    lines = [
        f"{'set':<16} {'pages':>5} {'F1':>6} {'P':>6} {'R':>6}  {'blkP':>6} {'blkR':>6} {'blkF1':>6} {'teaserR':>8}"
    ]
    for r in rows:
        m = r.main_text
        blk = (
            f"{r.block_precision:6.3f} {r.block_recall:6.3f} {r.block_f1:6.3f} "
            f"{(r.teaser_recall if r.teaser_recall is not None else float('nan')):8.3f}"
            if r.block_f1 is not None
            else f"{'':>6} {'':>6} {'':>6} {'':>8}"
        )
        lines.append(
            f"{r.set:<16} {r.pages:5d} {m.f1:6.3f} {m.precision:6.3f} {m.recall:6.3f}  {blk}"
        )
    return "\n".join(lines)


def format_teasers(rows: Sequence[SetScores]) -> str:
    """Teaser lines for the sets with L3S class 4."""
    lines = []
    for r in rows:
        if r.teasers:
            fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
            lines.append(
                f"{r.set}: {r.teasers} class-4 teaser blocks; recall as boilerplate {fmt(r.teaser_recall)}; "
                f"teaser detection (a teaser__ reason) precision {fmt(r.teaser_detect_precision)} "
                f"recall {fmt(r.teaser_detect_recall)}"
            )
    return "\n".join(lines)


PAGE_KINDS = ("original", "removed", "spun", "salad", "stuffed")
EXPECTED = {
    "original": "article",
    "removed": "boilerplate",
    "spun": "low_quality",
    "salad": "low_quality",
    "stuffed": "low_quality",
}
DEGRADE_MIN_WORDS = 12


@dataclass(frozen=True, slots=True)
class PageLabelScores:
    kinds: dict[str, int]  # pages per kind
    confusion: dict[str, dict[str, int]]  # expected label -> predicted label -> pages
    accuracy: float
    degraded_blocks_caught: float  # degraded article blocks labelled low_quality
    # untouched article blocks labelled low_quality (false alarms)
    clean_article_blocks_flagged: float
    right_by_kind: dict[str, int] | None = None  # pages of each kind given their expected label


def page_variants(blocks: list[Block], article: Sequence[bool], page_no: int, lang: str):
    """The page as it is, with its article removed, and with its article degraded (English pages)."""
    import random
    from dataclasses import replace

    from .augment import degrade
    from .train import without_article

    yield "original", blocks, None
    rest = without_article(blocks, article)
    if rest:
        yield "removed", rest, None
    if lang != "en":
        return
    kind = ("spun", "salad", "stuffed")[page_no % 3]
    rng = random.Random(page_no)
    changed = []
    out = []
    for b, a in zip(blocks, article):
        if a and b.n_words >= DEGRADE_MIN_WORDS:
            text = " ".join(degrade(b.text, kind, rng).split())
            b = replace(b, text=text, link_chars=min(b.link_chars, len(text)))
            changed.append(b.index)
        out.append(b)
    if changed:
        yield kind, out, set(changed)


@dataclass(frozen=True, slots=True)
class PageCase:
    """One page variant of the page-label evaluation."""

    page_no: int  # the page's place in the list given: it seeds the degradation
    title: str
    kind: str  # "original", "removed", or the degradation ("spun", "salad", "stuffed")
    blocks: list[Block]
    changed: set[int] | None  # the degraded blocks' indices
    article: Sequence[bool]  # the original page's gold article flags
    lang: str | None


def page_label_cases(pages: Sequence[corpus.Page]) -> Iterator[PageCase]:
    """Every variant (`page_variants`) of each page that has blocks and gold article text."""
    from .features.page import page_data

    for page_no, page in enumerate(pages):
        blocks, title = corpus.page_blocks(page)
        if not blocks:
            continue
        gold = corpus.page_labels(page, blocks)
        if not any(gold.article):
            continue
        lang = page_data(blocks).lang
        for kind, variant, changed in page_variants(blocks, gold.article, page_no, lang):
            yield PageCase(page_no, title, kind, variant, changed, gold.article, lang)


def score_page_labels(labelled: Iterable[tuple[PageCase, Verdict]]) -> PageLabelScores:
    """Page label accuracy and confusion over cases, each with the verdict it was given."""
    confusion: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    kinds: dict[str, int] = defaultdict(int)
    right_by_kind: dict[str, int] = defaultdict(int)
    caught = degraded = flagged = clean = 0
    for case, verdict in labelled:
        kind = case.kind
        kinds[kind] += 1
        confusion[EXPECTED[kind]][verdict.label.value] += 1
        right_by_kind[kind] += verdict.label.value == EXPECTED[kind]
        if kind == "original":
            for r, a in zip(verdict.blocks, case.article):
                if a and r.block.n_words >= DEGRADE_MIN_WORDS:
                    clean += 1
                    flagged += r.label.value == "low_quality"
        elif case.changed:
            for r in verdict.blocks:
                if r.block.index in case.changed:
                    degraded += 1
                    caught += r.label.value == "low_quality"
    total = sum(kinds.values())
    right = sum(confusion[e][e] for e in confusion)
    return PageLabelScores(
        dict(kinds),
        {k: dict(v) for k, v in confusion.items()},
        right / total if total else 0.0,
        caught / degraded if degraded else 0.0,
        flagged / clean if clean else 0.0,
        {k: right_by_kind[k] for k in kinds},
    )


def evaluate_page_labels(pages: Sequence[corpus.Page]) -> PageLabelScores:
    """Page label accuracy and confusion on real pages, article-removed pages and degraded pages."""
    from .model import classify

    return score_page_labels(
        (case, classify(case.blocks, title=case.title)) for case in page_label_cases(pages)
    )


def format_page_labels(s: PageLabelScores) -> str:
    """The page-label confusion matrix as text."""
    labels = ("article", "boilerplate", "low_quality")
    corner = "expected / predicted"
    lines = [
        f"pages per kind: {s.kinds}",
        f"accuracy {s.accuracy:.3f}",
        f"{corner:<24}" + "".join(f"{lab:>13}" for lab in labels),
    ]
    for e in labels:
        row = s.confusion.get(e, {})
        lines.append(f"{e:<24}" + "".join(f"{row.get(p, 0):>13d}" for p in labels))
    if s.right_by_kind:
        lines.append(
            "expected label given, by kind: "
            + ", ".join(f"{k} {s.right_by_kind[k]}/{n}" for k, n in s.kinds.items())
        )
    lines.append(f"degraded article blocks labelled low_quality: {s.degraded_blocks_caught:.3f}")
    lines.append(
        f"clean article blocks labelled low_quality (false alarms): {s.clean_article_blocks_flagged:.3f}"
    )
    return "\n".join(lines)


# Cross-validation on the train split, grouped by site: a template seen in training would
# otherwise flatter the held-out pages (Dragnet has up to 13 train pages from one site).
_SITE_PATTERNS = tuple(
    re.compile(p, re.IGNORECASE)
    for p in (
        rb"""<link[^>]+rel=["']?canonical[^>]+href=["']?(https?://[^"' >]+)""",
        rb"""<meta[^>]+property=["']og:url["'][^>]+content=["'](https?://[^"' >]+)""",
        rb"""<base[^>]+href=["']?(https?://[^"' >]+)""",
    )
)


def site_of(page: corpus.Page) -> str | None:
    """The page's host, from CleanEval's URL line or the page's canonical/og:url/base link."""
    from urllib.parse import urlparse

    url = None
    if page.gold_format == "cleaneval":
        first = page.gold.read_bytes()[:400].split(b"\n", 1)[0]
        if first.startswith(b"URL:"):
            url = first[4:].strip()
    if url is None:
        head = page.html.read_bytes()[:200_000]
        found = (m.group(1) for p in _SITE_PATTERNS if (m := p.search(head)))
        url = next(found, None)
    host = urlparse(url.decode("latin-1")).netloc.lower() if url else ""
    return host.removeprefix("www.") or None


def cross_validate(
    pages: Sequence[corpus.Page],
    *,
    folds: int = 4,
    thresholds: Sequence[float] = (0.5,),
    table=None,
) -> dict[float, list[SetScores]]:
    """Main-text and L3S block scores of models fitted without the held-out pages' sites.

    Each fold fits both passes exactly as `quality train` does (no low-quality stage) on the other
    folds' rows, including the article-removed copies; only the held-out original pages are scored.
    """
    from . import train

    pages = list(pages)
    table = table if table is not None else train.build_table(pages)
    p2 = out_of_fold_scores(table, folds)
    # The table holds the pages that have blocks, in order: `evaluate` asks for labels of just those.
    kept = original_pages(table)
    scores = [(p2[table.page == k], table.chars[table.page == k]) for k in kept]
    blocks = [corpus.page_blocks(table.pages[k])[0] for k in kept]
    return {
        th: evaluate(pages, _replay([_extracted(s, c, th, b) for (s, c), b in zip(scores, blocks)]))
        for th in thresholds
    }


def original_pages(table) -> np.ndarray:
    """The table's page numbers that are real pages, not article-removed copies (a copy follows its
    original in the table)."""
    source = _page_sources(table)
    original = np.ones(len(source), dtype=bool)
    original[1:] = source[1:] != source[:-1]
    return np.flatnonzero(original)


def _page_sources(table) -> np.ndarray:
    """Each table page's source page (its group, read at the page's first row): a copy with its
    article removed shares its original's."""
    return table.group[np.searchsorted(table.page, np.arange(len(table.pages)))]


def out_of_fold_scores(table, folds: int = 4) -> np.ndarray:
    """Second-pass article scores of every row, from both passes fitted as `quality train` fits
    them (no low-quality stage) on the folds without its page's site."""
    from sklearn.model_selection import GroupKFold

    from . import train

    n_pages = len(table.pages)
    source = _page_sources(table)
    sites = [site_of(p) for p in table.pages]
    ids: dict[object, int] = {}
    groups = np.array(
        [ids.setdefault(sites[k] or ("page", source[k]), len(ids)) for k in range(n_pages)]
    )
    p2 = np.zeros(len(table.y))
    for train_pages, test_pages in GroupKFold(n_splits=folds).split(
        np.zeros(n_pages), groups=groups
    ):
        model = train.fit(_table_subset(table, train_pages), second_kind=train.SECOND_KIND)
        for k in test_pages:  # one page at a time: the second pass reads its page's scores
            rows = table.page == k
            p2[rows] = model.article_scores(table.X[rows], table.chars[rows])[1]
    return p2


def _extracted(
    p2: np.ndarray, chars: np.ndarray, threshold: float, blocks: Sequence[Block]
) -> np.ndarray:
    """The blocks `extract` keeps at this threshold: scored over it, or lifted on a weak page, less
    a gallery's text (`model._gallery_text`)."""
    from .model import _best_of_weak_page, _gallery_text, rescaled

    keep = (p2 >= threshold) | _best_of_weak_page(rescaled(p2, threshold), chars)
    return keep & ~_gallery_text(blocks, keep)


def _replay(predictions: list[np.ndarray]) -> Labeller:
    """A labeller that hands out precomputed block labels, page by page in order."""
    it = iter(predictions)

    def label(blocks: Sequence[Block], title: str) -> np.ndarray:
        pred = next(it)
        if len(pred) != len(blocks):
            raise ValueError("replayed labels do not match the page's blocks")
        return pred

    return label


def _table_subset(table, keep_pages: np.ndarray):
    """The rows of some of a table's pages, as a table of its own."""
    from .train import Table

    rows = np.isin(table.page, keep_pages)
    renumber = np.full(len(table.pages), -1, dtype=np.int64)
    renumber[keep_pages] = np.arange(len(keep_pages))
    return Table(
        table.X[rows],
        table.y[rows],
        table.l3s_class[rows],
        renumber[table.page[rows]].astype(np.int32),
        table.chars[rows],
        [table.pages[k] for k in keep_pages],
        table.group[rows],
    )
