"""A shared hub students cannot game: each attack on nbgrader's exchange, through the README's commands.

The instructor (root) runs the term as the README says -- roster, release,
collect, ``grader autograde``, export, feedback, report -- on a throwaway
exchange everyone can write, as on a hub; students are OS users of their own.
Mallory plants links to the instructor's notebook and others' files, a folder
in alice's name, a rewritten timestamp, a named pipe and /dev/zero, folder
names that are a spreadsheet formula and a terminal escape. Honest students
are collected and graded exactly, mallory gets nothing of anyone's, is late
when she is late, and nothing she named reaches a spreadsheet or a terminal
as anything but text. Then the same term through the course's server, with
no shared folder at all.
"""

import csv
import datetime
import os
import shutil
import stat
import time

import pytest

from course import ASSIGNMENT, FULL, NOTEBOOK, REPO, gradebook_scores, grader_cli, nbgrader
from corpus import solved_sources
from hub import Student, folder_exchange, instructor_side, server_exchange
from other_users import open_folder, remove_user

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS users: needs root (CI runs as root)")

SUFFIX = str(os.getpid())[-5:]
ALICE, BOB, MALLORY = ("hub-{}-{}".format(n, SUFFIX) for n in ("alice", "bob", "mallory"))
ESCAPE = "\x1b]0;pwned\x07"
WRONG_COST = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")


@pytest.fixture(scope="module")
def hub():
    root, exchange, course = instructor_side("grader-hub-attack-", "c.LateSubmissionPlugin.penalty_method = 'zero'")
    try:
        config = folder_exchange(exchange)
        yield {"root": root, "course": course, "exchange": exchange,
               **{key: Student(name, root, config) for key, name in (("alice", ALICE), ("bob", BOB),
                                                                      ("mallory", MALLORY))}}
    finally:
        for name in (ALICE, BOB, MALLORY):
            remove_user(name)
        shutil.rmtree(root, ignore_errors=True)


def _inbound(hub):
    return hub["exchange"] / "dnn_step_by_step" / "inbound"


def _plant(hub, name, owner, files=(), links=(), pipes=()):
    """A folder in the exchange's inbound named ``name``, made by ``owner`` as they could."""
    folder = _inbound(hub) / name
    folder.mkdir()
    for file, text in files:
        (folder / file).write_text(text, encoding="utf-8")
    for link, target in links:
        (folder / link).symlink_to(target)
    for pipe in pipes:
        os.mkfifo(folder / pipe)
    for path in [folder] + list(folder.iterdir()):
        os.lchown(path, owner.uid, owner.uid)
    return folder


@pytest.fixture(scope="module")
def term(hub):
    """The README's term with mallory's attacks; each step's output kept for the tests below."""
    course, alice, bob, mallory = hub["course"], hub["alice"], hub["bob"], hub["mallory"]
    for student in (alice, bob, mallory):
        student.uid = int(student.python("import os; print(os.getuid())").stdout)
    log = {}
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    assert grader_cli(course, "config", "resubmission", "latest").returncode == 0  # late replaces: see below
    for name in (ALICE, BOB, MALLORY):
        nbgrader(course, "db", "student", "add", name)
    nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
    for student in (alice, bob, mallory):
        student.nbgrader("fetch_assignment", ASSIGNMENT)
    alice.answer(solved_sources())
    bob.answer(dict(solved_sources(), compute_cost=WRONG_COST))
    alice.nbgrader("submit", ASSIGNMENT)
    bob.nbgrader("submit", ASSIGNMENT)
    stamp = datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    # Mallory's own submission: a notebook that is a link to the instructor's, links to others' files.
    source = course / "source" / ASSIGNMENT / NOTEBOOK
    _plant(hub, "{}+{}+{}+links".format(MALLORY, ASSIGNMENT, stamp), mallory,
           links=[(NOTEBOOK, source), ("alice.ipynb", alice.notebook), ("shadow", "/etc/shadow"),
                  ("reference", REPO / "reference_solution")])
    # A folder in alice's name, dated 2099 so that it stays "latest", with a secret mallory chose.
    _plant(hub, "{}+{}+2099-01-01 00:00:00.000000 UTC+planted".format(ALICE, ASSIGNMENT), mallory,
           files=[(NOTEBOOK, (REPO / "release" / ASSIGNMENT / NOTEBOOK).read_text(encoding="utf-8")),
                  ("submission_secret.txt", "mallorys-own-secret")])
    # Names that are a formula and a terminal escape.
    for name in ('=HYPERLINK("evil.example","open me")', ESCAPE):
        _plant(hub, "{}+{}+{}".format(name, ASSIGNMENT, stamp), mallory, files=[(NOTEBOOK, "{}")])
    started = time.monotonic()
    log["collect"] = nbgrader(course, "collect", ASSIGNMENT, check=False, timeout=300)
    log["collect seconds"] = time.monotonic() - started
    log["grade 1"] = grader_cli(course, "autograde")
    log["scores 1"] = gradebook_scores(course)

    # The deadline passes; bob fixes his notebook and resubmits, late; mallory submits late too
    # and then rewrites her timestamp.txt to a time before the deadline.
    nbgrader(course, "db", "assignment", "add", ASSIGNMENT, "--duedate",
             datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M:%S UTC"))
    time.sleep(1.1)
    bob.answer(solved_sources())
    bob.nbgrader("submit", ASSIGNMENT)
    mallory.answer(solved_sources())
    mallory.nbgrader("submit", ASSIGNMENT)
    # ... then puts a named pipe and a link to /dev/zero beside it and rewrites its timestamp.txt.
    latest = max(_inbound(hub).glob(MALLORY + "+*"), key=lambda p: p.stat().st_ctime)
    log["rewrite"] = mallory.python(
        "import os; os.mkfifo({0!r}); os.symlink('/dev/zero', {1!r}); "
        "open({2!r}, 'w').write('2020-01-01 00:00:00.000000 UTC')".format(
            str(latest / "data.bin"), str(latest / "zeros.bin"), str(latest / "timestamp.txt")))
    started = time.monotonic()
    log["collect 2"] = nbgrader(course, "collect", "--update", ASSIGNMENT, check=False, timeout=300)
    log["collect 2 seconds"] = time.monotonic() - started
    log["grade 2"] = grader_cli(course, "autograde")
    log["scores 2"] = gradebook_scores(course)
    log["export"] = grader_cli(course, "export", "--csv", str(course / "grades.csv"), "--json",
                               str(course / "grades.json"))
    log["scores table"] = grader_cli(course, "scores")
    log["feedback"] = grader_cli(course, "feedback")
    log["report"] = grader_cli(course, "report", "--output", str(course / "reports" / "class_report.html"))
    log["release"] = nbgrader(course, "release_feedback", ASSIGNMENT, check=False)
    for key in ("alice", "bob", "mallory"):
        log["fetch " + key] = hub[key].run("nbgrader", "fetch_feedback", ASSIGNMENT)
    return log


def test_collect_names_each_refusal_and_prints_no_escape(term):
    collect = term["collect"]
    assert collect.returncode == 0, collect.stderr[-3000:]
    assert "planted in another's name" in collect.stderr
    assert "not a student id" in collect.stderr
    # her notebook was a link: nothing of hers to collect
    assert "no notebook of the student's own in the submission (expected dnn_step_by_step.ipynb)" in collect.stderr
    assert "\x1b" not in collect.stdout + collect.stderr


def test_collect_finishes_despite_a_named_pipe_and_dev_zero(hub, term):
    assert term["rewrite"].returncode == 0, term["rewrite"].stderr  # she could: the folder is hers
    assert term["collect 2"].returncode == 0, term["collect 2"].stderr[-3000:]
    assert term["collect 2 seconds"] < 120  # nothing waited on the pipe or read /dev/zero to the end
    collected = hub["course"] / "submitted" / MALLORY / ASSIGNMENT
    assert (collected / NOTEBOOK).is_file()
    assert not (collected / "data.bin").exists() and not (collected / "zeros.bin").exists()


def test_honest_students_are_collected_and_graded_exactly(term):
    assert term["grade 1"].returncode == 0, term["grade 1"].stderr
    scores = term["scores 1"]
    assert scores[ALICE] == FULL and scores[BOB] == dict(FULL, test_compute_cost=0.0)
    assert MALLORY not in scores or sum(scores[MALLORY].values()) == 0  # a link to the solution earns nothing


def test_nothing_a_link_pointed_at_was_collected(hub, term):
    collected = hub["course"] / "submitted" / MALLORY / ASSIGNMENT
    for path in collected.rglob("*") if collected.exists() else []:
        assert not path.is_symlink()
        text = path.read_bytes()
        assert b"BEGIN SOLUTION" not in text and b"root:" not in text, path


def test_a_folder_planted_in_another_name_changes_nothing_of_theirs(hub, term):
    submitted = hub["course"] / "submitted" / ALICE / ASSIGNMENT
    assert "mallorys-own-secret" not in (submitted / "submission_secret.txt").read_text()
    assert term["scores 2"][ALICE] == FULL
    assert term["fetch alice"].returncode == 0, term["fetch alice"].stderr


def test_late_is_late_whatever_the_student_wrote_in_timestamp_txt(hub, term):
    assert term["grade 2"].returncode == 0, term["grade 2"].stderr
    scores = term["scores 2"]
    rows = {r["student"]: r for r in csv.DictReader((hub["course"] / "grades.csv").open(encoding="utf-8"))}
    assert rows[BOB]["status"] == rows[MALLORY]["status"] == "late"
    assert float(rows[BOB]["total"]) == float(rows[MALLORY]["total"]) == 0.0  # the course's penalty: zero
    assert sum(scores[BOB].values()) == sum(scores[MALLORY].values()) == 100  # graded in full, then penalized


def test_no_name_a_student_chose_is_a_formula_or_an_escape_for_the_instructor(hub, term):
    table = (hub["course"] / "grades.csv").read_text(encoding="utf-8")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in csv.reader(table.splitlines()) for cell in row)
    assert "HYPERLINK" not in table
    for run in ("grade 1", "grade 2", "scores table", "export"):
        assert "\x1b" not in term[run].stdout + term[run].stderr, run


def test_everything_the_grader_wrote_is_the_instructors_alone(hub, term):
    course = hub["course"]
    written = [course / "gradebook.db", course / "grades.csv", course / "grades.json",
               course / "reports" / "class_report.html"]
    for folder in ("submitted", "autograded", "feedback"):
        written += list((course / folder).rglob("*"))
    assert written
    for path in written:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode & 0o077 == 0, (path, oct(mode))
    peek = hub["bob"].python("print(open({!r}).read()[:10])".format(str(course / "grades.csv")))
    assert peek.returncode != 0 and "PermissionError" in peek.stderr


def test_the_database_password_never_goes_on_the_command_line(tmp_path):
    from course import generated_course

    course = generated_course(tmp_path / "course")
    refused = grader_cli(course, "config", "db-url", "postgresql://grader:SECRET@db.example.org/dnn")
    assert refused.returncode == 2 and "never on the command line" in refused.stderr
    assert not (course / "grader_settings.json").exists()
    taken = grader_cli(course, "config", "db-url", input="sqlite:///{}\n".format(course / "gradebook.db"))
    assert taken.returncode == 0, taken.stderr
    assert oct(stat.S_IMODE((course / "grader_settings.json").stat().st_mode)) == "0o600"


# --- the same term through the course's server: no shared folder --------------------------------------

@pytest.fixture(scope="module")
def served(hub):
    from service_helpers import Service

    root = open_folder("grader-hub-served-")
    students = ("served-a-" + SUFFIX, "served-b-" + SUFFIX)
    server = Service(root, list(students), "--timeout", "5", "--per-minute", "20")
    client = (REPO / "grader" / "client.py").read_bytes()  # what /client.py serves
    config = server_exchange(server.url)
    try:
        yield {"server": server, **{key: Student(name, root, config, client=client, token=server.tokens[name])
                                    for key, name in zip(("a", "b"), students)}}
    finally:
        server.stop()
        for name in students:
            remove_user(name)
        shutil.rmtree(root, ignore_errors=True)


def test_students_fetch_submit_and_fetch_feedback_through_the_server(served):
    a, b, server = served["a"], served["b"], served["server"]
    for student in (a, b):
        student.nbgrader("fetch_assignment", ASSIGNMENT)
        assert student.notebook.is_file() and (student.home / ASSIGNMENT / "dnn_utils.py").is_file()
    a.answer(solved_sources())
    b.answer(dict(solved_sources(), compute_cost=WRONG_COST))
    submitted_a, submitted_b = a.nbgrader("submit", ASSIGNMENT), b.nbgrader("submit", ASSIGNMENT)
    assert "всего" in submitted_a.stderr and "100/100" in submitted_a.stderr, submitted_a.stderr
    assert "compute_cost" in submitted_b.stderr and "95/100" in submitted_b.stderr, submitted_b.stderr
    for student, total in ((a, "100 из 100"), (b, "95 из 100")):
        student.nbgrader("fetch_feedback", ASSIGNMENT)
        pages = list((student.home / ASSIGNMENT / "feedback").glob("*/" + ASSIGNMENT + ".html"))
        assert len(pages) == 1 and total in pages[0].read_text(encoding="utf-8"), pages
    listed = a.nbgrader("list", "--inbound")
    assert ASSIGNMENT in listed.stdout + listed.stderr
    scores = gradebook_scores(server.course)
    assert scores[a.name] == FULL and scores[b.name] == dict(FULL, test_compute_cost=0.0)


def test_without_a_token_nothing_is_fetched_or_submitted(served):
    a = served["a"]
    (a.home / ".grader_token").unlink()
    try:
        refused = a.run("nbgrader", "fetch_feedback", ASSIGNMENT)
        assert refused.returncode != 0 and "токен" in refused.stdout + refused.stderr
    finally:
        a.write(".grader_token", served["server"].tokens[a.name] + "\n", mode=0o600)
