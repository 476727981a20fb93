"""`newsclean explain FILE`: a document with every kept and removed line marked, and the rule."""

from __future__ import annotations

from pathlib import Path

from cleaners.article import RawRecord, Reject, Removal
from cleaners.readers import read_records
from cleaners.text import clean_text

KEPT, REMOVED = "  ", "- "


def explain_text(text: str, removed: list[Removal]) -> list[str]:
    """Each input line, prefixed `  ` when kept or `- ` with its rule when removed."""
    lines = text.replace("\r\n", "\n").split("\n")
    rule_of_line: dict[int, str] = {}
    for removal in removed:
        if removal.line is None:
            continue
        span = max(1, removal.text.count("\n") + 1)
        for offset in range(span):
            rule_of_line.setdefault(removal.line + offset, removal.rule)
    width = max((len(rule) for rule in rule_of_line.values()), default=0)
    out = []
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        rule = rule_of_line.get(index)
        out.append(
            f"{REMOVED}[{rule:<{width}}] {line}"
            if rule
            else f"{KEPT}{' ' * (width + 3) if width else ''}{line}"
        )
    return out


def explain_record(record: RawRecord) -> list[str]:
    header = [
        f"== {record.source_path}"
        + (f":{record.record_index}" if record.record_index else "")
        + f" ({record.kind})"
    ]
    if record.kind == "html":
        from cleaners import html

        try:
            result = html.extract_html(record.content, url=record.url)
        except html.HtmlExtractionError as exc:
            return [*header, f"rejected: {exc.reason}: {exc.detail}"]
        dom = [r for r in result.removed if r.line is None]
        text_rules = [r for r in result.removed if r.line is not None]
        body = [
            f"title: {result.title or '-'}   authors: {', '.join(result.authors) or '-'}   date: {result.date or '-'}"
            f"   extractor: {result.extractor}",
            f"-- removed from the page before extraction ({len(dom)}):",
            *(f"{REMOVED}[{r.rule}] {' '.join(r.text.split())[:160]}" for r in dom),
            "-- extracted text, after the text rules:",
        ]
        # Line numbers of text removals refer to the extractor output before text cleaning.
        restored = _restore(result.text, text_rules)
        return [*header, *body, *explain_text(restored, text_rules)]
    cleaned = clean_text(record.content)
    title, author = record.title or cleaned.title, record.author or cleaned.author
    meta = f"title: {title or '-'}   author: {author or '-'}   date: {record.date or cleaned.date or '-'}"
    return [*header, meta, *explain_text(record.content, cleaned.removed)]


def _restore(kept_text: str, removed: list[Removal]) -> str:
    """Rebuild the cleaner's input from its output and its line-numbered removals."""
    kept = [line for line in kept_text.split("\n") if line.strip()]
    slots: dict[int, str] = {}
    for removal in removed:
        if removal.line is not None:
            for offset, part in enumerate(removal.text.split("\n")):
                slots[removal.line + offset] = part
    out: list[str] = []
    kept_iter = iter(kept)
    total = len(kept) + len(slots)
    for index in range(total):
        if index in slots:
            out.append(slots[index])
        else:
            out.append(next(kept_iter, ""))
    return "\n".join(out)


def explain_file(path: Path, record: int | None = None) -> str:
    out: list[str] = []
    for item in read_records(path.parent, path.name):
        if record is not None and (item.source_line or 0) != record:
            continue
        if isinstance(item, Reject):
            where = f"{item.source_path}" + (f":{item.source_line}" if item.source_line else "")
            out.append(f"== {where}\nrejected: {item.reason}: {item.detail}")
        else:
            out.append("\n".join(explain_record(item)))
    return "\n\n".join(out) if out else "no records"
