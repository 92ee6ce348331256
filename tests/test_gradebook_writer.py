"""The recorder writes exactly the rows nbgrader's own ORM and AssignLatePenalties write, on sqlite and PostgreSQL.

A class is recorded twice from the same gradebook: once with nbgrader's own
calls, student by student (the way this project recorded before, and the
way ``nbgrader autograde`` does), once by :class:`Recorder` in batches. Then
every table of nbgrader's is dumped from both, ids replaced by what they
name, and compared; nbgrader's API and ``nbgrader export`` read the same.
"""

import datetime
import shutil
from pathlib import Path

import nbformat
import pytest
from nbgrader.plugins import LateSubmissionPlugin
from sqlalchemy import create_engine, select, text

from course import ASSIGNMENT, generated_course, nbgrader
from services import Postgres

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.checks.results import FAILED, PASSED, FunctionResult, SubmissionResult
from grader.course.records.counted import Counted
from grader.course.records.gradebook import Recorder, one_transaction, scores, verdicts
from grader.course.records.writer import Graded, write
from grader.course.base.layout import Submission
from grader.course.base.course import Course

DUE = datetime.datetime(2026, 3, 1, 20, 59)  # UTC, as nbgrader keeps it
HOUR = datetime.timedelta(hours=1)


class PerHour(LateSubmissionPlugin):
    """A late-penalty plugin as a course may configure one: a point an hour, with the answers nbgrader must check."""

    def late_submission_penalty(self, student_id, score, total_seconds_late):
        if student_id.startswith("forgiven"):
            return None
        if student_id.startswith("negative"):
            return -1.0
        return total_seconds_late / 3600


def result(points_lost=0, failing=()):
    """A graded submission: every function right but ``failing``, and ``points_lost`` off the first."""
    functions = []
    for index, name in enumerate(NAMES):
        points = BY_NAME[name].points
        score = 0.0 if name in failing else points - (points_lost if index == 0 else 0)
        functions.append(FunctionResult(name, score, points, FAILED if name in failing else PASSED,
                                        "неверно" if name in failing else ""))
    return SubmissionResult(tuple(functions))


UNGRADABLE = SubmissionResult(error="the notebook is not JSON")
BLANK = ("compute_cost", "update_parameters")

# (student, submitted at or None, result, unanswered): recorded first, then a human grades some of it
FIRST = [
    ("regraded", DUE - HOUR, result(1), ()),
    ("regraded_no_time", DUE + 2 * HOUR, result(), ()),
    ("regraded_on_time", DUE + 5 * HOUR, result(), ()),
]
# then the class: new students, the ones above again, late ones, an ungradable one, unanswered cells
CLASS = [
    ("on_time", DUE - 3 * HOUR, result(), ()),
    ("no_time", None, result(2), ()),
    ("regraded", DUE + 20 * HOUR, result(0, ("linear_forward",)), ()),  # late, but within their extension
    ("late", DUE + 3 * HOUR + datetime.timedelta(seconds=7), result(3), ()),
    ("very_late", DUE + 1000 * HOUR, result(0, ("L_model_backward",)), ()),  # the penalty capped at the score
    ("forgiven_late", DUE + 4 * HOUR, result(), ()),  # the plugin gives no penalty
    ("negative_late", DUE + 4 * HOUR, result(), ()),  # the plugin's negative penalty becomes 0
    ("roster_only", DUE - HOUR, result(), ()),  # on the roster, with a name, before submitting
    ("ungradable", DUE - HOUR, UNGRADABLE, ()),
    ("blank", DUE - HOUR, result(0, BLANK), BLANK),
    ("regraded_no_time", None, result(4), ()),  # keeps its time, so its penalty
    ("regraded_on_time", DUE - 2 * HOUR, result(), ()),  # its penalty goes
]


def submission(course, student, at):
    """``student``'s folder in submitted/, with ``timestamp.txt`` as nbgrader collect writes it (none for None)."""
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "timestamp.txt").unlink(missing_ok=True)
    if at is not None:
        (folder / "timestamp.txt").write_text(at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8")
    return Submission(student, folder)


def record_with_nbgrader(gb, course, items):
    """The reference: nbgrader's own calls for each student, then its own AssignLatePenalties step."""
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties

    counted = []
    for sub, graded, unanswered in items:
        with one_transaction(gb.db):
            gb.update_or_create_student(sub.student)
            gb.update_or_create_submission(ASSIGNMENT, sub.student,
                                           **({"timestamp": sub.timestamp} if sub.timestamp else {}))
            for name, score in scores(graded).items():
                grade = gb.find_grade("test_" + name, ASSIGNMENT, ASSIGNMENT, sub.student)
                grade.auto_score, grade.needs_manual_grade = score, grade.manual_score is not None
            for name, comment in verdicts(graded, unanswered).items():
                gb.find_comment(name, ASSIGNMENT, ASSIGNMENT, sub.student).auto_comment = comment
        AssignLatePenalties(config=Course.at(course).config).preprocess(nbformat.v4.new_notebook(), {"nbgrader": {
            "notebook": ASSIGNMENT, "assignment": ASSIGNMENT, "student": sub.student, "db_url": str_url(gb)}})
        with Gradebook(str_url(gb)) as fresh:
            late = fresh.find_submission(ASSIGNMENT, sub.student).total_seconds_late or 0.0
            notebook = fresh.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, sub.student)
            penalty = notebook.late_submission_penalty or 0.0
            counted.append(Counted(late, penalty, notebook.score - penalty))
    return counted


def str_url(gb):
    return gb.engine.url.render_as_string(hide_password=False)


def a_human_grades(gb):
    """What formgrader and `nbgrader db` do between the two runs: names, manual scores, a flag, an extension."""
    gb.update_or_create_student("roster_only", first_name="Анна", last_name="Иванова", email="a@example.org")
    first = "test_" + NAMES[0]
    grade = gb.find_grade(first, ASSIGNMENT, ASSIGNMENT, "regraded")
    grade.manual_score, grade.extra_credit = 2.5, 1.0
    gb.find_grade("test_" + NAMES[1], ASSIGNMENT, ASSIGNMENT, "regraded").extra_credit = 0.5
    gb.find_comment(NAMES[0], ASSIGNMENT, ASSIGNMENT, "regraded").manual_comment = "см. разбор"
    gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, "regraded").flagged = True
    gb.db.commit()
    gb.grant_extension(ASSIGNMENT, "regraded", days=1)


def dump(url):
    """Every row of nbgrader's tables, each generated id replaced by what it names (stable across gradebooks)."""
    from nbgrader.api import Base

    natural = {"assignment": ("name",), "notebook": ("assignment_id", "name"),
               "base_cell": ("notebook_id", "name", "type"), "source_cell": ("notebook_id", "name"),
               "submitted_assignment": ("assignment_id", "student_id"),
               "submitted_notebook": ("assignment_id", "notebook_id"),
               "grade": ("notebook_id", "cell_id"), "comment": ("notebook_id", "cell_id")}
    labels, tables = {}, {}
    engine = create_engine(url)
    with engine.connect() as db:
        for table in Base.metadata.sorted_tables:  # a row's references come before it
            rows = []
            for row in db.execute(select(table)).mappings():
                row = {k: labels.get(v, v) if isinstance(v, str) else v for k, v in row.items()}
                if table.name in natural:
                    labels[row["id"]] = row["id"] = "{}{}".format(table.name, tuple(row[k] for k in natural[table.name]))
                rows.append(row)
            tables[table.name] = sorted(rows, key=repr)
        tables["alembic_version"] = db.execute(text("SELECT version_num FROM alembic_version")).all()
    engine.dispose()
    return tables


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return generated_course(tmp_path_factory.mktemp("writer") / "course",
                            'c.AssignLatePenalties.plugin_class = "test_gradebook_writer.PerHour"')


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.close()


def gradebooks(course, backend, postgres_server, tmp_path):
    """Two copies of one fresh gradebook holding the assignment (with a due date): their URLs."""
    from nbgrader.api import Gradebook

    if backend == "sqlite":
        base, *urls = ("sqlite:///" + str(tmp_path / name) for name in ("base.db", "nbgrader.db", "ours.db"))
    else:
        base = postgres_server.create_database("base")
        urls = [base.rsplit("/", 1)[0] + "/" + name for name in ("nbgrader", "ours")]
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force", "--db", base)
    with Gradebook(base) as gb:
        gb.update_or_create_assignment(ASSIGNMENT, duedate=DUE)
    if backend == "sqlite":
        for url in urls:
            shutil.copy(base[len("sqlite:///"):], url[len("sqlite:///"):])
        return urls
    engine = create_engine(base.rsplit("/", 1)[0] + "/gradebook", isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        for name in ("nbgrader", "ours"):
            db.execute(text("CREATE DATABASE {} TEMPLATE base".format(name)))
    engine.dispose()
    return urls


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_recorder_writes_the_rows_nbgrader_writes(course, backend, request, tmp_path):
    from nbgrader.api import Gradebook

    server = request.getfixturevalue("postgres") if backend == "postgresql" else None
    reference, ours = gradebooks(course, backend, server, tmp_path)

    def first():
        return [(submission(course, s, at), r, blank) for s, at, r, blank in FIRST]

    def everyone():
        return [(submission(course, s, at), r, blank) for s, at, r, blank in CLASS]

    with Gradebook(reference) as gb:
        record_with_nbgrader(gb, course, first())
        a_human_grades(gb)
    with Gradebook(reference) as gb:
        expected = record_with_nbgrader(gb, course, everyone())
    recorder = Recorder(Course.at(course))
    with Gradebook(ours) as gb:
        assert recorder.record_many(gb, first()) == {}
        a_human_grades(gb)
    with Gradebook(ours) as gb:
        items = everyone()
        assert recorder.record_many(gb, items[:7]) == {} and recorder.record_many(gb, items[7:]) == {}
        counted = [recorder.record(gb, *item) for item in items]  # again, one by one: what counts, as the service asks

    # cells left unfilled keep nbgrader's defaults (this course fills every one)
    partial_scores, partial_comments = {"test_" + NAMES[2]: 1.5}, {NAMES[3]: "частично"}
    with Gradebook(reference) as gb:
        gb.update_or_create_student("partial")
        gb.update_or_create_submission(ASSIGNMENT, "partial")
        gb.find_grade("test_" + NAMES[2], ASSIGNMENT, ASSIGNMENT, "partial").auto_score = 1.5
        gb.find_grade("test_" + NAMES[2], ASSIGNMENT, ASSIGNMENT, "partial").needs_manual_grade = False
        gb.find_comment(NAMES[3], ASSIGNMENT, ASSIGNMENT, "partial").auto_comment = "частично"
        gb.db.commit()
    with Gradebook(ours) as gb, one_transaction(gb.db):
        write(gb.db, ASSIGNMENT, ASSIGNMENT, [Graded("partial", None, partial_scores, partial_comments)], None)

    assert counted == expected
    by_student = dict(zip([s for s, _, _, _ in CLASS], counted))
    assert by_student["late"] == Counted(3 * 3600 + 7, (3 * 3600 + 7) / 3600, 97 - (3 * 3600 + 7) / 3600)
    assert by_student["very_late"] == Counted(1000 * 3600, 80.0, 0.0)
    assert by_student["forgiven_late"].penalty == by_student["negative_late"].penalty == 0.0
    assert by_student["regraded"].seconds_late == 0.0 and by_student["regraded_no_time"].penalty == 2.0

    theirs, mine = dump(reference), dump(ours)
    assert len(mine["grade"]) == len(mine["comment"]) == 10 * (len(by_student) + 1)
    for table in theirs:
        assert mine[table] == theirs[table], table

    def read(url):  # nbgrader's own API reads the same scores, penalties and flags from both
        with Gradebook(url) as gb:
            return {s: (n.score, n.late_submission_penalty, n.needs_manual_grade, n.flagged,
                        gb.find_submission(ASSIGNMENT, s).total_seconds_late)
                    for s in by_student for n in [gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, s)]}
    assert read(ours) == read(reference)
    assert read(ours)["regraded"][2:4] == (True, True)  # a human's score needs their look again; the flag stays

    exported = []  # and so does nbgrader export
    for url in (reference, ours):
        out = tmp_path / "export.csv"
        proc = nbgrader(course, "export", "--db", url, "--to", str(out), check=False, timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
        exported.append(out.read_text(encoding="utf-8"))
    assert exported[0] == exported[1] and "very_late" in exported[1]
