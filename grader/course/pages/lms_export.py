"""Grades in a learning management system's own gradebook-import format: Moodle and Canvas.

An LMS matches a row to its user by an identifier it already knows, never by
our student id alone, so the rows carry what the roster
(``nbgrader db student import``: ``id, first_name, last_name, email,
lms_user_id``) says of each student. One grade column, the total after any
late penalty, out of the assignment's maximum; a student without a graded
submission gets an empty cell (no grade), never a zero they did not earn.

* **Moodle** (Grades → Import → CSV file): comma-separated UTF-8 without a
  byte-order mark; the user is identified by ``ID number`` (our id) or
  ``Email address``, chosen under *Identify user by*; the grade column and its
  feedback column are mapped to the grade item under *Grade item mappings*.
* **Canvas** (Grades → Import): the columns Canvas itself exports —
  ``Student, ID, SIS User ID, SIS Login ID, Section`` — then the assignment's
  column, and a ``Points Possible`` row first, so that a new assignment gets
  the right maximum. Canvas matches ``ID`` (its user id, the roster's
  ``lms_user_id``), then ``SIS User ID`` (our id).
"""

import csv
from dataclasses import dataclass

from ...checks.graded_functions import BY_NAME, NAMES
from ...client import points
from ..base.files import replaced
from ..records.tables import roster
from .export import BLANK, GRADED, LATE, MISSING, UNGRADABLE, inert

MAX_SCORE = sum(BY_NAME[n].points for n in NAMES)
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "Points Possible"
MOODLE_IDENTITY = ("First name", "Last name", "ID number", "Email address")


@dataclass(frozen=True)
class LmsRow:
    """One student as an LMS gets them: who (from the roster) and the grade that counts."""
    student: str
    first_name: str
    last_name: str
    email: str
    lms_user_id: str
    grade: str          # "" when there is no graded submission
    feedback: str       # Russian, for the student (Moodle shows it beside the grade)


def lms_rows(rows, connection):
    """:class:`LmsRow` for every export row, the roster's names and ids joined in."""
    known = roster(connection)
    out = []
    for row in rows:
        entry = known.get(row.student)
        out.append(LmsRow(row.student, _text(entry and entry.first_name), _text(entry and entry.last_name),
                          _text(entry and entry.email), _text(entry and entry.lms_user_id),
                          "" if row.status == MISSING else points(row.total), feedback(row)))
    return out


def feedback(row):
    """What the grade means, in the words a student reads in the LMS."""
    below = ["{} {} из {}".format(n, points(row.scores[n]), BY_NAME[n].points)
             for n in NAMES if row.scores[n] is not None and row.scores[n] < BY_NAME[n].points]
    details = "Не полностью: " + "; ".join(below) + "." if below else ""
    if row.status == MISSING:
        return "Работа не сдана."
    if row.status == UNGRADABLE:
        return "Работа не проверена: {}.".format(row.reason.rstrip("."))
    if row.status == BLANK:
        return "Ответов нет: сдан пустой ноутбук."
    if row.status == LATE:
        fine = "штраф {} баллов".format(points(row.late_penalty)) if row.late_penalty else "без штрафа"
        return " ".join(p for p in ("Сдано {}, {}.".format(row.reason, fine), details) if p)
    assert row.status == GRADED, row.status
    return details or "Все функции верны."


def write_moodle(rows, path, column):
    """Moodle's CSV grade import: identity columns, the grade, its feedback."""
    with replaced(path, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(MOODLE_IDENTITY + (column, column + " (feedback)"))
        for r in rows:
            writer.writerow([inert(r.first_name), inert(r.last_name), r.student, r.email, r.grade, inert(r.feedback)])


def write_canvas(rows, path, column):
    """Canvas's gradebook import: its five identity columns, the assignment, a Points Possible row."""
    with replaced(path, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(CANVAS_IDENTITY + (column,))
        writer.writerow([CANVAS_POINTS_ROW, "", "", "", "", points(MAX_SCORE)])
        for r in rows:
            writer.writerow([inert(_sortable_name(r)), r.lms_user_id, r.student, "", "", r.grade])


def _sortable_name(row):
    """Canvas's "Last, First"; the id when the roster has no name."""
    if row.last_name and row.first_name:
        return "{}, {}".format(row.last_name, row.first_name)
    return row.last_name or row.first_name or row.student


def _text(value):
    return value or ""
