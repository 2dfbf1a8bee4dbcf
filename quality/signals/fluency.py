"""A word bigram fluency model scored against unigram frequency (SLOR), and the features built on it.

Spinners swap words for synonyms out of context, which leaves traces: the new word breaks the
collocations around it (its bigrams with its neighbours were never seen in clean text), it is often
rarer than the word it replaced, and that word, one of its own synonyms, would fit the context far
better. Each word gets `log P(w | previous) - log P(w)` under an interpolated absolute-discounting
bigram model and the gain of its best thesaurus alternative; `word_columns` gathers these per word,
`fluency_features` summarises them (and a per-word swap model's log-odds) per paragraph.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from itertools import repeat

import numpy as np

TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+(?:[.,]\d+)*|[.!?]+|[,;:]")
BOUNDARY = "<s>"
NUMBER = "<num>"
UNKNOWN = "<unk>"
# the usual absolute discount; D = n1 / (n1 + 2 n2) on the training counts is close to it
DISCOUNT = 0.75
FLOOR_PROB = 1e-9  # unigram probability of a word no list knows: zipf 0
RARE_ZIPF = 3.0  # zipf < 3: fewer than one in a million words
COMMON_PROB = 1e-5  # zipf 4: a word common enough that its missing bigrams mean something
BETTER_GAIN = math.log(10)  # an alternative ten times likelier in context
MUCH_BETTER_GAIN = math.log(1000)
COMMON_WORDS = 30_000  # words looked up in the small dict first

FEATURE_NAMES = (
    "slor_mean",
    "slor_p10",
    "slor_p25",
    "unseen_bigram_share",
    "broken_collocation_share",
    "isolated_word_share",
    "isolated_rare_word_share",
    "rare_word_share",
    "very_rare_word_share",
    "content_zipf_mean",
    "content_zipf_p10",
    "unknown_word_share",
    "log_words",
    "log_prob_mean",
    "log_prob_p10",
    "swap_gain_mean",
    "swap_gain_p90",
    "swap_gain_max",
    "better_word_share",
    "much_better_word_share",
    "word_logit_max",
    "word_logit_top3",
    "word_spun_share",
    "word_flagged_share",
    "mix_llr_03",
    "mix_llr_10",
    "mix_llr_25",
    "mix_llr_03_per_word",
    "mix_llr_10_per_word",
    "mix_llr_25_per_word",
)
MIXTURE_SHARES = (0.03, 0.10, 0.25)
try:  # np.clip's own ufunc: np.clip checks its bounds in Python (~5 us a call), then calls this
    from numpy._core.umath import clip
except ImportError:  # numpy < 2
    clip = np.clip


def mixture_llr(log_ratios: np.ndarray, share: float) -> float:
    """Log-likelihood ratio of "each word is a swap with probability `share`" against "no word is"."""
    return float(np.log1p(share * np.expm1(np.clip(log_ratios, -30.0, 30.0))).sum())


@dataclass(frozen=True, slots=True)
class FluencyModel:
    """Unigram log-probabilities, context counts and sorted bigram keys over one vocabulary."""

    vocab: dict[str, int]
    log_unigram: np.ndarray  # float32, natural log, per word id
    context_count: np.ndarray  # int32: c(v), how often v precedes any token
    context_types: np.ndarray  # int32: N1+(v), how many distinct tokens follow v
    # int64, sorted: v * len(vocab) + w, pairs of the corpus or the collocation list
    bigram_keys: np.ndarray
    # int32, aligned with bigram_keys: corpus count (0 for listed-only pairs)
    bigram_counts: np.ndarray
    alt_offsets: np.ndarray  # int32, len(vocab) + 1: word id -> slice of alt_ids
    # int32: thesaurus synonyms of each word that a writer would more likely have used
    alt_ids: np.ndarray
    # float16, aligned with bigram_keys: PMI in a web-scale bigram list, NaN if unlisted
    collocation: np.ndarray
    # the commonest words' ids: a small dict stays in cache, the full one does not
    common: dict[str, int] | None = None
    # derived on construction, never pickled: per key (log P(w | v) if counted else NaN, collocation PMI),
    # side by side so one lookup reads one cache line; per word v, log of the back-off mass D N1+(v) / c(v)
    pair_table: np.ndarray | None = None
    backoff: np.ndarray | None = None
    key_index: KeyIndex | None = None
    token_table: TokenTable | None = None

    def __post_init__(self):
        if self.token_table is None:
            object.__setattr__(self, "token_table", TokenTable.of(self))
        if self.pair_table is None:
            table, backoff = _derived_tables(self)
            object.__setattr__(self, "pair_table", table)
            object.__setattr__(self, "backoff", backoff)
        if self.key_index is None:
            index = KeyIndex(self.bigram_keys, payload=self.pair_table)
            object.__setattr__(self, "key_index", index)
            # the same keys and table, one copy, each key's table row beside it
            object.__setattr__(self, "bigram_keys", index.keys)
            object.__setattr__(self, "pair_table", index.payload)

    def __reduce__(self):
        # one newline-joined string unpickles ~10x faster than a 300k-entry dict
        arrays = (
            self.log_unigram,
            self.context_count,
            self.context_types,
            self.bigram_keys,
            self.bigram_counts,
            self.alt_offsets,
            self.alt_ids,
            self.collocation,
        )
        return (_unpack_fluency, ("\n".join(self.vocab), *arrays))


KEY_BLOCK = 32  # sorted keys per block of a KeyIndex: 256 bytes, four cache lines
MANY_QUERIES = 128  # from this many queries on, KeyIndex.find sorts them and halves blocks


class KeyIndex:
    """A sorted int64 array's `searchsorted` (side "left"), made cache-friendly for large arrays.

    A binary search over the 1.2 million bigram keys (10 MB) misses the cache at most of its ~20
    steps, and the spin scorer makes about five lookups a word. Here the first key of every block of
    KEY_BLOCK keys (~300 KB, stays in cache) is searched, then the block's keys are compared at once:
    the same positions, with a few cache misses a lookup (~3 % of a whole `check`, measured in place).
    """

    __slots__ = ("_blocks", "_heads", "_padded", "keys", "payload")

    def __init__(self, keys: np.ndarray, payload: np.ndarray | None = None):
        """`payload`, if given, holds 8 bytes per key (one float64, or two float32 side by side):
        it is stored beside its key, so reading a found key's payload costs no further cache miss,
        and `self.payload` is the same values laid out that way."""
        n = len(keys)
        size = n + (-n) % KEY_BLOCK
        self.payload = None
        if payload is None:
            padded = np.full(size, np.iinfo(np.int64).max, dtype=np.int64)
            padded[:n] = keys
        else:
            joint = np.zeros((size, 2), dtype=np.int64)
            joint[:, 0] = np.iinfo(np.int64).max
            joint[:n, 0] = keys
            joint[:n, 1] = np.ascontiguousarray(payload).view(np.int64).reshape(n)
            padded = joint[:, 0]
            self.payload = joint[:n, 1:].view(payload.dtype).reshape(payload.shape)
        self.keys = padded[:n]
        self._padded = padded
        self._blocks = padded.reshape(-1, KEY_BLOCK)
        self._heads = self._blocks[:, 0].copy()

    def find(self, queries: np.ndarray) -> np.ndarray:
        """For each query, the position of the first key not below it (len(keys) if none)."""
        if not len(self.keys):
            return np.zeros(len(queries), dtype=np.int64)
        if len(queries) < MANY_QUERIES:
            block = np.maximum(self._heads.searchsorted(queries, side="right") - 1, 0)
            found = block * KEY_BLOCK + np.add.reduce(
                self._blocks[block] < queries[:, None], axis=1
            )
            return np.minimum(found, len(self.keys))
        # Many queries: search them in order, so that neighbouring searches walk the same cache
        # lines of the block heads, then halve each block in five steps (the number of its keys
        # below the query, as the comparison with all 32 above counts it, in fewer operations).
        order = queries.argsort()
        ordered = queries[order]
        found = np.maximum(self._heads.searchsorted(ordered, side="right") - 1, 0) * KEY_BLOCK
        padded, step = self._padded, KEY_BLOCK // 2
        while step:
            found += step * (padded[found + (step - 1)] < ordered)
            step //= 2
        found += padded[found] < ordered
        positions = np.empty_like(found)
        positions[order] = found
        return np.minimum(positions, len(self.keys))


MAX_KEY_BITS = 1 << 27  # the widest key range a KeyBits covers: 16 MB of bits


class KeyBits:
    """Which queries are among a sorted array of distinct keys in [0, limit), and where, by a bitmap.

    One bit per possible key and, per 64-bit word, how many keys lie before it: a query's position is
    its word's count plus the set bits below it in its word. No search and no sort of the queries, so
    it takes a few array operations however many queries there are (the word-class trigrams: 15 M
    possible keys, 2 MB of bits). Needs numpy's `bitwise_count` (numpy 2).
    """

    __slots__ = ("_before", "_bits")

    def __init__(self, keys: np.ndarray, limit: int):
        words = limit // 64 + 1
        flags = np.zeros(words * 64, dtype=bool)
        flags[keys] = True
        self._bits = np.packbits(flags, bitorder="little").view("<u8").astype(np.uint64)
        counts = np.bitwise_count(self._bits).astype(np.int64)
        self._before = np.cumsum(counts) - counts

    @staticmethod
    def fits(limit: int) -> bool:
        """Whether keys in [0, limit) get a KeyBits (else a KeyIndex serves)."""
        return limit <= MAX_KEY_BITS and hasattr(np, "bitwise_count")

    def find(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For queries in [0, limit): whether each is a key, and its position in the keys (for a
        query that is not a key, the position of the first key above it)."""
        word = queries >> 6
        bits = self._bits[word]
        shift = (queries & 63).astype(np.uint64)
        present = ((bits >> shift) & np.uint64(1)).astype(bool)
        below = bits & ((np.uint64(1) << shift) - np.uint64(1))
        return present, self._before[word] + np.bitwise_count(below)


def _unpack_fluency(words: str, *arrays: np.ndarray) -> FluencyModel:
    """Rebuild a pickled FluencyModel; word ids follow the order of the joined words."""
    split = words.split("\n")
    log_unigram = arrays[0]
    top = (
        np.argpartition(-log_unigram, COMMON_WORDS)[:COMMON_WORDS].tolist()
        if len(split) > COMMON_WORDS
        else []
    )
    common = {split[i]: i for i in top}
    return FluencyModel(dict(zip(split, range(len(split)))), *arrays, common=common)


def _derived_tables(model: FluencyModel) -> tuple[np.ndarray, np.ndarray]:
    """The smoothed log-probability of every counted bigram and each context's log back-off mass."""
    n = len(model.vocab)
    prev, cur = model.bigram_keys // n, model.bigram_keys % n
    context = model.context_count.astype(np.float64)
    safe = np.maximum(context, 1.0)
    backoff_mass = DISCOUNT * model.context_types / safe
    counts = model.bigram_counts.astype(np.float64)
    uni = np.exp(model.log_unigram[cur].astype(np.float64))
    prob = np.maximum(counts - DISCOUNT, 0.0) / safe[prev] + backoff_mass[prev] * uni
    table = np.empty((len(counts), 2), dtype=np.float32)
    table[:, 0] = np.where(counts > 0, np.log(np.maximum(prob, 1e-300)), np.nan)
    table[:, 1] = model.collocation
    # a context never seen gives the unigram probability itself: back-off mass 1
    backoff = np.where(context > 0, np.log(np.maximum(backoff_mass, 1e-300)), 0.0).astype(
        np.float32
    )
    return table, backoff


@dataclass(frozen=True, slots=True)
class Scored:
    """Per-position scores of one text: the tokens and the SLOR of each bigram ending there."""

    tokens: tuple[str, ...]  # lower-cased, with boundaries; position 0 is always BOUNDARY
    is_word: np.ndarray  # bool per token: a real word (not punctuation, number or boundary)
    slor: np.ndarray  # float per token: log P(token | previous) - log P(token); 0 at position 0
    seen: np.ndarray  # bool per token: its bigram with the previous token occurred in training
    log_unigram: np.ndarray  # float per token
    ids: np.ndarray  # int64 per token: vocabulary ids
    log_prob: np.ndarray  # float per token: log P(token | previous)
    # float per token: PMI of (previous, token) in the collocation list, NaN if unlisted
    collocation: np.ndarray
    # where each text starts when several texts' tokens are scored as one run; None for a single text
    starts: np.ndarray | None = None


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens with BOUNDARY at the start and after each sentence end."""
    tokens = [BOUNDARY]
    # curly apostrophes straightened by str.replace: str.translate gives the same text at ~25
    # microseconds a call (it goes character by character through a dict)
    for raw in TOKEN.findall(text.replace("\u2019", "'").replace("\u2018", "'")):
        first = raw[0]
        if first.isalpha():
            tokens.append(raw.lower())
        elif first.isdigit():
            tokens.append(NUMBER)
        elif first in ".!?":
            if tokens[-1] != BOUNDARY:
                tokens.append(BOUNDARY)
        else:
            tokens.append(",")
    return tokens


# the only characters whose lower case holds an ASCII letter ("İ" -> "i" + a combining dot, the Kelvin
# sign -> "k"): lower-casing a whole text holding them would join letters that tokenize keeps apart
_LOWER_TO_ASCII = ("\u0130", "\u212a")


@dataclass(frozen=True, slots=True)
class TokenTable:
    """What `text_ids` needs to give the ids of `tokenize`'s tokens without building the tokens."""

    known: dict[str, int]  # the common words and the punctuation tokens' ids
    vocab: dict[str, int]
    unknown: int
    number: int
    boundary: int
    comma: int
    is_word: np.ndarray  # bool per id: False for the boundary, number and comma ids

    @staticmethod
    def of(model: FluencyModel) -> TokenTable | None:
        """The table of a model, None unless its vocabulary holds the boundary, number and comma
        tokens apart from the unknown word (then a token's id alone tells a word from the rest)."""
        vocab = model.vocab
        specials = [vocab.get(token) for token in (UNKNOWN, BOUNDARY, NUMBER, ",")]
        if None in specials or len(set(specials)) < 4:
            return None
        unknown, boundary, number, comma = specials
        # Commonest first, each key a fresh copy of its word: the entries and key strings of the
        # words most looked up then lie together in a few hundred kilobytes that stay in cache
        # between calls, where the vocabulary's own strings are spread over its ~20 MB.
        marks = {",": comma, ";": comma, ":": comma, ".": boundary, "!": boundary, "?": boundary}
        known = {BOUNDARY: boundary, **marks}
        words, ids = list(model.common or {}), list((model.common or {}).values())
        order = np.argsort(-model.log_unigram[ids], kind="stable").tolist()
        # (no word holds a space: split gives each back as a new string, allocated in this order)
        fresh = " ".join([words[k] for k in order]).split(" ") if order else []
        known.update(zip(fresh, [ids[k] for k in order]))
        known.update(marks)
        known.update({BOUNDARY: boundary, NUMBER: number})  # as tokenize gives them
        is_word = np.ones(len(vocab), dtype=bool)
        is_word[[boundary, number, comma]] = False
        return TokenTable(known, vocab, unknown, number, boundary, comma, is_word)

    def tokens(self, text: str) -> list[str]:
        """`tokenize(text)` after its opening boundary, except that sentence ends stay as found
        (".", "?!", ...; a run of them not yet cut to one) and digits are not yet NUMBER."""
        text = text.replace("\u2019", "'").replace("\u2018", "'")
        if _LOWER_TO_ASCII[0] in text or _LOWER_TO_ASCII[1] in text:
            return tokenize(text)[1:]
        # lower-casing the text first gives tokenize's lower-cased tokens: no other character's
        # lower case is or holds a character the token pattern matches
        return TOKEN.findall(text.lower())

    def slow_id(self, token: str) -> int:
        """The id of a token `known` lacks: a rarer word, a number or a longer sentence end."""
        first = token[0]
        if first.isalpha():
            return self.vocab.get(token, self.unknown)
        return self.number if first.isdigit() else self.boundary


def text_ids(table: TokenTable, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The ids `score_texts` gives the texts' `tokenize` tokens, as one run, and where each text starts."""
    tokens: list[str] = []
    sizes: list[int] = []
    for text in texts:
        found = table.tokens(text)
        tokens.append(BOUNDARY)
        tokens += found
        sizes.append(len(found) + 1)
    run = np.fromiter(map(table.known.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
    misses = (run < 0).nonzero()[0]
    if len(misses):
        run[misses] = [table.slow_id(tokens[i]) for i in misses.tolist()]
    lengths = np.array(sizes, dtype=np.int64)
    starts = lengths.cumsum() - lengths
    # tokenize drops a sentence end right after a boundary: of each run of boundaries in a text only
    # the first stays (each text's opening one always does)
    boundary = run == table.boundary
    repeated = boundary[1:] & boundary[:-1]  # entry j: position j + 1 repeats a boundary
    repeated[starts[1:] - 1] = False
    if np.logical_or.reduce(repeated):
        keep = np.concatenate(([True], ~repeated))
        run = run[keep]
        starts = keep.cumsum()[starts] - 1
    return run, starts


def bigram_lookup(
    model: FluencyModel, prev: np.ndarray, cur: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """log P(cur | prev) for aligned id arrays, whether each bigram occurred in training, and its collocation PMI."""
    keys = prev * len(model.vocab) + cur
    where = np.minimum(model.key_index.find(keys), len(model.bigram_keys) - 1)
    listed = model.bigram_keys[where] == keys
    pair = model.pair_table[where]
    counted = pair[:, 0]
    seen = listed & ~np.isnan(counted)
    # an unseen pair gets the back-off share of the unigram probability
    log_prob = np.where(seen, counted, model.backoff[prev] + model.log_unigram[cur]).astype(
        np.float64
    )
    return log_prob, seen, np.where(listed, pair[:, 1], np.nan).astype(np.float64)


def bigram_log_prob(
    model: FluencyModel, prev: np.ndarray, cur: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """log P(cur | prev) for aligned id arrays, and whether each bigram occurred in training."""
    log_prob, found, _ = bigram_lookup(model, prev, cur)
    return log_prob, found


def score_tokens(model: FluencyModel, tokens: list[str]) -> Scored:
    """SLOR of every bigram in a token list under the model."""
    unknown = model.vocab[UNKNOWN]
    common, vocab = model.common or {}, model.vocab
    ids = np.fromiter(
        (common.get(t) or vocab.get(t, unknown) for t in tokens), dtype=np.int64, count=len(tokens)
    )
    is_word = np.fromiter((t[0].isalpha() for t in tokens), dtype=bool, count=len(tokens))
    is_word[0] = False
    return _scored(model, ids, is_word, bigram_lookup(model, ids[:-1], ids[1:]), tuple(tokens))


def _scored(
    model: FluencyModel,
    ids: np.ndarray,
    is_word: np.ndarray,
    lookup: tuple[np.ndarray, np.ndarray, np.ndarray],
    tokens: tuple[str, ...],
    starts: np.ndarray | None = None,
) -> Scored:
    """The Scored of a run of ids from the bigram lookup of its consecutive pairs; with `starts`, each
    text's first position as position 0 of a text alone."""
    log_prob, found, collocation = lookup
    log_uni = model.log_unigram[ids[1:]].astype(np.float64)
    slor = log_prob - log_uni
    scored = Scored(
        tokens=tokens,
        is_word=is_word,
        slor=np.concatenate(([0.0], slor)),
        seen=np.concatenate(([True], found)),
        log_unigram=np.concatenate(([0.0], log_uni)),
        ids=ids,
        log_prob=np.concatenate(([0.0], log_prob)),
        collocation=np.concatenate(([np.nan], collocation)),
        starts=starts,
    )
    if starts is not None:
        # a text's first position has no previous token: undo the bigram across the seam
        scored.slor[starts] = 0.0
        scored.seen[starts] = True
        scored.log_unigram[starts] = 0.0
        scored.log_prob[starts] = 0.0
        scored.collocation[starts] = np.nan
        scored.is_word[starts] = False
    return scored


def score_texts(model: FluencyModel, token_lists: list[list[str]]) -> Scored:
    """Scores of several token lists as one run, each position as `score_tokens` gives it for its own text."""
    sizes = np.fromiter((len(t) for t in token_lists), dtype=np.int64, count=len(token_lists))
    starts = np.cumsum(sizes) - sizes
    scored = score_tokens(model, [t for tokens in token_lists for t in tokens])
    # a text's first position has no previous token: undo the bigram across the seam, as score_tokens sets position 0
    for name, value in (
        ("slor", 0.0),
        ("seen", True),
        ("log_unigram", 0.0),
        ("log_prob", 0.0),
        ("collocation", np.nan),
    ):
        getattr(scored, name)[starts] = value
    scored.is_word[starts] = False
    object.__setattr__(scored, "starts", starts)
    return scored


def score_run(model: FluencyModel, ids: np.ndarray, starts: np.ndarray) -> tuple[Scored, Swaps]:
    """`score_texts` and `swap_gains` of the texts whose ids `text_ids` gave, with one bigram lookup
    for the texts' own pairs and their words' alternatives' pairs (`tokens` left empty)."""
    is_word = model.token_table.is_word[ids]
    ends = np.concatenate((starts[1:], [len(ids)]))
    alternatives = _alternatives(model, ids, is_word, ends)
    n = len(ids) - 1
    if alternatives is None:
        lookup = bigram_lookup(model, ids[:-1], ids[1:])
    else:
        owner, _, alt = alternatives
        lookup = bigram_lookup(
            model,
            np.concatenate((ids[:-1], ids[owner - 1], alt)),
            np.concatenate((ids[1:], alt, ids[owner + 1])),
        )
    scored = _scored(model, ids, is_word, tuple(part[:n] for part in lookup), (), starts)
    if alternatives is None:
        return scored, _no_swaps(len(ids))
    return scored, _best_swaps(scored, alternatives, tuple(part[n:] for part in lookup))


def text_ends(scored: Scored) -> np.ndarray:
    """The index one past each text's last token."""
    n = len(scored.ids)
    return np.array([n]) if scored.starts is None else np.concatenate((scored.starts[1:], [n]))


# the PMI a pair missing from the collocation list counts as when comparing alternatives
UNLISTED_PMI = -10.0


@dataclass(frozen=True, slots=True)
class Swaps:
    """Per token, how the best thesaurus alternative in its place would fit its neighbours."""

    # log-probability gain of the best alternative over the word (0 without alternatives)
    gains: np.ndarray
    # how many sides the best-fitting alternative's bigrams were seen in training
    alt_fits: np.ndarray
    # how many sides the best alternative's bigrams are in the collocation list
    listed_fits: np.ndarray
    # collocation PMI of the best alternative's two bigrams minus the word's own
    listed_gain: np.ndarray


def swap_gains(model: FluencyModel, scored: Scored) -> Swaps:
    """Per token, how much likelier the text gets with the best thesaurus alternative in its place.

    A spinner replaces a word with a synonym out of context; the word it replaced is among the new
    word's synonyms and fits both neighbours far better. In clean text the writer's word is usually the
    best fit already, so the gain stays near or below zero.
    """
    alternatives = _alternatives(model, scored.ids, scored.is_word, text_ends(scored))
    if alternatives is None:
        return _no_swaps(len(scored.ids))
    owner, _, alt = alternatives
    ids = scored.ids
    # one lookup for both sides: the left pairs (previous, alt) then the right pairs (alt, next)
    lookup = bigram_lookup(
        model, np.concatenate((ids[owner - 1], alt)), np.concatenate((alt, ids[owner + 1]))
    )
    return _best_swaps(scored, alternatives, lookup)


def _no_swaps(n: int) -> Swaps:
    return Swaps(np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n))


def _alternatives(
    model: FluencyModel, ids: np.ndarray, is_word: np.ndarray, ends: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The words with alternatives (not a text's last token: it has no right neighbour to fit) and
    their alternatives, as (each alternative's word position, where each word's run of
    alternatives begins, the alternatives' ids); None if no word has any."""
    starts, stops = model.alt_offsets[ids], model.alt_offsets[ids + 1]
    candidates = (stops > starts) & is_word
    candidates[ends - 1] = False
    positions = candidates.nonzero()[0]
    if len(positions) == 0:
        return None
    sizes = (stops - starts)[positions]
    owner = positions.repeat(sizes)
    first = sizes.cumsum() - sizes
    slots = np.arange(np.add.reduce(sizes)) - first.repeat(sizes) + starts[positions].repeat(sizes)
    return owner, first, model.alt_ids[slots].astype(np.int64)


def _best_swaps(
    scored: Scored,
    alternatives: tuple[np.ndarray, np.ndarray, np.ndarray],
    lookup: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> Swaps:
    """Swaps from the bigram lookup of the alternatives' left pairs then their right pairs."""
    n = len(scored.ids)
    gains, alt_fits, listed_fits, listed_gain = (np.zeros(n) for _ in range(4))
    owner, first, alt = alternatives
    positions = owner[first]
    log_prob, seen, listed = lookup
    half = len(alt)
    on_list = ~np.isnan(listed)
    pmi = np.where(on_list, listed, UNLISTED_PMI)
    # each position's alternatives are one contiguous run starting at `first`: reduce the runs
    best = np.maximum.reduceat(log_prob[:half] + log_prob[half:], first)
    alt_fits[positions] = np.maximum.reduceat(seen[:half].astype(float) + seen[half:], first)
    listed_fits[positions] = np.maximum.reduceat(
        on_list[:half].astype(float) + on_list[half:], first
    )
    best_pmi = np.maximum.reduceat(pmi[:half] + pmi[half:], first)
    current = scored.log_prob + np.concatenate((scored.log_prob[1:], [0.0]))
    gains[positions] = best - current[positions]
    own = np.where(np.isnan(scored.collocation), UNLISTED_PMI, scored.collocation)
    own_pmi = own + np.concatenate((own[1:], [UNLISTED_PMI]))
    listed_gain[positions] = best_pmi - own_pmi[positions]
    return Swaps(gains, alt_fits, listed_fits, listed_gain)


WORD_FEATURE_NAMES = (
    "gain",
    "slor_left",
    "slor_right",
    "seen_left",
    "seen_right",
    "zipf",
    "top_alt_zipf_gap",
    "has_alternatives",
    "log_alternatives",
    "alt_fits",
    "alt_fits_more",
    "unseen_both_sides",
    "gain_positive",
    "gain_if_unseen",
    "zipf_below_3",
    "zipf_below_4",
    "zipf_below_5",
    "log_prob_both_sides",
    "listed_left",
    "listed_right",
    "listed_pmi_left",
    "listed_pmi_right",
    "alt_listed_fits",
    "alt_listed_fits_more",
    "alt_listed_gain",
)


def stack_columns(columns) -> np.ndarray:
    """`np.column_stack` of equal-length 1-D columns as float64, in a third of its time.

    The values are the same (copies, booleans as 0.0 / 1.0) and the result is C-ordered as
    column_stack's, so a matrix product over it sums in the same order.
    """
    return np.array(columns, dtype=np.float64).T.copy()


def word_columns(model: FluencyModel, scored: Scored, swaps: Swaps) -> tuple[np.ndarray, ...]:
    """Per-token features in WORD_FEATURE_NAMES order, one array per feature (non-words' values
    are unused); `stack_columns` makes them the word model's rows."""
    ids = scored.ids
    gains, alt_fits = swaps.gains, swaps.alt_fits
    listed = ~np.isnan(scored.collocation)
    # np.nan_to_num(collocation, nan=0.0) without its overhead: the PMI table holds no infinities
    pmi = np.where(listed, scored.collocation, 0.0)
    listed[0 if scored.starts is None else scored.starts] = True
    listed_right = np.concatenate((listed[1:], [True])).astype(float)
    pmi_right = np.concatenate((pmi[1:], [0.0]))
    zipf = scored.log_unigram / math.log(10) + 9.0
    slor_right = np.concatenate((scored.slor[1:], [0.0]))
    seen_right = np.concatenate((scored.seen[1:], [True])).astype(float)
    n_alts = (model.alt_offsets[ids + 1] - model.alt_offsets[ids]).astype(float)
    has_alts = n_alts > 0
    top = model.alt_ids[np.minimum(model.alt_offsets[ids], len(model.alt_ids) - 1)]
    top_zipf = model.log_unigram[top].astype(np.float64) / math.log(10) + 9.0
    fits_here = scored.seen.astype(float) + seen_right
    unseen_both = (fits_here == 0).astype(float)
    return (
        clip(gains, -20.0, 20.0),
        scored.slor,
        slor_right,
        scored.seen.astype(float),
        seen_right,
        zipf,
        np.where(has_alts, top_zipf - zipf, 0.0),
        has_alts.astype(float),
        np.log1p(n_alts),
        alt_fits,
        np.maximum(alt_fits - fits_here, 0.0),
        unseen_both,
        clip(gains, 0.0, 20.0),
        clip(gains, 0.0, 20.0) * (fits_here < 2),
        (zipf < 3.0).astype(float),
        (zipf < 4.0).astype(float),
        (zipf < 5.0).astype(float),
        scored.log_prob + np.concatenate((scored.log_prob[1:], [0.0])),
        listed.astype(float),
        listed_right,
        pmi,
        pmi_right,
        swaps.listed_fits,
        np.maximum(swaps.listed_fits - listed - listed_right, 0.0),
        clip(swaps.listed_gain, -20.0, 20.0),
    )


def quantile(values: np.ndarray, q: float) -> float:
    """numpy's default (linear) percentile at q in [0, 1], without its per-call overhead."""
    ordered = np.sort(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (position - low))


def fluency_features(
    scored: Scored, gains: np.ndarray, word_logits: np.ndarray, prior_logit: float
) -> np.ndarray:
    """The paragraph's features in FEATURE_NAMES order.

    `word_logits` are per-token log-odds that a word was swapped, from a model whose training share of
    swapped words had log-odds `prior_logit`; their ratio gives each word's likelihood ratio, and the
    `mix_llr_*` features sum the log-likelihood ratio of "a share q of the words are swaps" over words.
    """
    words = scored.is_word
    n_words = int(words.sum())
    if n_words == 0:
        return np.zeros(len(FEATURE_NAMES))
    word_gains = np.maximum(gains[words], 0.0)
    logits = word_logits[words]
    slor = scored.slor[words]
    seen = scored.seen
    right_seen = np.concatenate((seen[1:], [True]))
    log_uni = scored.log_unigram
    zipf = log_uni / math.log(10) + 9.0  # zipf = log10(per-billion frequency)
    known = log_uni > math.log(FLOOR_PROB) + 1e-6
    common = log_uni > math.log(COMMON_PROB)
    # a word whose bigrams on both sides never occurred: the signature of an out-of-context swap
    isolated = words & ~seen & ~right_seen & known
    content = words & (zipf < 6.0)  # zipf >= 6 is function words: "the", "of", "and"
    content_zipf = zipf[content] if content.any() else np.array([6.0])
    return np.array(
        [
            slor.mean(),
            quantile(slor, 0.1),
            quantile(slor, 0.25),
            (~seen[words]).mean(),
            (~seen & words & common).sum() / n_words,
            isolated.sum() / n_words,
            (isolated & (zipf < 4.0)).sum() / n_words,
            (words & known & (zipf < RARE_ZIPF)).sum() / n_words,
            (words & known & (zipf < 2.0)).sum() / n_words,
            content_zipf.mean(),
            quantile(content_zipf, 0.1),
            (words & ~known).sum() / n_words,
            math.log1p(n_words),
            scored.log_prob[words].mean(),
            quantile(scored.log_prob[words], 0.1),
            word_gains.mean(),
            quantile(word_gains, 0.9),
            word_gains.max(),
            (word_gains > BETTER_GAIN).sum() / n_words,
            (word_gains > MUCH_BETTER_GAIN).sum() / n_words,
            logits.max(),
            np.sort(logits)[-3:].mean(),
            (1.0 / (1.0 + np.exp(-logits))).mean(),
            (logits > 0).sum() / n_words,
            *(mixture_llr(logits - prior_logit, q) for q in MIXTURE_SHARES),
            *(mixture_llr(logits - prior_logit, q) / n_words for q in MIXTURE_SHARES),
        ]
    )


# the quantile features, as (series, q, value for a text without any): slor 0.1 and 0.25, log_prob 0.1,
# swap gain 0.9 over the words, zipf 0.1 over the content words
_QUANTILE_SERIES = np.array([0, 0, 1, 2, 4])
_QUANTILE_QS = np.array([0.1, 0.25, 0.1, 0.9, 0.1])
_QUANTILE_EMPTY = np.array([0.0, 0.0, 0.0, 0.0, 6.0])


def _row_quantiles(
    rows: np.ndarray, series: np.ndarray, qs: np.ndarray, counts: np.ndarray, empty: np.ndarray
) -> np.ndarray:
    """Per (s, q) pair, one row: each text's `quantile` at q of the first `counts[pair, text]` values
    of its sorted row in `rows[s]`, `empty[pair]` for a text without values."""
    top = np.maximum(counts - 1, 0)
    position = qs[:, None] * top
    low = position.astype(np.int64)
    high = np.minimum(low + 1, top)
    index = np.arange(counts.shape[1])
    has = counts > 0
    which = series[:, None]
    lo = np.where(has, rows[which, index, low], 0.0)  # rows without values hold +inf
    hi = np.where(has, rows[which, index, high], 0.0)
    return np.where(has, lo + (hi - lo) * (position - low), empty[:, None])


def fluency_features_batch(
    scored: Scored, gains: np.ndarray, word_logits: np.ndarray, prior_logit: float
) -> np.ndarray:
    """`fluency_features` of every text in a run scored by `score_texts`, one row per text."""
    n = len(scored.ids)
    starts = np.zeros(1, dtype=np.int64) if scored.starts is None else scored.starts
    n_texts = len(starts)
    bounds = np.concatenate((starts, [n]))
    text_of = np.arange(n_texts).repeat(bounds[1:] - bounds[:-1])
    words = scored.is_word
    text = text_of[words]
    n_words = np.bincount(text, minlength=n_texts)
    per_word = np.maximum(n_words, 1)
    seen = scored.seen
    # a text's last token sees the next text's first: seen, as alone
    right_seen = np.concatenate((seen[1:], [True]))
    log_uni = scored.log_unigram
    zipf = log_uni / math.log(10) + 9.0
    known = log_uni > math.log(FLOOR_PROB) + 1e-6
    common = log_uni > math.log(COMMON_PROB)
    isolated = ~seen & ~right_seen & known
    word_gains = np.maximum(gains[words], 0.0)
    logits = word_logits[words]
    slor, log_prob = scored.slor[words], scored.log_prob[words]
    content = (zipf < 6.0)[words]
    ratio = np.expm1(clip(logits - prior_logit, -30.0, 30.0))  # the same for every share
    llr = [np.log1p(q * ratio) for q in MIXTURE_SHARES]
    per_token = stack_columns(
        (
            slor,
            ~seen[words],
            (~seen & common)[words],
            isolated[words],
            (isolated & (zipf < 4.0))[words],
            (known & (zipf < RARE_ZIPF))[words],
            (known & (zipf < 2.0))[words],
            ~known[words],
            log_prob,
            word_gains,
            word_gains > BETTER_GAIN,
            word_gains > MUCH_BETTER_GAIN,
            1.0 / (1.0 + np.exp(-logits)),
            logits > 0,
            *llr,
            content,
            np.where(content, zipf[words], 0.0),
        )
    )
    # per-text sums: sums of 0/1 columns are exact counts; float sums differ from one by one only in rounding order
    sums = (text[None, :] == np.arange(n_texts)[:, None]).astype(np.float64) @ per_token
    offsets = n_words.cumsum() - n_words
    rank = np.arange(len(text)) - offsets[text]
    width = int(np.maximum.reduce(n_words)) if n_texts else 0
    content_text = text[content]
    n_content = np.bincount(content_text, minlength=n_texts)
    content_rank = np.arange(len(content_text)) - (n_content.cumsum() - n_content)[content_text]
    # each text's values of a series in one row, padded with +inf and sorted, all in one array: the
    # word series slor, log_prob, swap gain, word logit, then the content words' zipf
    ordered = np.full((5, n_texts, max(width, 1)), np.inf)
    ordered[:4, text, rank] = np.array((slor, log_prob, word_gains, logits))
    ordered[4, content_text, content_rank] = zipf[words][content]
    ordered.sort(axis=2)
    index = np.arange(n_texts)
    last = np.maximum(n_words - 1, 0)
    top = np.minimum(n_words, 3)
    # the top three summed lowest first, as np.sort(...)[-3:] orders them
    k = np.arange(3)[:, None]
    picked = ordered[3][index, clip(last - top + 1 + k, 0, ordered.shape[2] - 1)]
    top3 = np.where(k < top, picked, 0.0)
    top3 = ((0.0 + top3[0]) + top3[1]) + top3[2]
    quantiles = _row_quantiles(
        ordered,
        _QUANTILE_SERIES,
        _QUANTILE_QS,
        np.array((n_words, n_words, n_words, n_words, n_content)),
        _QUANTILE_EMPTY,
    )
    per_word = per_word.astype(np.float64)
    features = np.empty((n_texts, len(FEATURE_NAMES)))
    features[:, 0] = sums[:, 0] / per_word
    features[:, 1:3] = quantiles[:2].T
    features[:, 3:9] = sums[:, 1:7] / per_word[:, None]
    features[:, 9] = np.where(n_content > 0, sums[:, 18] / np.maximum(n_content, 1), 6.0)
    features[:, 10] = quantiles[4]
    features[:, 11] = sums[:, 7] / per_word
    features[:, 12] = np.log1p(n_words)
    features[:, 13] = sums[:, 8] / per_word
    features[:, 14] = quantiles[2]
    features[:, 15] = sums[:, 9] / per_word
    features[:, 16] = quantiles[3]
    features[:, 17] = ordered[2][index, last]
    features[:, 18:20] = sums[:, 10:12] / per_word[:, None]
    features[:, 20] = ordered[3][index, last]
    features[:, 21] = top3 / np.maximum(top, 1)
    features[:, 22:24] = sums[:, 12:14] / per_word[:, None]
    features[:, 24:27] = sums[:, 14:17]
    features[:, 27:30] = sums[:, 14:17] / per_word[:, None]
    features[n_words == 0] = 0.0
    return features
