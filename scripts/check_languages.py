"""Check the block model does not collapse off English: `python scripts/check_languages.py`.

1. Main-text F1 per guessed page language on the dev split (few non-English pages there), and the
   share of blocks labelled article per language.
2. The English dev pages again with every function-word list emptied: how a page in a language the
   lists do not cover is scored (stopword features all zero).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from quality import corpus
from quality.evaluation import evaluate, format_table, model_labeller, page_language
from quality.features import page as page_module
from quality.features import text as text_module


def main() -> int:
    pages = corpus.pages("dev")
    labeller = model_labeller()
    print("dev main-text scores by guessed language:")
    print(format_table(evaluate(pages, labeller, by="lang")))
    share = defaultdict(list)
    for p in pages:
        blocks, title = corpus.page_blocks(p)
        if blocks:
            art = labeller(blocks, title)[0]
            share[page_language(blocks)].append(art.mean())
    print("\nmean share of a page's blocks labelled article, by language:")
    for lang, v in sorted(share.items(), key=lambda kv: -len(kv[1])):
        print(f"  {lang:<3} pages {len(v):4d}  article share {np.mean(v):.3f}")
    english = [p for p in pages if page_language(corpus.page_blocks(p)[0]) == "en"]
    before = {r.set: r.main_text.f1 for r in evaluate(english, labeller)}
    page_module.stopwords.cache_clear()
    page_module._word_languages.cache_clear()
    real = page_module.stopwords
    empty = {k: frozenset() for k in real()}
    page_module.stopwords = text_module.stopwords = lambda: empty  # noqa: E731
    text_module._ALL_STOPWORDS = frozenset()
    after = {r.set: r.main_text.f1 for r in evaluate(english, labeller)}
    print(
        "\nEnglish dev pages, main-text F1 with the function-word lists emptied (unknown language):"
    )
    for name in sorted(before):
        print(f"  {name:<16} {before[name]:.3f} -> {after[name]:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
