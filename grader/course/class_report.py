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
from pathlib import Path

from ..checks.graded_functions import BY_NAME, NAMES
from ..checks.verdicts import points
from ..submission.reading import Unreadable, read_notebook
from .autograded import REFUSED_KEY
from .export import BLANK, GRADED, LATE, MISSING, UNGRADABLE, collect
from .files import write_text
from .gradebook import open_gradebook
from .layout import ASSIGNMENT, autograded_notebook, submissions
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


def build(course):
    """The report's data: export rows, mistakes with counts, students needing attention."""
    from nbgrader.api import MissingEntry

    mistakes, attention = Counter(), []
    with open_gradebook(course) as gb:
        rows = collect(gb)
        for row in rows:
            reasons = []
            if row.status == UNGRADABLE:
                reasons.append("не удалось проверить: " + row.reason)
            for name in NAMES:
                if row.scores[name] is None or row.scores[name] >= BY_NAME[name].points:
                    continue
                try:
                    comment = gb.find_comment(name, ASSIGNMENT, ASSIGNMENT, row.student).auto_comment
                except MissingEntry:
                    comment = None
                kind = mistake_of(comment)
                if kind and row.status != BLANK and not (comment or "").startswith("Нет ответа"):
                    mistakes[(name, kind)] += 1
                if comment and ("превышено время" in comment or "аварийно" in comment):
                    reasons.append("{}: {}".format(name, "превышено время" if "превышено" in comment
                                                   else "процесс упал"))
            attention.append((row.student, reasons))
    for submission in submissions(course):
        found = _tampering(course, submission)
        for student, reasons in attention:
            if student == submission.student and found:
                reasons.extend(found)
    return rows, mistakes, [(s, r) for s, r in attention if r]


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


def render(rows, mistakes, attention, images, rates, similarity=None):
    graded = [r for r in rows if r.status not in (MISSING, UNGRADABLE)]
    handed_in = [r for r in rows if r.status != MISSING]  # an ungradable work counts, with its 0
    mean = sum(r.total for r in handed_in) / len(handed_in) if handed_in else 0
    return render_template("class_report.html.j2", assignment=ASSIGNMENT, students=len(rows), graded=len(graded),
                           mean=points(mean), handed_in=len(handed_in),
                           ungradable=sum(r.status == UNGRADABLE for r in rows),
                           full=sum(r.total >= 100 for r in graded), images=images,
                           mistakes=mistakes.most_common(15), attention=attention, rates=list(zip(NAMES, rates)),
                           similarity=similarity)


SIMILARITY_PAGE = "similarity.html"  # `grader similarity`'s page, linked when it is beside the report


def write(course, target):
    rows, mistakes, attention = build(course)
    images, rates = plots(rows)
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    similarity = SIMILARITY_PAGE if (Path(target).parent / SIMILARITY_PAGE).is_file() else None
    write_text(target, render(rows, mistakes, attention, images, rates, similarity))
    return rows, mistakes, attention
