"""Student markup made safe for an instructor's browser.

Formgrader shows autograded notebooks through nbconvert with its HTML
sanitizing off: a markdown cell's HTML, a raw cell's text and a cell's grade
id go into the instructor's page as they are, so ``<img onerror=…>`` in a
student's markdown would run in the instructor's session. The autograded
notebook (both grading paths build it with
:func:`grader.course.steps.autograded.carrier_notebook`) carries them cleaned:

* a markdown cell the student wrote or changed becomes its rendering, cleaned
  by nh3 (no scripts, event handlers, ``javascript:`` links, styles or
  remote images); cells exactly as the lab has them stay as they are;
* a raw cell becomes its cleaned text;
* a grade id that is not a plain identifier is dropped.

Our own pages (feedback, reports, the service's page) escape everything in
their Jinja2 templates.
"""

import re
from functools import lru_cache
from pathlib import Path

from ...submission.reading import Unreadable, read_notebook
from ..base.lab_context import lab_folder
from ..base.layout import NOTEBOOK

_GRADE_ID = re.compile(r"[A-Za-z0-9_-]{1,100}")
# What a rendered markdown cell may keep: text, structure, code, math, links; no images, no styles.
_TAGS = {"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt", "em", "h1", "h2",
         "h3", "h4", "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "span", "strong", "sub", "summary",
         "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul"}
_SCHEMES = {"http", "https", "mailto"}


def safe_source(cell_type, source, lab_markdown=frozenset()):
    """What of a cell's ``source`` may reach an HTML page unescaped (code is always escaped there)."""
    if cell_type == "markdown" and source not in lab_markdown:
        return clean(_render(source))
    if cell_type == "raw":
        return clean(source)
    return source


def safe_nbgrader(fields):
    """A cell's nbgrader metadata without a grade id that could carry markup."""
    grade_id = fields.get("grade_id")
    if grade_id is not None and not (isinstance(grade_id, str) and _GRADE_ID.fullmatch(grade_id)):
        return {k: v for k, v in fields.items() if k != "grade_id"}
    return fields


def clean(html):
    import nh3

    return nh3.clean(html, tags=_TAGS, url_schemes=_SCHEMES, link_rel="noopener noreferrer nofollow")


def _render(markdown):
    from nbconvert.filters.markdown import markdown2html

    try:
        return markdown2html(markdown)
    except Exception:  # noqa: BLE001 -- whatever the renderer makes of it, its text is shown, escaped
        from html import escape

        return "<pre>{}</pre>".format(escape(markdown))


def lab_markdown(course):
    """The markdown cells of the course's release, as they are: the lab's own text, never rewritten."""
    return _lab_markdown(str(lab_folder(Path(course).resolve()) / NOTEBOOK))


@lru_cache(maxsize=8)
def _lab_markdown(path):
    try:
        return frozenset(c.source for c in read_notebook(path).cells if c.cell_type == "markdown")
    except Unreadable:
        return frozenset()
