"""Tests for cleaners.html: DOM pruning by concept (data-driven from fixtures/html/cases.toml),
metadata, hostile input (NUL bytes, broken, huge and deeply nested HTML) and the time bound."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
import tomllib
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from lxml import html as lxml_html

import cleaners.html as H
from cleaners.article import RejectReason, Removal
from cleaners.html import (
    HtmlExtractionError,
    HtmlOptions,
    HtmlResult,
    css_to_xpath,
    extract_html,
    load_selectors,
    sanitize_html,
    visible_text,
)

FIXTURES = Path(__file__).parent / "fixtures" / "html"
CASES = tomllib.loads((FIXTURES / "cases.toml").read_text(encoding="utf-8"))
URL = "https://www.example.org/local/story"
PLAIN = HtmlOptions(clean=False)  # DOM behaviour only, independent of the text cleaner

PARAGRAPHS = [
    "The committee met on Tuesday evening to discuss the harbour wall and the state of the "
    "slipway, which has cracked in three places since the winter storms.",
    "Engineers presented two options: a full rebuild costing far more than the annual budget, "
    "or a cheaper repair that would need to be repeated within fifteen years.",
    "Residents who use the slipway to launch small boats asked for the repair to be finished "
    "before the summer regatta, when the harbour is busiest.",
    "The committee voted to commission a detailed survey and to return to the question at its "
    "next meeting in the autumn, after the regatta.",
]


def article_page(extra_body: str = "", *, lang: str = "en", head: str = "") -> str:
    body = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>Harbour wall'
        f"</title>{head}</head><body><main><article><h1>Harbour wall</h1>"
        f'<div class="entry-content">{body}</div>{extra_body}</article></main></body></html>'
    )


def fixture(name: str) -> str:
    return (FIXTURES / f"{name}.html").read_text(encoding="utf-8")


def article_sentences(html: str) -> list[str]:
    """First and last paragraph of the fixture's article body (the text that must survive)."""
    tree = lxml_html.fromstring(html)
    bodies = tree.xpath("//article/div[p]")
    assert bodies, "fixture without an article body"
    paras = max(bodies, key=lambda div: len(div.findall("p"))).findall("p")
    return [paras[0].text_content()[:60], paras[-1].text_content()[:60]]


# ------------------------------------------------------------------------------------------
# pruning by concept (data-driven)


@pytest.mark.parametrize("case", sorted(CASES), ids=str)
def test_pruning_case(case: str) -> None:
    spec = CASES[case]
    html = fixture(spec.get("file", case))
    options = HtmlOptions(clean=False, **spec.get("options", {}))
    result = extract_html(html, url=URL, options=options)
    text = result.text.lower()
    rules = {r.rule for r in result.removed}

    for rule in spec.get("rules", []):
        assert rule in rules, f"{case}: expected a {rule} removal, got {sorted(rules)}"
    for rule in spec.get("rules_absent", []):
        assert rule not in rules, f"{case}: unexpected {rule} removal"
    for snippet in spec.get("must_drop", []):
        assert snippet.lower() not in text, f"{case}: {snippet!r} leaked into the text"
    for snippet in spec.get("must_keep", []):
        assert snippet.lower() in text, f"{case}: {snippet!r} missing from the text"
    for snippet in spec.get("not_pruned", []):
        hits = [r for r in result.removed if snippet.lower() in r.text.lower()]
        assert not hits, f"{case}: {snippet!r} was pruned by {[r.rule for r in hits]}"
    for sentence in article_sentences(html):
        assert sentence.lower() in text, f"{case}: article sentence {sentence!r} lost"


def test_every_fixture_has_a_case() -> None:
    files = {p.stem for p in FIXTURES.glob("*.html")} - {"metadata"}
    covered = {spec.get("file", name) for name, spec in CASES.items()}
    assert files <= covered, f"fixtures without a case: {sorted(files - covered)}"


@pytest.mark.parametrize("case", ["tweet_blockquote", "facebook", "tiktok"], ids=str)
def test_pruning_is_what_removes_embeds(case: str) -> None:
    """Without the DOM pruning trafilatura keeps these embeds: the pruning is doing the work."""
    html = fixture(case)
    pruned = extract_html(html, url=URL, options=PLAIN).text.lower()
    unpruned = extract_html(html, url=URL, options=HtmlOptions(clean=False, prune=False)).text
    drop = CASES[case]["must_drop"]
    assert any(s.lower() in unpruned.lower() for s in drop)
    assert not any(s.lower() in pruned for s in drop)


def test_removals_are_recorded_as_dom_removals() -> None:
    result = extract_html(fixture("comments_wp"), url=URL, options=PLAIN)
    dom = [r for r in result.removed if r.rule.startswith("html.prune.")]
    assert dom
    for removal in dom:
        assert isinstance(removal, Removal)
        assert removal.line is None
        assert removal.text == " ".join(removal.text.split())  # whitespace collapsed
    comments = next(r for r in dom if r.rule == "html.prune.comments")
    assert "Leave a Reply" in comments.text
    assert "grandchildren" in comments.text


def test_nested_matches_are_recorded_once() -> None:
    # #comments contains #respond, .comment-form, ol.comment-list: one removal for the block
    result = extract_html(fixture("comments_wp"), url=URL, options=PLAIN)
    assert [r.rule for r in result.removed].count("html.prune.comments") == 1


def test_share_guard_keeps_an_article_wrapped_in_a_share_class() -> None:
    result = extract_html(fixture("guard_share_on_wrapper"), url=URL, options=PLAIN)
    rules = sorted(r.rule for r in result.removed)
    assert rules == ["html.prune.site_footer", "html.prune.site_header"]  # page furniture only
    assert "eleven years" in result.text


def test_prune_can_be_switched_off() -> None:
    result = extract_html(fixture("share_sharedaddy"), url=URL, options=HtmlOptions(prune=False))
    assert not [r for r in result.removed if r.rule.startswith("html.prune.")]


# ------------------------------------------------------------------------------------------
# selectors


def test_selector_file_compiles_and_is_anchored() -> None:
    selectors = load_selectors()
    names = {c.name for c in selectors.concepts}
    expected = {
        "tweet", "instagram", "facebook", "video_embed", "share", "author_box", "comments",
        "newsletter", "related", "consent", "caption",
    }  # fmt: skip
    assert expected <= names
    for concept in selectors.concepts:
        assert concept.selectors
        for sel in concept.selectors:
            assert "*=" not in sel and "^=" not in sel and "$=" not in sel, sel


@pytest.mark.parametrize(
    ("selector", "markup", "matches"),
    [
        (".share", '<div class="share">x</div>', True),
        (".share", '<div class="post share big">x</div>', True),
        (".share", '<div class="shared-article">x</div>', False),
        (".share", '<div class="social-share">x</div>', False),
        ("#comments", '<div id="comments">x</div>', True),
        ("#comments", '<div id="comments-count">x</div>', False),
        ("blockquote.twitter-tweet", '<blockquote class="twitter-tweet">x</blockquote>', True),
        ("blockquote.twitter-tweet", '<div class="twitter-tweet">x</div>', False),
        ("nav[aria-label=breadcrumb]", '<nav aria-label="breadcrumb">x</nav>', True),
        ("nav[aria-label=breadcrumb]", '<nav aria-label="breadcrumbs">x</nav>', False),
        ("div.a .b", '<div class="a"><span class="b">x</span></div>', True),
        ("div.a .b", '<div class="b">x</div>', False),
    ],
)
def test_css_to_xpath_matches_tokens_exactly(selector: str, markup: str, matches: bool) -> None:
    tree = lxml_html.fromstring(f"<html><body>{markup}</body></html>")
    assert bool(tree.xpath(css_to_xpath(selector))) is matches


@pytest.mark.parametrize("selector", ["[class*=share]", "div > p", "a:hover", "", ".a,.b"])
def test_unsupported_selectors_fail_loudly(selector: str) -> None:
    with pytest.raises(ValueError):
        css_to_xpath(selector)


def test_custom_selector_file(tmp_path: Path) -> None:
    path = tmp_path / "sel.toml"
    path.write_text('[concepts.promo]\nselectors = [".promo-box", "[data-ad-slot]"]\n')
    html = article_page(
        '<div class="promo-box"><p>Buy our calendar of harbour views</p></div>'
        '<section data-ad-slot="7"><p>Sponsored: ferry tickets at half price</p></section>'
    )
    result = extract_html(html, url=URL, options=HtmlOptions(clean=False, selectors_path=str(path)))
    assert [r.rule for r in result.removed] == ["html.prune.promo", "html.prune.promo"]
    assert "calendar" not in result.text
    assert "ferry tickets" not in result.text


# ------------------------------------------------------------------------------------------
# metadata


def test_metadata() -> None:
    result = extract_html(fixture("metadata"), url="https://www.example.org/x?utm=1")
    assert isinstance(result, HtmlResult)
    assert result.title == "Engineers find the Harlow footbridge sound"
    assert result.authors == ["Tomasz Wren", "Priya Nand"]
    assert result.author == "Tomasz Wren; Priya Nand"
    assert result.date == dt.date(2024, 5, 14)
    assert result.url == "https://www.example.org/local/2024/05/bridge-reopens/"  # canonical
    assert result.host == "www.example.org"  # as the article's host column: www. kept
    assert result.language_html == "en"
    assert result.sitename == "The Riverside Courier"
    assert result.description == "Load tests show the 1868 cast-iron footbridge is sound."
    assert result.extractor.startswith("trafilatura")
    assert "cast-iron footbridge" in result.text


def test_metadata_defaults_without_hints() -> None:
    html = article_page().replace('<html lang="en">', "<html>")
    result = extract_html(html, url="https://news.example.com/a/1")
    assert result.url == "https://news.example.com/a/1"
    assert result.host == "news.example.com"
    assert result.language_html is None
    assert result.authors == []
    result = extract_html(html)
    assert result.url is None and result.host is None


@pytest.mark.parametrize(
    ("attr", "expected"),
    [("en-US", "en"), ("EN_gb", "en"), ("pt-BR", "pt"), ("zh-Hant-TW", "zh"), ("de", "de"),
     ("fil", "fil"), ("", None), ("x-klingon", None), ("english", None)],
)  # fmt: skip
def test_html_lang_is_normalised(attr: str, expected: str | None) -> None:
    html = article_page(lang=attr)
    assert extract_html(html, url=URL, options=PLAIN).language_html == expected


def test_content_language_meta_is_a_fallback() -> None:
    head = '<meta http-equiv="Content-Language" content="fr-CA, en">'
    html = article_page(head=head).replace('<html lang="en">', "<html>")
    assert extract_html(html, url=URL, options=PLAIN).language_html == "fr"


def test_metadata_can_be_skipped() -> None:
    result = extract_html(fixture("metadata"), url=URL, options=HtmlOptions(with_metadata=False))
    assert result.title is None and result.authors == [] and result.date is None
    assert result.url == "https://www.example.org/local/2024/05/bridge-reopens/"


# ------------------------------------------------------------------------------------------
# the text cleaner is called on the extractor output


def test_clean_text_called_with_from_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[dict[str, Any]] = []

    def fake_clean(text: str, **kwargs: Any) -> Any:
        calls.append({"text": text, **kwargs})
        return H.TextResult if False else _FakeResult(text.replace("slipway", "SLIPWAY"))

    monkeypatch.setattr(H, "clean_text", fake_clean)
    result = extract_html(article_page(), url=URL)
    assert calls and calls[0]["from_extractor"] is True
    assert calls[0]["host"] == "www.example.org"  # templates key on it without www.
    assert calls[0]["language"] == "en"
    assert "SLIPWAY" in result.text
    assert any(r.rule == "fake.rule" for r in result.removed)


class _FakeResult:
    def __init__(self, text: str) -> None:
        self.text = text
        self.removed = [Removal(rule="fake.rule", text="x", line=0)]
        self.title = None
        self.author = None
        self.date = None


# ------------------------------------------------------------------------------------------
# fallback


def test_fallback_when_trafilatura_returns_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(H, "bare_extraction", lambda *a, **k: None)
    result = extract_html(article_page(), url=URL, options=PLAIN)
    assert result.extractor in {"trafilatura+fallback_baseline", "visible_text"}
    assert "harbour wall" in result.text.lower()
    assert "regatta" in result.text


def test_visible_text_when_everything_else_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(H, "bare_extraction", lambda *a, **k: None)
    monkeypatch.setattr(H, "baseline", lambda tree: (None, "", 0))
    result = extract_html(article_page(), url=URL, options=PLAIN)
    assert result.extractor == "visible_text"
    assert "slipway" in result.text


def test_visible_text_falls_back_to_page_furniture_when_it_holds_everything() -> None:
    # broken markup that nests the whole page inside an <aside>
    page = "<html><body><aside class='popup'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    tree = lxml_html.fromstring(page)
    assert visible_text(tree) == ""
    assert "slipway" in visible_text(tree, structural=False)


def test_no_fallback_option(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(H, "bare_extraction", lambda *a, **k: None)
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(article_page(), url=URL, options=HtmlOptions(clean=False, fallback=False))
    assert err.value.reason == RejectReason.NO_CONTENT


# ------------------------------------------------------------------------------------------
# hostile input


def test_nul_and_control_bytes() -> None:
    html = article_page().replace("slipway", "slip\x00way\x01\x1b").replace("<p>", "<p\x00>", 1)
    result = extract_html("\x00" + html + "\x00\x0c", url=URL, options=PLAIN)
    assert "\x00" not in result.text
    assert "slipway" in result.text
    assert all(ch in "\t\n\r" or ord(ch) >= 32 for ch in result.text)


def test_sanitize_html_caps_and_strips() -> None:
    cleaned, truncated = sanitize_html("a\x00b\x07c\td\ne\x7f" + "x" * 20, 10)
    assert truncated
    assert cleaned == "abc\td\ne"[: len(cleaned)] and "\x00" not in cleaned and len(cleaned) <= 10


def test_deeply_nested_html_does_not_crash() -> None:
    depth = 20_000
    html = (
        "<html><body>" + "<div>" * depth + "<p>" + " ".join(PARAGRAPHS) + "</p>"
        + "</div>" * depth + "</body></html>"
    )  # fmt: skip
    started = time.monotonic()
    # libxml2 stops parsing at depth 255 (the text below is lost): a clean, explained reject
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(html, url=URL, options=HtmlOptions(timeout=60))
    assert err.value.reason == RejectReason.MALFORMED
    assert "nested deeper" in err.value.detail
    assert time.monotonic() - started < 60


def test_moderately_nested_html_is_extracted() -> None:
    depth = 200
    html = (
        "<html><body>" + "<div>" * depth + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</div>" * depth + "</body></html>"
    )  # fmt: skip
    assert "regatta" in extract_html(html, url=URL, options=PLAIN).text


def test_visible_text_is_not_recursive() -> None:
    tree = lxml_html.fromstring("<html><body><div>top</div></body></html>")
    node = tree.find(".//div")
    for _ in range(30_000):  # deeper than the recursion limit; built, not parsed
        node = lxml_html.etree.SubElement(node, "div")
    node.text = "deep"
    assert visible_text(tree) == "top\ndeep"


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.html")))
def test_visible_length_is_about_the_visible_text_length(name: str) -> None:
    tree = H.load_html(fixture(name))
    H.strip_inert(tree)
    exact = len(visible_text(tree))
    assert abs(H.visible_length(tree) - exact) <= 0.1 * exact + 5


def test_visible_length_leaves_out_page_furniture_once() -> None:
    tree = lxml_html.fromstring(
        "<html><body><nav>Home News <footer>Nested footer</footer></nav>"
        "<p>Twelve chars</p><aside>Side</aside><button>Go</button><footer>Foot</footer></body>"
        "</html>"
    )
    assert H.visible_length(tree) == len("Twelve chars") == len(visible_text(tree))


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><p>Unclosed <b>bold <i>italic <div>block</p></span></html>",
        "<<<>>><<html>>><body<p>>>" + PARAGRAPHS[0],
        article_page()[: len(article_page()) // 2],  # truncated mid-document
        "<?xml version='1.0' encoding='utf-8'?><html><body><p>"
        + PARAGRAPHS[1]
        + "</p></body></html>",
        "<html><body><table><tr><td>" + PARAGRAPHS[2] + "<td><tr></table>",
        "just text, no markup at all: " + PARAGRAPHS[3],
        "<svg><script>alert(1)</script></svg>",
        "\ufeff<!DOCTYPE html><html><body><p>" + PARAGRAPHS[0] + "</p>",
    ],
)
def test_broken_html_does_not_crash(html: str) -> None:
    try:
        result = extract_html(html, url=URL)
    except HtmlExtractionError as err:
        assert err.reason in {RejectReason.MALFORMED, RejectReason.NO_CONTENT}
    else:
        assert result.text.strip()


@pytest.mark.parametrize("html", ["", "   \n\t ", "\x00\x00\x00"])
def test_empty_input_is_no_content(html: str) -> None:
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(html, url=URL)
    assert err.value.reason == RejectReason.NO_CONTENT


@pytest.mark.parametrize(
    "garbage",
    [
        bytes(range(256)).decode("latin-1") * 50,
        bytes(range(256)).decode("utf-8", errors="replace") * 50,
        bytes(range(256)) * 50,  # bytes are decoded as UTF-8 with replacements
    ],
    ids=["latin-1", "utf-8-replaced", "bytes"],
)
def test_binary_garbage_is_rejected_cleanly(garbage: str | bytes) -> None:
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(garbage, url=URL)  # type: ignore[arg-type]
    assert err.value.reason in {RejectReason.MALFORMED, RejectReason.NO_CONTENT}


@pytest.mark.parametrize("sanitized", [False, True])
def test_huge_input_is_capped(sanitized: bool) -> None:
    filler = "<div class='x'><p>" + PARAGRAPHS[0] + "</p></div>" * 1
    html = article_page("".join(filler for _ in range(20_000)))  # ~4 MB
    assert len(html) > 3_000_000
    options = HtmlOptions(max_chars=200_000, timeout=60)
    result = extract_html(html, url=URL, options=options, sanitized=sanitized)
    assert result.truncated
    assert result.text


def test_sanitized_input_skips_only_the_scan() -> None:
    page = article_page()
    assert extract_html(page, url=URL, sanitized=True) == extract_html(page, url=URL)
    # unsanitised input must not claim to be: the default scan is what removes the NULs
    dirty = page.replace("<p>", "<p>\x00", 1)
    assert "\x00" not in extract_html(dirty, url=URL).text


# ------------------------------------------------------------------------------------------
# time bound


def _slow_extraction(*args: Any, **kwargs: Any) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # pure-Python busy loop, like a pathological page
        sum(range(1000))


def test_timeout_interrupts_a_slow_page(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(H, "bare_extraction", _slow_extraction)
    started = time.monotonic()
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(article_page(), url=URL, options=HtmlOptions(timeout=0.3))
    assert err.value.reason == RejectReason.TIMEOUT
    assert time.monotonic() - started < 3


def test_timeout_restores_previous_alarm_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    def mine(signum: int, frame: object) -> None:
        return None

    previous = signal.signal(signal.SIGALRM, mine)
    try:
        extract_html(article_page(), url=URL, options=HtmlOptions(timeout=5))
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
        monkeypatch.setattr(H, "bare_extraction", _slow_extraction)
        with pytest.raises(HtmlExtractionError):
            extract_html(article_page(), url=URL, options=HtmlOptions(timeout=0.2))
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL)[0] == 0
    finally:
        signal.signal(signal.SIGALRM, previous)


def test_timeout_is_not_swallowed_by_broad_except(monkeypatch: pytest.MonkeyPatch) -> None:
    def swallowing(*args: Any, **kwargs: Any) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:  # noqa: SIM105 - the broad except is what trafilatura/htmldate do in places
                sum(range(1000))
            except Exception:
                pass

    monkeypatch.setattr(H, "bare_extraction", swallowing)
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(article_page(), url=URL, options=HtmlOptions(timeout=0.2))
    assert err.value.reason == RejectReason.TIMEOUT


def test_timeout_off_the_main_thread_is_cooperative(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> None:
        time.sleep(0.4)

    monkeypatch.setattr(H, "bare_extraction", slow)
    outcome: list[BaseException | HtmlResult] = []

    def run() -> None:
        try:
            outcome.append(extract_html(article_page(), url=URL, options=HtmlOptions(timeout=0.1)))
        except BaseException as err:
            outcome.append(err)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert len(outcome) == 1
    assert isinstance(outcome[0], HtmlExtractionError)
    assert outcome[0].reason == RejectReason.TIMEOUT


def test_no_timeout_when_disabled() -> None:
    result = extract_html(article_page(), url=URL, options=HtmlOptions(timeout=None))
    assert "slipway" in result.text


def test_cleaners_do_not_import_prefect() -> None:
    source = Path(H.__file__).read_text(encoding="utf-8")
    imports = [ln for ln in source.splitlines() if ln.startswith(("import ", "from "))]
    assert imports and not [ln for ln in imports if "prefect" in ln]


# ------------------------------------------------------------------------------------------
# line dedupe and the recall retry


def test_dedupe_lines_drops_long_repeats_only() -> None:
    long_line = "The committee voted to commission a detailed survey of the harbour wall."
    text = f"{long_line}\nShare\nMiddle paragraph.\nShare\n  {long_line.upper()}  \nEnd."
    deduped, removed = H.dedupe_lines(text, 60)
    assert deduped.split("\n") == [long_line, "Share", "Middle paragraph.", "Share", "End."]
    assert [(r.rule, r.line) for r in removed] == [("html.duplicate_line", None)]


def test_duplicated_lines_are_removed_and_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    doubled = "\n".join([PARAGRAPHS[0], *PARAGRAPHS])  # e.g. a mobile and a desktop copy

    monkeypatch.setattr(H, "_trafilatura", lambda *a, **k: doubled)
    result = extract_html(article_page(), url=URL, options=PLAIN)
    assert result.text.count(PARAGRAPHS[0]) == 1
    assert [(r.rule, r.line) for r in result.removed] == [("html.duplicate_line", None)]
    off = extract_html(
        article_page(), url=URL, options=HtmlOptions(clean=False, dedupe_min_chars=0)
    )
    assert off.text.count(PARAGRAPHS[0]) == 2


def test_recall_retry_keeps_the_longer_recall_text(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def fake(tree: Any, url: str | None, opts: HtmlOptions, *, recall: bool, fast: bool) -> str:
        calls.append(recall)
        return " ".join(PARAGRAPHS) if recall else PARAGRAPHS[0] + " " + PARAGRAPHS[1]

    monkeypatch.setattr(H, "_trafilatura", fake)
    balanced = replace(PLAIN, favor="balanced")
    result = extract_html(article_page(), url=URL, options=balanced)
    assert calls == [False, True]
    assert result.extractor == "trafilatura_recall"
    assert "regatta" in result.text
    calls.clear()
    result = extract_html(article_page(), url=URL, options=replace(balanced, recall_retry=False))
    assert calls == [False]
    assert result.extractor == "trafilatura"


def _auto_passes(
    monkeypatch: pytest.MonkeyPatch, recall_text: str, balanced_text: str
) -> tuple[list[bool], HtmlResult]:
    calls: list[bool] = []

    def fake(tree: Any, url: str | None, opts: HtmlOptions, *, recall: bool, fast: bool) -> str:
        calls.append(recall)
        return recall_text if recall else balanced_text

    monkeypatch.setattr(H, "_trafilatura", fake)
    options = replace(PLAIN, compare_below=None, fallback=False)
    return calls, extract_html(article_page(), url=URL, options=options)


def test_auto_mode_runs_recall_mode_alone_when_it_covers_the_page(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert HtmlOptions().favor == "auto"
    whole = "\n".join(PARAGRAPHS)
    calls, result = _auto_passes(monkeypatch, whole, PARAGRAPHS[0])
    assert calls == [True]  # one pass: balanced mode is never asked
    assert result.extractor == "trafilatura_recall"
    assert result.text == whole


def test_auto_mode_asks_balanced_mode_when_recall_took_a_small_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    whole = "\n".join(PARAGRAPHS)
    # recall mode settled on one paragraph (a summary box): balanced mode finds the article
    calls, result = _auto_passes(monkeypatch, PARAGRAPHS[0], whole)
    assert calls == [True, False]
    assert result.extractor == "trafilatura"
    assert result.text == whole
    # both short, recall's clearly longer: it stays
    calls, result = _auto_passes(monkeypatch, PARAGRAPHS[0], PARAGRAPHS[1][:40])
    assert calls == [True, False]
    assert result.extractor == "trafilatura_recall"
    assert result.text == PARAGRAPHS[0]


def _passes(
    monkeypatch: pytest.MonkeyPatch, fast_text: str, options: HtmlOptions
) -> tuple[list[bool], HtmlResult]:
    """Run extract_html with a fake trafilatura: `fast_text` from fast passes, the whole article
    from the pass with the readability/justext comparison. Returns the `fast` flag of each pass."""
    calls: list[bool] = []

    def fake(tree: Any, url: str | None, opts: HtmlOptions, *, recall: bool, fast: bool) -> str:
        calls.append(fast)
        return fast_text if fast else "\n".join(PARAGRAPHS)

    monkeypatch.setattr(H, "_trafilatura", fake)
    return calls, extract_html(article_page(), url=URL, options=options)


def test_comparison_pass_only_when_the_fast_text_is_short(monkeypatch: pytest.MonkeyPatch) -> None:
    opts = HtmlOptions(clean=False, favor="balanced", recall_retry=False, compare_below=0.3)
    # the fast pass covers the page: trafilatura's readability/justext comparison is skipped
    calls, result = _passes(monkeypatch, "\n".join(PARAGRAPHS[:3]), opts)
    assert calls == [True]
    assert "regatta" in result.text and "autumn" not in result.text
    # a fast text under compare_below x the visible text: the full pass runs and wins
    calls, result = _passes(
        monkeypatch, PARAGRAPHS[0], replace(opts, compare_below=0.5, fallback_min_chars=0)
    )
    assert calls == [True, False]
    assert "autumn" in result.text
    # under fallback_min_chars, whatever the page's size
    calls, _ = _passes(monkeypatch, PARAGRAPHS[0], replace(opts, compare_below=0.0))
    assert calls == [True, False]


def test_comparison_pass_always_or_never(monkeypatch: pytest.MonkeyPatch) -> None:
    short = PARAGRAPHS[0]
    opts = HtmlOptions(clean=False, favor="balanced", recall_retry=False, fallback=False)
    calls, _ = _passes(monkeypatch, short, replace(opts, compare_below=None))
    assert calls == [False]  # trafilatura's own default: the comparison on every page
    calls, result = _passes(monkeypatch, short, replace(opts, fast=True))
    assert calls == [True]
    assert result.text == short


def test_default_runs_the_comparison_on_few_pages() -> None:
    assert HtmlOptions().compare_below is not None and not HtmlOptions().fast


def test_strip_inert_keeps_json_ld_and_tails() -> None:
    tree = lxml_html.fromstring(
        "<html><head><meta name='author' content='A B'><link rel='stylesheet' href='x.css'>"
        '<style>p{}</style><script type=\'application/ld+json\'>{"articleBody": "x"}</script>'
        "</head><body><p>Before<script>var tracker = 1;</script> after the script.</p>"
        "<svg><text>Icon label</text></svg><noscript>Enable JavaScript</noscript>"
        "<p>Kept<style>.a{}</style> paragraph.</p>"
        "<script type=' Application/LD+JSON '>{}</script></body></html>"
    )
    H.strip_inert(tree)
    assert [s.get("type").strip().lower() for s in tree.iter("script")] == [
        "application/ld+json",
        "application/ld+json",
    ]
    assert not list(tree.iter("style", "svg", "noscript", "meta", "link"))
    text = tree.find("body").text_content()
    assert "Before after the script." in text
    assert "Kept paragraph." in text
    assert "tracker" not in text and "Icon label" not in text and "Enable" not in text


def test_scripts_and_styles_never_reach_the_text() -> None:
    page = article_page(
        "<p>Closing line of the story.<script>window.adSlot = 'lorem';</script></p>"
        "<noscript><p>Please enable JavaScript to view the comments.</p></noscript>",
        head="<script>var tracker = 'ipsum';</script>",
    )
    for strip in (True, False):
        result = extract_html(page, url=URL, options=HtmlOptions(clean=False, strip_inert=strip))
        assert "regatta" in result.text
        assert "adSlot" not in result.text and "enable JavaScript" not in result.text


@pytest.mark.parametrize("name", ["author_byline_kept", "comments_wp", "caption", "metadata"])
def test_metadata_matches_trafilatura_extract_metadata(name: str) -> None:
    """Same fields as trafilatura's, but the author found in the page body (our own heuristic,
    tested below); on these fixtures that one agrees too."""
    from trafilatura.metadata import extract_metadata
    from trafilatura.utils import load_html

    html = fixture(name)
    ours = H._metadata(H.load_html(html), URL, False)
    theirs = extract_metadata(load_html(html), default_url=URL, extensive=False)
    for key in ("title", "author", "date", "sitename", "description", "url"):
        assert getattr(ours, key) == getattr(theirs, key), key


# ------------------------------------------------------------------------------------------
# authors named in the page body (no author meta tag, no JSON-LD)

BYLINE_CASES = [
    ('<p class="byline">By Morwenna Tate</p>', ["Morwenna Tate"]),
    ('<div class="post-author">Written by: Ilse Brandt | 4 March 2024</div>', ["Ilse Brandt"]),
    ('<span class="entry-meta">Posted in Local by <a rel="author" href="/u/ot">Odile Thorne</a>'
     "</span>", ["Odile Thorne"]),
    ('<div itemprop="author" itemscope><span itemprop="image">x</span>'
     '<span itemprop="name">Kwame Asante</span><span>Staff reporter</span></div>',
     ["Kwame Asante"]),
    ('<span class="article-meta__author-name">Ines Carvalho</span>', ["Ines Carvalho"]),
    ('<p class="Byline_author__a8Kq2">Ruairi Doyle</p>', ["Ruairi Doyle"]),
    ('<div class="story-meta">Updated 2 May 2024, 10:41 By Hettie Marsh</div>'
     '<div class="story-byline">Updated 2 May 2024, 10:41 By Hettie Marsh</div>',
     ["Hettie Marsh"]),
    ('<div class="byline">By Ada Pryce and Tobias Lund</div>', ["Ada Pryce", "Tobias Lund"]),
    ('<p class="author">By <time datetime="2024-05-02">May 2, 2024</time></p>', []),
    ('<div class="author-bio">Mina Osei has covered the harbour for the paper since 2009 and '
     "writes about boats, tides and the people who work the quays.</div>", []),
]  # fmt: skip


@pytest.mark.parametrize(("markup", "authors"), BYLINE_CASES)
def test_author_from_the_page(markup: str, authors: list[str]) -> None:
    html = article_page(markup)
    assert extract_html(html, url=URL, options=PLAIN).authors == authors


def test_author_prefers_the_name_element_and_the_byline_before_later_ones() -> None:
    markup = (
        '<div class="author">By <b class="author-name">Saskia Holm</b> in Local</div>'
        '<div class="byline">By Peder Lund</div>'
    )
    assert extract_html(article_page(markup), url=URL, options=PLAIN).authors == ["Saskia Holm"]


@pytest.mark.parametrize(
    "markup",
    [
        '<ol class="comment-list"><li><span class="author">Gwyn Pask</span> said: lovely</li></ol>',
        '<p class="comment-author">Gwyn Pask</p>',
        '<div id="comments"><a rel="author" href="/u/gp">Gwyn Pask</a></div>',
        '<aside class="widget"><p class="byline">By Gwyn Pask</p></aside>',
        '<div class="sidebar-box"><p class="post-author">Gwyn Pask</p></div>',
        '<form><label class="author">Gwyn Pask</label><input id="author" name="author"></form>',
        '<p class="bypostauthor">Gwyn Pask</p>',
    ],
)
def test_author_is_never_a_commenter_or_a_sidebar_name(markup: str) -> None:
    assert extract_html(article_page(markup), url=URL, options=PLAIN).authors == []


def test_author_meta_tag_wins_over_the_page() -> None:
    html = article_page('<p class="byline">By Peder Lund</p>', head='<meta name="author" '
                        'content="Saskia Holm">')  # fmt: skip
    assert extract_html(html, url=URL, options=PLAIN).authors == ["Saskia Holm"]


def test_author_body_classes_do_not_hide_the_byline() -> None:
    html = article_page('<p class="byline">By Morwenna Tate</p>').replace(
        "<body>", '<body class="has-sidebar comments-open">'
    )
    assert extract_html(html, url=URL, options=PLAIN).authors == ["Morwenna Tate"]


@pytest.mark.parametrize(
    ("token", "tier"),
    [("author-name", 1), ("authorName", 1), ("wp-block-post-author__name", 1),
     ("_authorName_1r0t6_51", 1), ("post-author", 2), ("Author_author__4ceOm", 2),
     ("posted-by", 2), ("byline", 2), ("author-link", 3), ("byline-wrapper", 3),
     ("comment-author", None), ("author-bio", None), ("author-avatar", None),
     ("bypostauthor", None), ("authority", None)],
)  # fmt: skip
def test_author_class_tokens(token: str, tier: int | None) -> None:
    assert H._author_token_tier(token) == tier


# ------------------------------------------------------------------------------------------
# loading


@pytest.mark.parametrize(
    "name", ["metadata", "comments_wp", "consent_banners", "author_byline_kept", "caption"]
)
def test_load_html_parses_as_trafilatura_does(name: str) -> None:
    from trafilatura.utils import load_html

    html = fixture(name)
    ours, theirs = H.load_html(html), load_html(html)
    assert etree.tostring(ours) == etree.tostring(theirs)
    assert all(
        isinstance(el, lxml_html.HtmlElement) for el in ours.iter() if isinstance(el.tag, str)
    )


@pytest.mark.parametrize(
    "html",
    [
        '<?xml version="1.0" encoding="utf-8"?><html><body><p>Declared encoding</p></body></html>',
        "<!DOCTYPE html SYSTEM 'about:legacy-compat' />\n<html><body><p>Doctype</p></body></html>",
        '<html lang="en" />\n<body><p>Self-closing root</p></body>',
        "<p>two</p><p>fragments</p>",
        "<!-- only a comment -->",
    ],
)
def test_load_html_repairs_and_rejects_as_trafilatura_does(html: str) -> None:
    from trafilatura.utils import load_html

    ours, theirs = H.load_html(html), load_html(html)
    assert (ours is None) == (theirs is None)
    if ours is not None:
        assert etree.tostring(ours) == etree.tostring(theirs)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("plain words, no markup at all", "plain words, no markup at all"),
        ("<p>one fragment</p>", "one fragment"),
        ("<article><p>It opened.</p></article>", "It opened."),
        ("<div><p>A saved snippet</p></div>", "A saved snippet"),
        ("<p>A paragraph</p> and a tail", "and a tail"),
    ],
)
def test_load_html_parses_a_fragment_trafilatura_rejects_as_a_document(
    html: str, text: str
) -> None:
    # trafilatura rejects input without "html" in its first 50 characters that has one
    # top-level element: ours is HTML by its file type or field, so it is a page like any other
    from trafilatura.utils import load_html

    assert load_html(html) is None
    tree = H.load_html(html)
    assert tree is not None and tree.tag == "html"
    body = tree.find("body")
    assert body is not None and text in body.text_content()


@pytest.mark.parametrize(
    "wrap",
    [
        "{}",  # plain text saved as .html
        "<article>{}</article>",  # a JSONL `html` field
        "<div class='story'>{}</div>",  # a saved snippet
    ],
)
def test_a_fragment_is_extracted_like_a_page(wrap: str) -> None:
    if wrap == "{}":
        html = "\n\n".join(PARAGRAPHS)
    else:
        html = wrap.format("".join(f"<p>{p}</p>" for p in PARAGRAPHS))
    result = extract_html(html, url=URL)
    assert all(p in result.text for p in PARAGRAPHS)
    assert "<" not in result.text


@pytest.mark.parametrize(
    "html", ["<!-- only a comment -->", "<?xml version='1.0'?>", "</p>", "<![CDATA[x]]>"]
)
def test_input_lxml_cannot_parse_is_still_malformed(html: str) -> None:
    with pytest.raises(HtmlExtractionError) as err:
        extract_html(html, url=URL)
    assert err.value.reason == RejectReason.MALFORMED
    assert err.value.detail == "unparsable HTML"


def test_sanitize_html_drops_xml_nonchars() -> None:
    assert sanitize_html("a\ufffeb\uffffc\x7fd", 100) == ("abcd", False)


def test_metadata_skips_categories_tags_and_licence() -> None:
    from trafilatura.utils import load_html

    page = article_page(
        '<p class="tags"><a rel="tag" href="/tag/harbour">harbour</a></p>'
        '<a rel="license" href="https://creativecommons.org/licenses/by/4.0/">CC BY</a>',
        head='<meta name="author" content="Jane Doe"><link rel="canonical" href="/x">',
    )
    meta = H._metadata(load_html(page), URL, False)
    assert meta.author == "Jane Doe"
    assert meta.title == "Harbour wall"
    assert not meta.categories and not meta.tags and not meta.license


def test_sanitize_html_returns_clean_input_unchanged() -> None:
    clean = article_page()
    assert sanitize_html(clean, 10**9) == (clean, False)
    assert sanitize_html(clean, 10**9)[0] is clean
    assert sanitize_html("a\x00b\x1fc\td", 100) == ("abc\td", False)


def test_descendant_selectors_in_a_selector_file(tmp_path: Path) -> None:
    path = tmp_path / "sel.toml"
    path.write_text('[concepts.sponsor]\nselectors = ["div.partner p.note"]\n')
    html = article_page(
        '<div class="partner"><p class="note">Paid for by the ferry company</p></div>'
        '<p class="note">A note outside any partner box stays.</p>'
    )
    options = HtmlOptions(clean=False, selectors_path=str(path), fallback=False)
    result = extract_html(html, url=URL, options=options)
    assert [(r.rule, r.text) for r in result.removed] == [
        ("html.prune.sponsor", "Paid for by the ferry company")
    ]


# ------------------------------------------------------------------------------------------
# premature end tags


def test_article_after_a_premature_end_of_document_is_extracted() -> None:
    # a theme's header template closes the document; browsers show what follows in the body
    header = (
        "<!DOCTYPE html><html><head><title>Harbour wall</title></head><body>"
        "<header><nav><ul><li><a href='/'>Home</a></li><li><a href='/c'>Contact Us</a></li>"
        "</ul></nav></header>\n</body>\n</html>\n"
    )
    paragraphs = "\n".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    page = header + f"<div class='post'><h1>Harbour wall</h1>{paragraphs}</div>\n" + " " * 2100
    assert H._reopen_body(page) != page
    result = extract_html(page, url=URL)
    assert PARAGRAPHS[0][:60] in result.text and PARAGRAPHS[-1][:60] in result.text


def test_end_tags_where_they_belong_are_left_alone() -> None:
    page = article_page() + "\n<script>var tracker = 1;</script>\n" + "<!-- cache -->" * 10
    assert H._reopen_body(page) is page
    # a short remainder (a pixel, a closing comment) is not worth reopening the body for
    early = article_page().replace("</body></html>", "</body></html><div>ok</div>" + " " * 2100)
    assert H._reopen_body(early) is early


# --- start tags with thousands of attributes (libxml2 is quadratic over one element's) ------


@pytest.mark.parametrize(
    "attribute",
    ['a{}="{}"', "a{}", "a{}={}", "a{}/", 'a{}="x"b{}="y"'],
    ids=["quoted", "boolean", "unquoted", "slashes", "unseparated"],
)
def test_a_start_tag_with_thousands_of_attributes_is_cut_to_its_name(attribute: str) -> None:
    # 20,000 attributes: ~0.4 s of libxml2 parse without the cut (200,000: over a minute, in
    # one C call the timeout cannot interrupt)
    flood = " ".join(attribute.format(i, i) for i in range(20_000))
    body = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = (
        "<html><head><script>if (a<b) { c = 1 }</script></head><body><!-- <x a b -->"
        f"<main><article {flood}>{body}</article></main></body></html>"
    )

    result = extract_html(html, url=URL)

    assert all(p in result.text for p in PARAGRAPHS)  # the element and its content stay
    [cut] = [r for r in result.removed if r.rule == "html.attribute_flood"]
    assert cut.text.startswith("<article a0") and "over 2,000 attributes" in cut.text
    assert len(cut.text) < 300


def test_attribute_flood_cut_is_linear_and_keeps_the_rest_of_the_page() -> None:
    flood = " ".join(f'a{i}="{i}"' for i in range(200_000))  # 2.9 MB: 80 s in libxml2
    html = f"<html><body><p>before</p><article id=x {flood}><p>inside</p></article></body></html>"

    started = time.monotonic()
    cut, removed = H._cut_attribute_floods(html)

    assert time.monotonic() - started < 0.5
    assert cut == "<html><body><p>before</p><article><p>inside</p></article></body></html>"
    assert [r.rule for r in removed] == ["html.attribute_flood"]


@pytest.mark.parametrize(
    "tag",
    [
        # one huge attribute: inline images, data-* JSON, srcset lists
        '<img alt="chart" src="data:image/png;base64,' + "iVBORw0KGgoAAAANSUhEUg" * 5000 + '">',
        "<div data-props='"
        + '{"items": ['
        + ", ".join(f'{{"id": {i}, "url": "/a/b?c={i}"}}' for i in range(3000))
        + "]}'>",
        '<img srcset="' + ", ".join(f"/img/{i}.jpg {i}w" for i in range(3000)) + '">',
        # a real tag's worth of attributes, and just under the limit
        '<div class="a b c" id="x" data-a="1" data-b="2" hidden aria-label="x">',
        "<div " + " ".join(f"d{i}" for i in range(2000)) + ">",
    ],
    ids=["base64", "json", "srcset", "normal", "at_limit"],
)
def test_long_tags_and_tags_under_the_limit_are_left_as_they_are(tag: str) -> None:
    html = (
        f"<html><body>{tag}<p>{PARAGRAPHS[0]}</p></div>"
        # long runs without ">" elsewhere: a paragraph, a script comparing with "<", JSON
        f"<p>{' '.join(PARAGRAPHS * 30)}</p>"
        f"<script>for (i = 0; i<n; i++) {{ {'x = x / 2 + y; ' * 800} }}</script>"
        f'<script type="application/json">{{"a": "{"word " * 3000}"}}</script>'
        "</body></html>"
    )
    cut, removed = H._cut_attribute_floods(html)
    assert cut is html and removed == []


def test_attribute_flood_check_is_cheap_on_a_normal_page() -> None:
    html = fixture("metadata") * (100_000 // len(fixture("metadata")) + 1)  # ~100 KB
    runs = 200
    started = time.perf_counter()
    for _ in range(runs):
        H._cut_attribute_floods(html)
    per_page = (time.perf_counter() - started) / runs
    assert per_page < 0.001  # ~10 us measured; generous for a loaded machine


# --- <noframes>: raw text to libxml2 ----------------------------------------------------------

NOFRAMES_BODY = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)


@pytest.mark.parametrize("strip_inert", [True, False])
def test_noframes_content_is_the_page_of_a_frameset(strip_inert: bool) -> None:
    html = (
        "<html><head><title>Harbour wall</title></head><frameset cols='20%,80%'>"
        "<frame src='menu.html'><frame src='story.html'>"
        f"<noframes><body>{NOFRAMES_BODY}</body></noframes></frameset></html>"
    )
    result = extract_html(html, url=URL, options=HtmlOptions(strip_inert=strip_inert))
    assert all(p in result.text for p in PARAGRAPHS)
    assert "<" not in result.text and "&lt;" not in result.text


def test_noframes_is_dropped_when_the_page_has_text() -> None:
    notice = "This site uses frames, which your browser does not show"
    html = article_page(f"<noframes><p>{notice}</p></noframes>")
    result = extract_html(html, url=URL, options=HtmlOptions(strip_inert=False))
    assert all(p in result.text for p in PARAGRAPHS)
    assert notice not in result.text and "<p>" not in result.text
    tree = H.load_html(html)
    H._resolve_noframes(tree)
    assert tree.find(".//noframes") is None
