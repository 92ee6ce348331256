"""Student feedback pages: scores, what went wrong, the student's own code.

A page is built only from the gradebook's per-function verdicts (Russian
text the checks wrote) and the student's submitted notebook: the hidden
tests, the case generator and the reference never reach it.
"""

from pathlib import Path

from ...checks.graded_functions import BY_NAME, MAX_SCORE, NAMES
from ...checks.verdicts import points
from ...client import UNGRADABLE_RU, delay_text
from ...submission.answers import answer_cells
from ...submission.reading import Unreadable, read_bytes, read_notebook
from ..base.files import write_text
from ..base.layout import ASSIGNMENT, NOTEBOOK, submissions
from ..records.gradebook import open_gradebook
from ..records.resubmission import counted_notebook
from .export import MISSING, collect
from .templates import render


def render_page(student, scores, comments, sources, late_penalty=0.0, note="", late=""):
    """One self-contained HTML page (str) for one student."""
    functions = []
    for name in NAMES:
        got, maximum = scores.get(name) or 0.0, BY_NAME[name].points
        comment = comments.get(name) or ""
        if got == maximum:  # a passed function's verdict is its first line; what follows is a note worth reading
            comment = "\n".join(comment.splitlines()[1:])
        functions.append({"name": name, "score": points(got), "max_score": maximum, "ok": got == maximum,
                          "comment": comment, "code": sources.get(name)})
    total = sum(v or 0 for v in scores.values()) - late_penalty
    return render("feedback.html.j2", student=student, total=points(total), max_score=MAX_SCORE,
                  late_penalty=points(late_penalty) if late_penalty else "", late=late, note=note, functions=functions)


def page_of(gb, submission, row):
    """The feedback page (str) of one graded student: ``row`` is their :class:`~.export.ExportRow`."""
    from nbgrader.api import MissingEntry

    comments = {}
    for name in NAMES:
        try:
            comments[name] = gb.find_comment(name, ASSIGNMENT, ASSIGNMENT, submission.student).auto_comment
        except MissingEntry:
            comments[name] = None
    notebook, inside, aside = counted_notebook(submission.folder.parents[2], submission)
    note, sources = "", {}
    try:
        sources = answer_cells(read_notebook(notebook, inside).cells).by_function
    except Unreadable as reason:
        note = "Ноутбук не удалось прочитать: {}".format(reason)
    reasons = set(comments.values())
    if len(reasons) == 1 and (next(iter(reasons)) or "").startswith(UNGRADABLE_RU):  # said once, not ten times
        note, comments = next(iter(reasons)), dict.fromkeys(comments, "")
    elif submission.renamed:
        note = ("Проверен файл «{}» — единственный ноутбук в папке; в следующий раз назовите его {}."
                .format(submission.renamed, NOTEBOOK))
    if aside:  # the latest submission was graded and not counted: the page is the counted one's
        note = (note + " " if note else "") + aside
    return render_page(submission.student, row.scores, comments, sources, row.late_penalty, note,
                       delay_text(row.seconds_late) if row.seconds_late > 0 else "")


def page_name(submission):
    """The page is named for the notebook the student handed in, as nbgrader names feedback.

    ``nbgrader fetch_feedback`` looks for a page under the name of each notebook
    in the student's own copy of their submission: a lone renamed notebook
    (``dnn_step_by_step (1).ipynb``) gets its page only under that name. A name
    that is no plain file name (hidden, a control character, over 100
    characters) falls back to the assignment's.
    """
    stem = Path(submission.renamed).stem if submission.renamed else ASSIGNMENT
    plain = stem.isprintable() and not stem.startswith(".") and 0 < len(stem) <= 100
    return (stem if plain else ASSIGNMENT) + ".html"


def write_all(course, students=None):
    """feedback/<student>/dnn_step_by_step/<their notebook>.html for every graded student of ``course`` (a
    :class:`~..base.course.Course`)."""
    written = []
    with open_gradebook(course) as gb:
        by_student = {row.student: row for row in collect(gb)}
        for submission in submissions(course, students):
            row = by_student.get(submission.student)
            if row is None or row.status == MISSING:
                continue
            page = page_of(gb, submission, row)
            target = course.root / "feedback" / submission.student / ASSIGNMENT / page_name(submission)
            target.parent.mkdir(parents=True, exist_ok=True)
            write_text(target, page)
            for stale in target.parent.glob("*.html"):  # a page of an earlier submission's name is released no more
                if stale != target:
                    stale.unlink()
            _write_exchange_files(submission, target.parent)
            written.append(target)
    return written


def _write_exchange_files(submission, folder):
    """What ``nbgrader release_feedback`` reads beside a page: the submission's time and secret.

    The secret (from ``nbgrader submit``, brought by ``collect``) names the
    page in the exchange, so only the student who holds it can fetch it. A
    submission placed by hand has none: it gets a fresh one, so releasing
    feedback still works for everybody else.
    """
    import datetime
    import secrets

    def submitted(name, limit):
        try:
            return read_bytes(submission.folder / name, submission.inside, limit=limit).decode("ascii").strip()
        except (Unreadable, UnicodeDecodeError):
            return ""

    timestamp = submission.timestamp or datetime.datetime.now(datetime.timezone.utc).strftime(
        "%Y-%m-%d %H:%M:%S.%f %Z")
    secret = submitted("submission_secret.txt", 4096)
    if not secret or not secret.isalnum():
        secret = secrets.token_hex(64)
    (folder / "timestamp.txt").write_text(timestamp, encoding="utf-8")
    (folder / "submission_secret.txt").write_text(secret, encoding="utf-8")
