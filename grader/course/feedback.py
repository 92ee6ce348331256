"""Student feedback pages: scores, what went wrong, the student's own code.

A page is built only from the gradebook's per-function verdicts (Russian
text the checks wrote) and the student's submitted notebook: the hidden
tests, the case generator and the reference never reach it.
"""

import html
from pathlib import Path

from ..checks.graded_functions import BY_NAME, NAMES
from ..checks.verdicts import points
from ..submission.answers import answer_cells
from ..submission.reading import Unreadable, load_cells
from .export import MISSING, collect
from .layout import ASSIGNMENT, NOTEBOOK, db_url, submissions

_STYLE = """
body{font-family:system-ui,-apple-system,'DejaVu Sans',sans-serif;max-width:60rem;margin:2rem auto;
padding:0 1rem;color:#1d2733;line-height:1.45}
h1{font-size:1.5rem;margin-bottom:.2rem}.total{font-size:1.2rem;color:#444}
table{border-collapse:collapse;margin:1rem 0}td,th{padding:.3rem .8rem;border-bottom:1px solid #dde3ea;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#1b7f3b}.bad{color:#b3261e}
section{border:1px solid #dde3ea;border-radius:8px;padding:.6rem 1rem;margin:1rem 0}
pre{background:#f6f8fa;padding:.7rem;border-radius:6px;overflow-x:auto;font-size:.85rem}
.msg{white-space:pre-wrap;background:#fff6f5;border-left:3px solid #b3261e;padding:.5rem .8rem}
"""


def render_page(student, scores, comments, sources, late_penalty=0.0, note=""):
    """One self-contained HTML page (str) for one student."""
    esc = html.escape
    total = sum(v or 0 for v in scores.values()) - late_penalty
    rows, sections = [], []
    for name in NAMES:
        got, maximum = scores.get(name) or 0.0, BY_NAME[name].points
        ok = got == maximum
        rows.append('<tr><td><a href="#{0}">{0}</a></td><td class="num {1}">{2} / {3}</td></tr>'.format(
            esc(name), "ok" if ok else "bad", points(got), maximum))
        text = comments.get(name) or ""
        body = "" if ok else '<div class="msg">{}</div>'.format(esc(text))
        code = sources.get(name)
        code_html = "<pre><code>{}</code></pre>".format(esc(code)) if code else \
            "<p><i>Ячейка с этой функцией не найдена.</i></p>"
        # Code of a passed function is folded away: the page leads with what to fix.
        code_html = ("<details><summary>Ваш код</summary>{}</details>" if ok else "<h3>Ваш код</h3>{}").format(
            code_html)
        sections.append('<section id="{0}"><h2>{0}: {1} из {2}</h2>{3}{4}</section>'.format(
            esc(name), points(got), maximum, body, code_html))
    penalty = '<p class="bad">Штраф за опоздание: −{}</p>'.format(points(late_penalty)) if late_penalty else ""
    note_html = '<p class="msg">{}</p>'.format(esc(note)) if note else ""
    return """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8"><title>Отзыв: {student}</title><style>{style}</style></head>
<body><h1>Создание Глубокой нейронной сети: Шаг за шагом</h1>
<p class="total">Студент: <b>{student}</b> — итог: <b>{total} из 100</b></p>{penalty}{note}
<table><tr><th>Функция</th><th>Баллы</th></tr>{rows}</table>{sections}</body></html>
""".format(student=esc(student), style=_STYLE, total=points(total), penalty=penalty, note=note_html,
           rows="".join(rows), sections="".join(sections))


def write_all(course, students=None):
    """feedback/<student>/dnn_step_by_step/dnn_step_by_step.html for every graded student."""
    from nbgrader.api import Gradebook, MissingEntry

    course = Path(course)
    by_student = {row.student: row for row in collect(db_url(course))}
    written = []
    with Gradebook(db_url(course)) as gb:
        for submission in submissions(course, students):
            row = by_student.get(submission.student)
            if row is None or row.status == MISSING:
                continue
            comments = {}
            for name in NAMES:
                try:
                    comments[name] = gb.find_comment(name, ASSIGNMENT, ASSIGNMENT, submission.student).auto_comment
                except MissingEntry:
                    comments[name] = None
            for name in NAMES:  # graded by `nbgrader autograde`: the verdict is the test cell's stdout
                comments[name] = comments[name] if _ours(comments[name]) else \
                    _printed_verdict(course, submission.student, name)
            note, sources = "", {}
            try:
                sources = answer_cells(load_cells(submission.notebook)).by_function
            except Unreadable as reason:
                note = "Ноутбук не удалось прочитать: {}".format(reason)
            page = render_page(submission.student, row.scores, comments, sources, row.late_penalty, note)
            target = course / "feedback" / submission.student / ASSIGNMENT / NOTEBOOK.replace(".ipynb", ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(page, encoding="utf-8")
            written.append(target)
    return written


def _ours(comment):
    return bool(comment) and comment != "No response."


def _printed_verdict(course, student, name):
    """The report our hidden test printed in nbgrader's autograded notebook (stdout only)."""
    import json

    path = Path(course) / "autograded" / student / ASSIGNMENT / NOTEBOOK
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError):
        return None
    for cell in cells:
        if (cell.get("metadata") or {}).get("nbgrader", {}).get("grade_id") == "test_" + name:
            texts = [o.get("text", "") for o in cell.get("outputs", [])
                     if o.get("output_type") == "stream" and o.get("name") == "stdout"]
            text = "".join("".join(t) if isinstance(t, list) else t for t in texts)
            start = text.find(name + ":")
            return text[start:] if start >= 0 else None
    return None
