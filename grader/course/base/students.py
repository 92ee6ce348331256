"""Student ids: one rule, checked wherever an id enters the course.

An id becomes a folder name, a gradebook key, a CSV cell and a line on an
instructor's terminal, and on a shared hub it comes from a folder a student
named. So an id is a word -- letters of any alphabet, digits, ``_`` -- that
may go on with ``.``, ``@`` or ``-``, at most 64 characters: no markup, no
spreadsheet formula (``=``, ``+``, ``-``, ``@`` cannot start it), no path, no
control character, no ``+`` (nbgrader's separator in the exchange).
"""

import re

_ID = re.compile(r"\w[\w.@-]{0,63}")


def is_student_id(text):
    return isinstance(text, str) and _ID.fullmatch(text) is not None


def roster(gb):
    """The ids of the students the gradebook knows (``nbgrader db student add/import``)."""
    return {student.id for student in gb.students}
