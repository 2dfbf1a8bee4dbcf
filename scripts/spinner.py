"""Make spun text the way content farms do: swap content words for thesaurus synonyms, out of context.

The thesaurus is MyThes (th_en_US_v2.dat, WordNet-derived); WordNet's exception lists give the base
form of irregular words. Like real spinners, it picks any synonym of any sense, re-inflects it with
crude suffix rules, swaps multiword phrases the thesaurus knows, and keeps the capital of a name it
spins ("International Union" can become "Worldwide Association"). It never swaps in a proper name or a
phrase that merely contains the original word, which a spinner's synonym dictionary would not offer.

    python scripts/spinner.py --rate 0.3 "The animals are classified endangered by the union."
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from train_spin import data_root  # noqa: E402

WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
# Function words a spinner leaves alone; written for this project.
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further had has
    have having he her here hers herself him himself his how i if in into is it its itself just me more
    most my myself no nor not now of off on once only or other our ours ourselves out over own same she
    should so some such than that the their theirs them themselves then there these they this those
    through to too under until up very was we were what when where which while who whom why will with
    would you your yours yourself yourselves said says say one two three four five six seven eight nine
    ten new mr mrs ms dr may might must shall us many much""".split()
)
KEPT_TAGS = ("", "similar term")  # antonyms, generic and related terms are not synonyms
MAX_PHRASE = 3


@dataclass(frozen=True, slots=True)
class Swap:
    """One replacement the spinner made: the original words and what replaced them."""

    original: str
    replacement: str


@dataclass(frozen=True, slots=True)
class Spun:
    """A spun text with its swaps and how many content words it had."""

    text: str
    swaps: tuple[Swap, ...]
    n_content_words: int


def thesaurus_dir() -> Path:
    """The shared thesaurus folder."""
    return data_root() / "thesaurus"


@lru_cache(maxsize=1)
def load_thesaurus() -> dict[str, dict[str, tuple[str, ...]]]:
    """Map each lower-cased headword to {pos: synonyms} from MyThes."""
    path = thesaurus_dir() / "mythes-en-us" / "th_en_US_v2.dat"
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    table: dict[str, dict[str, tuple[str, ...]]] = {}
    i = 1
    while i < len(lines):
        head, _, count = lines[i].rpartition("|")
        i += 1
        senses: dict[str, list[str]] = {}
        for line in lines[i : i + int(count)]:
            pos, *terms = line.split("|")
            for term in terms:
                match = re.fullmatch(
                    r"(.*?)\s*(?:\((similar term|generic term|related term|antonym)\))?", term
                )
                word, tag = match.group(1), match.group(2) or ""
                if (
                    tag in KEPT_TAGS
                    and word.lower() != head.lower()
                    and WORD.fullmatch(word.replace(" ", "").replace("-", ""))
                ):
                    senses.setdefault(pos.strip("()"), []).append(word)
        i += int(count)
        if senses:
            merged = table.setdefault(head.lower(), {})
            for pos, words in senses.items():
                merged[pos] = tuple(dict.fromkeys(merged.get(pos, ()) + tuple(words)))
    return table


@lru_cache(maxsize=1)
def load_exceptions() -> dict[str, tuple[str, str]]:
    """Map irregular inflected forms to (base form, WordNet pos) from WordNet's .exc files."""
    folder = thesaurus_dir() / "nltk_data" / "corpora" / "wordnet"
    table: dict[str, tuple[str, str]] = {}
    for pos, name in (("verb", "verb.exc"), ("noun", "noun.exc"), ("adj", "adj.exc")):
        for line in (folder / name).read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2:
                table.setdefault(parts[0], (parts[1].replace("_", " "), pos))
    return table


def _base_forms(word: str) -> list[tuple[str, str, str]]:
    """Candidate (base form, pos wanted or '', suffix to put back) for a lower-cased word."""
    forms = [(word, "", "")]
    if word in load_exceptions():
        base, pos = load_exceptions()[word]
        forms.append((base, pos, "irregular"))
    rules = (
        ("ies", "y", "noun verb", "s"),
        ("es", "", "noun verb", "s"),
        ("s", "", "noun verb", "s"),
        ("ied", "y", "verb adj", "ed"),
        ("ed", "e", "verb adj", "ed"),
        ("ed", "", "verb adj", "ed"),
        ("ing", "e", "verb noun", "ing"),
        ("ing", "", "verb noun", "ing"),
    )
    for ending, repl, pos, suffix in rules:
        if word.endswith(ending) and len(word) > len(ending) + 2:
            stem = word[: -len(ending)] + repl
            forms.append((stem, pos, suffix))
            if suffix in ("ed", "ing") and len(stem) > 3 and stem[-1] == stem[-2]:
                forms.append((stem[:-1], pos, suffix))  # stopped -> stop
    return forms


def inflect(word: str, suffix: str) -> str:
    """Put a regular suffix back on a base form, crudely, as spinners do."""
    if suffix == "s":
        if re.search(r"(s|x|z|ch|sh)$", word):
            return word + "es"
        return word[:-1] + "ies" if re.search(r"[^aeiou]y$", word) else word + "s"
    if suffix == "ed":
        if word.endswith("e"):
            return word + "d"
        return word[:-1] + "ied" if re.search(r"[^aeiou]y$", word) else word + "ed"
    if suffix == "ing":
        return (word[:-1] if word.endswith("e") and not word.endswith("ee") else word) + "ing"
    return word


def _inflect_phrase(phrase: str, suffix: str, pos: str) -> str:
    words = phrase.split(" ")
    if suffix in ("", "irregular"):
        return phrase
    # "sort out" -> "sorted out"; "news ad" -> "news ads"
    index = 0 if pos == "verb" else len(words) - 1
    words[index] = inflect(words[index], suffix)
    return " ".join(words)


def synonyms(phrase: str) -> list[str]:
    """Every synonym a spinner could put in place of a word or phrase, inflected to match it."""
    table = load_thesaurus()
    found: list[str] = []
    for base, wanted, suffix in _base_forms(phrase.lower()):
        for pos, words in table.get(base, {}).items():
            if wanted and pos not in wanted.split():
                continue
            if suffix == "irregular":
                continue  # spinners keep the base form of an irregular word's synonym: crude but real
            found.extend(_inflect_phrase(w, suffix, pos) for w in words)
    lowered = phrase.lower()
    return [
        w
        for w in dict.fromkeys(found)
        # a spinner's dictionary has no proper names ("Lucas" -> "George Lucas") and changes the word
        # rather than padding it ("plan" -> "architectural plan")
        if w[:1].islower() and lowered not in w.lower() and w.lower() not in lowered
    ]


@lru_cache(maxsize=1)
def load_lemma_counts() -> dict[str, int]:
    """How often each WordNet lemma was tagged in the SemCor corpus (WordNet's cntlist), summed over senses."""
    counts: dict[str, int] = {}
    path = thesaurus_dir() / "nltk_data" / "corpora" / "wordnet" / "cntlist"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        count, _, key = line.partition(" ")
        lemma = key.split("%", 1)[0].replace("_", " ")
        counts[lemma] = counts.get(lemma, 0) + int(count)
    return counts


@lru_cache(maxsize=200_000)
def _weight(phrase: str) -> float:
    """Square root of a phrase's tagged count plus one: common synonyms are picked more often, rare ones still are."""
    counts = load_lemma_counts()
    return (1 + max(counts.get(base, 0) for base, _, _ in _base_forms(phrase.lower()))) ** 0.5


def pick_synonym(options: list[str], rng: random.Random) -> str:
    """A synonym as spinners pick them: half the time any one, else favouring common words.

    The Problematic Paper Screener's finds ("records mining" for "data mining", "highlight choice" for
    "feature selection") show spinners reaching for everyday words, not only rare ones.
    """
    if rng.random() < 0.5:
        return rng.choice(options)
    return rng.choices(options, weights=[_weight(o) for o in options])[0]


def _match_case(original: str, replacement: str) -> str:
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def spin(text: str, rate: float, rng: random.Random) -> Spun:
    """Swap about `rate` of the text's content words (or thesaurus phrases) for random synonyms."""
    words = list(WORD.finditer(text))
    content = [
        m
        for m in words
        if m.group().lower() not in STOPWORDS and len(m.group()) > 2 and not m.group().isupper()
    ]
    candidates: list[tuple[int, int, list[str]]] = []  # (start word index, n words, synonyms)
    for i, m in enumerate(words):
        if m.group().lower() in STOPWORDS or len(m.group()) <= 2 or m.group().isupper():
            continue
        for size in range(MAX_PHRASE, 0, -1):
            span = words[i : i + size]
            if len(span) < size or any(
                text[a.end() : b.start()] != " " for a, b in zip(span, span[1:])
            ):
                continue
            options = synonyms(" ".join(w.group() for w in span))
            if options:
                candidates.append((i, size, options))
                break
    wanted = round(rate * len(content))
    rng.shuffle(candidates)
    chosen: list[tuple[int, int, list[str]]] = []
    taken: set[int] = set()
    for i, size, options in candidates:
        if len(chosen) >= wanted:
            break
        if taken.isdisjoint(range(i, i + size)):
            chosen.append((i, size, options))
            taken.update(range(i, i + size))
    pieces, swaps, cursor = [], [], 0
    for i, size, options in sorted(chosen):
        start, end = words[i].start(), words[i + size - 1].end()
        original = text[start:end]
        replacement = _match_case(original, pick_synonym(options, rng))
        pieces.append(text[cursor:start] + replacement)
        swaps.append(Swap(original, replacement))
        cursor = end
    pieces.append(text[cursor:])
    return Spun("".join(pieces), tuple(swaps), len(content))


def main(argv: list[str] | None = None) -> int:
    """Spin the texts given on the command line and print them with their swaps."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("texts", nargs="+")
    parser.add_argument("--rate", type=float, default=0.3, help="share of content words to swap")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    for text in args.texts:
        result = spin(text, args.rate, rng)
        print(result.text)
        for swap in result.swaps:
            print(f"  {swap.original} -> {swap.replacement}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
