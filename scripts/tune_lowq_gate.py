"""Choose the low-quality gate's bars on train pages: `python scripts/tune_lowq_gate.py --spin-folds DIR`.

The gate (`quality.model._gate_low_quality`) turns the low-quality stage's block scores into labels
with three bars: PAGE_LOWQ (the article's char-weighted mean score that makes a page suspect),
BLOCK_LOWQ_ALONE (an article block on an unsuspect page) and TEMPLATE_LOWQ (a teaser or other
template block). This scores page labels, as `evaluate.py --pages` does on dev, on train pages the
low-quality stage did not learn from (`quality.train.lowq_examples` takes every fourth page), each
page's spin scores coming from the spin fold model whose counts never saw it (`train_spin.py
--stage-folds`), so that the scores are those of a page `check` has never met. It prints page
accuracy, degraded blocks caught and false alarms for every combination of the bars given.
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import joblib

from quality import corpus, model
from quality.evaluation import page_label_cases, score_page_labels
from quality.signals import spin
from quality.train import LOWQ_PAGE_EVERY, spin_fold_paths, spin_model_as


def _is_snippet(text: str) -> bool:
    """A template block cut like a teaser snippet (the stage judges those)."""
    return text.rstrip().endswith(("…", "...", "[…]", "[...]"))


def _spun_snippets(blocks, article, page_no: int):
    """The page with its teaser snippets (template blocks of 12+ words cut with an ellipsis) spun,
    and their indices; None when it has none."""
    import random
    from dataclasses import replace

    from quality.augment import degrade

    rng = random.Random(page_no)
    out, changed = [], set()
    for b, a in zip(blocks, article):
        if not a and b.n_words >= 12 and _is_snippet(b.text):
            text = " ".join(degrade(b.text, "spun", rng).split())
            b = replace(b, text=text, link_chars=min(b.link_chars, len(text)))
            changed.add(b.index)
        out.append(b)
    return (out, changed) if changed else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--spin-folds",
        type=Path,
        help="the spin fold models (train pages; needed with --split train)",
    )
    parser.add_argument(
        "--split",
        default="train",
        help="dev: score dev pages (none of them counted) with the installed spin model, as they are",
    )
    parser.add_argument("--every", type=int, default=3, help="take every Nth eligible train page")
    parser.add_argument("--page", type=float, nargs="+", default=[0.5, 0.6, 0.7, 0.8])
    parser.add_argument("--alone", type=float, nargs="+", default=[0.98, 0.99, 0.995])
    parser.add_argument("--template", type=float, nargs="+", default=[0.8, 0.9])
    args = parser.parse_args(argv)

    if args.split == "train":
        if args.spin_folds is None:
            parser.error("--split train needs --spin-folds: the spin model counted the train pages")
        folds = [joblib.load(p) for p in spin_fold_paths(args.spin_folds)]
    else:
        folds = [spin._spin_model()]
    pages = [
        p
        for i, p in enumerate(corpus.pages(args.split))
        if args.split != "train" or i % LOWQ_PAGE_EVERY
    ][:: args.every]
    cases = list(page_label_cases(pages))
    # the page's spin model: the fold that never counted it
    fold_of_case = [folds[corpus.fold_of(pages[c.page_no].key, len(folds))] for c in cases]
    snippet_cases = [
        (k, spun)
        for k, c in enumerate(cases)
        if c.kind == "original" and c.lang == "en"
        for spun in [_spun_snippets(c.blocks, c.article, c.page_no)]
        if spun is not None
    ]
    print(f"{len(cases)} page variants from {len(pages)} {args.split} pages")

    for bars in itertools.product(args.page, args.alone, args.template):
        model.PAGE_LOWQ, model.BLOCK_LOWQ_ALONE, model.TEMPLATE_LOWQ = bars
        verdicts = []
        for case, fold in zip(cases, fold_of_case):
            with spin_model_as(fold):
                verdicts.append(model.classify(case.blocks, title=case.title))
        scores = score_page_labels(zip(cases, verdicts))
        snippets = snippets_flagged = snippets_spun = snippets_caught = 0
        for case, verdict in zip(cases, verdicts):
            if case.kind == "original":
                for r, a in zip(verdict.blocks, case.article):
                    if not a and r.block.n_words >= 12 and _is_snippet(r.block.text):
                        snippets += 1
                        snippets_flagged += r.label.value == "low_quality"
        for k, (blocks, changed) in snippet_cases:
            with spin_model_as(fold_of_case[k]):
                verdict = model.classify(blocks, title=cases[k].title)
            snippets_spun += len(changed)
            snippets_caught += sum(
                r.label.value == "low_quality" for r in verdict.blocks if r.block.index in changed
            )
        kinds = " ".join(f"{k} {scores.right_by_kind[k]}/{n}" for k, n in scores.kinds.items())
        print(
            f"page {bars[0]:.3f} alone {bars[1]:.3f} template {bars[2]:.3f}: "
            f"accuracy {scores.accuracy:.3f}  caught {scores.degraded_blocks_caught:.3f}  "
            f"false alarms {scores.clean_article_blocks_flagged:.3f}  "
            f"clean snippets flagged {snippets_flagged}/{snippets}  "
            f"spun snippets caught {snippets_caught}/{snippets_spun}  [{kinds}]",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
