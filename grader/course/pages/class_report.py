"""``grader report``: one self-contained HTML page about the whole class.

Plots (score distribution, pass rate per function, statuses) are PNGs drawn
with matplotlib and embedded as data URIs, so the page is a single file an
instructor can mail or open offline.
"""

import base64
import io
import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ...checks.graded_functions import BY_NAME, NAMES
from ...checks.verdicts import points
from ...client import STATUS_RU
from ...submission.reading import Unreadable, read_notebook
from ..base.files import write_text
from ..base.layout import ASSIGNMENT, autograded_notebook, submissions
from ..records.gradebook import open_gradebook
from ..records.tables import submitted_work
from ..steps.autograded import REFUSED_KEY
from .export import BLANK, BLANK_MARKS, GRADED, LATE, MISSING, UNGRADABLE, collect
from .templates import render as render_template

_STATUS_RU = {GRADED: "проверено", LATE: "с опозданием", BLANK: "пустая работа",
              UNGRADABLE: "не удалось проверить", MISSING: "нет работы"}


def mistake_of(comment):
    """The recognisable kind of a failed function's verdict, for counting across the class.

    The guessed slip ("похоже, ...") when there is one, else the text after the
    " — " hint, else the difference itself with sizes folded, so that the same
    slip on different hidden cases counts once.
    """
    if not comment:
        return None
    lines = [l.strip() for l in comment.splitlines() if l.strip()]
    for line in lines:
        if line.startswith("похоже, "):
            return line[len("похоже, "):]
    for line in lines[1:]:
        if line.startswith(("не пройдено", "ожидалось", "получено")):
            continue
        if line.startswith("синтаксическая ошибка"):  # wherever it is: one kind
            return "синтаксическая ошибка"
        if "ошибка при вызове:" in line:
            return "исключение " + line.split("ошибка при вызове:", 1)[1].split(":")[0].strip()
        if " — " in line:
            return re.sub(r"m = \d+", "m", line.split(" — ", 1)[1])
        text = line.split(": ", 1)[1] if ": " in line else line
        text = re.sub(r"\s*\([\d.]+ с\)", "", text)
        text = re.sub(r"\(ожидал[^)]*\)", "", text)
        return re.sub(r"\(\d+(, \d+)*,?\)", "(…)", text).strip(" ;") or None
    return None


@dataclass(frozen=True)
class Verdict:
    """What a function's gradebook comment says, as the report needs it."""
    status: str                   # a key of the client's STATUS_RU ("failed", "syntax", ...), "" when unknown
    kind: Optional[str] = None    # the recognisable mistake (:func:`mistake_of`)
    line: Optional[int] = None    # the line of a syntax error in the function's cell
    unanswered: bool = False      # the answer cell is the release's stub


_STATUS_OF = {text: key for key, text in STATUS_RU.items()}
_SYNTAX_LINE = re.compile(r"строк[аеи]\s+(\d+)")


def verdict_of(name, comment):
    """The :class:`Verdict` in ``name``'s comment (whose head is "name: 0 из 5 баллов — <status>")."""
    comment = comment or ""
    head = next((l for l in comment.splitlines() if l.startswith(name + ": ") and " — " in l), "")
    status = _STATUS_OF.get(head.rsplit(" — ", 1)[-1].strip(), "")
    line = _SYNTAX_LINE.search(comment) if status == "syntax" else None
    return Verdict(status, mistake_of(comment), int(line.group(1)) if line else None,
                   comment.startswith(BLANK_MARKS))


def _said(name, verdict):
    """A function's problem in a few words: "linear_forward: синтаксическая ошибка, строка 19"."""
    if verdict.unanswered:
        return "{}: нет ответа".format(name)
    if verdict.status == "syntax":
        return "{}: синтаксическая ошибка{}".format(name, ", строка {}".format(verdict.line) if verdict.line else "")
    text = verdict.kind or STATUS_RU.get(verdict.status) or "не зачтено"
    return "{}: {}".format(name, text if len(text) <= 160 else text[:159] + "…")


def build(course):
    """The report's data: export rows, each student's first problem, who made each mistake, who needs attention.

    Returns ``(rows, mistakes, attention, problems)``: ``mistakes`` maps
    (function, mistake) to the students who made it, ``attention`` lists
    (student, reasons) and ``problems`` maps a student to their first problem.
    """
    mistakes, attention, problems = {}, [], {}
    with open_gradebook(course) as gb:
        rows = collect(gb)
        works = submitted_work(gb.db)
    for row in rows:
        comments = works[row.student].comments if row.student in works else {}
        verdicts = {name: verdict_of(name, comments.get(name)) for name in NAMES
                    if row.scores[name] is not None and row.scores[name] < BY_NAME[name].points}
        reasons = _reasons(row, verdicts, comments)
        for name, verdict in verdicts.items():
            if verdict.kind and row.status not in (BLANK, UNGRADABLE) and not verdict.unanswered:
                mistakes.setdefault((name, verdict.kind), []).append(row.student)
        problems[row.student] = _first_problem(row, verdicts)
        attention.append((row.student, reasons))
    reasons_of = dict(attention)
    for submission in submissions(course):
        if submission.student in reasons_of:
            reasons_of[submission.student].extend(_tampering(course, submission))
    return rows, mistakes, [(s, r) for s, r in attention if r], problems


def _reasons(row, verdicts, comments):
    """Why a student needs the instructor's eyes: no grade, nothing written, code that never ran, a runaway."""
    if row.status == UNGRADABLE:
        return ["не удалось проверить: " + row.reason]
    if row.status == BLANK:
        return ["пустая работа: ни одна функция не написана"]
    reasons = []
    broken = [name + (" (строка {})".format(v.line) if v.line else "") for name, v in verdicts.items()
              if v.status == "syntax"]
    if broken:
        reasons.append("синтаксическая ошибка, ячейка не выполняется: " + "; ".join(broken))
    for name in verdicts:
        comment = comments.get(name) or ""
        if "превышено время" in comment or "аварийно" in comment:
            reasons.append("{}: {}".format(name, "превышено время" if "превышено" in comment else "процесс упал"))
    return reasons


def _first_problem(row, verdicts):
    if row.status == MISSING:
        return "работа не сдана"
    if row.status == UNGRADABLE:
        return row.reason
    if row.status == BLANK:
        return "ни одна функция не написана"
    return next((_said(name, verdict) for name, verdict in verdicts.items()), "")


def _tampering(course, submission):
    """What the student did to the notebook or tried in it: deleted test cells, calls the seal refused.

    The refusals are the kernel's record (the autograded notebook keeps
    them), not a guess from the source, so no spelling hides them.
    """
    reasons = ["песочница запретила: " + refused for refused in _refused(course, submission.student)]
    try:
        cells = read_notebook(submission.notebook, submission.inside).cells
    except Unreadable:
        return reasons
    grade_ids = [cell.nbgrader.get("grade_id") for cell in cells]
    missing = [n for n in NAMES if "test_" + n not in grade_ids]
    if missing:
        reasons.insert(0, "удалены ячейки проверки: " + ", ".join("test_" + n for n in missing))
    return reasons


def _refused(course, student):
    try:
        with open(autograded_notebook(course, student), encoding="utf-8") as handle:
            refused = json.load(handle).get("metadata", {}).get(REFUSED_KEY)
    except (OSError, ValueError, AttributeError):
        return []
    return [r for r in refused if isinstance(r, str)] if isinstance(refused, list) else []


DPI = 110
LABEL_PT = 13  # every label of the charts: shown at natural size, about 20 px (10 pt, two-up, read as 8 px)


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def plots(rows):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with plt.rc_context({"font.size": LABEL_PT, "axes.titlesize": LABEL_PT, "axes.labelsize": LABEL_PT,
                         "xtick.labelsize": LABEL_PT, "ytick.labelsize": LABEL_PT}):
        return _plots(rows, plt)


def _plots(rows, plt):
    graded = [r for r in rows if r.status not in (MISSING, UNGRADABLE)]
    images = {}
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    ax.hist([r.total for r in graded] or [0], bins=range(0, 106, 5), color="#4f6d9a", edgecolor="white")
    ax.set_xlabel("баллы")
    ax.set_ylabel("студентов")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Распределение итоговых баллов")
    images["hist"] = _png(fig)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4.6))
    rates = [100 * sum((r.scores[n] or 0) >= BY_NAME[n].points for r in graded) / max(len(graded), 1)
             for n in NAMES]
    ax.barh(list(NAMES)[::-1], rates[::-1], color=["#b3261e" if x < 50 else "#1b7f3b" for x in rates[::-1]])
    ax.set_xlim(0, 100)
    ax.set_xlabel("% студентов с полным баллом")
    ax.set_title("Функции: доля полностью верных решений")
    images["rates"] = _png(fig)
    plt.close(fig)

    counts = Counter(r.status for r in rows)
    labels = [s for s in (GRADED, LATE, BLANK, UNGRADABLE, MISSING) if counts[s]]
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * max(len(labels), 1)))
    ax.barh([_STATUS_RU[s] for s in labels][::-1], [counts[s] for s in labels][::-1], color="#4f6d9a")
    ax.set_xlabel("студентов")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Статусы работ")
    images["status"] = _png(fig)
    plt.close(fig)
    return images, rates


def render(rows, mistakes, attention, images, rates, similarity=None, problems=None):
    graded = [r for r in rows if r.status not in (MISSING, UNGRADABLE)]
    handed_in = [r for r in rows if r.status != MISSING]  # an ungradable work counts, with its 0
    mean = sum(r.total for r in handed_in) / len(handed_in) if handed_in else 0
    common = sorted(mistakes.items(), key=lambda item: -len(item[1]))[:15]
    return render_template("class_report.html.j2", assignment=ASSIGNMENT, students=len(rows), graded=len(graded),
                           mean=points(mean), handed_in=len(handed_in),
                           ungradable=sum(r.status == UNGRADABLE for r in rows),
                           full=sum(r.total >= 100 for r in graded), images=images,
                           mistakes=common, shown_names=SHOWN_NAMES, attention=attention,
                           rates=list(zip(NAMES, rates)), similarity=similarity, table=_table(rows, problems or {}),
                           short={n: BY_NAME[n].short for n in NAMES})


SHOWN_NAMES = 5  # a common mistake lists up to this many students openly; more are folded (the page still finds them)


def _table(rows, problems):
    """The per-student table's rows: scores as text, with a class for their colour."""
    table = []
    for row in rows:
        cells = [("—", "none") if row.scores[n] is None else
                 (points(row.scores[n]), "full" if row.scores[n] >= BY_NAME[n].points else "lost") for n in NAMES]
        status = _STATUS_RU[row.status] + (": " + row.reason if row.status == LATE and row.reason else "")
        table.append({"student": row.student, "cells": cells, "total": points(row.total), "status": status,
                      "problem": problems.get(row.student, "")})
    return table


SIMILARITY_PAGE = "similarity.html"  # `grader similarity`'s page, linked when it is beside the report


def write(course, target):
    rows, mistakes, attention, problems = build(course)
    images, rates = plots(rows)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    similarity = SIMILARITY_PAGE if (Path(target).parent / SIMILARITY_PAGE).is_file() else None
    write_text(target, render(rows, mistakes, attention, images, rates, similarity, problems))
    return rows, mistakes, attention
