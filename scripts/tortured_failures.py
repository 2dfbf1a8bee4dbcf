"""Sort the tortured-phrase validation pairs a spin recipe gets wrong into kinds (a split of train, never dev).

    python scripts/tune_spin.py --folds 1 --variants "one frame" --save /tmp/folds1.pkl
    python scripts/tortured_failures.py --load /tmp/folds1.pkl [--show 12]

The model is the shipped recipe (one frame, logistic paragraph model) fitted on the analysed
examples that tune_spin.py saved, whose count models never saw the validation pairs (tune_spin's
half of the tortured learning half) nor learned their substitutions. A case is one pair in one of
eval_signals' four frames; it fails when the tortured sentence does not score above the expected
one. Each failing pair is described by the kinds below (a pair may have several), and each kind's
failure rate is set beside the rate of the pairs without it, so a kind that is merely common among
all pairs does not look like a cause.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import numpy as np
import train_spin as ts
from eval_signals import FRAMES
from tune_spin import analyse_texts, is_valid_pair

KINDS = {
    "one_word": "one word differs (else a multiword change)",
    "unequal_length": "the two phrases differ in word count",
    "oov": "a changed word (either side) is out of the vocabulary",
    "expected_rare": "a changed word of the expected text has zipf < 3 (rare, technical)",
    "expected_unseen": "the expected phrase's own bigrams were never counted",
    "tortured_common": "the tortured words are no rarer than the words they replaced",
    "not_offered": "no changed tortured word has its expected word among its alternatives",
    "tortured_seen": "every bigram of the tortured phrase was counted (it reads as fluent)",
}


def changed(tortured: str, expected: str) -> list[tuple[str | None, str | None]]:
    """(new word, old word) pairs: aligned word by word when the phrases are equally long, else
    the words only one side has (None for the other side)."""
    from quality.signals.fluency import tokenize

    new, old = tokenize(tortured)[1:], tokenize(expected)[1:]
    if len(new) == len(old):
        return [(a, b) for a, b in zip(new, old) if a != b]
    return [(a, None) for a in new if a not in old] + [(None, b) for b in old if b not in new]


def zipf(fluency, word: str) -> float:
    return float(fluency.log_unigram[fluency.vocab.get(word, 0)]) / math.log(10) + 9.0


def alternatives(fluency, word: str) -> set[str]:
    words = list(fluency.vocab)
    i = fluency.vocab.get(word)
    if i is None:
        return set()
    return {words[j] for j in fluency.alt_ids[fluency.alt_offsets[i] : fluency.alt_offsets[i + 1]]}


def phrase_bigrams_seen(fluency, phrase: str) -> bool:
    """Whether every bigram inside the phrase was counted (True for a one-word phrase)."""
    from quality.signals.fluency import score_tokens, tokenize

    tokens = tokenize(phrase)
    scored = score_tokens(fluency, tokens)
    return bool(scored.seen[2:].all())


def kinds_of(fluency, tortured: str, expected: str) -> dict[str, bool]:
    from quality.signals.fluency import UNKNOWN, tokenize

    pairs = changed(tortured, expected)
    news = [a for a, _ in pairs if a]
    olds = [b for _, b in pairs if b]
    unknown = fluency.vocab[UNKNOWN]
    oov = any(fluency.vocab.get(w, unknown) == unknown for w in news + olds)
    new_zipf = np.mean([zipf(fluency, w) for w in news]) if news else 9.0
    old_zipf = np.mean([zipf(fluency, w) for w in olds]) if olds else 9.0
    if all(a and b for a, b in pairs):
        offered = any(b in alternatives(fluency, a) for a, b in pairs)
    else:
        offered = any(b in alternatives(fluency, a) for a in news for b in olds)
    return {
        "one_word": len(pairs) == 1,
        "unequal_length": len(tokenize(tortured)) != len(tokenize(expected)),
        "oov": oov,
        "expected_rare": bool(olds) and min(zipf(fluency, w) for w in olds) < 3.0,
        "expected_unseen": len(tokenize(expected)) > 2
        and not phrase_bigrams_seen(fluency, expected),
        "tortured_common": new_zipf >= old_zipf,
        "not_offered": not offered,
        "tortured_seen": len(tokenize(tortured)) > 2 and phrase_bigrams_seen(fluency, tortured),
    }


def word_table(model, text: str) -> str:
    """One line per word: zipf, SLOR, seen with the previous word, swap gain, word log-odds."""
    from quality.signals.spin import analyse

    scored, gains, logits, _ = analyse(model, text)
    lines = []
    for i, token in enumerate(scored.tokens):
        if not scored.is_word[i]:
            continue
        z = float(scored.log_unigram[i]) / math.log(10) + 9.0
        lines.append(
            f"    {token:>16} zipf {z:4.1f} slor {scored.slor[i]:6.2f} "
            f"seen {int(scored.seen[i])} gain {gains[i]:6.2f} logit {logits[i]:6.2f}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--load", type=Path, required=True, help="tune_spin.py --save pickle")
    parser.add_argument("--show", type=int, default=12, help="failing pairs to show word by word")
    parser.add_argument("--list", type=Path, help="write every failing pair with its kinds here")
    args = parser.parse_args(argv)
    base, analysed = pickle.loads(args.load.read_bytes())
    model = ts.fit_models(base, analysed)  # the shipped recipe: one frame, logistic paragraphs
    pairs = [p for p in ts.tortured_learning_half() if is_valid_pair(p)]
    tortured = ts.routed_logits(
        model, analyse_texts(model, [f.format(t) for t, _ in pairs for f in FRAMES])
    ).reshape(len(pairs), len(FRAMES))
    expected = ts.routed_logits(
        model, analyse_texts(model, [f.format(e) for _, e in pairs for f in FRAMES])
    ).reshape(len(pairs), len(FRAMES))
    wins = tortured > expected
    print(f"{len(pairs)} validation pairs x {len(FRAMES)} frames: win rate {wins.mean():.4f}")
    lost = (~wins).sum(axis=1)
    print("pairs by frames lost (0..4):", np.bincount(lost, minlength=5).tolist())
    for f in range(len(FRAMES)):
        print(f"  frame {f} win rate {wins[:, f].mean():.4f}: {FRAMES[f]}")
    kinds = [kinds_of(model.fluency, t, e) for t, e in pairs]
    failing = lost > 0
    print(
        f"\n{int(failing.sum())} pairs lose in some frame ({int((lost == 4).sum())} in all four); "
        f"{int((~wins).sum())} losing cases"
    )
    print(
        f"{'kind':<16} {'pairs':>5} {'losing pairs':>12} {'share':>6} {'lost cases':>10} "
        f"{'case loss rate with / without':>30}  description"
    )
    for name, description in KINDS.items():
        has = np.array([k[name] for k in kinds])
        with_rate = (~wins[has]).mean() if has.any() else float("nan")
        without = (~wins[~has]).mean() if (~has).any() else float("nan")
        print(
            f"{name:<16} {int(has.sum()):>5} {int((has & failing).sum()):>12} "
            f"{(has & failing).sum() / failing.sum():>6.2f} "
            f"{int((~wins[has]).sum()):>10} {with_rate:>14.3f} / {without:<13.3f}  {description}"
        )
    combos = Counter(
        ",".join(n for n in KINDS if kinds[i][n] and n not in ("unequal_length",)) or "none"
        for i in np.flatnonzero(lost >= 2)
    )
    print("\nkind combinations of the pairs that lose in 2+ frames:")
    for combo, count in combos.most_common(15):
        print(f"  {count:4d}  {combo}")
    gap = tortured - expected
    order = np.argsort(gap.mean(axis=1))
    if args.list:
        with args.list.open("w", encoding="utf-8") as out:
            for i in order[failing[order]]:
                t, e = pairs[i]
                names = ",".join(n for n in KINDS if kinds[i][n])
                out.write(f"{int(lost[i])}\t{gap[i].mean():.2f}\t{t}\t{e}\t{names}\n")
    print(f"\nthe {args.show} worst pairs (mean tortured - expected log-odds), frame 0:")
    for i in order[: args.show]:
        t, e = pairs[i]
        print(f"\n  {t!r} (expected {e!r}) lost {int(lost[i])}/4, gap {gap[i].mean():.2f}")
        print(f"   kinds: {', '.join(n for n in KINDS if kinds[i][n])}")
        print(f"   tortured, score logit {tortured[i, 0]:.2f}:")
        print(word_table(model, FRAMES[0].format(t)))
        print(f"   expected, score logit {expected[i, 0]:.2f}:")
        print(word_table(model, FRAMES[0].format(e)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
