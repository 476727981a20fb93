"""Site templates learnt from many documents: a line that recurs in at least `min_docs`
documents of the same host is part of the site's template (menu, footer, newsletter box,
disclaimer), whatever its wording or language.

    index = TemplateIndex(min_docs=3)
    for host, text in corpus:
        index.add(host, text)
    blob = index.to_bytes()               # persist across runs
    index = TemplateIndex.from_bytes(blob)
    clean_text(text, host=host, templates=index)

Lines are stored as 64-bit hashes of their normalised form, counted once per document, so the
index is small and holds no article text. Lines of a single host seen in fewer documents than
`min_docs` are never template.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from cleaners.article import Removal
from cleaners.text.doc import Doc, normalise, split_lines

FORMAT_VERSION = 1
MIN_LINE_CHARS = 2


def line_key(norm: str) -> str:
    return hashlib.blake2b(norm.encode("utf-8"), digest_size=8).hexdigest()


def line_keys(lines: Iterable[str]) -> list[str]:
    """The sorted distinct keys of the lines worth counting (normalised, not near-empty)."""
    return sorted({line_key(n) for raw in lines if len(n := normalise(raw)) >= MIN_LINE_CHARS})


def host_key(host: str | None) -> str:
    h = (host or "").lower().strip()
    return h[4:] if h.startswith("www.") else h


@dataclass
class TemplateIndex:
    min_docs: int = 3
    docs: Counter[str] = field(default_factory=Counter)  # documents seen per host
    lines: dict[str, Counter[str]] = field(default_factory=dict)  # host -> line key -> documents

    def add(self, host: str | None, text: str) -> None:
        """Count the distinct lines of one document of `host`."""
        self.add_keys(host, line_keys(split_lines(text)))

    def add_keys(self, host: str | None, keys: Iterable[str]) -> None:
        """Count one document of `host` from its distinct line keys (`line_keys`)."""
        h = host_key(host)
        if not h:
            return
        self.docs[h] += 1
        self.lines.setdefault(h, Counter()).update(keys)

    def is_template(self, host: str | None, norm: str) -> bool:
        counts = self.lines.get(host_key(host))
        return bool(counts) and counts[line_key(norm)] >= self.min_docs  # type: ignore[index]

    def detect(self, doc: Doc) -> list[Removal]:
        counts = self.lines.get(host_key(doc.host))
        if not counts:
            return []
        return [
            doc.one("template.repeated_line", pos)
            for pos, line in enumerate(doc.lines)
            if counts.get(line_key(line.norm), 0) >= self.min_docs
        ]

    def pruned(self) -> TemplateIndex:
        """A copy keeping only the lines that are template (what `detect` needs)."""
        lines = {
            h: Counter({k: c for k, c in cnt.items() if c >= self.min_docs})
            for h, cnt in self.lines.items()
        }
        return TemplateIndex(self.min_docs, Counter(self.docs), lines)

    def to_bytes(self) -> bytes:
        data = {
            "version": FORMAT_VERSION,
            "min_docs": self.min_docs,
            "docs": dict(self.docs),
            "lines": {h: dict(c) for h, c in self.lines.items()},
        }
        return zlib.compress(json.dumps(data, sort_keys=True).encode("utf-8"))

    @classmethod
    def from_bytes(cls, blob: bytes) -> TemplateIndex:
        data = json.loads(zlib.decompress(blob).decode("utf-8"))
        if data.get("version") != FORMAT_VERSION:
            raise ValueError(f"unsupported template index version {data.get('version')!r}")
        return cls(
            int(data["min_docs"]),
            Counter(data["docs"]),
            {h: Counter(c) for h, c in data["lines"].items()},
        )

    @classmethod
    def fit(cls, docs: list[tuple[str | None, str]], min_docs: int = 3) -> TemplateIndex:
        index = cls(min_docs=min_docs)
        for host, text in docs:
            index.add(host, text)
        return index
