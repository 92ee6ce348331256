"""`grader export --moodle/--canvas`: files each LMS imports, read back by that LMS's rules.

A real course: the roster as nbgrader's ``db student import`` writes it (names, emails, LMS ids),
a class graded by ``grader autograde`` (right, one slip, blank, late, missing),
then each file parsed the way its LMS parses an import and held to the
gradebook's own export.
"""

import csv
import io
import json

import pytest

from course import (ASSIGNMENT, RELEASE_NB, generated_course, gradebook_add, grader_cli, read, solved_submission,
                    submit, with_answers)

from grader.checks.graded_functions import BY_NAME, NAMES

MAX = sum(BY_NAME[n].points for n in NAMES)
ROSTER = """id,first_name,last_name,email,lms_user_id
anna,Анна,Иванова,anna@example.org,1001
boris,Борис,Петров,boris@example.org,1002
vera,=HYPERLINK("x"),Сидорова,vera@example.org,
gleb,,,,1004
late,Лев,Поздний,late@example.org,1005
"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("lms"), 'c.LateSubmissionPlugin.penalty_method = "zero"')
    gradebook_add(course, csv.DictReader(io.StringIO(ROSTER)), duedate="2030-01-01 00:00:00 UTC")
    solved = solved_submission()
    submit(course, "anna", solved)
    submit(course, "boris", with_answers(solved, {"linear_forward": "def linear_forward(A, W, b):\n"
                                                                     "    Z = W.T @ A + b\n"
                                                                     "    return Z, (A, W, b)\n"}))
    submit(course, "vera", read(RELEASE_NB))  # blank: the release as it was handed out
    late = submit(course, "late", solved)
    (late.parent / "timestamp.txt").write_text("2031-01-02 00:00:00 UTC", encoding="utf-8")
    # gleb has submitted nothing
    proc = grader_cli(course, "autograde")
    assert proc.returncode == 0, proc.stderr
    out = course / "out"
    out.mkdir()
    proc = grader_cli(course, "export", "--json", out / "grades.json", "--moodle", out / "moodle.csv",
                      "--canvas", out / "canvas.csv")
    assert proc.returncode == 0, proc.stderr
    assert "moodle.csv" in proc.stdout and "canvas.csv" in proc.stdout
    totals = {s["student"]: s for s in json.loads((out / "grades.json").read_text("utf-8"))["students"]}
    return course, out, totals


def read_moodle(path):
    """Moodle's CSV import: UTF-8 (no byte-order mark glued to the first header), a header row, rows as
    long as it, each user found by its 'ID number' or 'Email address', a grade that is empty or a
    number with a decimal point within [0, max]."""
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    header, body = [h.strip() for h in rows[0]], rows[1:]
    assert {"ID number", "Email address"} <= set(header)
    grade, notes = header.index(ASSIGNMENT), header.index(ASSIGNMENT + " (feedback)")
    found = {}
    for row in body:
        assert len(row) == len(header)
        record = dict(zip(header, row))
        assert record["ID number"] and record["ID number"] not in found
        value = record[ASSIGNMENT]
        assert value == "" or 0 <= float(value) <= MAX
        assert "," not in value
        found[record["ID number"]] = (value, record["Email address"], row[notes], row[grade])
    return found


def read_canvas(path):
    """Canvas's gradebook import: the five identity columns first, exactly; a 'Points Possible' row
    whose assignment cell is the maximum; each student found by ID (digits) or SIS User ID; a score
    empty or numeric."""
    rows = list(csv.reader(io.StringIO(path.read_text("utf-8"), newline="")))
    header = rows[0]
    assert tuple(header[:5]) == ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
    assert header[5:] == [ASSIGNMENT]
    points = rows[1]
    assert points[0].strip() == "Points Possible" and float(points[5]) == MAX
    found = {}
    for row in rows[2:]:
        assert len(row) == len(header)
        name, canvas_id, sis_id, _, _, score = row
        assert canvas_id == "" or canvas_id.isdigit()
        assert canvas_id or sis_id
        assert score == "" or 0 <= float(score) <= MAX
        found[sis_id] = (name, canvas_id, score)
    return found


def test_moodle_file_holds_every_student_with_the_grade_that_counts(graded):
    _, out, totals = graded
    moodle = read_moodle(out / "moodle.csv")
    assert set(moodle) == set(totals) == {"anna", "boris", "vera", "gleb", "late"}
    assert float(moodle["anna"][0]) == MAX and moodle["anna"][1] == "anna@example.org"
    assert float(moodle["boris"][0]) == totals["boris"]["total"] == MAX - BY_NAME["linear_forward"].points
    assert "linear_forward 0 из {}".format(BY_NAME["linear_forward"].points) in moodle["boris"][2]
    assert float(moodle["vera"][0]) == totals["vera"]["total"] == 0 and "пустой" in moodle["vera"][2]
    assert moodle["gleb"][0] == "" and moodle["gleb"][2] == "Работа не сдана."  # no grade, not a zero
    assert float(moodle["late"][0]) == 0 and "с опозданием" in moodle["late"][2] and "штраф 100" in moodle["late"][2]


def test_canvas_file_matches_students_by_canvas_id_then_sis_id(graded):
    _, out, totals = graded
    canvas = read_canvas(out / "canvas.csv")
    assert set(canvas) == set(totals)
    assert canvas["anna"] == ("Иванова, Анна", "1001", "100")
    assert canvas["gleb"] == ("gleb", "1004", "")
    assert canvas["vera"][1] == "" and float(canvas["vera"][2]) == totals["vera"]["total"]
    assert float(canvas["late"][2]) == 0


def test_a_name_like_a_formula_stays_text(graded):
    _, out, _ = graded
    for name in ("moodle.csv", "canvas.csv"):
        cells = [c for row in csv.reader(io.StringIO((out / name).read_text("utf-8"))) for c in row]
        assert not any(c.startswith("=") for c in cells), name
        assert any("HYPERLINK" in c for c in cells)


def test_the_column_can_name_an_existing_canvas_assignment(graded, tmp_path):
    course, _, _ = graded
    proc = grader_cli(course, "export", "--canvas", tmp_path / "c.csv", "--lms-column", "Lab 4 (12345)")
    assert proc.returncode == 0, proc.stderr
    header = next(csv.reader(io.StringIO((tmp_path / "c.csv").read_text("utf-8"))))
    assert header[-1] == "Lab 4 (12345)"
    assert (tmp_path / "c.csv").stat().st_mode & 0o077 == 0
