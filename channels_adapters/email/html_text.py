"""HTML in mail: sanitised for the timeline (nh3), and rendered as text when a mail has no
text part. Callers pass ``str`` already freed of surrogate escapes."""

from html.parser import HTMLParser

import nh3

MAX_HTML_DEPTH = 500  # nh3 slows down quadratically with element nesting
HTML_URL_SCHEMES = nh3.ALLOWED_URL_SCHEMES | {"cid"}


class _DepthMeter(HTMLParser):
    VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.depth = self.deepest = 0

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

    def handle_endtag(self, tag):
        self.depth = max(0, self.depth - 1)


def sanitise_html(html: str, problems: list[str]) -> str:
    meter = _DepthMeter()
    try:
        meter.feed(html)
    except Exception:
        pass
    if meter.deepest > MAX_HTML_DEPTH:
        problems.append(f"The HTML body nests {meter.deepest} elements deep; it was dropped "
                        "and only its text kept.")
        return ""
    try:
        return nh3.clean(
            html, url_schemes=HTML_URL_SCHEMES,
            clean_content_tags={"script", "style", "title", "head"},
            link_rel="noopener noreferrer nofollow",
        )
    except Exception as error:
        problems.append(f"The HTML body could not be sanitised and was dropped ({error}).")
        return ""


BLOCK_TAGS = frozenset(
    "address article aside blockquote div dl dt dd footer form h1 h2 h3 h4 h5 h6 header hr "
    "li ol p pre section table tr ul".split())
PARAGRAPH_TAGS = frozenset("blockquote h1 h2 h3 h4 h5 h6 ol p table ul".split())
SKIPPED_TAGS = frozenset({"script", "style", "head", "title", "template"})


class _TextRenderer(HTMLParser):
    """HTML to plain text; a blockquote becomes "> " lines so history trimming still works."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.skipping = 0

    def _line(self, *, force: bool = False, blank_after: bool = False) -> None:
        line = " ".join("".join(self.current).split())
        self.current = []
        if line or force:
            self.lines.append(("> " * min(self.quote_depth, 10) + line).rstrip())
        if blank_after:
            self.lines.append(">" * min(self.quote_depth, 10))

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_TAGS:
            self.skipping += 1
        elif tag == "br":
            self._line(force=True)
        elif tag in BLOCK_TAGS:
            self._line()
            self.quote_depth += tag == "blockquote"
            if tag == "li":
                self.current.append("- ")

    def handle_endtag(self, tag):
        if tag in SKIPPED_TAGS:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BLOCK_TAGS:
            self._line()
            self.quote_depth = max(0, self.quote_depth - (tag == "blockquote"))
            if tag in PARAGRAPH_TAGS:
                self._line(blank_after=True)

    def handle_data(self, data):
        if not self.skipping:
            self.current.append(data)


def html_to_text(html: str) -> str:
    renderer = _TextRenderer()
    try:
        renderer.feed(html)
        renderer.close()
    except Exception:  # HTMLParser is lenient, but never let a renderer bug lose the mail
        pass
    renderer._line()
    lines: list[str] = []
    for line in renderer.lines:
        blank = not line.strip("> ")
        if not (blank and (not lines or not lines[-1].strip("> "))):
            lines.append(line)
    return "\n".join(lines).strip("\n")


# Quoted history -----------------------------------------------------------------------------

# "On <date>, <person> wrote:" in the languages our customers write in. A digit (the date)
# is required so that "On Monday my husband wrote:" in a customer's own words is kept.
