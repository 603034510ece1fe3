"""Markdown for every app (request descriptions, project descriptions…): rendered, then sanitised with an
allow-list (nh3). Apps render once when a text is saved where they can (assessments stores it).

The parser is cmark-gfm (`cmarkgfm`), the C reference implementation of CommonMark that GitHub uses: its
time is linear in the input by design. Python-Markdown took 24 s over a description of 10,000 `[`, on
every view; cmark-gfm takes about 10 ms, and markdown-it-py (also linear) about 1.4 s, which a 1 MB CSV
import of such descriptions would have turned into minutes. cmark already drops raw HTML and unsafe link
schemes; nh3 then keeps only the tags below, so neither has to be trusted alone.
"""

from __future__ import annotations

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


EXTENSIONS = ["table"]


# Forms refuse longer texts; this cut only bounds a caller that skipped them (cmark is linear anyway).
MAX_CHARS = 100_000


def render_markdown(text: str, *, max_chars: int = MAX_CHARS) -> SafeString:
    text = (text or "")[:max_chars]
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_DEFAULT, extensions=EXTENSIONS
    )
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - nh3 has just removed everything outside the allow-list
