"""Line features and the main-body region: what no signature names.

Each non-blank line gets cheap, explainable features (length, word count, stop-word density for
the document's language, sentence-ending punctuation, share of link-like tokens, capitalisation)
and a class:

- `good`  prose: long enough, with the function words running text has;
- `near`  shorter prose-like lines (a sentence, a standfirst);
- `short` headings, menu items, labels, names, dates;
- `link`  lines made mostly of URLs, @handles, #tags or e-mail addresses.

The body region is the run of lines with the highest total score (maximum-sum subarray): prose
adds its length, short and link lines and signature hits subtract a fixed cost. A short line
between two paragraphs therefore stays (the paragraphs outweigh it) while a run of menu entries,
footer links or a list of teaser headlines breaks the run. Stop-word lists are data files
(`stopwords/<lang>.txt`).
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache, partial
from importlib import resources
from itertools import accumulate
from operator import itemgetter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cleaners.text.doc import Doc

STOPWORD_LANGS = ("en", "de", "fr", "es", "it", "pt", "nl", "pl", "cs", "ru", "sv", "da", "nb")
# Codes with the list of another: langdetect and some pages say "no" for Norwegian Bokmål.
_STOPWORD_ALIASES = {"no": "nb"}

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_LINKISH = re.compile(r"(?:https?://|www\.|[\w.-]+@[\w-]+\.|[@#]\w)", re.IGNORECASE)
_URLISH = re.compile(
    r"\S+\.(?:com|org|net|io|co|uk|de|fr|es|it|nl|pt|pl|cz|ru|se|dk|no)(?:/\S*)?$", re.IGNORECASE
)
_GLUED = re.compile(r"[a-z][A-Z][a-z]")  # "MoneyWhat": menu entries glued without spaces
# Every `_GLUED` match has its own capital with a lower-case letter on each side, so this counts
# at least as many (it also counts overlapping ones); it starts on a capital, which scans faster.
_GLUED_BOUND = re.compile(r"[A-Z](?<=[a-z][A-Z])(?=[a-z])")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]")

# Region scores (characters of prose are the currency).
GOOD_CAP = 1500  # a single huge line counts no more than this
SHORT_COST = 28.0  # what a menu item / label line costs the run
LIST_COST = 10.0  # a short line with function words: list item or heading, cheaper
SENTENCE_COST = 10.0  # a short line ending like a sentence: prose split into short lines
NEAR_WEIGHT = 0.3  # share of a near-prose line's length it adds to the run
GOOD_MIN_CHARS = 100  # prose: at least this long...
GOOD_MIN_STOP = 0.2  # ...with at least this share of function words
LINK_COST = 60.0
FLAGGED_COST = 60.0  # a line a signature already removed


@cache
def stopwords(lang: str) -> frozenset[str]:
    lang = _STOPWORD_ALIASES.get(lang, lang)
    try:
        src = resources.files("cleaners.text").joinpath("stopwords", f"{lang}.txt")
        text = src.read_text(encoding="utf-8")
    except (FileNotFoundError, OSError):
        return frozenset()
    return frozenset(
        w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#")
    )


def has_stopwords(lang: str) -> bool:
    return bool(stopwords(lang))


def guess_language(lines: Iterable[str], sample_chars: int = 20000) -> str | None:
    """Cheap stop-word vote over the longer lines; None when no list fits (e.g. CJK text)."""
    return guess_from_words(
        ((line, partial(_lower_words, line)) for line in lines),
        sample_chars,
    )


def _lower_words(line: str) -> list[str]:
    return list(map(str.lower, line_words(line)))


def guess_from_words(
    lines: Iterable[tuple[str, Callable[[], list[str]]]], sample_chars: int = 20000
) -> str | None:
    """`guess_language` over (line, its lower-cased words on demand) pairs."""
    counts: Counter[str] = Counter()
    n_words = 0
    total = 0
    for line, lower_words in lines:
        if len(line) < 60:
            continue
        words = lower_words()
        counts.update(words)
        n_words += len(words)
        total += len(line)
        if total > sample_chars:
            break
    if n_words < 20:
        return None
    best, best_hits = None, 0
    present = set(counts)  # set & set runs over the smaller one (a dict: over all of it, per list)
    for lang in STOPWORD_LANGS:
        hits = sum(counts[w] for w in stopwords(lang) & present)
        if hits > best_hits:
            best, best_hits = lang, hits
    return best if best_hits >= 0.08 * n_words else None


@dataclass(frozen=True, slots=True)
class Features:
    n_chars: int
    n_words: int
    stop_ratio: float | None  # None when there is no stop list for the language
    sentence_end: bool
    link_ratio: float
    title_case: float  # share of alphabetic words starting with a capital
    kind: str  # good | near | short | link
    full_stop: bool = False  # ends like a sentence proper (. ! ? …), not a label (:) or quote

    @property
    def prose(self) -> bool:
        return self.kind in ("good", "near")


def line_features(text: str, lang: str | None) -> Features:
    words = line_words(text)
    return features_of(text, lang, len(text.split()), words, list(map(str.lower, words)))


def line_words(text: str) -> list[str]:
    """The words `line_features` counts (letters, with an inner apostrophe)."""
    if text.isascii():  # the same words, with a cheaper character class
        return _ASCII_WORD.findall(text)
    return _WORD.findall(text)


_ASCII_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")  # `_WORD` on ASCII text


def features_of(
    text: str, lang: str | None, n_words: int, words: list[str], lower: list[str]
) -> Features:
    """`line_features` from the line's precomputed word count (`len(text.split())`), words
    (`line_words`) and their lower-cased forms."""
    n_chars = len(text)
    # A link-like token holds "://", "www.", "@", "#" or ".<tld>": without any, no token is.
    links = 0
    if _LINK_HINT.search(text):
        for t in text.split():
            if _LINKISH.match(t) or _URLISH.match(t):
                links += 1
    link_ratio = links / n_words if n_words else 0.0
    sw = stopwords(lang) if lang else _EMPTY
    if sw and words:
        stop_ratio: float | None = sum(map(sw.__contains__, lower)) / len(words)
    elif sw:
        stop_ratio = 0.0
    else:
        stop_ratio = None
    alpha = list(filter(str.isalpha, map(itemgetter(0), words)))
    title_case = sum(map(str.isupper, alpha)) / len(alpha) if alpha else 0.0
    sentence_end = _ends_with(text, _SENTENCE_END_CHARS)
    head = text[:400]
    cjk = not head.isascii() and len(_CJK.findall(head)) > 20
    glued = 0
    if n_words and link_ratio < 0.5:
        # Only the test below reads `glued`: count it only when the upper bound passes it.
        start = text[:2000]
        bound = len(_GLUED_BOUND.findall(start))
        if bound >= 3 and bound >= 0.2 * n_words:
            glued = len(_GLUED.findall(start))
    if n_words and (link_ratio >= 0.5 or (glued >= 3 and glued >= 0.2 * n_words)):
        kind = "link"
    elif cjk or stop_ratio is None:
        kind = _kind_without_stopwords(n_chars * (3 if cjk else 1), n_words, sentence_end)
    else:
        kind = _kind(n_chars, n_words, stop_ratio, sentence_end, link_ratio)
    full_stop = _ends_with(text, _FULL_STOP_CHARS)
    return Features(
        n_chars, n_words, stop_ratio, sentence_end, link_ratio, title_case, kind, full_stop
    )


# What every `_LINKISH` / `_URLISH` match contains: "://", "www.", "@", "#" or ".<tld>" (same
# flags, so the same case folding). Each branch starts with a caseless character, which lets the
# regex engine skip ahead to the next . : @ # instead of trying every position.
_LINK_HINT = re.compile(
    r"@|#|:(?=//)|\.(?:(?<=www\.)|com|org|net|io|co|uk|de|fr|es|it|nl|pt|pl|cz|ru|se|dk|no)",
    re.IGNORECASE,
)
_EMPTY: frozenset[str] = frozenset()
_SENTENCE_END_CHARS = '.!?…:;。！？"”’»)]'
_FULL_STOP_CHARS = ".!?…。！？"


def _ends_with(text: str, chars: str) -> bool:
    """`re.search("[<chars>]$", text)` without scanning the line: `$` also matches before a
    final newline."""
    last = text[-1:]
    if last == "\n":
        last = text[-2:-1]
    return last != "" and last in chars


def _kind(n_chars: int, n_words: int, stop: float, end: bool, link: float) -> str:
    if link >= 0.3:
        return "short"
    if n_chars >= GOOD_MIN_CHARS and stop >= GOOD_MIN_STOP:
        return "good"
    if n_chars >= 60 and end and stop >= 0.22:
        return "good"
    if n_words >= 6 and (stop >= 0.15 or end):
        return "near"
    return "short"


def _kind_without_stopwords(n_chars: int, n_words: int, end: bool) -> str:
    if n_chars >= 150 or (n_chars >= 80 and end):
        return "good"
    if n_chars >= 40 and end:
        return "near"
    return "short"


def line_score(f: Features, flagged: bool) -> float:
    if flagged:
        return -FLAGGED_COST
    if f.kind == "good":
        return float(min(f.n_chars, GOOD_CAP))
    if f.kind == "near":
        return NEAR_WEIGHT * f.n_chars - 10.0
    if f.kind == "link":
        return -LINK_COST
    if f.n_words >= 4 and (f.stop_ratio or 0) > 0:
        return -LIST_COST  # a list item or heading written in the article's language
    if f.n_words >= 2 and f.full_stop:
        return -SENTENCE_COST  # a short sentence ("Trains lose connectivity."): menus do not end so
    return -SHORT_COST


@dataclass(frozen=True, slots=True)
class Region:
    """The main body: segments [start, end) of positions in `Doc.lines`. `main` is the densest
    run; further runs of prose separated from it by widgets or tables join when they are dense
    enough on their own (`SECONDARY_MIN`, `SECONDARY_SHARE` of the main run), or when no line
    between them and a joined run is a signature hit (`_clean_gap_runs`)."""

    segments: tuple[tuple[int, int], ...]
    main: tuple[int, int]
    score: float

    def __contains__(self, pos: object) -> bool:
        return isinstance(pos, int) and any(s <= pos < e for s, e in self.segments)

    @property
    def empty(self) -> bool:
        return not self.segments

    @property
    def start(self) -> int:
        return self.segments[0][0] if self.segments else 0

    @property
    def end(self) -> int:
        return self.segments[-1][1] if self.segments else 0


SECONDARY_MIN = 300.0
MAX_RUNS = 64
EDGE_TRIM = True
SECONDARY_SHARE = 0.1


def best_run(scores: list[float], lo: int = 0, hi: int | None = None) -> tuple[int, int, float]:
    """Maximum-sum contiguous run of scores[lo:hi] (Kadane): (start, end exclusive, sum);
    (lo, lo, 0) when every score is <= 0."""
    hi = len(scores) if hi is None else hi
    best = (lo, lo, 0.0)
    start, acc = lo, 0.0
    for i in range(lo, hi):
        if acc <= 0:
            start, acc = i, 0.0
        acc += scores[i]
        if acc > best[2]:
            best = (start, i + 1, acc)
    return best


def runs(
    scores: list[float], min_score: float = 0.0, max_runs: int = MAX_RUNS
) -> list[tuple[int, int, float]]:
    """The densest run, then recursively the densest runs left and right of it.

    Sub-ranges whose positive mass cannot reach `min_score` are skipped and at most `max_runs`
    runs are returned, so a huge page with thousands of prose islands stays near-linear."""
    positive = [0.0, *accumulate(max(0.0, x) for x in scores)]
    out: list[tuple[int, int, float]] = []
    stack = [(0, len(scores))]
    while stack and len(out) < max_runs:
        lo, hi = stack.pop()
        if hi <= lo or positive[hi] - positive[lo] < max(min_score, 1e-9):
            continue
        s, e, total = best_run(scores, lo, hi)
        if total <= 0:
            continue
        out.append((s, e, total))
        stack.extend(((lo, s), (e, hi)))
    return out


def body_region(doc: Doc) -> Region:
    scores = [line_score(f, i in doc.flagged) for i, f in enumerate(doc.features)]
    found = runs(scores, min_score=SECONDARY_MIN)
    if not found:
        found = runs(scores)  # a short page: its best run, however small
    if not found:
        return Region((), (0, 0), 0.0)
    best = max(found, key=lambda r: r[2])
    keep = [r for r in found if r is best or r[2] >= max(SECONDARY_MIN, SECONDARY_SHARE * best[2])]
    keep += _clean_gap_runs(doc, keep, [r for r in found if r not in keep])
    feats = doc.features
    segments = []
    main = (best[0], best[1])
    for run in sorted(keep):
        s, e, _ = run
        # A run does not start or end on a heading-like line (prose without end punctuation):
        # those at the edges are teasers, calls to action or the next section's label.
        while e - s > 1 and _edge_trim(feats[s]):
            s += 1
        while e - s > 1 and _edge_trim(feats[e - 1]):
            e -= 1
        segments.append((s, e))
        if run is best:
            main = (s, e)
    return Region(tuple(segments), main, best[2])


def _clean_gap_runs(
    doc: Doc, keep: list[tuple[int, int, float]], rest: list[tuple[int, int, float]]
) -> list[tuple[int, int, float]]:
    """The runs of `rest` separated from a kept run only by lines no signature removed.

    What splits an article's own prose from its body is a table, a contents list or a list of
    product cards: short lines, none of them boilerplate a signature knows (an intro above a
    comparison table, a conclusion below it). Menus, promos, share bars and teaser blocks between
    a prose run and the body carry such hits. A run joined this way can make the next one's gap
    clean too, so this repeats until nothing joins."""
    if not rest:
        return []
    flagged = sorted(doc.flagged)

    def clean(lo: int, hi: int) -> bool:  # no flagged position in [lo, hi)
        return bisect_left(flagged, lo) == bisect_left(flagged, hi)

    joined: list[tuple[int, int, float]] = []
    spans = [(s, e) for s, e, _ in keep]
    changed = True
    while rest and changed:
        changed = False
        for run in list(rest):
            s, e, _ = run
            before = max((ke for _, ke in spans if ke <= s), default=None)
            after = min((ks for ks, _ in spans if ks >= e), default=None)
            if (before is not None and clean(before, s)) or (after is not None and clean(e, after)):
                joined.append(run)
                rest.remove(run)
                spans.append((s, e))
                changed = True
    return joined


def _edge_trim(f: Features) -> bool:
    return EDGE_TRIM and f.kind == "near" and not f.sentence_end
