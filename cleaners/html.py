"""HTML -> main text + metadata. Public entry point: `extract_html`.

    extract_html(html, *, url=None, options=None) -> HtmlResult

Steps, on one parsed tree (the HTML is parsed exactly once):
1. sanitise: drop NUL and other C0 control characters (they crash lxml-based tools), cap the size;
   cut a start tag with over `_MAX_ATTRIBUTES` attributes down to its bare name
   (`_cut_attribute_floods`, rule `html.attribute_flood`): libxml2 takes quadratic time over one
   element's attributes (200,000 of them, 3 MB, take over a minute, in one C call that no
   timeout interrupts);
2. parse as trafilatura's loader would (same repairs, same parser settings), but with lxml's
   C-level element class lookup (`load_html`), except that a fragment (one top-level element,
   plain text) is parsed as a document instead of being rejected; `<noframes>`, raw text to
   libxml2, is dropped, or parsed as the page when the page has nothing else
   (`_resolve_noframes`);
3. metadata (title, authors, date, sitename, description, canonical URL, `<html lang>`) from the
   unpruned tree, so an author box pruned below does not take the author with it (trafilatura's
   metadata steps minus categories, tags and licence, which we never use, and with our own
   author heuristic for the page body, `_dom_author`);
   then scripts (JSON-LD kept), styles, SVG, noscript, link and meta elements are removed
   (`strip_inert`): trafilatura would drop them itself, after scanning them on every pass;
4. DOM pre-pruning by concept (tweets, share widgets, author boxes, comments, newsletter forms,
   related posts, consent banners, ...). The selectors live as data in `html_selectors.toml`, are
   anchored (exact class tokens / ids / attribute values) and compiled once into an index walked in
   one pass over the tree. Each pruned element becomes a
   `Removal(rule="html.prune.<concept>", text=<its text, whitespace-collapsed>, line=None)`;
5. trafilatura on the pruned tree (`include_comments=False`) in recall mode, first with
   `fast=True`; again with its readability/justext comparison only when that text is short
   against the page's visible text (`compare_below`) (extractor `trafilatura_recall`);
6. when that text covers less than `balanced_below` of the page's visible text (recall mode
   sometimes settles on a summary box or teaser list), trafilatura in balanced mode too, whose
   text is kept unless the recall text is clearly longer (extractor `trafilatura`).
   `favor="balanced"` reverses the order: balanced first, then a recall retry under
   `recall_below` (the default before it was measured 5 ms/page slower for 0.001 less F1);
7. fallback when the text is still short (under `fallback_min_chars`, or under `fallback_ratio` of
   the visible text): trafilatura's `baseline` when longer (`...+fallback_baseline`); under
   `visible_ratio` of the visible text, or empty, the visible text itself (`visible_text`);
8. repeated long lines dropped (`html.duplicate_line`: responsive pages carry blocks twice);
9. `clean_text(..., from_extractor=True)`, its removals appended after the DOM ones.

Shares "of the page's visible text" in steps 4-7 use `visible_length` (lxml's C string functions,
within a few percent of len(visible_text)); the visible text itself is only built when step 7 may
return it.

Defaults were chosen by measurement on the dev set with bench/html_quality.py.

Failures: `extract_html` never returns an empty text. What it cannot recover raises
`HtmlExtractionError`, whose `reason` is a `RejectReason` (`malformed`: not parsable as HTML, or
nothing extractable from a page nested deeper than libxml2's 255-level limit, where the parser
stops; `no_content`: nothing left after extraction and cleaning, empty input included;
`timeout`: over `options.timeout`). Input over `max_chars` is truncated, not rejected
(`HtmlResult.truncated`); the pipeline's own size cap (`too_large`) applies before this.

Time bound: with `options.timeout` set, the extraction runs under a SIGALRM deadline
(`signal.setitimer`) when called on the main thread of a process that has SIGALRM (POSIX): the
usual case in a worker process. The alarm is delivered between Python bytecodes, so one long C call
(a single lxml parse of a huge page) finishes before it fires. Off the main thread (or without
SIGALRM) signals cannot be used: the limit is then checked cooperatively between the steps above,
which bounds the total but cannot interrupt trafilatura mid-page; run such work in processes. A
previously armed ITIMER_REAL/SIGALRM handler is restored afterwards.

This module must not import Prefect.
"""

from __future__ import annotations

import datetime as dt
import re
import signal
import threading
import time
import tomllib
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit

from lxml import etree
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HTMLParser, HtmlProcessingInstruction
from lxml.html import document_fromstring as _document_fromstring
from lxml.html import fromstring as _html_fromstring
from trafilatura import bare_extraction
from trafilatura import metadata as _tmeta
from trafilatura.baseline import baseline
from trafilatura.json_metadata import normalize_authors
from trafilatura.utils import DOCTYPE_TAG, FAULTY_HTML

from cleaners.article import RejectReason, Removal, host_of, parse_date
from cleaners.readers import UNSAFE_CHARS  # C0 controls and noncharacters lxml rejects
from cleaners.text import clean_text

__all__ = [
    "HtmlExtractionError",
    "HtmlOptions",
    "HtmlResult",
    "SelectorSet",
    "css_to_xpath",
    "dedupe_lines",
    "extract_html",
    "load_selectors",
    "prune_tree",
    "sanitize_html",
    "strip_inert",
    "visible_length",
    "visible_text",
]

SELECTORS_PATH = Path(__file__).with_name("html_selectors.toml")

_LANG_RE = re.compile(r"^([a-z]{2,3})(?:[-_][a-z0-9]+)*$")

# elements whose text is never visible
_HIDDEN = frozenset(
    {
        "head", "script", "style", "noscript", "template", "svg", "math", "iframe", "object",
        "canvas", "button", "select", "option", "input", "textarea", "dialog",
    }
)  # fmt: skip
# ... plus page furniture that is never article text (the structural visible-text mode)
_INVISIBLE = _HIDDEN | frozenset({"nav", "footer", "header", "aside", "form", "menu"})
_BLOCK = frozenset(
    {
        "p", "div", "section", "article", "main", "br", "li", "ul", "ol", "dl", "dt", "dd",
        "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr", "blockquote", "pre", "figure",
        "figcaption", "hr", "address", "details", "summary", "body",
    }
)  # fmt: skip
_CELL = frozenset({"td", "th"})


class HtmlExtractionError(Exception):
    """An HTML page that cannot become an article. `reason` is a RejectReason value."""

    def __init__(self, reason: RejectReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


class _Deadline(BaseException):
    """Raised by the SIGALRM handler. A BaseException so that trafilatura's and htmldate's own
    `except Exception` blocks cannot swallow it."""


@dataclass(frozen=True, slots=True)
class HtmlOptions:
    """Knobs of `extract_html`. Defaults are the measured best on the dev set (bench/html_quality.py).

    max_chars          input cap (characters, after sanitising); longer input is truncated and
                       `HtmlResult.truncated` is set (lxml recovers a cut document)
    timeout            seconds per page (None: no limit); over it -> HtmlExtractionError(timeout)
    fast               trafilatura `fast=True` only (never the readability/justext comparison)
    strip_inert        remove scripts (JSON-LD kept), styles, SVG, noscript, link and meta
                       elements once, after the metadata: trafilatura drops them anyway, after
                       copying and XPath-scanning them on every pass (-1.7 ms/page, F1 unchanged)
    favor              trafilatura focus: "auto" (recall mode, balanced mode as well where the
                       recall text covers under balanced_below of the visible text), "balanced",
                       "precision" or "recall". Measured on the dev set: "auto" F1 0.9482 at
                       23.6 ms/page against balanced + recall retry 0.9472 at 28.7 ms/page;
                       recall alone 0.9459 (it sometimes takes a summary box for the article)
    balanced_below     (favor="auto") see favor; 0.5-0.7 measured equal, 0.4 -0.0006 F1
    prune              run the DOM pre-pruning of html_selectors.toml
    prune_captions     also prune figure captions (concept `caption`)
    include_tables     keep <table> text
    compare_below      (fast=False) trafilatura first runs with `fast=True`; the pass with its
                       readability/justext comparison is only run (and kept) when that text is
                       under compare_below x the page's visible text or under
                       fallback_min_chars. None: always the comparison (trafilatura's default).
                       Measured on the dev set: the comparison changes the text of ~1% of pruned
                       pages, so running it everywhere cost ~6 ms/page for nothing; 0.3 kept F1
                       (+0.0002), 0.15 and 0.0 lost 0.0006 / 0.0020
    recall_fast        run the recall retry with `fast=True` (-0.0004 F1, hardly faster: off)
    recall_retry       (favor="balanced") when the balanced text is under recall_below x the
                       page's visible text, also run trafilatura's recall mode and keep its text
                       when it is longer than recall_ratio x the balanced text
    fallback           try baseline / visible text when trafilatura under-delivers
    fallback_min_chars trafilatura output shorter than this triggers the fallback
    fallback_ratio     ... as does output shorter than this share of the page's visible text
    visible_ratio      still shorter than this share after the baseline: take the visible text
    dedupe_min_chars   drop repeats of extracted lines at least this long (0: keep them)
    clean              run cleaners.text.clean_text on the extracted text
    with_metadata      extract title/authors/date/sitename/description
    date_extensive     htmldate's extensive search: ~2.7x slower metadata; on 120 dev pages it
                       found 12 more dates, about half of them year-only guesses (YYYY-01-01)
    selectors_path     another selectors file (same format)
    """

    max_chars: int = 8_000_000
    timeout: float | None = 30.0
    fast: bool = False
    favor: Literal["auto", "balanced", "precision", "recall"] = "auto"
    strip_inert: bool = True
    prune: bool = True
    prune_captions: bool = False
    include_tables: bool = True
    compare_below: float | None = 0.3
    recall_fast: bool = False
    recall_retry: bool = True
    recall_below: float = 0.8
    balanced_below: float = 0.5
    recall_ratio: float = 1.1
    fallback: bool = True
    fallback_min_chars: int = 250
    fallback_ratio: float = 0.3
    visible_ratio: float = 0.05
    dedupe_min_chars: int = 60
    clean: bool = True
    with_metadata: bool = True
    date_extensive: bool = False
    selectors_path: str | None = None


@dataclass(slots=True)
class HtmlResult:
    text: str
    removed: list[Removal] = field(default_factory=list)
    title: str | None = None
    authors: list[str] = field(default_factory=list)
    date: dt.date | None = None
    sitename: str | None = None
    host: str | None = None
    url: str | None = None
    language_html: str | None = None
    description: str | None = None
    extractor: str = "trafilatura"
    truncated: bool = False

    @property
    def author(self) -> str | None:
        """Authors joined as one string (the Article.author column)."""
        return "; ".join(self.authors) if self.authors else None


# --------------------------------------------------------------------------------------------
# selectors: a small anchored CSS subset -> XPath, compiled once


@dataclass(frozen=True, slots=True)
class _Simple:
    """One compound selector (tag, classes, id, attribute tests) of a concept."""

    concept: int
    tag: str | None
    classes: frozenset[str]
    ident: str | None
    attrs: tuple[tuple[str, str | None, str | None], ...]  # (name, op, value)

    def matches(self, el: Any, classes: set[str]) -> bool:
        if self.tag is not None and el.tag != self.tag:
            return False
        if self.ident is not None and el.get("id") != self.ident:
            return False
        if not self.classes <= classes:
            return False
        for name, op, value in self.attrs:
            got = el.get(name)
            if got is None:
                return False
            if op == "=" and got != value:
                return False
            if op == "~=" and value not in got.split():
                return False
        return True


@dataclass(frozen=True, slots=True)
class _Concept:
    name: str
    selectors: tuple[str, ...]
    max_share: float = 0.5
    min_chars: int = 0
    option: str | None = None
    keep_if_contains: tuple[str, ...] = ()
    descendant_xpath: etree.XPath | None = None  # selectors with a descendant combinator
    requires: etree.XPath | None = None  # the element must contain a match of these
    widen_below: int = 0  # prune the parent instead when it adds fewer characters than this


@dataclass(frozen=True, slots=True)
class SelectorSet:
    """All concepts of a selectors file, compiled: compound selectors are indexed by id, class
    token, tag or attribute name so one walk over the tree finds every match; selectors with a
    descendant combinator are compiled to one XPath per concept."""

    concepts: tuple[_Concept, ...]
    by_id: dict[str, tuple[_Simple, ...]]
    by_class: dict[str, tuple[_Simple, ...]]
    by_tag: dict[str, tuple[_Simple, ...]]
    by_attr: dict[str, tuple[_Simple, ...]] = field(default_factory=dict)

    def matches(self, root: Any, enabled: set[int]) -> dict[int, list[Any]]:
        """Concept index -> matched elements in document order."""
        found: dict[int, list[Any]] = {i: [] for i in enabled}
        by_id, by_class, by_tag, by_attr = self.by_id, self.by_class, self.by_tag, self.by_attr
        no_classes: set[str] = set()
        for el in root.iter(etree.Element):  # elements only: comments and PIs skipped in C
            tag = el.tag
            names = el.keys()  # lxml attribute names
            if not names:  # most elements: only a tag selector can match
                if tag not in by_tag:
                    continue
                classes = no_classes
                cands = list(by_tag[tag])
            else:
                ident = el.get("id")
                raw = el.get("class")
                classes = set(raw.split()) if raw else no_classes
                cands = []
                if ident and ident in by_id:
                    cands.extend(by_id[ident])
                for c in classes:
                    if c in by_class:
                        cands.extend(by_class[c])
                if tag in by_tag:
                    cands.extend(by_tag[tag])
                if by_attr:
                    for name in names:
                        if name in by_attr:
                            cands.extend(by_attr[name])
            hit: set[int] = set()
            for sel in cands:
                if sel.concept in enabled and sel.concept not in hit and sel.matches(el, classes):
                    hit.add(sel.concept)
                    found[sel.concept].append(el)
        for i in enabled:
            xp = self.concepts[i].descendant_xpath
            if xp is not None:
                known = set(found[i])
                extra = [e for e in xp(root) if e not in known]
                if extra:
                    order = {e: n for n, e in enumerate(root.iter())}
                    found[i] = sorted(found[i] + extra, key=lambda e: order.get(e, 0))
        return found


_SIMPLE_RE = re.compile(
    r"""
    (?P<tag>[a-zA-Z][\w-]*|\*)?
    (?P<rest>(?:\.[\w-]+|\#[\w-]+|\[[\w:-]+(?:~?=(?:"[^"]*"|'[^']*'|[\w-]+))?\])*)
    $""",
    re.VERBOSE,
)
_PART_RE = re.compile(r"""\.([\w-]+)|\#([\w-]+)|\[([\w:-]+)(?:(~?=)("[^"]*"|'[^']*'|[\w-]+))?\]""")


def _parse_compound(
    step: str, selector: str
) -> tuple[str | None, list[tuple[str, str, str, str, str]]]:
    m = _SIMPLE_RE.match(step)
    if not m or not step:
        raise ValueError(f"unsupported selector {selector!r}")
    tag = m["tag"].lower() if m["tag"] and m["tag"] != "*" else None
    parts = _PART_RE.findall(m["rest"])
    if "".join(p[0] or p[1] or p[2] for p in parts) == "" and tag is None:
        raise ValueError(f"unsupported selector {selector!r}")
    return tag, parts


def _xpath_literal(value: str) -> str:
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    parts = value.split("'")
    return "concat(" + ', "\'", '.join(f"'{p}'" for p in parts) + ")"


def _token_test(attr: str, token: str) -> str:
    return f"contains(concat(' ', normalize-space(@{attr}), ' '), {_xpath_literal(f' {token} ')})"


def css_to_xpath(selector: str) -> str:
    """Translate one selector of the supported subset to an XPath (descendant-or-self axis).
    Raises ValueError on anything outside the subset, so a typo in the TOML fails loudly."""
    steps = selector.split()
    if not steps:
        raise ValueError("empty selector")
    out = []
    for i, step in enumerate(steps):
        tag, parts = _parse_compound(step, selector)
        preds = []
        for cls, ident, attr, op, raw in parts:
            if cls:
                preds.append(_token_test("class", cls))
            elif ident:
                preds.append(f"@id={_xpath_literal(ident)}")
            else:
                value = raw[1:-1] if raw[:1] in "\"'" else raw
                if not op:
                    preds.append(f"@{attr}")
                elif op == "=":
                    preds.append(f"@{attr}={_xpath_literal(value)}")
                else:
                    preds.append(_token_test(attr, value))
        axis = "descendant-or-self::" if i == 0 else "descendant::"
        out.append(axis + (tag or "*") + "".join(f"[{p}]" for p in preds))
    return "/".join(out)


def _compile_simple(selector: str, concept: int) -> _Simple:
    tag, parts = _parse_compound(selector, selector)
    classes, ident, attrs = set(), None, []
    for cls, idv, attr, op, raw in parts:
        if cls:
            classes.add(cls)
        elif idv:
            ident = idv
        else:
            value = raw[1:-1] if raw[:1] in "\"'" else raw
            attrs.append((attr.lower(), op or None, value if op else None))
    return _Simple(concept, tag, frozenset(classes), ident, tuple(attrs))


def load_selectors(path: str | Path | None = None) -> SelectorSet:
    """Read and compile a selectors file (default: html_selectors.toml next to this module)."""
    return _load_selectors(str(path or SELECTORS_PATH))


@lru_cache(maxsize=8)
def _load_selectors(path: str) -> SelectorSet:
    with open(path, "rb") as f:
        data = tomllib.load(f)
    concepts: list[_Concept] = []
    by_id: dict[str, list[_Simple]] = {}
    by_class: dict[str, list[_Simple]] = {}
    by_tag: dict[str, list[_Simple]] = {}
    by_attr: dict[str, list[_Simple]] = {}
    for name, spec in data.get("concepts", {}).items():
        selectors = tuple(spec.get("selectors") or ())
        if not selectors:
            continue
        index = len(concepts)
        nested = [s for s in selectors if len(s.split()) > 1]
        for sel in selectors:
            if len(sel.split()) > 1:
                css_to_xpath(sel)  # validate
                continue
            simple = _compile_simple(sel, index)
            if simple.ident is not None:
                by_id.setdefault(simple.ident, []).append(simple)
            elif simple.classes:
                by_class.setdefault(min(simple.classes), []).append(simple)
            elif simple.tag is not None:
                by_tag.setdefault(simple.tag, []).append(simple)
            elif simple.attrs:
                by_attr.setdefault(simple.attrs[0][0], []).append(simple)
            else:
                raise ValueError(f"selector {sel!r} needs a tag, class, id or attribute")
        concepts.append(
            _Concept(
                name=name,
                selectors=selectors,
                max_share=float(spec.get("max_share", 0.5)),
                min_chars=int(spec.get("min_chars", 0)),
                option=spec.get("option"),
                keep_if_contains=tuple(spec.get("keep_if_contains", ())),
                requires=(
                    etree.XPath(" | ".join(css_to_xpath(r) for r in spec["requires"]))
                    if spec.get("requires")
                    else None
                ),
                widen_below=int(spec.get("widen_below", 0)),
                descendant_xpath=(
                    etree.XPath(" | ".join(css_to_xpath(s) for s in nested)) if nested else None
                ),
            )
        )
    return SelectorSet(
        concepts=tuple(concepts),
        by_id={k: tuple(v) for k, v in by_id.items()},
        by_class={k: tuple(v) for k, v in by_class.items()},
        by_tag={k: tuple(v) for k, v in by_tag.items()},
        by_attr={k: tuple(v) for k, v in by_attr.items()},
    )


# --------------------------------------------------------------------------------------------
# helpers


def sanitize_html(html: str, max_chars: int) -> tuple[str, bool]:
    """Drop C0 control characters (NUL...) and U+FFFE/U+FFFF, cap the length.
    Returns (html, truncated)."""
    truncated = len(html) > max_chars
    if truncated:
        html = html[:max_chars]
    if UNSAFE_CHARS.search(html) is None:  # the usual case: a scan without building a copy
        return html, truncated
    return UNSAFE_CHARS.sub("", html), truncated


# trafilatura's parser settings, but every element gets lxml.html's HtmlElement class through
# lxml's C-level default lookup instead of lxml.html's Python `lookup` method, which runs on
# every element proxy lxml creates (ours and trafilatura's walks over the tree): -2 ms/page,
# identical output on the dev set (trafilatura uses no form-specific element class)
_PARSER = HTMLParser(
    collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True,
    remove_pis=True,
)  # fmt: skip
_PARSER.set_element_class_lookup(
    etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
)


def load_html(html: str) -> Any:
    """trafilatura.utils.load_html for a sanitised str, with `_PARSER`: the same repairs. Where
    trafilatura rejects a document without "html" in its first 50 characters and with fewer than
    two top-level elements (its test for input that is no HTML at all), the input is parsed as a
    whole document: ours is HTML by its file type or field, and such fragments (a JSONL `html`
    field holding one <article>, a saved <div> snippet, plain text saved as .html) are pages
    like any other, their content in the <body> libxml2 implies (unless they are binary data
    decoded as text, `_looks_binary`). None when lxml cannot parse it."""
    beginning = html[:50].lower()
    # trafilatura's repair_faulty_html, minus its control-character pass (sanitize_html did it)
    if "doctype" in beginning:  # libxml2/lxml issue: https://bugs.launchpad.net/lxml/+bug/1955915
        first, _, rest = html.partition("\n")
        html = DOCTYPE_TAG.sub("", first, count=1) + "\n" + rest
    for line in html[:4096].splitlines()[:4]:  # self-closing <html/> in the first lines
        if "<html" in line and line.endswith("/>"):
            html = FAULTY_HTML.sub(r"\1>", html, count=1)
            break
    html = _reopen_body(html)
    tree = None
    fallback = False
    try:
        tree = _html_fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, fallback = _parse_bytes(html), True
    except Exception:  # trafilatura logs and goes on
        tree = None
    if (tree is None or len(tree) < 1) and not fallback:
        tree = _parse_bytes(html)
    if tree is not None and "html" not in beginning and len(tree) < 2:
        # lxml returned the fragment's one element (or a <body> renamed <div>/<span>, holding
        # one element and text): the document around it instead, with its <body> intact;
        # unless it is binary data decoded as text, which is all one text node
        tree = None if _looks_binary(html) else _parse_document(html)
    return tree


# C1 controls (bytes 0x80-0x9f decoded as Latin-1) and U+FFFD (undecodable bytes): binary data
# read as text. The C0 controls are gone by now (sanitize_html).
_BINARY_CHARS = re.compile("[\x80-\x9f\ufffd]")


def _looks_binary(html: str) -> bool:
    """Over 10% of the first 8,192 characters are what binary data decoded as text is full of
    (the readers' test for bytes, `looks_binary`, uses the same share)."""
    head = html[:8192]
    return len(_BINARY_CHARS.findall(head)) * 10 > len(head)


def _parse_document(html: str) -> Any:
    """`html` parsed as a whole document: the <html> root, with the <head> and <body> libxml2
    implies, whatever the input's top-level elements. None when lxml cannot parse it."""
    try:
        return _document_fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        return _parse_bytes(html, _document_fromstring)
    except Exception:
        return None


# More attributes than this on one start tag are a flood, never markup: libxml2 checks each new
# attribute against all the earlier ones of its element (quadratic: 10,000 attributes parse in
# 0.1 s, 50,000 in 2.6 s, 200,000 in over a minute, one C call). Real tags have a few dozen.
_MAX_ATTRIBUTES = 2000
_FLOOD_SAMPLE = 200  # characters of a cut tag kept in its Removal
# HTML5 tokenizer: attributes are separated by whitespace or "/" (or follow a quoted value
# directly); a name runs to whitespace, "/", ">" or "="; a value is quoted or runs to whitespace
# or ">". Atomic groups and possessive quantifiers: no backtracking, linear in the tag's length.
_WS = r"\t\n\f\r "
_ATTRIBUTE = (
    rf"(?>[{_WS}/]*+[^{_WS}/>][^{_WS}/>=]*+"
    rf"""(?:[{_WS}]*+=[{_WS}]*+(?:"[^"]*+"?|'[^']*+'?|[^{_WS}>]*+))?+)"""
)
_START_TAG = re.compile(rf"<([A-Za-z][^{_WS}/>]*+)(?:{_ATTRIBUTE})*+[{_WS}/]*+>?")
_FLOOD = re.compile(rf"<[A-Za-z][^{_WS}/>]*+(?:{_ATTRIBUTE}){{{_MAX_ATTRIBUTES + 1}}}")
_TAG_OPEN = re.compile(r"<[A-Za-z]")
# comments and the elements whose content the parser reads as text: a "<" in them opens no tag
_TEXT_ELEMENTS = (
    "script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes", "plaintext"
)  # fmt: skip
_NOT_MARKUP = re.compile(rf"<!--|<({'|'.join(_TEXT_ELEMENTS)})(?=[{_WS}/>])", re.IGNORECASE)
_TEXT_END = {name: re.compile(f"</{name}", re.IGNORECASE) for name in _TEXT_ELEMENTS}


def _not_markup_end(html: str, opener: re.Match[str]) -> int:
    """Where the comment or text element `opener` starts ends (len(html) when it does not)."""
    if opener[1] is None:
        end = html.find("-->", opener.end())
        return len(html) if end < 0 else end + 3
    closer = _TEXT_END[opener[1].lower()].search(html, opener.end())
    return len(html) if closer is None or opener[1].lower() == "plaintext" else closer.end()


def _separated(html: str, start: int, end: int, more_than: int) -> bool:
    """Whether html[start:end] has over `more_than` characters that could end an attribute:
    whitespace, "/" (separators) and "=" (a quoted value may end one without a separator).
    Each attribute after the first needs one."""
    found = 0
    for char in " =/\n\t\r\f":  # most common first: a text or JSON run stops at spaces
        found += html.count(char, start, end)
        if found > more_than:
            return True
    return False


def _cut_attribute_floods(html: str) -> tuple[str, list[Removal]]:
    """`html` with every start tag of over `_MAX_ATTRIBUTES` attributes cut down to its bare
    name (the element and its content stay), and a Removal for each cut tag.

    Such a tag is over 2 x `_MAX_ATTRIBUTES` characters long (an attribute takes at least two),
    so it holds a whole window of `_MAX_ATTRIBUTES` characters without ">", unless it hides ">"
    in quoted values. Only such windows are looked for, with str.find (C speed, stopping at the
    first ">"): ~10 us for a 100 KB page. A window without ">" (a long paragraph, script, JSON
    or attribute value: on about half the pages) is looked at once, with the run of characters
    without ">" around it: when a start tag opens in that run (not inside a script, style or
    comment) with enough whitespace, "/" and "=" after it to part that many attributes, a regex
    reads the tag to its end and counts its attributes. Each character is scanned a bounded
    number of times: linear, under 1 ns per character on the dev set's worst pages.
    A tag that puts a ">" inside a quoted value at least every `_MAX_ATTRIBUTES` characters
    escapes the check: that takes crafting, not a broken page or a fuzzer."""
    size = len(html)
    window = _MAX_ATTRIBUTES
    if size <= 2 * window:
        return html, []
    find = html.find
    pieces: list[str] = []
    removed: list[Removal] = []
    copied = 0  # html[:copied] is in pieces (once a tag was cut)
    outside = 0  # no comment or text element is open at html[outside]
    pos = 0
    while pos + window <= size:
        if find(">", pos, pos + window) >= 0:
            pos += window
            continue
        start = max(html.rfind(">", copied, pos) + 1, copied)
        end = find(">", pos + window)
        end = size if end < 0 else end
        less = find("<", start, end)  # none: JSON, base64, plain text (the usual case)
        opened = _TAG_OPEN.search(html, less, end) if less >= 0 else None
        if opened is None:
            pos = end + 1
            continue
        if not _separated(html, opened.start(), end, window):
            pos = end + 1  # too few to part thousands of attributes: script, text, a URL list
            continue
        # inside a script, style, comment...? (read forward from `outside`: each once)
        while (opener := _NOT_MARKUP.search(html, outside, opened.start())) is not None:
            outside = _not_markup_end(html, opener)
            if outside > opened.start():
                break
        if outside > opened.start():
            pos = max(outside, end + 1)
            continue
        tag = _START_TAG.match(html, opened.start())  # always matches: "<" and a letter
        assert tag is not None
        # the next window starts after the tag (with ">" in quoted values it may end after
        # `end`): no tag is read twice
        pos = outside = max(tag.end(), end + 1)
        if tag.end() - tag.start() <= 2 * window or not _FLOOD.match(html, tag.start(), tag.end()):
            continue
        pieces += (html[copied : tag.start()], f"<{tag[1]}>")
        removed.append(
            Removal(
                rule="html.attribute_flood",
                text=f"{tag[0][:_FLOOD_SAMPLE]} ... ({len(tag[0]):,} characters, over"
                f" {_MAX_ATTRIBUTES:,} attributes)",
                line=None,
            )
        )
        copied = tag.end()
    if not removed:
        return html, []
    pieces.append(html[copied:])
    return "".join(pieces), removed


_END_TAGS = ("</body", "</html", "</BODY", "</HTML", "</Body", "</Html")
_END_TAG_RE = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
_MARKUP_RE = re.compile(r"<[^>]*>|&\w+;|\s+")
_TAIL_CHARS = 2000  # end tags within this much of the end are where they belong
_REOPEN_MIN_CHARS = 200  # text after a premature end tag worth reopening the body for


def _reopen_body(html: str) -> str:
    """Drop premature </body> and </html> end tags. Browsers put whatever follows them into the
    body (HTML5 parsing: "after body" content is reprocessed in body); libxml2 drops it, and
    with it the whole article of pages that close their header template's document early.
    Only done when at least `_REOPEN_MIN_CHARS` of text follow the first such tag."""
    cut = len(html) - _TAIL_CHARS
    first = min((i for tag in _END_TAGS if (i := html.find(tag, 0, max(cut, 0))) >= 0), default=-1)
    if first < 0 or len(_MARKUP_RE.sub("", html[first:])) < _REOPEN_MIN_CHARS:
        return html
    return _END_TAG_RE.sub("", html)


def _parse_bytes(html: str, fromstring: Any = _html_fromstring) -> Any:
    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:
        return None


def _collapse(text: str) -> str:
    """Whitespace runs to one space, ends trimmed (str.split's whitespace is regex \\s)."""
    return " ".join(text.split())


def _body(tree: Any) -> Any:
    """The <body> element, or the tree itself when it is the body or has none."""
    if tree.tag == "body":
        return tree
    body = tree.find(".//body")
    return tree if body is None else body


def visible_text(tree: Any, *, structural: bool = True) -> str:
    """The text a reader would see in <body>, one line per block, scripts and styles left out;
    with `structural`, navigation, header, footer, aside and forms are left out too.
    Iterative on depth (no recursion limit on deep pages)."""
    skip = _INVISIBLE if structural else _HIDDEN
    body = _body(tree)
    out: list[str] = []
    # explicit stack instead of recursion: 20,000 nested divs must not hit the recursion limit
    stack: list[tuple[Any, int]] = [(body, 0)]
    while stack:
        el, state = stack.pop()
        if state == 1:  # closing
            if el.tag in _BLOCK:
                out.append("\n")
            if el.tail:
                out.append(el.tail)
            continue
        tag = el.tag if isinstance(el.tag, str) else ""
        if not tag or tag in skip:
            if el.tail and el is not body:
                out.append(el.tail)
            continue
        if tag in _BLOCK:
            out.append("\n")
        elif tag in _CELL:
            out.append(" ")
        if el.text:
            out.append(el.text)
        stack.append((el, 1) if el is not body else (_NoTail(el.tag), 1))
        stack.extend((child, 0) for child in reversed(el))
    lines = (_collapse(line) for line in "".join(out).split("\n"))
    return "\n".join(line for line in lines if line)


class _NoTail:
    """Stand-in for the root on the stack: closing it adds no tail text."""

    __slots__ = ("tag",)

    def __init__(self, tag: Any) -> None:
        self.tag = tag

    @property
    def tail(self) -> None:
        return None


_STRING_LENGTH = etree.XPath("string-length(normalize-space(.))")
_INVISIBLE_TAGS = tuple(sorted(_INVISIBLE))


def visible_length(tree: Any) -> int:
    """About len(visible_text(tree)) (within a few percent: block boundaries are not counted as
    separators), from lxml's C string functions: ~4x faster. For the share tests, which only
    need the length."""
    body = _body(tree)
    length = _STRING_LENGTH(body)
    for el in body.iter(*_INVISIBLE_TAGS):
        if el is not body and next(el.iterancestors(*_INVISIBLE_TAGS), None) is None:
            length -= _STRING_LENGTH(el)
    return max(int(length), 0)


def _resolve_noframes(tree: Any) -> None:
    """<noframes> content is raw text to libxml2: its markup would be published as text.
    Browsers never show it (they all do frames), so it is dropped, keeping its tail, unless the
    page shows nothing else: a frameset page (its frames are other documents) or a body with no
    visible text outside it. Then the noframes content, often the site's text for browsers
    without frames and search engines, is parsed as HTML and becomes the page's body content.
    Costs nothing on other pages: lxml knows from the document's name dictionary that no
    element is named noframes."""
    found = list(tree.iter("noframes"))
    if not found:
        return
    sources = [el.text or "" for el in found]
    for el in found:
        _drop(el)
    if visible_length(tree):
        return
    doc = _parse_document("\n".join(sources))
    content = doc.find("body") if doc is not None else None
    if content is None or (not len(content) and not (content.text or "").strip()):
        return
    body = tree if tree.tag == "body" else tree.find(".//body")
    if body is None:  # a frameset page: the parsed body follows the frameset
        tree.append(content)
        return
    if len(body):
        body[-1].tail = (body[-1].tail or "") + (content.text or "")
    else:
        body.text = (body.text or "") + (content.text or "")
    body.extend(list(content))


# never article text, and dropped by trafilatura's own cleaning anyway: removing them once, up
# front, spares our walks and trafilatura's several tree copies and raw-tree XPath passes
_INERT = ("style", "svg", "noscript", "link", "meta")
_LD_JSON = "application/ld+json"


def strip_inert(tree: Any) -> None:
    """Remove scripts (but JSON-LD: trafilatura reads it for `articleBody` and forum pages),
    styles, SVG, noscript, link and meta elements in place, keeping their tail text."""
    scripts = [s for s in tree.iter("script") if (s.get("type") or "").strip().lower() != _LD_JSON]
    for el in scripts:
        _drop(el)
    etree.strip_elements(tree, *_INERT, with_tail=False)


def _normalise_lang(value: str | None) -> str | None:
    if not value:
        return None
    m = _LANG_RE.match(value.strip().lower())
    return m.group(1) if m else None


def _html_lang(tree: Any) -> str | None:
    root = tree.getroottree().getroot()
    for key in ("lang", "{http://www.w3.org/XML/1998/namespace}lang", "xml:lang"):
        if lang := _normalise_lang(root.get(key)):
            return lang
    for meta in tree.iterfind(".//meta[@http-equiv]"):
        if meta.get("http-equiv", "").lower() == "content-language":
            return _normalise_lang((meta.get("content") or "").split(",")[0])
    return None


def _canonical(tree: Any, url: str | None) -> str | None:
    for link in tree.iterfind(".//link[@rel]"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            href = link.get("href").strip()
            absolute = urljoin(url, href) if url else href
            if urlsplit(absolute).scheme in ("http", "https"):
                return absolute
    return None


def _split_authors(value: str | None) -> list[str]:
    if not value:
        return []
    seen: dict[str, None] = {}
    for part in re.split(r"\s*;\s*", value):
        part = _collapse(part)
        if part and part.lower() not in {a.lower() for a in seen}:
            seen[part] = None
    return list(seen)


# --- authors from the page itself (when neither meta tags nor JSON-LD name one) ---------------
# Replaces trafilatura's extract_author (a deep copy of the tree and three regex XPath scans:
# ~8 ms on the pages that need it). Candidates, best tier first, first valid one in document
# order wins: 0 `itemprop~=author` (its `itemprop=name` part when it has one) and `rel~=author`;
# 1-3 class tokens read as words (`authorName_1r0t6` -> author, name): see _author_token_tier.
# Never inside comments (or a comment form), never an author box's bio: the text must be short.
_AUTHOR_CANDIDATES = etree.XPath(
    "//body//*[contains(@class, 'uthor') or contains(@class, 'yline') or contains(@rel, 'author')"
    " or contains(@itemprop, 'author') or contains(@class, 'posted-by')]"
)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_SEGMENT_SPLIT = re.compile(r"[-_]+")
# CSS-module hash suffixes: Author_author__4ceOm, _authorName_1r0t6_51, Author_wrapper__TpbI2
_MODULE_SUFFIX = re.compile(
    r"(?:_{1,2}(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{1,8}|__(?=[a-z]*[A-Z])[A-Za-z]{5,6})+$"
)
_AUTHOR_WORDS = frozenset({"author", "authors", "byline", "bylines"})
_AUTHOR_PARTS = frozenset({"link", "container", "wrapper", "wrap", "block", "line"})
_AUTHOR_SKIP_WORDS = frozenset({"comment", "comments", "respond", "sidebar", "related", "widget"})
_AUTHOR_SKIP_TAGS = frozenset(
    {"input", "label", "textarea", "form", "img", "meta", "link", "button"}
)
_AUTHOR_CUT = re.compile(
    r"\s*(?:[|•·—–\n]|\b(?:updated|published|posted|last\s+updated|reviewed|fact[- ]checked|"
    r"on\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d)\b|\d).*$",
    re.I | re.S,
)
_AUTHOR_LEAD = re.compile(
    r"^\s*(?:(?:written|posted|authored|article|story|recipe|words|text|reported)\s+by|by|author|"
    r"authors|von|par|por|door|di)\b\s*[:\-]?\s*",
    re.I,
)
_AUTHOR_TRAILING = re.compile(r"\s+(?:on|at|in|am|le|el|the)$", re.I)
_AUTHOR_BY = re.compile(r"\b(?:[Bb]y|BY)\s+(?=[A-Z])")
_AUTHOR_GENERIC = frozenset(
    {
        "author", "authors", "by", "written by", "the author", "name", "about the author",
        "about", "admin", "administrator", "guest", "anonymous", "unknown", "staff", "editor",
        "view all posts", "view more posts", "more posts", "posts", "profile", "read more",
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov",
        "dec", "january", "february", "march", "april", "june", "july", "august", "september",
        "october", "november", "december",
    }
)  # fmt: skip


def _dom_author(tree: Any) -> str | None:
    """The author named on the page (see above), normalised by trafilatura's normalize_authors
    ("By Jane Doe and John Roe" -> "Jane Doe; John Roe"), or None."""
    best: tuple[int, str] | None = None
    for el in _AUTHOR_CANDIDATES(tree):
        tier = _author_tier(el)
        if tier is None or (best is not None and tier >= best[0]):
            continue
        if el.tag in _AUTHOR_SKIP_TAGS or _in_skipped_region(el, tier == 0):
            continue
        if tier == 0 and "author" in (el.get("itemprop") or "").split():
            named = el.find(".//*[@itemprop='name']")
            name = _author_name(named) if named is not None else None
        else:
            name = None
        if name is not None or (name := _author_name(el)) is not None:
            best = (tier, name)
            if tier == 0:
                break
    return best[1] if best else None


def _author_tier(el: Any) -> int | None:
    if "author" in (el.get("itemprop") or "").split() or "author" in (el.get("rel") or "").split():
        return 0
    best = None
    for token in (el.get("class") or "").split():
        tier = _author_token_tier(token)
        if tier is not None and (best is None or tier < best):
            best = tier
    return best


@lru_cache(maxsize=4096)
def _author_token_tier(token: str) -> int | None:
    """1: a class token ending in the author's name (`author-name`, `byline__name`,
    `authorName_1r0t6`); 2: ending in the author or byline (`post-author`, `article-meta__author`,
    `story-byline`, `posted-by`); 3: ending in a part of one (`author-link`, `byline-wrapper`).
    Comment authors never: `comment-author`, `bypostauthor` (one word) do not qualify."""
    token = _MODULE_SUFFIX.sub("", token)
    words = [w.lower() for w in _SEGMENT_SPLIT.split(_CAMEL.sub("-", token)) if w]
    if not words or "comment" in words or "comments" in words:
        return None
    if words[-2:] in (["by", "line"], ["posted", "by"], ["written", "by"]):
        return 2
    if len(words) >= 2 and words[-1] in ("name", "names") and words[-2] in _AUTHOR_WORDS:
        return 1
    if words[-1] in _AUTHOR_WORDS:
        return 2
    if len(words) >= 2 and words[-1] in _AUTHOR_PARTS and words[-2] in _AUTHOR_WORDS:
        return 3
    return None


def _in_skipped_region(el: Any, marked: bool = False) -> bool:
    """Inside an aside (unless `marked`: rel/itemprop author), a form, or an element whose id or
    a class token has one of the words of _AUTHOR_SKIP_WORDS (`comment-list`, `sidebar`,
    `related-posts`); <body>'s own classes (`has-sidebar`, `comments-open`) say nothing about
    the element."""
    for anc in el.iterancestors():
        tag = anc.tag
        if tag == "form" or (tag == "aside" and not marked):
            return True
        if tag in ("body", "html"):
            return False
        for mark in (anc.get("id"), anc.get("class")):
            if mark and any(_skip_token(t) for t in mark.split()):
                return True
    return False


@lru_cache(maxsize=4096)
def _skip_token(token: str) -> bool:
    words = _SEGMENT_SPLIT.split(_CAMEL.sub("-", token).lower())
    return any(w in _AUTHOR_SKIP_WORDS for w in words)


_AUTHOR_TEXT_SKIP = frozenset({"time", "script", "style", "svg", "button"})


def _author_text(el: Any) -> str:
    """The element's text without dates (<time>) and scripts."""
    parts = [el.text or ""]
    for sub in el:
        if isinstance(sub.tag, str) and sub.tag not in _AUTHOR_TEXT_SKIP:
            parts.append(_author_text(sub))
        parts.append(sub.tail or "")
    return " ".join(parts)


def _author_name(el: Any) -> str | None:
    if len(el.text_content()) > 2000:  # an author box with a bio, a whole header
        return None
    raw = _collapse(_author_text(el))
    if not 2 < len(raw) < 120:
        return None
    lead = _AUTHOR_LEAD.match(raw)
    if lead is not None:
        raw = raw[lead.end() :]
    elif (by := _AUTHOR_BY.search(raw)) is not None:  # "Updated 2 May ... By Jane Doe"
        raw = raw[by.end() :]
    raw = _AUTHOR_TRAILING.sub("", _AUTHOR_CUT.sub("", raw))
    if not raw or raw.lower().strip(" :") in _AUTHOR_GENERIC:
        return None
    names = normalize_authors(None, raw)
    if not names:
        return None
    kept = [
        n for n in names.split("; ")
        if n.lower() not in _AUTHOR_GENERIC and 1 <= len(n.split()) <= 5 and any(c.isalpha() for c in n)
    ]  # fmt: skip
    return "; ".join(kept) or None


def _metadata(tree: Any, url: str | None, extensive: bool) -> Any:
    """trafilatura's `extract_metadata` without what we never use (categories, tags, licence,
    hostname): those scans of the whole tree were over a third of its time (8.0 -> 5.1 ms/page,
    same six fields on all 793 dev pages). Same steps, same
    order, same trafilatura helpers otherwise (trafilatura is pinned)."""
    meta = _tmeta.examine_meta(tree)
    if meta.author and " " not in meta.author:
        meta.author = None
    with suppress(Exception):  # bugs in trafilatura's json_metadata.py: ignored, as it does
        meta = _tmeta.extract_meta_json(tree, meta)
    if not meta.title:
        meta.title = _tmeta.extract_title(tree)
    if not meta.author:
        meta.author = _dom_author(tree)
    if not meta.url:
        meta.url = _tmeta.extract_url(tree, url)
    date_config = _tmeta.set_date_params(extensive)
    date_config["url"] = meta.url
    meta.date = _tmeta.find_date(tree, **date_config)
    if not meta.sitename:
        meta.sitename = _tmeta.extract_sitename(tree)
    if meta.sitename:
        meta.sitename = meta.sitename.lstrip("@")
        if meta.sitename and "." not in meta.sitename and not meta.sitename[0].isupper():
            meta.sitename = meta.sitename.title()
    elif meta.url and (m := _tmeta.META_URL.match(meta.url)):
        meta.sitename = m[1]
    meta.clean_and_trim()
    return meta


# --------------------------------------------------------------------------------------------
# time bound


@contextmanager
def _deadline(seconds: float | None) -> Iterator[None]:
    """Arm SIGALRM for `seconds` when possible (main thread, POSIX); otherwise do nothing."""
    if (
        seconds is None
        or seconds <= 0
        or not hasattr(signal, "setitimer")
        or threading.current_thread() is not threading.main_thread()
    ):
        yield
        return

    def _on_alarm(signum: int, frame: object) -> None:
        raise _Deadline

    previous = signal.signal(signal.SIGALRM, _on_alarm)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_delay:  # re-arm an outer timer with what is left of it
            remaining = max(old_delay - (time.monotonic() - started), 0.001)
            signal.setitimer(signal.ITIMER_REAL, remaining, old_interval)


# --------------------------------------------------------------------------------------------
# pruning


def prune_tree(
    tree: Any, selectors: SelectorSet, options: HtmlOptions, page_chars: int | None = None
) -> list[Removal]:
    """Remove the elements matched by each enabled concept, in place; return what went.
    Concepts apply in file order; an element inside an already pruned one is skipped.
    `page_chars` (the page's text length for the max_share guard, `_guard_chars`) is computed on
    first need when not given."""
    enabled = {
        i for i, c in enumerate(selectors.concepts)
        if not c.option or getattr(options, c.option, False)
    }  # fmt: skip
    found = selectors.matches(tree, enabled)
    root = tree.getroottree().getroot()
    removed: list[Removal] = []
    for i, concept in enumerate(selectors.concepts):
        for el in found.get(i, ()):
            if el.getparent() is None or el.tag in ("html", "body"):
                continue
            if not _attached(el, root):  # inside an element pruned before
                continue
            if concept.keep_if_contains and any(
                el.find(f".//{tag}") is not None for tag in concept.keep_if_contains
            ):
                continue
            if concept.requires is not None and not concept.requires(el):
                continue
            text = _collapse(el.text_content())
            if len(text) < concept.min_chars:
                continue
            if concept.widen_below:
                el, text = _widen(el, text, concept.widen_below)
            if concept.max_share < 1.0 and len(text) > 200:
                if page_chars is None:
                    page_chars = _guard_chars(tree)
                if len(text) > concept.max_share * page_chars:
                    continue  # a rule class on the article wrapper: keep the article
            removed.append(Removal(rule=f"html.prune.{concept.name}", text=text, line=None))
            _drop(el)
    return removed


def _guard_chars(tree: Any) -> int:
    """The page's text for the max_share guard: its visible text (`visible_length`), or all of
    the body's text when that visible text is under a quarter of it. Markup that wraps the whole
    page in a <header>, <form> or <aside> (unclosed header tags, ASP.NET's page-wide form) leaves
    almost no visible text, and every rule would then count as holding the whole page."""
    total = int(_STRING_LENGTH(_body(tree)))
    visible = visible_length(tree)
    return visible if visible * 4 >= total else total


_STRUCTURAL = frozenset({"html", "body", "main", "article"})
_LIBXML2_MAX_DEPTH = 255  # lxml's HTML parser gives up at this depth without XML_PARSE_HUGE


def _max_depth(tree: Any) -> int:
    deepest = 0
    stack = [(tree, 0)]
    while stack:
        el, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in el)
    return deepest


def _widen(el: Any, text: str, below: int) -> tuple[Any, str]:
    """The parent of `el` when it is only a wrapper (a heading and a line of text around a
    signup form): it adds fewer than `below` characters and holds no long paragraph."""
    parent = el.getparent()
    if parent is None or parent.tag in _STRUCTURAL:
        return el, text
    parent_text = _collapse(parent.text_content())
    if len(parent_text) - len(text) >= below:
        return el, text
    if any(len(_collapse(p.text_content())) > below for p in parent.iter("p")):
        return el, text
    return parent, parent_text


def _attached(el: Any, root: Any) -> bool:
    top = el
    for top in el.iterancestors():  # noqa: B007 - the last ancestor is what we want
        pass
    return top is root


def _drop(el: Any) -> None:
    if isinstance(el, HtmlElement):
        el.drop_tree()  # keeps the tail text
        return
    parent = el.getparent()
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


# --------------------------------------------------------------------------------------------
# main entry point


def extract_html(
    html: str,
    *,
    url: str | None = None,
    options: HtmlOptions | None = None,
    sanitized: bool = False,
) -> HtmlResult:
    """Extract the main text and metadata of one HTML page. See the module docstring.
    `sanitized`: the caller vouches that `html` is free of what `UNSAFE_CHARS` matches (the
    text of a cleaners.readers record is): the scan for it (~0.5 ms per page) is skipped.

    Raises HtmlExtractionError(reason=malformed | no_content | timeout)."""
    opts = options or HtmlOptions()
    started = time.monotonic()
    try:
        with _deadline(opts.timeout):
            return _extract(html, url, opts, started, sanitized)
    except _Deadline:
        raise HtmlExtractionError(
            RejectReason.TIMEOUT, f"extraction exceeded {opts.timeout:g}s"
        ) from None
    except RecursionError:
        raise HtmlExtractionError(RejectReason.MALFORMED, "document nested too deeply") from None


def _check_time(opts: HtmlOptions, started: float, step: str) -> None:
    if opts.timeout is not None and time.monotonic() - started > opts.timeout:
        raise HtmlExtractionError(
            RejectReason.TIMEOUT, f"extraction exceeded {opts.timeout:g}s ({step})"
        )


def _extract(
    html: str, url: str | None, opts: HtmlOptions, started: float, sanitized: bool
) -> HtmlResult:
    if isinstance(html, bytes):  # tolerated, but the contract is str
        html, sanitized = html.decode("utf-8", errors="replace"), False
    if sanitized:
        truncated = len(html) > opts.max_chars
        html = html[: opts.max_chars] if truncated else html
    else:
        html, truncated = sanitize_html(html, opts.max_chars)
    if not html.strip():
        raise HtmlExtractionError(RejectReason.NO_CONTENT, "empty document")
    html, floods = _cut_attribute_floods(html)
    try:
        tree = load_html(html)
    except (ValueError, TypeError, etree.ParserError) as err:
        raise HtmlExtractionError(RejectReason.MALFORMED, f"unparsable HTML: {err}") from None
    if tree is None:
        raise HtmlExtractionError(RejectReason.MALFORMED, "unparsable HTML")
    _resolve_noframes(tree)
    _check_time(opts, started, "parse")

    result = HtmlResult(text="", url=url, truncated=truncated, removed=floods)
    result.language_html = _html_lang(tree)
    canonical = _canonical(tree, url)
    if opts.with_metadata:
        meta = _metadata(tree, url, opts.date_extensive)
        result.title = meta.title or None
        result.authors = _split_authors(meta.author)
        result.date = parse_date(meta.date)
        result.sitename = meta.sitename or None
        result.description = meta.description or None
        canonical = canonical or meta.url
        _check_time(opts, started, "metadata")
    result.url = canonical or url
    result.host = host_of(url) or host_of(result.url)

    if opts.strip_inert:
        strip_inert(tree)
    if opts.prune:
        selectors = load_selectors(opts.selectors_path)
        result.removed.extend(prune_tree(tree, selectors, opts))

    page_len = (
        visible_length(tree)
        if opts.favor == "auto"
        or opts.recall_retry
        or opts.fallback
        or opts.compare_below is not None
        else 0
    )
    text, extractor = _main_text(tree, url, opts, page_len, started)

    if opts.fallback:
        text, extractor = _fallback(tree, text, extractor, opts, page_len)
        _check_time(opts, started, "fallback")

    if opts.dedupe_min_chars:
        text, dupes = dedupe_lines(text, opts.dedupe_min_chars)
        result.removed.extend(dupes)

    if opts.clean and text:
        cleaned = clean_text(
            text, language=result.language_html, host=result.host, from_extractor=True
        )
        text = cleaned.text.strip()
        result.removed.extend(cleaned.removed)
        result.title = result.title or cleaned.title
        if not result.authors and cleaned.author:
            result.authors = _split_authors(cleaned.author)
        result.date = result.date or cleaned.date

    if not text:
        if _max_depth(tree) >= _LIBXML2_MAX_DEPTH:
            raise HtmlExtractionError(
                RejectReason.MALFORMED,
                f"nested deeper than {_LIBXML2_MAX_DEPTH} levels: libxml2 stops parsing there",
            )
        raise HtmlExtractionError(RejectReason.NO_CONTENT, "no article text")
    result.text = text
    result.extractor = extractor
    return result


def _main_text(
    tree: Any, url: str | None, opts: HtmlOptions, page_len: int, started: float
) -> tuple[str, str]:
    """Steps 5-6 of the module docstring: trafilatura in the mode(s) `opts.favor` asks for.
    Returns (text, extractor)."""
    if opts.favor == "auto":
        # measured: trafilatura's recall mode alone is as good as balanced mode plus a recall
        # retry on most pages, in one pass instead of 1.3; where it picked a small block (a
        # summary box, a teaser list) over the article, balanced mode finds the article
        text = _trafilatura_pass(tree, url, opts, page_len, started, recall=True)
        extractor = "trafilatura_recall"
        if len(text) < opts.balanced_below * page_len:
            balanced = _trafilatura_pass(tree, url, opts, page_len, started, recall=False)
            if len(text) <= opts.recall_ratio * len(balanced):
                text, extractor = balanced, "trafilatura"
            _check_time(opts, started, "trafilatura balanced")
    else:
        text = _trafilatura_pass(tree, url, opts, page_len, started, recall=opts.favor == "recall")
        extractor = "trafilatura_recall" if opts.favor == "recall" else "trafilatura"
    if opts.recall_retry and opts.favor == "balanced" and len(text) < opts.recall_below * page_len:
        # measured: when trafilatura's recall mode finds more, it is usually article text that
        # the balanced mode cut (lists, tables, sections after an inline widget); when the
        # balanced text already covers most of the visible text, the second pass never helps
        recall = _trafilatura(tree, url, opts, recall=True, fast=opts.fast or opts.recall_fast)
        if len(recall) > opts.recall_ratio * len(text):
            text, extractor = recall, "trafilatura_recall"
        _check_time(opts, started, "trafilatura recall")
    return text, extractor


def _trafilatura_pass(
    tree: Any, url: str | None, opts: HtmlOptions, page_len: int, started: float, *, recall: bool
) -> str:
    """One trafilatura mode: with `fast=True`, then with its readability/justext comparison when
    that text is short (`compare_below`); the comparison always (None) or never (`fast`)."""
    if opts.fast or opts.compare_below is None:
        text = _trafilatura(tree, url, opts, recall=recall, fast=opts.fast)
    else:
        text = _trafilatura(tree, url, opts, recall=recall, fast=True)
        if len(text) < opts.compare_below * page_len or len(text) < opts.fallback_min_chars:
            _check_time(opts, started, "trafilatura")
            text = _trafilatura(tree, url, opts, recall=recall, fast=False)
    _check_time(opts, started, "trafilatura")
    return text


def dedupe_lines(text: str, min_chars: int) -> tuple[str, list[Removal]]:
    """Drop the repeats of a line of at least `min_chars` characters (compared whitespace- and
    case-insensitively): responsive pages carry the same block twice (mobile and desktop copies),
    and extractors pick up both. The removals carry `line=None`, like the DOM ones: line numbers
    are reserved for the text cleaner's removals, which refer to the deduplicated text."""
    seen: set[str] = set()
    kept: list[str] = []
    removed: list[Removal] = []
    for line in text.split("\n"):
        if len(line) < min_chars:  # collapsing never lengthens a line
            kept.append(line)
            continue
        key = _collapse(line).lower()
        if len(key) >= min_chars:
            if key in seen:
                removed.append(Removal(rule="html.duplicate_line", text=line.strip(), line=None))
                continue
            seen.add(key)
        kept.append(line)
    return "\n".join(kept), removed


def _trafilatura(tree: Any, url: str | None, opts: HtmlOptions, *, recall: bool, fast: bool) -> str:
    doc = bare_extraction(
        tree,  # bare_extraction copies a tree it is given: ours stays as pruned
        url=url,
        fast=fast,
        favor_precision=opts.favor == "precision",
        favor_recall=recall,
        include_comments=False,
        include_tables=opts.include_tables,
        with_metadata=False,
    )
    text = getattr(doc, "text", None) or ""
    return unicodedata.normalize("NFC", text).strip()


def _fallback(
    tree: Any, text: str, extractor: str, opts: HtmlOptions, page_len: int
) -> tuple[str, str]:
    """Trafilatura under-delivered (shorter than `fallback_min_chars` or than `fallback_ratio` of
    the pruned page's visible text): take trafilatura's baseline when it gives more. Still under
    `visible_ratio` of the visible text, or empty: the visible text itself (without page
    furniture, unless that leaves nothing)."""
    if len(text) >= opts.fallback_min_chars and len(text) >= opts.fallback_ratio * page_len:
        return text, extractor
    _, b_text, _ = baseline(tree)
    b_text = unicodedata.normalize("NFC", b_text or "").strip()
    if len(b_text) > len(text):
        text, extractor = b_text, f"{extractor}+fallback_baseline"
    page_text = visible_text(tree) if len(text) < opts.visible_ratio * page_len or not text else ""
    if page_text and len(text) < opts.visible_ratio * len(page_text):
        return page_text, "visible_text"
    if not text:
        page_text = page_text or visible_text(tree, structural=False)
        if page_text:
            return page_text, "visible_text"
    return text, extractor
