"""The labelled pages in `datasets/pages`: the manifest, gold text per format, block labels, the metric.

Block labels come from the gold in two ways. L3S-GN1 gold is the page itself with every text run
wrapped in a `x-nc-selN` span, so each gold word carries its class. The other sets give only the main
text. Either way our blocks' words are aligned with the gold words in document order (difflib's
longest-matching-runs on word sequences), and a block takes the label of the gold words its own words
matched: `article` when at least `ARTICLE_SHARE` of its words matched article words.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .data_path import data_root
from .records import Block


def stable_fraction(key: str) -> float:
    """A fixed pseudo-random number in [0, 1) for a key, the same on every machine (sets splits
    and folds of pages, keyed "set/id", and of tortured phrases)."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 2**32


def fold_of(key: str, folds: int) -> int:
    """The cross-fitting fold of a page key or a tortured phrase."""
    return int(stable_fraction(key + "#fold") * folds)


WORD = re.compile(r"\w+")
ARTICLE_SHARE = 0.5  # share of a block's words matched to gold article words for it to be article
DRAGNET_COMMENTS = "!@#$%^&*()  COMMENTS"
L3S_CLASS = re.compile(r"x-nc-sel(\d)")
L3S_ARTICLE = frozenset({1, 2, 3})
UNMATCHED = -1


@dataclass(frozen=True, slots=True)
class Page:
    set: str
    id: str
    split: str
    gold_format: str
    html: Path
    gold: Path

    @property
    def key(self) -> str:
        """ "set/id": what stable splits and folds of pages are keyed on (`fold_of`)."""
        return f"{self.set}/{self.id}"


@dataclass(frozen=True, slots=True)
class LabelledBlocks:
    """Per block: whether it is article, its L3S class (-1 when unknown), and its matched share."""

    article: tuple[bool, ...]
    l3s_class: tuple[int, ...]
    matched: tuple[float, ...]


def manifest(root: Path | None = None) -> list[Page]:
    """Every page of the manifest, in file order."""
    base = root or data_root()  # manifest paths start with "pages/"
    out = []
    with open(base / "pages" / "manifest.tsv", newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            out.append(
                Page(
                    row["set"],
                    row["id"],
                    row["split"],
                    row["gold_format"],
                    base / row["html"],
                    base / row["gold"],
                )
            )
    return out


def pages(split: str, root: Path | None = None, sets: Iterable[str] | None = None) -> list[Page]:
    """The pages of one split that have gold, optionally of some sets only."""
    wanted = set(sets) if sets is not None else None
    return [
        p
        for p in manifest(root)
        if p.split == split and (wanted is None or p.set in wanted) and p.gold.is_file()
    ]


def decode_bytes(data: bytes) -> str:
    """Text of a data file: UTF-8 when it is valid, else the best guess, never failing."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is not None:
            return str(best)
    except Exception:  # a detector failure must not stop a training run; cp1252 still reads it
        pass
    return data.decode("cp1252", errors="replace")


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def decode_html(data: bytes) -> str:
    """Page text for training: the project's decoder when present, else meta charset, UTF-8, a guess."""
    try:
        from .inputs import prepare
    except ImportError:
        prepare = None
    if prepare is not None:
        text = prepare(data).text
        return text or ""
    m = _META_CHARSET.search(data[:4096])
    if m:
        try:
            return data.decode(m.group(1).decode("ascii"), errors="replace")
        except LookupError:
            pass
    return decode_bytes(data)


def page_blocks(page: Page) -> tuple[list[Block], str]:
    """The blocks of a page's HTML and its title, through the project's parser and segmenter."""
    from .blocks import segment
    from .dom import parse, title_of

    parsed = parse(decode_html(page.html.read_bytes()))
    if parsed.root is None:
        return [], ""
    return segment(parsed.root), title_of(parsed.root)


def gold_text(page: Page) -> str:
    """The gold main text of a page, as plain text."""
    raw = decode_bytes(page.gold.read_bytes())
    if page.gold_format == "cleaneval":
        lines = raw.splitlines()
        if lines and lines[0].startswith("URL:"):
            lines = lines[1:]
        return re.sub(r"<[phl]>", "\n", "\n".join(lines))
    if page.gold_format == "dragnet":
        return raw.split(DRAGNET_COMMENTS, 1)[0]
    if page.gold_format == "html-fragment":
        return _html_text(raw)
    if page.gold_format == "l3s-spans":
        return " ".join(w for w, c in l3s_words(raw) if c in L3S_ARTICLE)
    raise ValueError(f"unknown gold format {page.gold_format!r}")


def _html_text(markup: str) -> str:
    from lxml import html as lxml_html

    if not markup.strip():
        return ""
    root = lxml_html.fromstring(markup)
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    return "\n".join(t for t in root.itertext())


def l3s_words(markup: str) -> list[tuple[str, int]]:
    """Each visible word of an L3S gold page with its class (0 outside any class span)."""
    from lxml import etree

    root = etree.fromstring(markup, etree.HTMLParser(remove_comments=True, huge_tree=True))
    if root is None:
        return []
    out: list[tuple[str, int]] = []
    stack: list[int] = [0]
    skip = {"script", "style", "noscript", "head", "title"}
    skipping = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        tag = el.tag if isinstance(el.tag, str) else ""
        if event == "start":
            if tag in skip:
                skipping += 1
            m = L3S_CLASS.search(el.get("class") or "") if tag == "span" else None
            stack.append(int(m.group(1)) if m else stack[-1])
            if el.text and not skipping:
                out.extend((w, stack[-1]) for w in WORD.findall(el.text))
        else:
            stack.pop()
            if tag in skip:
                skipping -= 1
            if el.tail and not skipping:
                out.extend((w, stack[-1]) for w in WORD.findall(el.tail))
    return out


def gold_words(page: Page) -> list[tuple[str, int]]:
    """Gold words with a class: L3S classes for L3S, else 2 (full text) for every gold word."""
    if page.gold_format == "l3s-spans":
        return [(w.lower(), c) for w, c in l3s_words(decode_bytes(page.gold.read_bytes()))]
    return [(w.lower(), 2) for w in WORD.findall(gold_text(page))]


def page_labels(page: Page, blocks: Sequence[Block]) -> LabelledBlocks:
    """The page's blocks labelled from its own gold (`label_blocks` on `gold_words`)."""
    return label_blocks(blocks, gold_words(page), l3s=page.gold_format == "l3s-spans")


def label_blocks(
    blocks: Sequence[Block], gold: Sequence[tuple[str, int]], *, l3s: bool
) -> LabelledBlocks:
    """Align the blocks' words with the gold words and label each block from what it matched."""
    words: list[str] = []
    owner: list[int] = []
    for i, block in enumerate(blocks):
        for w in WORD.findall(block.text):
            words.append(w.lower())
            owner.append(i)
    gold_seq = [w for w, _ in gold]
    hit_class = [UNMATCHED] * len(words)
    matcher = difflib.SequenceMatcher(None, words, gold_seq, autojunk=True)
    for a, b, size in matcher.get_matching_blocks():
        for k in range(size):
            hit_class[a + k] = gold[b + k][1]
    n = len(blocks)
    counts = [Counter() for _ in range(n)]
    totals = [0] * n
    for i, cls in zip(owner, hit_class):
        counts[i][cls] += 1
        totals[i] += 1
    article, classes, matched = [], [], []
    for i in range(n):
        total = totals[i]
        if not total:
            article.append(False)
            classes.append(0 if l3s else UNMATCHED)
            matched.append(0.0)
            continue
        art = sum(c for k, c in counts[i].items() if k in L3S_ARTICLE)
        hits = total - counts[i][UNMATCHED]
        article.append(art / total >= ARTICLE_SHARE)
        matched.append(hits / total)
        if l3s:
            # Unmatched words of an L3S page lay outside every span: class 0.
            known = Counter({k: c for k, c in counts[i].items() if k != UNMATCHED})
            classes.append(known.most_common(1)[0][0] if known else 0)
        else:
            classes.append(UNMATCHED)
    return LabelledBlocks(tuple(article), tuple(classes), tuple(matched))


def shingles(text: str, n: int = 4) -> Counter:
    """The multiset of word n-grams of a text; a text shorter than n words is one shingle."""
    tokens = WORD.findall(text or "")
    if not tokens:
        return Counter()
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)))


def match_counts(predicted: str, gold: str) -> tuple[int, int, int]:
    """True positive, false positive and false negative 4-gram counts of one page."""
    pred, true = shingles(predicted), shingles(gold)
    tp = sum((pred & true).values())
    return tp, sum(pred.values()) - tp, sum(true.values()) - tp


@dataclass(frozen=True, slots=True)
class MainTextScore:
    precision: float
    recall: float
    f1: float
    pages: int


def main_text_score(counts: Iterable[tuple[int, int, int]]) -> MainTextScore:
    """Precision and recall averaged over pages where defined, and F1 of the two averages."""
    precisions, recalls, n = [], [], 0
    for tp, fp, fn in counts:
        n += 1
        total = tp + fp + fn
        if not total:
            continue
        # Normalising by the sum leaves each page's precision and recall unchanged.
        tp, fp, fn = tp / total, fp / total, fn / total
        if tp + fp > 0:
            precisions.append(tp / (tp + fp))
        if tp + fn > 0:
            recalls.append(tp / (tp + fn))
    p = sum(precisions) / len(precisions) if precisions else 0.0
    r = sum(recalls) / len(recalls) if recalls else 0.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return MainTextScore(p, r, f1, n)
