"""Train the spun-text scorer: a word bigram fluency model from clean gold text plus a small classifier.
"""

from __future__ import annotations

import csv
import hashlib
import html
import os
import re
import logging
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import lxml.html

COMMENTS_MARK = "!@#$%^&*()  COMMENTS"
L3S_ARTICLE_CLASSES = ("x-nc-sel1", "x-nc-sel2", "x-nc-sel3")
CLEANEVAL_TAG = re.compile(r"<(?:p|h|l)>", re.IGNORECASE)
SENTENCE_END = re.compile(r"""[.!?:;"')\]]\s*$""")
L3S_CURLY = re.compile(r"(?<=\w)\?(?=\w)")  # L3S writes curly apostrophes as "?"


def data_root() -> Path:
    """The shared datasets folder: $QUALITY_DATA, else ../shared/datasets beside the project."""
    try:
        from quality.data_path import data_root as project_data_root
    except ImportError:
        env = os.environ.get("QUALITY_DATA")
        return Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
    return project_data_root()


def manifest_rows(split: str) -> list[dict[str, str]]:
    """Rows of pages/manifest.tsv in one split that have a gold file, sorted by set and id."""
    path = data_root() / "pages" / "manifest.tsv"
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    return sorted(
        (row for row in rows if row["split"] == split and row["gold"]),
        key=lambda row: (row["set"], row["id"]),
    )


def _l3s_paragraphs(text: str) -> list[str]:
    tree = lxml.html.fromstring(text)
    runs = []
    for span in tree.iter("span"):
        if span.get("class") in L3S_ARTICLE_CLASSES:
            run = " ".join(span.text_content().split())
            if run:
                runs.append(L3S_CURLY.sub("'", run))
    paragraphs: list[str] = []
    for run in runs:
        # Spans cut paragraphs at inline links: glue a run on when the previous one did not end a sentence.
        if paragraphs and not SENTENCE_END.search(paragraphs[-1]) and not run[0].isupper():
            paragraphs[-1] += " " + run
        else:
            paragraphs.append(run)
    return paragraphs


def _cleaneval_paragraphs(text: str) -> list[str]:
    body = text.split("\n", 1)[1] if text.startswith("URL:") else text
    return [" ".join(html.unescape(part).split()) for part in CLEANEVAL_TAG.split(body)]


def _dragnet_paragraphs(text: str) -> list[str]:
    article = text.split(COMMENTS_MARK, 1)[0]
    return [" ".join(part.split()) for part in re.split(r"\n\s*\n", article)]


def _fragment_paragraphs(text: str) -> list[str]:
    tree = lxml.html.fromstring(f"<div>{text}</div>")
    return [" ".join(el.text_content().split()) for el in tree.iter("p", "li", "blockquote") if len(el) < 8]


READERS = {
    "l3s-spans": _l3s_paragraphs,
    "cleaneval": _cleaneval_paragraphs,
    "dragnet": _dragnet_paragraphs,
    "html-fragment": _fragment_paragraphs,
}


def gold_paragraphs(split: str, *, min_words: int = 1) -> Iterator[tuple[str, str]]:
    """Yield (page key, paragraph) for every gold article paragraph of a split's pages."""
    root = data_root() / "pages"
    for row in manifest_rows(split):
        raw = (root.parent / row["gold"]).read_bytes() if not (root / row["gold"]).exists() else (root / row["gold"]).read_bytes()
        text = raw.decode("utf-8", errors="replace")
        for paragraph in READERS[row["gold_format"]](text):
            if len(paragraph.split()) >= min_words:
                yield f"{row['set']}/{row['id']}", paragraph


def stable_fraction(key: str) -> float:
    """A fixed pseudo-random number in [0, 1) for a key, the same on every machine."""
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) / 2**32




SPLIT_SHARE = 0.85  # train pages below this stable fraction feed the bigram counts, the rest the classifier
MIN_WORDS = 20  # a paragraph shorter than this is a heading or a caption, not a paragraph
RATES = (0.1, 0.2, 0.3, 0.5)
WORD_LIST = re.compile(r"[a-z]+(?:'[a-z]+)*")


def build_fluency_model(paragraphs: list[str]):
    """Count unigrams and bigrams over clean paragraphs and pair them with wordfreq's unigram list."""
    import numpy as np
    import wordfreq

    from quality.signals.fluency import BOUNDARY, FLOOR_PROB, UNKNOWN, FluencyModel, tokenize

    unigrams: Counter[str] = Counter()
    bigrams: Counter[tuple[str, str]] = Counter()
    for paragraph in paragraphs:
        tokens = tokenize(paragraph)
        unigrams.update(tokens)
        bigrams.update(zip(tokens, tokens[1:]))
    total = sum(unigrams.values())
    listed = {w: f for w, f in wordfreq.get_frequency_dict("en", "best").items() if WORD_LIST.fullmatch(w)}
    words = [UNKNOWN] + sorted(set(listed) | {w for w, c in unigrams.items() if c >= 2})
    vocab = {w: i for i, w in enumerate(words)}
    prob = np.full(len(words), FLOOR_PROB)
    for w, i in vocab.items():
        if w in listed:
            prob[i] = max(listed[w], FLOOR_PROB)
        elif w in unigrams:
            # tokens wordfreq does not list (boundaries, numbers, commas, rare corpus words): corpus share
            prob[i] = max(unigrams[w] / total, FLOOR_PROB)
    unknown = vocab[UNKNOWN]
    pair_counts: Counter[int] = Counter()
    for (a, b), c in bigrams.items():
        pair_counts[vocab.get(a, unknown) * len(vocab) + vocab.get(b, unknown)] += c
    keys = np.array(sorted(pair_counts), dtype=np.int64)
    counts = np.array([pair_counts[k] for k in keys.tolist()], dtype=np.int32)
    context_count = np.zeros(len(words), dtype=np.int32)
    context_types = np.zeros(len(words), dtype=np.int32)
    np.add.at(context_count, keys // len(vocab), counts)
    np.add.at(context_types, keys // len(vocab), 1)
    alt_offsets, alt_ids = _alternatives(words, vocab, prob)
    logging.info("fluency model: %d tokens, %d vocab, %d bigrams, boundary count %d", total, len(words), len(keys), unigrams[BOUNDARY])
    return FluencyModel(
        vocab=vocab,
        log_unigram=np.log(prob).astype(np.float32),
        context_count=context_count,
        context_types=context_types,
        bigram_keys=keys,
        bigram_counts=counts,
        alt_offsets=alt_offsets,
        alt_ids=alt_ids,
    )


MAX_ALTERNATIVES = 12  # the most frequent synonyms are the ones a writer would have picked


def _alternatives(words: list[str], vocab: dict[str, int], prob):
    """For each word, its single-word thesaurus synonyms in the vocabulary, most frequent first."""
    import numpy as np

    from spinner import STOPWORDS, synonyms

    offsets = np.zeros(len(words) + 1, dtype=np.int32)
    flat: list[int] = []
    for i, word in enumerate(words):
        if len(word) > 2 and word.isalpha() and word not in STOPWORDS:
            found = {vocab[s] for s in synonyms(word) if s in vocab}
            flat.extend(sorted(found, key=lambda j: -prob[j])[:MAX_ALTERNATIVES])
        offsets[i + 1] = len(flat)
    return offsets, np.array(flat, dtype=np.int32)


def split_train_pages() -> tuple[list[str], list[str]]:
    """Train-split paragraphs for the bigram counts, and held-apart ones for the classifier."""
    counts, classifier = [], []
    for key, paragraph in gold_paragraphs("train"):
        (counts if stable_fraction(key) < SPLIT_SHARE else classifier).append(paragraph)
    return counts, classifier
