"""Print the signal scorers' dev figures: spun-paragraph AUC, tortured-phrase pairs, clickbait accuracy, timing.

python scripts/eval_signals.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import argparse  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

DEV_MIN_WORDS = 30  # a dev paragraph: at least 30 words of gold article text
SPIN_SEED = 7
FRAMES = (
    "We used {} in this study.",
    "The results show that {} improves the outcome.",
    "In recent years, {} has received a lot of attention.",
    "This paper describes {} and its main limits.",
)
QUOTED = re.compile(r'"([^"]+)"')


def dev_paragraphs(limit: int | None = None) -> list[str]:
    """Gold article paragraphs of the dev split with at least DEV_MIN_WORDS words, every k-th if limited."""
    from train_spin import gold_paragraphs

    paragraphs = [p for _, p in gold_paragraphs("dev") if len(p.split()) >= DEV_MIN_WORDS]
    if limit and len(paragraphs) > limit:
        step = len(paragraphs) / limit
        paragraphs = [paragraphs[int(i * step)] for i in range(limit)]
    return paragraphs


def roc_auc(negatives: list[float], positives: list[float]) -> float:
    """Probability that a random positive outscores a random negative (ties count half)."""
    scores = np.array(negatives + positives)
    ranks = np.empty(len(scores))
    order = scores.argsort(kind="mergesort")
    ranks[order] = np.arange(1, len(scores) + 1)
    for value in np.unique(scores):  # average ranks over ties
        tied = scores == value
        if tied.sum() > 1:
            ranks[tied] = ranks[tied].mean()
    n_neg, n_pos = len(negatives), len(positives)
    return float((ranks[n_neg:].sum() - n_pos * (n_pos + 1) / 2) / (n_neg * n_pos))


def spin_aucs(
    score_many, paragraphs: list[str], rates=(0.1, 0.3)
) -> dict[float, tuple[float, float]]:
    """ROC AUC of clean vs spun dev paragraphs at each swap rate, with the measured share of words swapped."""
    from spinner import spin

    clean = score_many(paragraphs)
    out = {}
    for rate in rates:
        rng = random.Random(SPIN_SEED)
        spun = [spin(p, rate, rng) for p in paragraphs]
        swapped = sum(len(s.swaps) for s in spun) / max(sum(s.n_content_words for s in spun), 1)
        out[rate] = (roc_auc(clean, score_many([s.text for s in spun])), swapped)
    return out


def tortured_pairs() -> list[tuple[str, str]]:
    """(tortured phrase, expected text) pairs, taking the quoted phrase from query-syntax rows."""
    import csv

    from train_spin import data_root

    path = data_root() / "tortured-phrases" / "pps_tortured_phrases.csv"
    pairs = []
    with path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        for row in reader:
            query, expected = row[0].strip(), row[1].strip()
            quoted = QUOTED.findall(query)
            tortured = quoted[0] if quoted else query
            if re.search(r"\b(AND|NOT)\b|~", tortured):
                continue
            expected = re.sub(
                r"\s*\([^)]*\)", "", expected
            ).strip()  # drop notes like "(BI)" or "(?)"
            if not tortured or not expected or "/" in expected or "?" in expected:
                continue
            if tortured.lower() != expected.lower():
                pairs.append((tortured, expected))
    return pairs


def tortured_test_half() -> list[tuple[str, str]]:
    """The tortured-phrase pairs the spin model never learned from."""
    from train_spin import TORTURED_LEARN_SHARE, stable_fraction

    return [
        pair
        for pair in tortured_pairs()
        if stable_fraction(pair[0].lower()) >= TORTURED_LEARN_SHARE
    ]


def tortured_win_rate(score_many, pairs: list[tuple[str, str]]) -> float:
    """Share of (pair, frame) cases where the tortured sentence scores worse than the expected one."""
    tortured = score_many([frame.format(t) for t, _ in pairs for frame in FRAMES])
    expected = score_many([frame.format(e) for _, e in pairs for frame in FRAMES])
    return sum(t > e for t, e in zip(tortured, expected)) / len(tortured)


def clickbait_accuracy(model, pairs: list[tuple[str, int]]) -> dict[str, float]:
    """Accuracy of a clickbait model on headlines as written, lower-cased and title-cased."""
    from quality.signals.clickbait import logit

    variants = {"as_written": str, "lower_cased": str.lower, "title_cased": str.title}
    return {
        name: sum((logit(model, change(text)) > 0) == bool(label) for text, label in pairs)
        / len(pairs)
        for name, change in variants.items()
    }


def timings(texts: list[str], repeat: int = 3) -> dict[str, float]:
    """Model load time and median per-text scoring times, in milliseconds."""
    from quality.signals import _models, clickbait_score, spin_score

    _models.load_model.cache_clear()
    start = time.perf_counter()
    _models.load_model("spin")
    _models.load_model("clickbait")
    load = time.perf_counter() - start
    hundred = [" ".join(t.split()[:100]) for t in texts if len(t.split()) >= 100][:200]
    spin_times, bait_times = [], []
    for _ in range(repeat):
        for text in hundred:
            t0 = time.perf_counter()
            spin_score(text)
            spin_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            clickbait_score(text[:80])
            bait_times.append(time.perf_counter() - t0)
    return {
        "load_both_models_ms": 1000 * load,
        "spin_score_100_words_median_ms": 1000 * statistics.median(spin_times),
        "clickbait_score_median_ms": 1000 * statistics.median(bait_times),
    }


def speed_ratio(texts: list[str], other: Path, rounds: int = 7) -> tuple[float, float, float]:
    """CPU time of spin_score with this model over another model file, run alternately on the same texts.

    Each round scores the same 200 100-word paragraphs one at a time with each model (which goes first
    alternates); returns the median per-paragraph milliseconds of this model and the other, and the
    median of the per-round ratios.
    """
    import joblib

    from quality.signals import _models, spin

    ours, theirs = _models.load_model("spin"), joblib.load(other)
    hundred = [" ".join(t.split()[:100]) for t in texts if len(t.split()) >= 100][:200]
    kept = spin._spin_model
    per_text: dict[str, list[float]] = {"ours": [], "theirs": []}
    try:
        for round_ in range(rounds):
            order = (("ours", ours), ("theirs", theirs))
            for name, model in order if round_ % 2 == 0 else order[::-1]:
                spin._spin_model = lambda model=model: model
                spin.spin_score(hundred[0])  # warm the caches of this model
                start = time.process_time()
                for text in hundred:
                    spin.spin_score(text)
                per_text[name].append(1000 * (time.process_time() - start) / len(hundred))
    finally:
        spin._spin_model = kept
    ratios = [a / b for a, b in zip(per_text["ours"], per_text["theirs"])]
    return (
        statistics.median(per_text["ours"]),
        statistics.median(per_text["theirs"]),
        statistics.median(ratios),
    )


def main(argv: list[str] | None = None) -> int:
    """Print every signal figure on dev data."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="use only this many dev paragraphs")
    parser.add_argument(
        "--against",
        type=Path,
        help="also time spin_score against this spin.joblib (e.g. main's), alternating, in CPU time",
    )
    args = parser.parse_args(argv)
    from quality.signals import spin_scores
    from quality.signals._models import load_model
    from train_clickbait import split

    paragraphs = dev_paragraphs(args.limit)
    for rate, (auc, swapped) in spin_aucs(spin_scores, paragraphs).items():
        print(
            f"spin ROC AUC at {rate:.0%} swap rate: {auc:.4f}  "
            f"(n={len(paragraphs)} dev paragraphs >= {DEV_MIN_WORDS} words; {swapped:.1%} of content words swapped)"
        )
    pairs = tortured_test_half()
    print(
        f"tortured phrases scoring worse than expected text: {tortured_win_rate(spin_scores, pairs):.4f}  "
        f"({len(pairs)} held-apart pairs x {len(FRAMES)} frames)"
    )
    _, dev = split()
    for name, accuracy in clickbait_accuracy(load_model("clickbait"), dev).items():
        print(f"clickbait held-apart accuracy ({name}): {accuracy:.4f}  n={len(dev)}")
    for name, value in timings(paragraphs).items():
        print(f"{name}: {value:.3f}")
    if args.against:
        ours, theirs, ratio = speed_ratio(paragraphs, args.against)
        print(
            f"spin_score CPU ms per 100-word paragraph: this model {ours:.3f}, {args.against} "
            f"{theirs:.3f}; median per-round ratio {ratio:.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
