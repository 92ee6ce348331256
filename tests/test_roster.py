"""`grader roster FILE`: the class from a spreadsheet's CSV, as nbgrader's own import refuses it."""

import subprocess
import sys

from hypothesis import given, settings, strategies as st

from course import generated_course, gradebook_students, grader_cli, nbgrader, tool_env

from grader.course.records.roster import RosterRefused, read_roster

EXCEL_RU = "\ufeffID;First name;Last name;Email;LMS user id\r\nivanov;Иван;Иванов;ivanov@example.org;101\r\n" \
           "petrova;Анна;Петрова;;\r\n;;;;\r\n"


def test_a_russian_spreadsheet_s_roster_is_imported_where_nbgrader_s_import_fails(tmp_path):
    course = generated_course(tmp_path / "course")
    (course / "roster.csv").write_bytes(EXCEL_RU.encode("utf-8"))
    stock = nbgrader(course, "db", "student", "import", "roster.csv", check=False)
    assert "must contain a column for 'id'" in stock.stdout + stock.stderr  # why this command exists
    proc = grader_cli(course, "roster", course / "roster.csv")
    assert proc.returncode == 0 and "imported 2 student(s)" in proc.stdout, proc.stderr
    listed = nbgrader(course, "db", "student", "list")
    listed = listed.stdout + listed.stderr
    assert "ivanov (Иванов, Иван) -- ivanov@example.org, 101" in listed
    assert "petrova (Петрова, Анна) -- None, None" in listed
    exported = grader_cli(course, "export", "--canvas", tmp_path / "c.csv")
    assert exported.returncode == 0 and "\"Иванов, Иван\",101,ivanov" in (tmp_path / "c.csv").read_text("utf-8")


def test_a_bad_line_is_named_and_nothing_is_written(tmp_path):
    course = generated_course(tmp_path / "course")
    (course / "bad.csv").write_text("id,email\nok,a@b.c\n=cmd|calc,x@y.z\n", encoding="utf-8")
    proc = grader_cli(course, "roster", course / "bad.csv")
    assert proc.returncode == 2 and "line 3" in proc.stderr and "not a student id" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert gradebook_students(course) == []


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.from_regex(r"\w[\w.@-]{0,20}", fullmatch=True), st.text(max_size=12)),
                min_size=1, max_size=8, unique_by=lambda row: row[0]),
       st.sampled_from([",", ";", "\t"]), st.booleans())
def test_any_delimiter_and_mark_reads_back_the_same_students(rows, delimiter, mark):
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(["id", "last_name"])
    writer.writerows(rows)
    data = ("\ufeff" if mark else "") + out.getvalue()
    try:
        read = read_roster(data.encode("utf-8"))
    except RosterRefused as refused:  # only an id the course's rule refuses
        assert "not a student id" in str(refused)
        return
    assert [(s.id, s.last_name or "") for s in read] == [(i, n.strip()) for i, n in rows]
