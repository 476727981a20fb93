"""Plain-text boilerplate removal. Public entry point: `clean_text`.

CONTRACT (other modules rely on it; keep the signature):
    clean_text(text, *, language=None, host=None, from_extractor=False, templates=None) -> TextResult

`from_extractor=True` means the text is already an extractor's main-content output (HTML path):
there is no headline/navigation around it, so only boilerplate rules apply and title detection
is skipped.

Every removed line is reported as a `Removal(rule="<concept>.<name>", text, line)` where `line`
is the 0-based index of the first removed line in `text` (a block's text is its non-blank lines
joined with newlines). Concepts, one module each with signatures as data in
`signatures/<concept>.toml`: social_embed, share, author_box, comments, newsletter, cookie, ads,
credits, related, cta, navigation. Then (scraped text only) `tail` (a comment/related/author/
disclaimer section after the body ends the article), `meta` (title/byline/date lines) and
`layout` (lines outside the main body region found by `classify.py`). With a
`templates.TemplateIndex`, lines learnt as a host's template go as `template.repeated_line`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cleaners.article import Removal


@dataclass(slots=True)
class TextResult:
    text: str
    removed: list[Removal] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    date: dt.date | None = None


def clean_text(
    text: str,
    *,
    language: str | None = None,
    host: str | None = None,
    from_extractor: bool = False,
    templates: object | None = None,
) -> TextResult:
    """Remove boilerplate lines from `text`, explaining each removal.

    `language` is an ISO code hint (signatures of all languages apply anyway; the hint picks the
    stop-word list), `host` selects the site's learnt template lines in `templates` (a
    `cleaners.text.templates.TemplateIndex`; other objects are rejected).
    """
    from cleaners.text import engine
    from cleaners.text.doc import Doc
    from cleaners.text.templates import TemplateIndex

    if templates is not None and not isinstance(templates, TemplateIndex):
        raise TypeError(f"templates must be a TemplateIndex, not {type(templates).__name__}")
    doc = Doc.from_text(text, language=language, host=host, from_extractor=from_extractor)
    out = engine.run(doc, templates)
    return TextResult(
        text="\n".join(out.kept),
        removed=out.removed,
        title=out.title,
        author=out.author,
        date=out.date,
    )


def clear_caches() -> None:
    """Forget what the process remembered about lines seen before (signature hits of short lines,
    date and byline parses). Results never depend on it; benchmarks call it between passes."""
    from cleaners.text import meta, signatures

    signatures.clear_memo()
    meta.clear_caches()


__all__ = ["TextResult", "clean_text", "clear_caches"]
