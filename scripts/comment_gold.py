"""Extract and peers scored with and without the gold's comments: `python scripts/comment_gold.py`.

How much of `extract`'s gap to a peer is user comments. CleanEval's gold keeps a blog's user
comments as main text; L3S, Readability and Dragnet's main text (before its comments marker) leave
them out, and `quality` mostly does. This scores, per dev page and per set, `quality.extract` (the
committed model, no low-quality stage) and the peers that are installed (resiliparse, trafilatura,
readability-lxml; the `bench` extra) twice: against the gold as it is, and against the gold without
its comment blocks. A comment block is a block of ours that the gold alignment calls article
(`corpus.page_labels`) and that sits under a class or id word starting with "comment" ("commented"
aside: WordPress puts it on the body of a post that has comments); its word 4-grams are taken out of
the gold's multiset. A forum whose posts carry such words counts as all comments (cleaneval-final
664): read the per-page lines before a set's total.

Pages whose gold holds comment blocks are listed with both scores; the per-set table follows.

`--conventions` instead counts, per set, the pages with at least `MIN_COMMENT_BLOCKS` comment-class
blocks (a class or id word starting with "comment", as above, whatever the gold says of them) and
how many of those keep more than half of the comment words in their gold: which convention each
set's gold follows, and how often it departs from it.
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter, defaultdict

from quality import corpus
from quality.model import classify
from quality.records import Block

PEERS = ("resiliparse", "trafilatura", "readability-lxml")
MIN_COMMENT_BLOCKS = 5  # a page with fewer has no comment section to speak of


def _peers() -> dict:
    """The peers of PEERS that are installed, run as bench_extract.py runs them."""
    from bench_extract import EXTRACTORS

    out = {}
    for name in PEERS:
        try:
            out[name] = EXTRACTORS[name][1]()
        except ImportError:
            pass
    return out


def _is_comment_word(word: str) -> bool:
    # "commented" (WordPress's body class on a post that has comments) holds whole articles.
    return word.startswith("comment") and not word.startswith("commented")


def _comment_blocks(page: corpus.Page, blocks) -> list[tuple[Block, bool]]:
    """The page's blocks under a comment class/id word, each with whether its gold calls it article."""
    labels = corpus.page_labels(page, blocks)
    return [(b, a) for b, a in zip(blocks, labels.article) if any(map(_is_comment_word, b.tokens))]


def _counts(text: str, gold: Counter) -> tuple[int, int, int]:
    pred = corpus.shingles(text)
    tp = sum((pred & gold).values())
    return tp, sum(pred.values()) - tp, sum(gold.values()) - tp


def conventions(split: str, sets: list[str] | None) -> None:
    """Per set: pages with a comment section, and how many of them keep it in their gold."""
    kept: dict[str, list[bool]] = defaultdict(list)
    for page in corpus.pages(split, sets=sets):
        blocks, _title = corpus.page_blocks(page)
        if not blocks:
            continue
        words = [(len(b.text.split()), a) for b, a in _comment_blocks(page, blocks)]
        if len(words) >= MIN_COMMENT_BLOCKS:
            total = sum(n for n, _ in words)
            kept[page.set].append(sum(n for n, a in words if a) * 2 > total)
    print(f"{'set':<16} {'pages with comments':>20} {'gold keeps them':>16}")
    for s in sorted(kept):
        print(f"{s:<16} {len(kept[s]):>20} {sum(kept[s]):>16}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument("--sets", nargs="*")
    ap.add_argument(
        "--conventions",
        action="store_true",
        help="count, per set, the pages whose gold keeps their comment section",
    )
    args = ap.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.conventions:
        conventions(args.split, args.sets or None)
        return 0
    peers = _peers()
    names = ["quality.extract", *peers]
    scores: dict[tuple[str, str, str], list] = defaultdict(list)  # (set, extractor, gold kind)
    for page in corpus.pages(args.split, sets=args.sets or None):
        blocks, title = corpus.page_blocks(page)
        gold = corpus.shingles(corpus.gold_text(page))
        html = corpus.decode_html(page.html.read_bytes())
        texts = {"quality.extract": ""}
        comments: list[str] = []
        if blocks:
            verdict = classify(blocks, title=title, low_quality=False)
            texts["quality.extract"] = "\n".join(
                r.block.text for r in verdict.blocks if r.label.value == "article"
            )
            comments = [b.text for b, a in _comment_blocks(page, blocks) if a]
        for name, run in peers.items():
            texts[name] = run(html)
        bare = gold - corpus.shingles("\n".join(comments)) if comments else gold
        for name in names:
            as_is, without = _counts(texts[name], gold), _counts(texts[name], bare)
            scores[page.set, name, "gold"].append(as_is)
            scores[page.set, name, "no comments"].append(without)
            if comments:
                a, b = corpus.main_text_score([as_is]), corpus.main_text_score([without])
                print(
                    f"{page.set} {page.id}: {len(comments)} comment blocks in the gold, {name:<16} "
                    f"F1 {a.f1:.3f} (P {a.precision:.3f} R {a.recall:.3f}) -> without them "
                    f"{b.f1:.3f} (P {b.precision:.3f} R {b.recall:.3f})"
                )
    print(f"\n{'set':<16} {'extractor':<16} {'F1 gold':>8} {'F1 no comments':>15}")
    for s in sorted({k[0] for k in scores}):
        for name in names:
            a = corpus.main_text_score(scores[s, name, "gold"]).f1
            b = corpus.main_text_score(scores[s, name, "no comments"]).f1
            print(f"{s:<16} {name:<16} {a:8.3f} {b:15.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
