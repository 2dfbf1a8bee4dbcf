"""One global policy on user comments, cross-validated on train: `python scripts/comment_policy.py`.

CleanEval's gold keeps a blog's user comments as main text, L3S's and Readability's leave them out,
Dragnet's does either. This measures, per set, the main-text F1 of policies applied the same way to
every page of every set, with `evaluation.cross_validate`'s folds (grouped by site):

  baseline     the labels as the gold aligns them (the committed model's training)
  train_keep   comment blocks labelled article in training, on pages whose gold has an article
  train_drop   comment blocks labelled boilerplate in training
  keep         the baseline model, and at extraction every comment block kept on a page that has
               article text outside the comments
  keep_prose   the same, only comment blocks of 20 characters or more and under half link text
  drop         the baseline model, and at extraction every comment block dropped

A comment block is one whose class/id words (its ancestors', `Block.tokens`) include a word of the
"comment" group of `features/template.py` (comment, comments, reply, replies, respond, discussion,
disqus, reactions): the feature `template__class_comment`, read from the training table.

    python scripts/comment_policy.py --table /tmp/t.joblib           # build once, save, measure
    python scripts/comment_policy.py --table /tmp/t.joblib --scores /tmp/s  # keep each fit's scores
    python scripts/comment_policy.py --table /tmp/t.joblib --only baseline,keep,drop
    python scripts/comment_policy.py --table /tmp/t.joblib --sample 10  # comment blocks to read
"""

from __future__ import annotations

import argparse
import functools
import random
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from quality import corpus, evaluation, train
from quality.features import FEATURE_NAMES

COMMENT = FEATURE_NAMES.index("template__class_comment")
LOG_CHARS = FEATURE_NAMES.index("structure__log_chars")
LINK_SHARE = FEATURE_NAMES.index("links__char_share")
POLICIES = ("baseline", "train_keep", "train_drop", "keep", "keep_prose", "drop")


def relabelled(table: train.Table, policy: str) -> train.Table:
    """The table with its comment rows labelled article (train_keep) or boilerplate (train_drop)."""
    comment = table.X[:, COMMENT] > 0
    y = table.y.copy()
    if policy == "train_drop":
        y[comment] = 0
    else:
        has_article = np.zeros(len(table.pages), dtype=bool)
        has_article[np.unique(table.page[(table.y == 1) & ~comment])] = True
        y[comment & has_article[table.page]] = 1
    return replace(table, y=y)


def extracted(table: train.Table, p2: np.ndarray, k: int, policy: str) -> np.ndarray:
    """The blocks of page k that `extract` keeps under the policy."""
    rows = table.page == k
    keep = evaluation._extracted(
        p2[rows], table.chars[rows], 0.5, corpus.page_blocks(table.pages[k])[0]
    )
    comment = table.X[rows, COMMENT] > 0
    if policy == "drop":
        return keep & ~comment
    if policy in ("keep", "keep_prose"):
        if not (keep & ~comment).any():
            return keep
        extra = comment
        if policy == "keep_prose":
            X = table.X[rows]
            # ~4 words: log1p(chars) of a 20-character block
            extra = comment & (X[:, LOG_CHARS] >= np.log1p(20)) & (X[:, LINK_SHARE] < 0.5)
        return keep | extra
    return keep


def sample(table: train.Table, n: int, seed: int = 0) -> None:
    """Print n random comment blocks of the real pages, with their gold label and class/id words."""
    rng = random.Random(seed)
    rows = [r for r in np.flatnonzero(table.X[:, COMMENT] > 0)]
    real = set(evaluation.original_pages(table).tolist())
    rows = [r for r in rows if table.page[r] in real]
    for r in sorted(rng.sample(rows, n)):
        k = int(table.page[r])
        page = table.pages[k]
        blocks, _ = corpus.page_blocks(page)
        first = int(np.searchsorted(table.page, k))
        b = blocks[r - first]
        print(f"--- {page.set} {page.id} block {b.index} gold article={int(table.y[r])}")
        print(f"    tokens: {' '.join(b.tokens[-8:])}")
        print(f"    text: {b.text[:300]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, help="a saved training table; built and saved if absent")
    ap.add_argument("--folds", type=int, default=4)
    ap.add_argument(
        "--scores", type=Path, help="a folder to keep each fit's out-of-fold scores in, and reuse"
    )
    ap.add_argument(
        "--only", help="comma-separated policies (default: all): " + ", ".join(POLICIES)
    )
    ap.add_argument("--sample", type=int, help="instead: print this many comment blocks")
    args = ap.parse_args(argv)
    import joblib

    # evaluate() segments every page again for each policy: once is enough
    corpus.page_blocks = functools.lru_cache(maxsize=None)(corpus.page_blocks)
    t = time.time()
    if args.table and args.table.exists():
        table = train.Table(**joblib.load(args.table))
    else:
        table = train.build_table(corpus.pages("train"))
        if args.table:
            joblib.dump(vars(table), args.table)
    print(f"table: {len(table.pages)} pages, {len(table.y)} rows ({time.time() - t:.0f}s)")
    comment = table.X[:, COMMENT] > 0
    print(
        f"comment rows: {comment.sum()} ({comment.mean():.1%}), of them gold article "
        f"{table.y[comment].mean():.1%}"
    )
    if args.sample:
        sample(table, args.sample)
        return 0
    policies = args.only.split(",") if args.only else list(POLICIES)
    kept = evaluation.original_pages(table)
    # every train page, those without blocks too (scored as empty, as the peers' are)
    pages = corpus.pages("train")
    fitted: dict[str, np.ndarray] = {}
    results = {}
    for policy in policies:
        base = policy if policy.startswith("train_") else "baseline"
        cache = args.scores / f"{base}.npy" if args.scores else None
        if base not in fitted and cache is not None and cache.exists():
            fitted[base] = np.load(cache)
        if base not in fitted:
            t = time.time()
            fitted[base] = evaluation.out_of_fold_scores(
                table if base == "baseline" else relabelled(table, base), args.folds
            )
            print(f"{base}: {args.folds}-fold CV fitted ({time.time() - t:.0f}s)", flush=True)
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.save(cache, fitted[base])
        p2 = fitted[base]
        preds = [extracted(table, p2, k, policy) for k in kept]
        rows = evaluation.evaluate(pages, evaluation._replay(preds))
        results[policy] = {r.set: r for r in rows}
        print(f"\n{policy}\n{evaluation.format_table(rows)}\n{evaluation.format_teasers(rows)}")
    sets = sorted(next(iter(results.values())))
    print("\nmain-text F1 per set; L3S article blocks F1 and class-4 recall as boilerplate")
    print(f"{'policy':<12} " + " ".join(f"{s:>16}" for s in sets) + f" {'L3S blkF1':>10} {'c4':>6}")
    for policy, by_set in results.items():
        l3s = by_set.get("l3s-gn1")
        print(
            f"{policy:<12} "
            + " ".join(f"{by_set[s].main_text.f1:16.4f}" for s in sets)
            + (f" {l3s.block_f1:10.3f} {l3s.teaser_recall:6.3f}" if l3s else "")
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
