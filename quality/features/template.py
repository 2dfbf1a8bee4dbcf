"""Template noise: class/id vocabulary, legal and form text, repeats within the page and across a site."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter
from itertools import accumulate

import numpy as np

from ..blocks import text_key
from .page import PageData

# Class/id words by what the element they name usually holds.
CLASS_GROUPS: dict[str, frozenset[str]] = {
    "nav": frozenset(
        "nav navbar navigation menu menus breadcrumb breadcrumbs crumbs topbar toolbar pagination pager skip jump tabs".split()
    ),
    "footer": frozenset("footer foot copyright legal bottom colophon disclaimer".split()),
    "header": frozenset("header masthead banner branding logo top".split()),
    "sidebar": frozenset(
        "sidebar side aside rail widget widgets col sidebox secondary extra".split()
    ),
    "comment": frozenset(
        "comment comments reply replies respond discussion disqus reactions".split()
    ),
    "related": frozenset(
        "related recommended recommend popular trending more teaser teasers promo also latest recent most".split()
    ),
    "share": frozenset(
        "share sharing social facebook twitter tweet pinterest linkedin email print addthis sharethis follow".split()
    ),
    "ad": frozenset(
        "ad ads advert advertisement adsense sponsor sponsored dfp banner commercial outbrain taboola".split()
    ),
    "meta": frozenset(
        "meta byline author date time dateline tags tag category categories posted info source credit caption".split()
    ),
    "subscribe": frozenset(
        "newsletter subscribe subscription signup login register cookie cookies consent gdpr modal popup search form".split()
    ),
}
ARTICLE_WORDS = frozenset(
    "article articles content entry post story body text main blog news detail details page single hentry paragraph copy lead".split()
)
_EVERY_CLASS_WORD = frozenset().union(*CLASS_GROUPS.values())
# Each class word's groups, by position in CLASS_GROUPS ("banner" is a header and an ad word).
_GROUPS_OF = {
    w: tuple(k for k, vocab in enumerate(CLASS_GROUPS.values()) if w in vocab)
    for w in _EVERY_CLASS_WORD
}
INNER = 4  # the innermost class/id words say most about the block itself

_PATTERNS = {
    "copyright": re.compile(
        r"©|\(c\)\s*\d{4}|copyright|all rights reserved|alle rechte vorbehalten|tous droits réservés|"
        r"todos los derechos reservados|tutti i diritti riservati|все права защищены|版权所有|無断転載",
    ),
    "legal": re.compile(
        r"privacy policy|terms of (use|service)|cookie|impressum|datenschutz|mentions légales|"
        r"aviso legal|política de privacidad|informativa|политика конфиденциальности|disclaimer",
    ),
    "form": re.compile(
        r"leave a (reply|comment)|your email( address)? will not|required fields|log ?in|sign (in|up)|"
        r"register|password|post a comment|add a comment|submit|anmelden|kommentar|connexion|"
        r"commentaire|iniciar sesión|comentario|войти|комментари",
    ),
    "subscribe": re.compile(
        r"subscribe|newsletter|sign up for|follow us|share (this|on)|like us on|rss|abonnieren|"
        r"s'abonner|suscríbete|подписаться|download (our|the) app",
    ),
    "read_more": re.compile(
        r"read more|continue reading|more »|weiterlesen|mehr lesen|lire la suite|leer más|"
        r"leggi tutto|читать далее|続きを読む|阅读全文|full story|view all|see all|show more",
    ),
}

# Words that start some alternative of the patterns: only blocks holding one are scanned.
_TRIGGERS = frozenset(
    "c copyright all alle tous todos tutti все 版权所有 無断転載 privacy terms cookie cookies impressum "
    "datenschutz mentions aviso política informativa политика disclaimer leave your required log login "
    "sign register password post add submit anmelden kommentar connexion commentaire iniciar comentario "
    "войти комментарии комментариев комментарий subscribe newsletter follow share like rss abonnieren s "
    "abonner suscríbete подписаться download read continue more weiterlesen mehr lire leer leggi читать "
    "続きを読む 阅读全文 full view see show".split()
)

NAMES = (
    *(f"template__class_{g}" for g in CLASS_GROUPS),
    "template__class_words_inner",
    "template__class_article_inner",
    "template__class_article_any",
    *(f"template__text_{p}" for p in _PATTERNS),
    "template__repeat_in_page",
    "template__site_repeat",
    "template__title_overlap",
    "template__is_title",
)


def _title_words(title: str) -> set[str]:
    return {w for w in re.findall(r"\w+", title.lower()) if len(w) > 2}


def features(page: PageData) -> np.ndarray:
    """One row per block: the template family, in `NAMES` order."""
    blocks = page.blocks
    n = len(blocks)
    out = np.zeros((n, len(NAMES)), dtype=np.float64)
    n_groups = len(CLASS_GROUPS)
    base_pat = n_groups + 3
    norm = [" ".join(w) for w in page.words]
    repeats = Counter(norm)
    title = _title_words(page.title)
    title_text = " ".join(re.findall(r"\w+", page.title.lower()))
    # Pages repeat a few class/id contexts over many blocks: one row per distinct context.
    keys = [b.tokens for b in blocks]
    rows_of = dict.fromkeys(keys)
    token_rows: list[list[float]] = []
    is_class_word, is_article_word = _EVERY_CLASS_WORD.__contains__, ARTICLE_WORDS.__contains__
    for tokens in rows_of:
        inner = tokens[-INNER:]
        rows_of[tokens] = len(token_rows)
        row = [0.0] * n_groups
        # A group is present when one of its words is: from the few class words the context holds.
        for word in _EVERY_CLASS_WORD.intersection(tokens):
            for g in _GROUPS_OF[word]:
                row[g] = 1.0
        row += [
            float(sum(map(is_class_word, inner))),
            float(sum(map(is_article_word, inner))),
            0.0 if ARTICLE_WORDS.isdisjoint(tokens) else 1.0,
        ]
        token_rows.append(row)
    if n:
        which = np.fromiter(map(rows_of.__getitem__, keys), dtype=np.int64, count=n)
        out[:, : n_groups + 3] = np.asarray(token_rows)[which]
    col = base_pat + len(_PATTERNS)
    out[:, col] = np.log([repeats[t] if t else 1 for t in norm])
    if page.site_repeats:
        out[:, col + 1] = [text_key(b.text) in page.site_repeats for b in blocks]
    if title:
        out[:, col + 2] = [len(title.intersection(w)) / len(title) for w in page.words]
        out[:, col + 3] = [t == title_text or (len(t) > 10 and t in title_text) for t in norm]
    _mark_patterns(page, out, base_pat)
    return out


def _leading_literals(pattern: str) -> tuple[str, ...] | None:
    """The fixed text each top-level alternative of a pattern starts with; None when one has none."""
    alternatives, depth, start = [], 0, 0
    for i, c in enumerate(pattern):
        if c == "\\":
            continue
        if i and pattern[i - 1] == "\\":
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            alternatives.append(pattern[start:i])
            start = i + 1
    alternatives.append(pattern[start:])
    literals = []
    for alt in alternatives:
        lit, i = [], 0
        while i < len(alt):
            c = alt[i]
            if c == "\\":
                if i + 1 < len(alt) and not alt[i + 1].isalnum():
                    lit.append(alt[i + 1])
                    i += 2
                    continue
                break
            if c in "?*+{":
                lit = lit[:-1]  # the quantifier makes the character before it optional
                break
            if c in "()[].^$|":
                break
            lit.append(c)
            i += 1
        if not lit:
            return None
        literals.append("".join(lit))
    return tuple(literals)


# Every match of a pattern starts with one of these texts: blocks holding none of them are not searched.
_LITERALS = {k: _leading_literals(p.pattern) for k, p in _PATTERNS.items()}


def _literal_rows(joined: str, literals: tuple[str, ...], starts: list[int]) -> list[int]:
    """The joined blocks in which some literal occurs, in order."""
    rows = set()
    find = joined.find
    for lit in literals:
        at = find(lit)
        while at >= 0:
            rows.add(bisect_right(starts, at) - 1)
            at = find(lit, at + 1)
    return sorted(rows)


def _mark_patterns(page: PageData, out: np.ndarray, first_col: int) -> None:
    """Set the text-pattern columns from regex searches of the page's short blocks joined."""
    # Legal, form and call-to-action text comes in short blocks.
    short = [
        i
        for i, t in enumerate(page.lower)
        if len(t) < 400 and (not _TRIGGERS.isdisjoint(page.words[i]) or "©" in t)
    ]
    if not short:
        return
    texts = [page.lower[i] for i in short]
    joined = "\n".join(texts)
    starts = list(accumulate((len(t) + 1 for t in texts[:-1]), initial=0))
    size = len(joined)
    for k, (name, pat) in enumerate(_PATTERNS.items()):
        literals = _LITERALS[name]
        rows = range(len(short)) if literals is None else _literal_rows(joined, literals, starts)
        # A block is marked when a match starts in it. Only "(c)\s*\d{4}" can run past a block's
        # end, by the separator and four digits, so each block is searched up to there.
        search = pat.search
        for row in rows:
            begin = starts[row]
            end = begin + len(texts[row])
            m = search(joined, begin, min(end + 5, size))
            if m is not None and m.start() < end:
                out[short[row], first_col + k] = 1.0
