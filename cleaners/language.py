"""Language identification: a deterministic, thread-safe, fast wrapper around langdetect.

langdetect keeps one module-level factory that `detect()` creates *before* loading its profiles,
so the first calls from several threads race ("Need to load profiles", wrong languages), and each
detector draws from an unseeded RNG unless `DetectorFactory.seed` is set. Here:

* one private `DetectorFactory` is loaded once (`init_detector()`, idempotent, under a lock) and
  only published when fully loaded; `detect_language` initialises lazily under the same lock;
  after `os.fork` the child gets a fresh lock (a fork can happen while another thread holds it);
* every call builds its own `Detector` from that factory with the fixed seed 0, and langdetect
  reseeds the detector's RNG at the start of each detection, so a result depends only on the text,
  never on call order, threads or processes;
* the detector's hot loops are re-implemented: Latin/non-Latin counting in C (str.translate,
  re.subn); n-grams per distinct word from a cache (langdetect's n-gram window restarts at every
  space, so a word's n-grams depend on the word alone), as row numbers of one matrix of n-gram
  probabilities; the trials' random draws replayed from the fixed stream that langdetect's
  reseeded RNG produces (checked against `random` once per process, else the RNG is used) and
  applied block by block with numpy. The n-grams, draws and floating-point operations are the
  same, so the probabilities are identical to langdetect's (tested); the only departure from
  plain langdetect is the sampling below;
* the text is reduced first: URLs, e-mails, @handles, '#' of hashtags and numbers are removed,
  and long texts are sampled as a few windows spread over the text (`SAMPLE_WINDOWS` ×
  `WINDOW_CHARS`); the whole text is used instead when the windows' share of characters from
  other scripts differs from the text's (a Cyrillic or CJK part the windows missed), and an
  answer from the windows below `FULL_TEXT_BELOW` is redone on the whole text (mixed-language
  documents). Measured with bench/language_speed.py against seeded full-text
  `langdetect.detect`: agreement 100 % on generated 4 KB articles in 8 languages and on the 791
  eval pages, 99.67 % on two deliberately mixed sets (half the documents with 10–45 % of their
  paragraphs in another language; of the 2 misses in 600, one is a 0.42857 vs 0.42856 tie that
  stripping a handle tips, one a document whose windows all fell in its Portuguese part);
  ~1,000 documents per CPU second on 4 KB texts, 7× full-text langdetect.

Below `min_letters` letters (after the reduction) or when langdetect finds no features the answer
is `und` with score None. Chinese variants `zh-cn`/`zh-tw` are reported as `zh`.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import random
import re
import threading
from contextlib import suppress
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory
from langdetect.lang_detect_exception import ErrorCode, LangDetectException
from langdetect.utils.ngram import NGram

UNDETERMINED = "und"
DEFAULT_MIN_LETTERS = 40
SEED = 0
SAMPLE_WINDOWS = 6  # windows taken from a long text, spread evenly (first and last included)
WINDOW_CHARS = 250  # characters per window; texts up to SAMPLE_WINDOWS*WINDOW_CHARS are used whole
FULL_TEXT_BELOW = 0.9  # a sampled answer less sure than this is redone on the whole text
# Texts longer than this are sampled before they are reduced, in windows of RAW_WINDOW_CHARS
# (reducing drops URLs, numbers and runs of spaces: a raw window a little longer keeps about
# WINDOW_CHARS of words)
RAW_SAMPLE_ABOVE = 2 * SAMPLE_WINDOWS * WINDOW_CHARS
RAW_WINDOW_CHARS = 275
N_TRIAL = 7  # langdetect's default number of trials
SCRIPT_SHARE_GAP = 0.05  # windows whose share of other scripts differs more: use the whole text
CODE_MAP = {"zh-cn": "zh", "zh-tw": "zh"}


class LanguageGuess(NamedTuple):
    code: str  # ISO 639-1 (langdetect's codes; zh for both Chinese variants) or "und"
    score: float | None  # probability of the winning language, None for "und"


_URL_RE = re.compile(r"(?:https?://|ftp://|www\.)\S+", re.IGNORECASE)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE_RE = re.compile(r"(?<!\w)@\w+")
_HASHTAG_RE = re.compile(r"(?<!\w)#(?=\w)")
_NUMBER_RE = re.compile(r"\d+(?:[.,:/-]\d+)*")
_SQUEEZE_RE = re.compile(r" {2,}")


def reduce_text(text: str) -> str:
    """The text langdetect should see: no URLs, e-mails, @handles, '#' markup or numbers;
    whitespace collapsed to single spaces. (Each regex runs only when its marker occurs.)"""
    if "://" in text or "www." in text or "WWW." in text:
        text = _URL_RE.sub(" ", text)
    if "@" in text:
        text = _EMAIL_RE.sub(" ", text)
        text = _HANDLE_RE.sub(" ", text)
    if "#" in text:
        text = _HASHTAG_RE.sub("", text)
    text = _NUMBER_RE.sub(" ", text)
    return " ".join(text.split())


def count_letters(text: str) -> int:
    return sum(map(str.isalpha, text))


def has_letters(text: str, n: int) -> bool:
    """At least `n` letters in `text` (looks at a prefix first: long texts answer at once)."""
    return count_letters(text[: 4 * n]) >= n or count_letters(text) >= n


def sample_text(text: str, windows: int = SAMPLE_WINDOWS, window_chars: int = WINDOW_CHARS) -> str:
    """`text` if short, else `windows` windows of about `window_chars` characters spread evenly
    over it (the first at the start, the last at the end), cut at spaces, joined by spaces."""
    budget = windows * window_chars
    if len(text) <= budget or windows < 1:
        return text
    if windows == 1:
        starts = [0]
    else:
        step = (len(text) - window_chars) / (windows - 1)
        starts = [round(i * step) for i in range(windows)]
    parts = []
    for s in starts:
        a = text.find(" ", s) + 1 if s > 0 else 0
        b = text.rfind(" ", a, s + window_chars) if s + window_chars < len(text) else len(text)
        if b <= a:
            b = min(len(text), s + window_chars)
        parts.append(text[a:b])
    return " ".join(parts)


# --- the fast, exact detector ---------------------------------------------------------------

_NORM_TABLE: dict[int, str] = {}  # ord(char) -> NGram.normalize(char); grows to the alphabet in use
_DROP_LATIN = dict.fromkeys(range(ord("A"), ord("z") + 1))  # str.translate table deleting them
_NONLATIN_RE = re.compile("[\u0300-\U0010ffff]")
# A word's n-grams depend on the word alone (langdetect restarts its n-gram window at every space),
# so they are worked out once per distinct word: (word, followed by a space?) -> matrix rows.
_WORD_ROWS: dict[tuple[str, bool], tuple[int, ...]] = {}
_WORD_CACHE_MAX = 100_000  # entries; cleared when full (a cache, not state: results don't change)


def _normalize(text: str) -> str:
    """`NGram.normalize` applied to every character (a translation table built as chars appear)."""
    table = _NORM_TABLE
    missing = [ch for ch in set(text) if ord(ch) not in table]
    for ch in missing:
        table[ord(ch)] = NGram.normalize(ch)
    return text.translate(table)


def _word_grams(word: str, spaced: bool) -> list[str]:
    """langdetect's n-grams (in its order) of one normalised word starting after a space, with
    the space that ends it when `spaced`: its NGram window logic, capital-word rule included."""
    out: list[str] = []
    grams = " "
    cap = False
    for ch in word + " " if spaced else word:
        last = grams[-1]
        if last == " ":
            grams = " "
            cap = False
        elif len(grams) >= 3:
            grams = grams[1:]
        grams += ch
        if ch.isupper():
            if last.isupper():
                cap = True
        else:
            cap = False
        if cap:
            continue
        if ch != " ":
            out.append(ch)
        if len(grams) >= 2:
            out.append(grams[-2:])
            if len(grams) >= 3:
                out.append(grams)
    return out


class _FastDetector(Detector):
    """langdetect's Detector with its per-character loops replaced by per-word cached n-grams
    and its trial loop by numpy rows: the same n-grams, the same random draws, the same IEEE
    operations in the same order, so the same probabilities (tested)."""

    text: str

    def append(self, text: str) -> None:
        if "http" in text:
            text = self.URL_RE.sub(" ", text)
        if "@" in text:
            text = self.MAIL_RE.sub(" ", text)
        text = NGram.normalize_vi(text)
        # Detector.append drops a space that follows a space: i.e. squeezes runs of ' '
        self.text += _SQUEEZE_RE.sub(" ", text[: self.max_text_length])

    def cleaning_text(self) -> None:
        # Detector.cleaning_text counted in C: chars 'A'..'z' are Latin, every char from U+0300
        # on non-Latin (langdetect means to spare Latin Extended Additional, but compares the
        # block's number with its name, so it never does). Removal needs nonlatin > 2 * latin,
        # impossible unless len > 3 * latin.
        text = self.text
        latin = len(text) - len(text.translate(_DROP_LATIN))
        nonlatin = _NONLATIN_RE.subn("", text)[1] if latin * 3 < len(text) else 0
        if latin * 2 < nonlatin:
            self.text = text.translate(_DROP_LATIN)

    def _ngram_rows(self) -> list[int]:
        """Rows of `_MATRIX` for the text's known n-grams, in langdetect's order."""
        words = _normalize(self.text).split(" ")
        last = len(words) - 1
        rows: list[int] = []
        extend = rows.extend
        cache = _WORD_ROWS
        if len(cache) > _WORD_CACHE_MAX:
            cache.clear()
        for k, word in enumerate(words):
            if not word:
                continue
            key = (word, k < last)  # the text's last word has no space after it
            got = cache.get(key)
            if got is None:
                index = _ROW_OF
                got = cache[key] = tuple(
                    index[g] for g in _word_grams(word, k < last) if g in index
                )
            extend(got)
        return rows

    def _extract_ngrams(self) -> list[str]:
        return [_NGRAMS[r] for r in self._ngram_rows()]

    def _detect_block(self) -> None:
        # Detector._detect_block computed in numpy. langdetect multiplies `prob` by
        # (weight + vector of the drawn n-gram) draw after draw and normalises after draws
        # 1, 6, 11, …; here the rows of one such block are stacked under `prob` and multiplied
        # down the columns in that order (np.multiply.reduce along axis 0 is sequential) and the
        # sum is taken sequentially as Python's sum does: the same numbers. The draws come from
        # a replay of the random stream langdetect reseeds before every text (`_Replay`), drawn
        # several blocks ahead, or, where that replay is not exact, from the detector's own RNG.
        self.cleaning_text()
        rows = self._ngram_rows()
        if not rows:
            raise LangDetectException(ErrorCode.CantDetectError, "No features in text.")
        n_lang = len(self.langlist)
        draws: _Replay | _RngDraws = (
            _Replay() if _REPLAY_EXACT and self.seed == SEED else _RngDraws(self)
        )
        langprob = np.zeros(n_lang)
        limit, conv = self.ITERATION_LIMIT, self.CONV_THRESHOLD
        row_ids = np.asarray(rows, dtype=np.int64)
        for _ in range(self.n_trial):
            prob = (
                np.full(n_lang, 1.0 / n_lang)
                if self.prior_map is None
                else np.array(self.prior_map)
            )
            weight = (self.alpha + draws.gauss() * self.ALPHA_WIDTH) / self.BASE_FREQ
            done = 0  # draws multiplied in so far
            converged = False
            while not converged:
                want = 5 * draws.blocks_ahead - (4 if done == 0 else 0)  # the first block is 1
                picked = draws.take(len(rows), min(want, limit + 1 - done))
                stack = np.empty((len(picked) + 1, n_lang))  # row 0: a slot for `prob`
                np.add(_MATRIX[row_ids[picked]], weight, out=stack[1:])
                at = 0
                while at < len(picked):
                    take = min(1 if done == 0 else 5, len(picked) - at)
                    stack[at] = prob
                    prob = np.multiply.reduce(stack[at : at + take + 1], axis=0)
                    at += take
                    done += take
                    prob /= sum(prob.tolist())
                    if prob.max() > conv or done > limit:
                        converged = True
                        break
                draws.commit(at)
            langprob += prob / self.n_trial
        self.langprob = langprob.tolist()


class _Replay:
    """The draws langdetect's detector makes after `random.seed(SEED)`, read from the stream of
    32-bit outputs of `random.Random(SEED)` generated once (`_words`): `gauss()` as CPython's
    `Random.gauss` (two `random()` of two words each, every other call), `choice(range(n))` as
    `_randbelow(n)` (the top n.bit_length() bits of a word, words giving n or more skipped).
    `_REPLAY_EXACT` records that this matches the running Python's `random` (checked once)."""

    blocks_ahead = 12  # blocks of draws taken at once (unused ones are given back by `commit`)

    def __init__(self) -> None:
        self.pos = 0
        self.gauss_next: float | None = None
        self.ends = np.empty(0, dtype=np.int64)

    def gauss(self) -> float:
        z = self.gauss_next
        self.gauss_next = None
        if z is None:
            a, b, c, d = (int(w) for w in _words(self.pos, self.pos + 4))
            self.pos += 4
            r1 = ((a >> 5) * 67108864.0 + (b >> 6)) * (1.0 / 9007199254740992.0)
            r2 = ((c >> 5) * 67108864.0 + (d >> 6)) * (1.0 / 9007199254740992.0)
            x2pi = r1 * math.tau
            g2rad = math.sqrt(-2.0 * math.log(1.0 - r2))
            z = math.cos(x2pi) * g2rad
            self.gauss_next = math.sin(x2pi) * g2rad
        return 0.0 + z * 1.0

    def take(self, n: int, count: int) -> np.ndarray:
        """The next `count` values of choice(range(n)), without moving past them yet."""
        shift = np.uint32(32 - n.bit_length())
        span = 2 * count + 32
        while True:
            r = _words(self.pos, self.pos + span) >> shift
            ok = np.flatnonzero(r < n)
            if len(ok) >= count:
                break
            span *= 2
        ok = ok[:count]
        self.ends = self.pos + ok + 1
        return r[ok].astype(np.int64)

    def commit(self, used: int) -> None:
        """The first `used` values of the last `take` were used: continue after them."""
        if used:
            self.pos = int(self.ends[used - 1])


class _RngDraws:
    """The detector's own draws, one block at a time (its RNG can't be read ahead)."""

    blocks_ahead = 1

    def __init__(self, detector: Detector) -> None:
        self.random = detector.random
        self.random.seed(detector.seed)

    def gauss(self) -> float:
        return float(self.random.gauss(0.0, 1.0))

    def take(self, n: int, count: int) -> np.ndarray:
        choice, positions = self.random.choice, range(n)  # draws exactly as choice(list of n)
        return np.array([choice(positions) for _ in range(count)], dtype=np.int64)

    def commit(self, used: int) -> None:
        pass


_WORDS = np.empty(0, dtype=np.uint32)  # the 32-bit outputs of random.Random(SEED), in order
_WORD_SOURCE = random.Random(SEED)
_words_lock = threading.Lock()


def _words(start: int, stop: int) -> np.ndarray:
    words = _WORDS
    if stop > len(words):
        with _words_lock:
            _grow_words(stop)
            words = _WORDS
    return words[start:stop]


def _grow_words(stop: int) -> None:
    global _WORDS
    if stop > len(_WORDS):
        more = max(stop, 2 * len(_WORDS), 1 << 16) - len(_WORDS)
        fresh = np.frombuffer(_WORD_SOURCE.randbytes(4 * more), dtype="<u4").astype(np.uint32)
        _WORDS = np.concatenate([_WORDS, fresh])  # published whole: readers see old or new


def _replay_matches_random() -> bool:
    """Does `_Replay` draw what `random.Random` draws on this Python? (Checked once.)"""
    rnd, replay = random.Random(SEED), _Replay()
    for n in (1, 2, 3, 5, 64, 100, 4097, 123457):
        for used in (1, 5, 13):
            if rnd.gauss(0.0, 1.0) != replay.gauss():
                return False
            got = replay.take(n, 20)[:used].tolist()
            replay.commit(used)
            if got != [rnd.choice(range(n)) for _ in range(used)]:
                return False
    return True


_REPLAY_EXACT = False


_MATRIX = np.empty((0, 0))  # row r: the 55 language probabilities of n-gram _NGRAMS[r]
_NGRAMS: list[str] = []
_ROW_OF: dict[str, int] = {}


def _build_matrix(wmap: dict[str, list[float]]) -> None:
    grams = sorted(wmap)
    _set_matrix(np.array([wmap[g] for g in grams], dtype=np.float64), grams)


def _set_matrix(matrix: np.ndarray, grams: list[str]) -> None:
    global _MATRIX, _NGRAMS, _ROW_OF
    _MATRIX = np.asarray(matrix)  # a memmap from the cache: index it as a plain array
    _NGRAMS = grams
    _ROW_OF = {g: i for i, g in enumerate(grams)}


# The model cache: langdetect's 55 JSON profiles take ~0.4 s to parse and turn into the matrix in
# every worker process; the matrix saved as .npy loads memory-mapped in milliseconds and its pages
# are shared by all workers through the page cache. Keyed on langdetect's version and the
# profiles' names, sizes and mtimes, so an upgrade or an edited profile builds a new one.
_CACHE_FORMAT = 1


def cache_dir() -> Path:
    """NEWSCLEAN_CACHE_DIR, else $XDG_CACHE_HOME/newsclean, else ~/.cache/newsclean."""
    explicit = os.environ.get("NEWSCLEAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "newsclean"


def _cache_key(profiles: str) -> str:
    digest = hashlib.sha256(f"{_CACHE_FORMAT} {_langdetect_version()}".encode())
    for entry in sorted(os.scandir(profiles), key=lambda e: e.name):
        st = entry.stat()
        digest.update(f"\n{entry.name} {st.st_size} {st.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def _langdetect_version() -> str:
    try:
        return importlib.metadata.version("langdetect")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _load_model(factory: _Factory) -> None:
    """Fill `factory.langlist` and the matrix from the cache, or from the profiles (then saving
    the cache; a cache that cannot be read or written is rebuilt or skipped, never an error)."""
    try:
        stem: Path | None = cache_dir() / f"langdetect-{_cache_key(PROFILES_DIRECTORY)}"
    except OSError:  # no home, unreadable profiles folder: no cache
        stem = None
    try:
        if stem is None:
            raise FileNotFoundError
        meta = json.loads(stem.with_suffix(".json").read_text(encoding="utf-8"))
        matrix = np.load(stem.with_suffix(".npy"), mmap_mode="r")
        langlist, grams = meta["langlist"], meta["ngrams"]
        if matrix.shape == (len(grams), len(langlist)) and matrix.dtype == np.float64:
            factory.langlist = langlist
            _set_matrix(matrix, grams)
            return
    except (OSError, ValueError, KeyError):
        pass
    factory.load_profile(PROFILES_DIRECTORY)
    _build_matrix(factory.word_lang_prob_map)
    if stem is not None:
        with suppress(OSError):
            _save_model(stem, factory.langlist)


def _save_model(stem: Path, langlist: list[str]) -> None:
    """Both files written to temporary names and renamed: readers see whole files or none."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    tag = f".{os.getpid()}-{threading.get_ident()}.tmp"
    npy, meta = Path(f"{stem}.npy{tag}"), Path(f"{stem}.json{tag}")
    try:
        with open(npy, "wb") as f:
            np.save(f, np.ascontiguousarray(_MATRIX))
        meta.write_text(json.dumps({"langlist": langlist, "ngrams": _NGRAMS}), encoding="utf-8")
        os.replace(npy, stem.with_suffix(".npy"))
        os.replace(meta, stem.with_suffix(".json"))
    finally:
        for tmp in (npy, meta):
            with suppress(FileNotFoundError):
                tmp.unlink()


class _Factory(DetectorFactory):
    def _create_detector(self) -> _FastDetector:
        if not self.langlist:
            raise LangDetectException(ErrorCode.NeedLoadProfileError, "Need to load profiles.")
        return _FastDetector(self)


_lock = threading.Lock()
_factory: _Factory | None = None


def _reset_lock_in_child() -> None:
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def init_detector() -> None:
    """Load langdetect's profiles once (idempotent, thread-safe). Call it in each worker
    process up front to keep the ~1 s load out of the first document's time."""
    global _factory, _REPLAY_EXACT
    if _factory is not None:
        return
    with _lock:
        if _factory is None:
            f = _Factory()
            _load_model(f)
            f.set_seed(SEED)
            _grow_words(1 << 16)
            _REPLAY_EXACT = _replay_matches_random()
            _factory = f  # published only when complete


def _detector() -> Any:
    if _factory is None:
        init_detector()
    assert _factory is not None
    d = _factory.create()
    d.n_trial = N_TRIAL
    return d


def _best(text: str) -> Any:
    det = _detector()
    det.append(text)
    try:
        probs = det.get_probabilities()
    except LangDetectException:
        return None
    return probs[0] if probs else None


def _other_script_share(text: str) -> float:
    """Share of the characters from U+0300 on (Greek, Cyrillic, Arabic, CJK, …; not accented
    Latin letters): a cheap fingerprint of the mix of scripts in a text."""
    return _NONLATIN_RE.subn("", text)[1] / max(1, len(text))


def _misses_a_script(text: str, sample: str, whole: str) -> bool:
    """Whether the windows `sample` of `whole` (a form of `text`) leave out a part in another
    script: their shares of other scripts differ by more than SCRIPT_SHARE_GAP. ASCII text has
    one script."""
    return not text.isascii() and (
        abs(_other_script_share(sample) - _other_script_share(whole)) > SCRIPT_SHARE_GAP
    )


def detect_language(text: str, *, min_letters: int = DEFAULT_MIN_LETTERS) -> LanguageGuess:
    """The language of cleaned article text: `(code, score)`, or `("und", None)` when the text
    has fewer than `min_letters` letters once URLs, handles, e-mails and numbers are removed, or
    when langdetect finds nothing to go on."""
    needed = max(1, min_letters)
    sample = None
    if len(text) > RAW_SAMPLE_ABOVE:
        # Long text: the windows are taken from the raw text and only they are reduced (reducing
        # all of an article costs a third of the detection); the whole text is reduced only
        # when the windows do not settle the answer.
        sample = reduce_text(sample_text(text, SAMPLE_WINDOWS, RAW_WINDOW_CHARS))
        if not has_letters(sample, needed) or _misses_a_script(text, sample, text):
            sample = None  # letterless windows, or they missed a part in another script
    reduced: str | None = None
    if sample is None:
        reduced = reduce_text(text)
        if not has_letters(reduced, needed):
            return LanguageGuess(UNDETERMINED, None)
        sample = sample_text(reduced, SAMPLE_WINDOWS, WINDOW_CHARS)
        if sample is not reduced and _misses_a_script(text, sample, reduced):
            sample = reduced  # the windows missed a part in another script: look at all of it
    best = _best(sample)
    if sample is not reduced and (best is None or best.prob < FULL_TEXT_BELOW):
        # the windows disagree: mixed or odd text, look at all of it
        best = _best(reduced if reduced is not None else reduce_text(text))
    if best is None:
        return LanguageGuess(UNDETERMINED, None)
    return LanguageGuess(CODE_MAP.get(best.lang, best.lang), round(float(best.prob), 4))
