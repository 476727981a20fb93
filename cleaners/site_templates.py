"""Site templates over a whole run (and earlier runs): short lines that recur in several distinct
articles of one host are the site's furniture (a recurring disclaimer, a newsletter line, a
footer) that no signature names, and are removed from the published articles.

Learnt after deduplication, from surviving articles only: syndicated copies share every line and
would otherwise turn a whole story into "template". Only lines up to MAX_LINE_CHARS count: long
lines are prose, and leaving them out keeps the counts small however large the corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from cleaners.text.doc import normalise
from cleaners.text.templates import TemplateIndex, host_key, line_key, line_keys

MAX_LINE_CHARS = 160
# Lines kept per host in the persisted counts: a site's furniture is among its most frequent short
# lines; the long tail of one-off headings is dropped so the state stays small as runs add up.
MAX_LINES_PER_HOST = 5000
RULE = "template.repeated_line"
# While learning, a host's counts are cut back to its KEEP_AFTER_PRUNE most frequent lines
# whenever they pass PRUNE_ABOVE, so memory stays bounded for a corpus of any size from one host
# (one-off headlines and captions are the long tail). Template lines recur in most of a host's
# documents and stay far above the cut; a line that is rare so far may restart its count.
PRUNE_ABOVE = 4 * MAX_LINES_PER_HOST
KEEP_AFTER_PRUNE = 2 * MAX_LINES_PER_HOST


class RunTemplates:
    def __init__(self, min_docs: int, blob: bytes | None = None) -> None:
        self.enabled = min_docs > 0
        index = TemplateIndex.from_bytes(blob) if blob else TemplateIndex(min_docs=min_docs)
        index.min_docs = min_docs
        self.index = index
        self._template: dict[str, set[str]] | None = None

    def learn(self, host: str | None, text: str) -> None:
        self.learn_keys(host, template_keys(text))

    def learn_keys(self, host: str | None, keys: Iterable[str]) -> None:
        """Count one article of `host` from its `template_keys` (computed where it was cleaned,
        so publishing only adds counts)."""
        if self.enabled and host:
            self.index.add_keys(host, keys)
            self._template = None
            counts = self.index.lines.get(host_key(host))
            if counts is not None and len(counts) > PRUNE_ABOVE:
                self.index.lines[host_key(host)] = _most_frequent(counts, KEEP_AFTER_PRUNE)

    def unlearn_keys(self, host: str | None, keys: Iterable[str]) -> None:
        """Take back what `learn_keys` counted for one article of `host` (its input changed and
        it is counted anew). Without this, a JSONL dump that grows run after run would count its
        first articles once per run, until their own lines looked like the site's template."""
        if not (self.enabled and host):
            return
        h = host_key(host)
        if self.index.docs[h] > 0:
            self.index.docs[h] -= 1
        counts = self.index.lines.get(h)
        if counts is not None:
            for key in set(keys) & counts.keys():
                counts[key] -= 1
                if counts[key] <= 0:
                    del counts[key]
        self._template = None

    def _lines(self) -> dict[str, set[str]]:
        if self._template is None:
            floor = self.index.min_docs
            self._template = {
                host: {key for key, docs in counts.items() if docs >= floor}
                for host, counts in self.index.lines.items()
            }
        return self._template

    def freeze(self) -> None:
        """Build the template lookup now: threads then only read it (learning is over)."""
        self._lines()

    def has_templates(self, host: str | None) -> bool:
        return bool(self.enabled and host and self._lines().get(host_key(host)))

    def strip(self, host: str | None, text: str) -> tuple[str, list[str]]:
        """The text without its host's template lines, and the lines removed."""
        template = self._lines().get(host_key(host)) if self.enabled and host else None
        if not template:
            return text, []
        kept, removed = [], []
        for line in text.split("\n"):
            if (
                len(line) <= MAX_LINE_CHARS
                and line.strip()
                and line_key(normalise(line)) in template
            ):
                removed.append(line)
            else:
                kept.append(line)
        return ("\n".join(kept), removed) if removed else (text, [])

    def to_bytes(self) -> bytes:
        for host, counts in self.index.lines.items():
            if len(counts) > MAX_LINES_PER_HOST:
                # most frequent first, ties by key: the same counts always keep the same lines
                self.index.lines[host] = _most_frequent(counts, MAX_LINES_PER_HOST)
        return self.index.to_bytes()


def counted_keys(text: str, stripped_lines: Iterable[str] = ()) -> list[str]:
    """The keys `learn_keys` counted for an article published as `text` after publishing
    stripped `stripped_lines` (its template lines) from it: those of the text it was learnt from."""
    return sorted(set(template_keys(text)) | set(line_keys(stripped_lines)))


def template_keys(text: str) -> list[str]:
    """The keys of an article's lines that can count towards its site's template: distinct,
    normalised, at most MAX_LINE_CHARS long (sorted, so staged batches are reproducible)."""
    return line_keys(line for line in text.split("\n") if len(line) <= MAX_LINE_CHARS)


def _most_frequent(counts: Counter[str], keep: int) -> Counter[str]:
    """The `keep` most frequent lines, ties by key: the same counts always keep the same lines."""
    return Counter(dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:keep]))
