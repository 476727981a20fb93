"""Text left by embedded social posts.

Tweets (and Bluesky/Threads/Mastodon posts) flatten to a body line ending in a short link
(`…https://t.co/xyz`, `pic.twitter.com/…`) followed by an attribution `— Name (@handle) Date`.
Instagram, YouTube, TikTok and Facebook embeds leave fixed widget phrases (`signatures/`).
"""

from __future__ import annotations

import re

from cleaners.article import Removal
from cleaners.text import signatures
from cleaners.text.doc import Doc

CONCEPT = "social_embed"

# "— Name (@handle) March 7, 2025" / "- Name (@handle.bsky.social) 7 March 2025"
ATTRIBUTION = re.compile(r"^[—–-]{1,2} ?[^()\n]{1,80}\(@[\w.]{1,60}\)(?: [\w .,]{3,40})?$")
# A post body ends with the shortened link the platform appends.
POST_LINK = re.compile(r"(?:https?://t\.co/\w{4,20}|pic\.twitter\.com/\w{4,20})$")
SHORT_LINK = re.compile(r"https?://t\.co/\w{4,20}|pic\.twitter\.com/\w{4,20}")
MAX_ATTRIBUTION_CHARS = 160
MAX_BODY_LINES = 3


def detect(doc: Doc) -> list[Removal]:
    out = signatures.load(CONCEPT).detect(doc)
    taken = {r.line for r in out}
    # Attributions first, so a post's body line joins its attribution in one removal.
    for pos, line in enumerate(doc.lines):
        text = line.text
        if line.index in taken or len(text) > MAX_ATTRIBUTION_CHARS or not ATTRIBUTION.match(text):
            continue
        start = pos
        # The post body: up to three lines above that carry the platform's short link.
        while (
            start > 0
            and pos - start < MAX_BODY_LINES
            and doc.lines[start - 1].index not in taken
            and SHORT_LINK.search(doc.lines[start - 1].text[-300:])
        ):
            start -= 1
        out.append(doc.block(f"{CONCEPT}.tweet", start, pos + 1))
        taken.update(doc.lines[i].index for i in range(start, pos + 1))
    for pos, line in enumerate(doc.lines):
        if line.index not in taken and POST_LINK.search(line.text[-60:]):
            out.append(doc.one(f"{CONCEPT}.post_link", pos))
    return out
