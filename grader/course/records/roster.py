"""The class roster from a spreadsheet's CSV: what ``nbgrader db student import`` refuses, read as meant.

A roster usually comes out of a spreadsheet, and a Russian-locale spreadsheet
saves CSV with semicolons, often with a UTF-8 byte-order mark; nbgrader's
import then sees one unknown column and stops ("must contain a column for
'id'"). Here the file's encoding mark and delimiter are recognised, headers
are matched without case or surrounding blanks, every id is checked by the
course's one rule, and a bad line is named by its number before anything is
written. The students are then written with nbgrader's own gradebook API.
"""

import csv
import io
from dataclasses import dataclass

from ..base.students import is_student_id

COLUMNS = ("id", "first_name", "last_name", "email", "lms_user_id")
DELIMITERS = ",;\t"


class RosterRefused(Exception):
    """The file cannot be taken as a roster; the message says which line and why."""


@dataclass(frozen=True)
class Student:
    id: str
    first_name: str = None
    last_name: str = None
    email: str = None
    lms_user_id: str = None


def read_roster(data):
    """The students of a roster file's bytes; :class:`RosterRefused` naming the first bad line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RosterRefused("the file is not UTF-8 text: save it from the spreadsheet as CSV UTF-8") from None
    first = text.split("\n", 1)[0]
    delimiter = max(DELIMITERS, key=first.count)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip().lower().replace(" ", "_") for h in next(rows, [])]
    if "id" not in header:
        raise RosterRefused("line 1 has no column 'id' (found: {}); the columns are {}".format(
            ", ".join(repr(h) for h in header) or "nothing", ", ".join(COLUMNS)))
    known = [(i, name) for i, name in enumerate(header) if name in COLUMNS]
    students, seen = [], set()
    for number, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        values = {name: (row[i].strip() if i < len(row) else "") or None for i, name in known}
        student = values["id"]
        if not is_student_id(student):
            raise RosterRefused("line {}: {!r} is not a student id (letters, digits and _, then . @ -; at most "
                                "64)".format(number, student or ""))
        if student in seen:
            raise RosterRefused("line {}: {} is on the roster twice".format(number, student))
        seen.add(student)
        students.append(Student(**values))
    return students


def import_roster(gb, students):
    """Add or update each student in nbgrader's gradebook (its own API); return how many."""
    for student in students:
        gb.update_or_create_student(student.id, first_name=student.first_name, last_name=student.last_name,
                                    email=student.email, lms_user_id=student.lms_user_id)
    return len(students)
