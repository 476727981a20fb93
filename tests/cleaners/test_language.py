"""cleaners.language: determinism, thread and process safety, und, zh mapping, exactness of the
fast detector against langdetect's own, agreement of the sampled detection with full text."""

from __future__ import annotations

import functools
import json
import multiprocessing as mp
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langdetect.detector import Detector
from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

from cleaners import language as lang
from cleaners.language import LanguageGuess, detect_language, init_detector

ROOT = Path(__file__).resolve().parents[2]

# Written for these tests.
EN = (
    "The harbour authority said on Tuesday that the new ferry terminal would open later than "
    "planned, because engineers found cracks in the concrete of the northern pier. Travellers "
    "were advised to check the timetable before leaving home, and the operator promised refunds "
    "for anyone whose journey had been cancelled at short notice."
)
DE = (
    "Die Stadtverwaltung teilte am Dienstag mit, dass die neue Fähranlegestelle später als "
    "geplant eröffnet wird, weil Ingenieure Risse im Beton des nördlichen Piers gefunden haben. "
    "Reisende sollen vor der Abfahrt den Fahrplan prüfen, und der Betreiber versprach eine "
    "Erstattung für alle ausgefallenen Fahrten."
)
FR = (
    "La mairie a annoncé mardi que le nouveau terminal des ferries ouvrirait plus tard que prévu, "
    "car des ingénieurs ont découvert des fissures dans le béton de la jetée nord. Les voyageurs "
    "sont invités à consulter les horaires avant de partir, et l'exploitant a promis de rembourser "
    "les trajets annulés."
)
ES = (
    "El ayuntamiento anunció el martes que la nueva terminal de transbordadores abrirá más tarde "
    "de lo previsto, porque los ingenieros encontraron grietas en el hormigón del muelle norte. "
    "Se recomienda a los viajeros consultar los horarios antes de salir de casa."
)
RU = (
    "Администрация порта сообщила во вторник, что новый паромный терминал откроется позже "
    "запланированного срока, потому что инженеры обнаружили трещины в бетоне северного причала. "
    "Пассажирам советуют заранее проверять расписание."
)
ZH = (
    "港口管理局星期二表示，新的渡轮码头将比原计划晚开放，因为工程师在北侧码头的混凝土中发现了裂缝。"
    "当局建议旅客出发前查看时刻表，运营公司承诺为所有被取消的行程退款。"
)
SAMPLES = {"en": EN, "de": DE, "fr": FR, "es": ES, "ru": RU, "zh": ZH}


def _long(text: str, n: int = 12) -> str:
    """A 2–4 KB article made of the paragraph repeated with small changes."""
    return "\n\n".join(f"{text} ({i})" for i in range(n))


@pytest.mark.parametrize("code", sorted(SAMPLES))
def test_detects_each_language(code: str) -> None:
    g = detect_language(SAMPLES[code])
    assert g.code == code
    assert g.score is not None and 0.5 < g.score <= 1.0
    assert isinstance(g, LanguageGuess)


def test_chinese_variants_map_to_zh() -> None:
    assert lang.CODE_MAP == {"zh-cn": "zh", "zh-tw": "zh"}
    assert detect_language(ZH).code == "zh"
    assert detect_language(_long(ZH)).code == "zh"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n\t ",
        "12345 678.90 2024-06-01 +44 20 7946 0000",
        "😀😂👍🏽🎉 🔥🔥🔥 ❤️❤️",
        "Hi there",
        "https://example.com/a/b?c=d www.example.org @someone_here #tag 42",
        "contact: first.last@example.com, other@example.net — 555-0100",
        "— · • … ¶ § ¤ ※",
    ],
)
def test_und_on_short_or_letterless_text(text: str) -> None:
    assert detect_language(text) == LanguageGuess("und", None)


def test_min_letters_is_configurable() -> None:
    short = "Der Hund schläft heute im Garten."
    assert detect_language(short).code == "und"
    assert detect_language(short, min_letters=10).code == "de"
    assert detect_language(EN, min_letters=10_000).code == "und"


def test_urls_handles_and_numbers_do_not_count_as_letters() -> None:
    text = "see https://www.example.com/some/long/path/with/letters @verylonghandlename " * 3
    assert detect_language(text).code == "und"
    assert "example" not in lang.reduce_text(text)


def test_reduce_text() -> None:
    r = lang.reduce_text(
        "Read https://t.co/AbC123 and www.x.org/q, mail a.b@c.de, "
        "ask @some_one about #Elections2024 on 12.05.2024 at 10:30"
    )
    assert r == "Read and mail , ask about Elections on at"


def test_sample_text_short_is_whole_long_is_spread() -> None:
    assert lang.sample_text("a b c", 3, 100) == "a b c"
    words = [f"w{i:04d}" for i in range(2000)]
    text = " ".join(words)
    s = lang.sample_text(text, 4, 200)
    assert len(s) <= 4 * 200 + 4
    got = s.split()
    assert got[0] == "w0000" and got[-1] == "w1999"
    assert set(got) <= set(words)  # cut at spaces: no broken words
    mid = [int(w[1:]) for w in got]
    assert any(500 < i < 1500 for i in mid)


def test_deterministic_and_order_independent() -> None:
    texts = [EN, DE, FR, ES, RU, ZH, _long(EN), _long(DE), "tiny"]
    first = [detect_language(t) for t in texts]
    rnd = random.Random(3)
    for _ in range(3):
        order = list(range(len(texts)))
        rnd.shuffle(order)
        again = {i: detect_language(texts[i]) for i in order}
        assert [again[i] for i in range(len(texts))] == first


@functools.cache
def _reference_factory() -> DetectorFactory:
    """langdetect's own factory, loaded from its profiles (ours may come from the model cache,
    which holds the matrix, not langdetect's n-gram map its reference Detector reads)."""
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(lang.SEED)
    return factory


def test_fast_detector_equals_langdetect_detector() -> None:
    """The re-implemented loops give langdetect's exact n-grams and probabilities."""
    init_detector()
    factory = _reference_factory()
    texts = [
        *SAMPLES.values(),
        _long(FR, 5),
        "ÀÉÎ Õü ǅ ș ț ễ ア あ ㄅ 가 ي ی",
        "ABC DEF ghi JKL",
        "  a  ",
        "Совет директоров утвердил план on Monday, сообщает агентство ABC News.",  # Latin dropped
        "ễ ỡ ự Ḁ ḁ ẞ",  # Latin Extended Additional: counted as non-Latin, as langdetect does
    ]
    for t in texts:
        ref, fast = Detector(factory), lang._FastDetector(factory)
        ref.append(t)
        fast.append(t)
        assert fast.text == ref.text
        ref.cleaning_text()
        fast.cleaning_text()
        assert fast.text == ref.text
        assert fast._extract_ngrams() == ref._extract_ngrams()
    for t in SAMPLES.values():
        ref, fast = Detector(factory), lang._FastDetector(factory)
        ref.append(t)
        fast.append(t)
        assert [(p.lang, p.prob) for p in fast.get_probabilities()] == [
            (p.lang, p.prob) for p in ref.get_probabilities()
        ]


def test_windows_missing_another_script_fall_back_to_the_whole_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    init_detector()
    seen: list[str] = []
    real = lang._best

    def spy(text: str) -> object:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(lang, "_best", spy)
    # a Cyrillic block between two windows: the sample would be all English
    text = EN[:240] + " " + RU + " " + RU + " " + _long(EN, 8)
    reduced = lang.reduce_text(text)
    assert lang._other_script_share(lang.sample_text(reduced)) < 0.05
    detect_language(text)
    assert seen == [reduced]
    seen.clear()
    detect_language(_long(EN, 8))  # one script: the windows suffice
    assert len(seen) == 1 and len(seen[0]) < len(lang.reduce_text(_long(EN, 8)))


def test_replayed_draws_match_random_and_the_rng_path_gives_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fast path (draws replayed from the seeded stream) is active here, and the fallback
    (the detector's own RNG, used where the replay would not match) gives the same answers."""
    init_detector()
    assert lang._REPLAY_EXACT and lang._replay_matches_random()
    texts = [*SAMPLES.values(), _long(DE, 4), "ABC DEF ghi JKL"]
    fast = [detect_language(t) for t in texts]
    monkeypatch.setattr(lang, "_REPLAY_EXACT", False)
    assert [detect_language(t) for t in texts] == fast


@settings(max_examples=60, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(list("abcdeXYZ äöüßéçñ ДЖя 中文 アあ.,'-\n")), max_size=300)
)
def test_fast_ngrams_equal_langdetect_on_any_text(text: str) -> None:
    init_detector()
    factory = _reference_factory()
    ref, fast = Detector(factory), lang._FastDetector(factory)
    ref.append(text)
    fast.append(text)
    ref.cleaning_text()
    fast.cleaning_text()
    assert fast.text == ref.text
    assert fast._extract_ngrams() == ref._extract_ngrams()


def test_agrees_with_full_text_langdetect() -> None:
    import langdetect
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    rnd = random.Random(5)
    docs = []
    for _ in range(30):
        paras = [rnd.choice(list(SAMPLES.values())) for _ in range(1)] * rnd.randint(2, 14)
        docs.append(" ".join(f"{p} {rnd.randint(1, 99)}." for p in paras))
    for d in docs:
        base = langdetect.detect(d)
        assert detect_language(d).code == lang.CODE_MAP.get(base, base)


_RACE = r"""
import json, sys, threading
sys.path.insert(0, {root!r})
from cleaners import language
texts = json.loads(sys.stdin.read())
mode = sys.argv[1]
if mode == "threads":
    out = [None] * (len(texts) * 4)
    barrier = threading.Barrier(16)
    def work(k):
        barrier.wait()
        for j in range(k, len(out), 16):
            out[j] = list(language.detect_language(texts[j % len(texts)]))
    ts = [threading.Thread(target=work, args=(k,)) for k in range(16)]
    for t in ts: t.start()
    for t in ts: t.join()
    res = [out[j] for j in range(len(texts))]
    assert all(out[j] == res[j % len(texts)] for j in range(len(out))), "threads disagree"
else:
    res = [list(language.detect_language(t)) for t in texts]
print(json.dumps(res))
"""


def _run_script(
    script: str, mode: str, texts: list[str], env: dict[str, str] | None = None
) -> list[list[object]]:
    """Run one of the scripts above in a fresh interpreter: texts in, detections out (JSON)."""
    proc = subprocess.run(
        [sys.executable, "-c", script.format(root=str(ROOT)), mode],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def _run(mode: str, texts: list[str]) -> list[list[object]]:
    return _run_script(_RACE, mode, texts)


def test_first_use_from_many_threads_in_fresh_interpreter() -> None:
    texts = [EN, DE, FR, ES, RU, ZH, _long(EN), _long(ES), "x y", "Hola"]
    threaded = _run("threads", texts)
    single = _run("single", texts)
    assert threaded == single
    assert [r[0] for r in single[:6]] == ["en", "de", "fr", "es", "ru", "zh"]


def _detect_in_worker(text: str) -> tuple[str, float | None]:
    return tuple(detect_language(text))  # type: ignore[return-value]


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_worker_processes_agree_with_parent(method: str) -> None:
    if method not in mp.get_all_start_methods():
        pytest.skip(f"no {method} start method here")
    texts = [EN, DE, FR, RU, ZH, _long(DE)]
    init_detector()  # forked children inherit a loaded detector, spawned ones load their own
    with mp.get_context(method).Pool(2) as pool:
        got = pool.map(_detect_in_worker, texts)
    assert got == [tuple(detect_language(t)) for t in texts]


_CACHED = r"""
import json, sys
sys.path.insert(0, {root!r})
from langdetect.detector_factory import DetectorFactory
from cleaners import language
if sys.argv[1] == "cache_only":
    def refuse(self, directory):
        raise AssertionError("profiles parsed although the cache should have been used")
    DetectorFactory.load_profile = refuse
texts = json.loads(sys.stdin.read())
print(json.dumps([list(language.detect_language(t)) for t in texts]))
"""


def _run_cached(cache: Path, mode: str, texts: list[str]) -> list[list[object]]:
    return _run_script(_CACHED, mode, texts, env={**os.environ, "NEWSCLEAN_CACHE_DIR": str(cache)})


def test_model_cache_is_built_once_then_used_and_gives_the_same_answers(tmp_path: Path) -> None:
    texts = [EN, DE, FR, RU, ZH, _long(ES), "x y"]
    expected = [list(detect_language(t)) for t in texts]
    cache = tmp_path / "cache"
    assert _run_cached(cache, "build", texts) == expected  # parses the profiles, saves the cache
    files = sorted(p.suffix for p in cache.iterdir())
    assert files == [".json", ".npy"]  # no temporary file left behind
    assert _run_cached(cache, "cache_only", texts) == expected


def test_a_broken_or_unwritable_cache_is_rebuilt_or_skipped(tmp_path: Path) -> None:
    texts = [EN, DE, _long(FR)]
    expected = [list(detect_language(t)) for t in texts]
    cache = tmp_path / "cache"
    _run_cached(cache, "build", texts)
    (npy,) = cache.glob("*.npy")
    npy.write_bytes(npy.read_bytes()[:1000])  # a torn file
    assert _run_cached(cache, "build", texts) == expected
    assert _run_cached(cache, "cache_only", texts) == expected  # the rebuild repaired it
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    assert _run_cached(blocked, "build", texts) == expected


def test_long_text_with_its_words_between_the_windows_is_still_judged_whole() -> None:
    # Long texts are sampled before they are reduced: raw windows of figures hold no letters,
    # which must send the detector to the whole text, not make it answer "und".
    figures = "12 345 678 90\n" * 300
    text = figures + DE + "\n" + figures
    assert len(text) > lang.RAW_SAMPLE_ABOVE
    assert not lang.has_letters(
        lang.reduce_text(lang.sample_text(text, lang.SAMPLE_WINDOWS, lang.RAW_WINDOW_CHARS)), 40
    )
    assert detect_language(text).code == "de"
    assert detect_language(figures * 2).code == "und"


def test_long_text_sampled_raw_gives_the_answer_of_the_whole_text() -> None:
    init_detector()
    for base in (EN, DE, RU):
        # URLs, handles and numbers in the windows are reduced away as in the whole text
        text = _long(base + " https://example.org/a/b?c=1 @desk 2025-03-07 ", 12)
        assert len(text) > lang.RAW_SAMPLE_ABOVE
        whole = lang._best(lang.reduce_text(text))
        assert detect_language(text).code == whole.lang
