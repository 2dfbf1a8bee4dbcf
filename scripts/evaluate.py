"""Score the committed block model on a split: `python scripts/evaluate.py [--split dev] [--sets ...]`.

`--split train --cv 4` instead cross-validates training itself on the split (`evaluation.cross_validate`).

Prints per set: main-text F1/P/R (4-gram metric of datasets/README.md), and for L3S the article-block
precision/recall/F1 and the recall of class 4 (related-content teasers) as boilerplate.
"""

from __future__ import annotations

import argparse
import sys
import time

from quality import corpus
from quality.evaluation import (
    evaluate,
    evaluate_page_labels,
    format_page_labels,
    format_table,
    format_teasers,
    model_labeller,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--split", default="dev")
    ap.add_argument(
        "--no-low-quality", action="store_true", help="score blocks without the low_quality stage"
    )
    ap.add_argument(
        "--pages", action="store_true", help="also score page labels on real and altered pages"
    )
    ap.add_argument("--languages", action="store_true", help="also score per guessed page language")
    ap.add_argument("--sets", nargs="*", help="only these sets (default: all)")
    ap.add_argument(
        "--cv",
        type=int,
        metavar="FOLDS",
        help="instead: cross-validate training on the split (folds grouped by site), no low_quality stage",
    )
    ap.add_argument(
        "--thresholds", type=float, nargs="*", default=[0.5], help="article thresholds for --cv"
    )
    args = ap.parse_args(argv)
    pages = corpus.pages(args.split, sets=args.sets or None)
    if not pages:
        print(f"no pages for split {args.split!r}: is the data at $QUALITY_DATA?", file=sys.stderr)
        return 1
    t = time.time()
    if args.cv:
        from quality.evaluation import cross_validate

        for th, rows in cross_validate(pages, folds=args.cv, thresholds=args.thresholds).items():
            print(
                f"split={args.split} {args.cv}-fold CV by site, threshold {th} ({time.time() - t:.0f}s)"
            )
            print(format_table(rows))
            print(format_teasers(rows))
        return 0
    labeller = model_labeller(low_quality=not args.no_low_quality)
    rows = evaluate(pages, labeller)
    print(f"split={args.split} pages={len(pages)} ({time.time() - t:.1f}s)")
    print(format_table(rows))
    print(format_teasers(rows))
    if args.pages:
        print(
            "\npage labels: real dev pages (article), their article removed (boilerplate), their article"
        )
        print(
            "spun / turned to word salad / keyword-stuffed, one kind per page in turn (low_quality):"
        )
        print(format_page_labels(evaluate_page_labels(pages)))
    if args.languages:
        print("\nby the page language the features guess (all sets together):")
        print(format_table(evaluate(pages, labeller, by="lang")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
