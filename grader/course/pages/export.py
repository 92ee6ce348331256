"""Grade export: one row per student, one column per function, a total and a status.

Unlike ``nbgrader export`` (a total only, ids sorted as text), rows come in
natural order and a status tells a missing, ungradable, blank or late
submission from a plain zero.
"""

import csv
import json
from dataclasses import dataclass

from ...checks.graded_functions import BY_NAME, NAMES
from ...checks.naming import natural_key
from ...client import delay_text
from ..base.files import replaced
from ..base.layout import ASSIGNMENT
from ..records.gradebook import UNGRADABLE_PREFIX
from ..records.tables import students, submitted_work

MISSING, UNGRADABLE, BLANK, LATE, GRADED = "missing", "ungradable", "blank", "late", "graded"
BLANK_MARKS = ("Нет ответа", "No response.")


@dataclass(frozen=True)
class ExportRow:
    student: str
    scores: dict          # function -> score (None when missing)
    total: float
    status: str
    late_penalty: float = 0.0
    reason: str = ""
    seconds_late: float = 0.0

    def flat(self):
        row = {"student": self.student}
        row.update({BY_NAME[n].short: self.scores[n] for n in NAMES})
        row.update(total=self.total, late_penalty=self.late_penalty, status=self.status, reason=self.reason)
        return row


def collect(gb):
    """Every student the (open) gradebook knows, in natural order: three queries for the whole class."""
    works = submitted_work(gb.db)
    return [_row(student, works.get(student)) for student in sorted(students(gb.db), key=natural_key)]


def row_of(gb, student):
    """One student's :class:`ExportRow` (``missing`` when they have no graded submission)."""
    return _row(student, submitted_work(gb.db, student).get(student))


def _row(student, work):
    if work is None or not any(score is not None for score in work.auto_scores.values()):
        return ExportRow(student, {n: None for n in NAMES}, 0.0, MISSING)  # none, or only an extension so far
    scores = {n: work.scores.get("test_" + n) for n in NAMES}
    penalty = work.penalty or 0.0
    total = round(sum(s or 0 for s in scores.values()) - penalty, 6)
    status, reason = _status(work.comments, work.seconds_late)
    return ExportRow(student, scores, total, status, penalty, reason, work.seconds_late)


def _status(comments, seconds_late):
    texts = [comments.get(n, "") for n in NAMES]
    if texts and all(t.startswith(UNGRADABLE_PREFIX) for t in texts):
        return UNGRADABLE, texts[0][len(UNGRADABLE_PREFIX):].lstrip(": ")
    if texts and all(t.startswith(BLANK_MARKS) for t in texts):
        return BLANK, ""
    if seconds_late > 0:
        return LATE, delay_text(seconds_late)
    return GRADED, ""


def write_csv(rows, path):
    with replaced(path, newline="") as out:
        print_csv(rows, out)


def print_csv(rows, out):
    writer = csv.DictWriter(out, fieldnames=list(rows[0].flat()) if rows else ["student"])
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else inert(v) for k, v in row.flat().items()})


def inert(value):
    """A CSV cell a spreadsheet shows as text: one starting like a formula (``= + - @``, a tab or
    a carriage return) gets a leading apostrophe, as spreadsheet tools expect. Numbers stay numbers."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + value
    return value


def write_json(rows, path):
    data = {"assignment": ASSIGNMENT, "max_score": sum(BY_NAME[n].points for n in NAMES),
            "functions": [{"name": n, "column": BY_NAME[n].short, "max_score": BY_NAME[n].points} for n in NAMES],
            "students": [dict(r.flat(), scores={n: r.scores[n] for n in NAMES}) for r in rows]}
    with replaced(path) as out:
        json.dump(data, out, ensure_ascii=False, indent=1)
