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
from quality.evaluation import EXPECTED, page_variants
from quality.features.page import page_data
from quality.signals import spin
from quality.train import LOWQ_PAGE_EVERY


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
        paths = sorted(
            args.spin_folds.glob("fold-*.joblib"), key=lambda p: int(p.stem.split("-")[1])
        )
        if not paths:
            parser.error(f"{args.spin_folds} holds no fold-K.joblib")
        folds = [joblib.load(p) for p in paths]
    else:
        folds = [spin._spin_model()]
    cases = []  # (fold model, variant blocks, title, kind, changed, gold article)
    eligible = [
        p
        for i, p in enumerate(corpus.pages(args.split))
        if args.split != "train" or i % LOWQ_PAGE_EVERY
    ]
    for page_no, page in enumerate(eligible[:: args.every]):
        blocks, title = corpus.page_blocks(page)
        if not blocks:
            continue
        gold = corpus.label_blocks(
            blocks, corpus.gold_words(page), l3s=page.gold_format == "l3s-spans"
        )
        if not any(gold.article):
            continue
        lang = page_data(blocks).lang
        fold = folds[corpus.fold_of(f"{page.set}/{page.id}", len(folds))]
        for kind, variant, changed in page_variants(blocks, gold.article, page_no, lang):
            cases.append((fold, variant, title, kind, changed, gold.article))
        if lang == "en":
            spun = _spun_snippets(blocks, gold.article, page_no)
            if spun is not None:
                cases.append((fold, spun[0], title, "spun snippets", spun[1], gold.article))
    print(f"{len(cases)} page variants from {len(eligible[:: args.every])} train pages")

    original = spin._spin_model
    try:
        for bars in itertools.product(args.page, args.alone, args.template):
            model.PAGE_LOWQ, model.BLOCK_LOWQ_ALONE, model.TEMPLATE_LOWQ = bars
            right = total = caught = degraded = flagged = clean = 0
            snippets = snippets_flagged = 0
            by_kind: dict[str, list[int]] = {}
            snippets_spun = snippets_caught = 0
            for fold, variant, title, kind, changed, article in cases:
                spin._spin_model = lambda fold=fold: fold
                verdict = model.classify(variant, title=title)
                if kind == "spun snippets":
                    snippets_spun += len(changed)
                    snippets_caught += sum(
                        r.label.value == "low_quality"
                        for r in verdict.blocks
                        if r.block.index in changed
                    )
                    continue
                ok = verdict.label.value == EXPECTED[kind]
                right += ok
                total += 1
                by_kind.setdefault(kind, [0, 0])
                by_kind[kind][0] += ok
                by_kind[kind][1] += 1
                if kind == "original":
                    for r, a in zip(verdict.blocks, article):
                        if a and r.block.n_words >= 12:
                            clean += 1
                            flagged += r.label.value == "low_quality"
                        elif not a and r.block.n_words >= 12 and _is_snippet(r.block.text):
                            snippets += 1
                            snippets_flagged += r.label.value == "low_quality"
                elif changed:
                    for r in verdict.blocks:
                        if r.block.index in changed:
                            degraded += 1
                            caught += r.label.value == "low_quality"
            kinds = " ".join(f"{k} {a}/{n}" for k, (a, n) in by_kind.items())
            print(
                f"page {bars[0]:.3f} alone {bars[1]:.3f} template {bars[2]:.3f}: "
                f"accuracy {right / total:.3f}  caught {caught / max(degraded, 1):.3f}  "
                f"false alarms {flagged / max(clean, 1):.3f}  "
                f"clean snippets flagged {snippets_flagged}/{snippets}  "
                f"spun snippets caught {snippets_caught}/{snippets_spun}  [{kinds}]",
                flush=True,
            )
    finally:
        spin._spin_model = original
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
