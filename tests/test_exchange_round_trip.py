"""A class on a shared machine: nbgrader's whole student cycle, students as OS users of their own.

The instructor (root) releases through a throwaway nbgrader exchange; two
students -- separate OS users, each running nbgrader from an environment of
their own -- fetch, validate, submit; the instructor collects and grades with
``grader autograde``; one student fixes a mistake the lab's table shows and
resubmits; ``collect --update`` and a second ``grader autograde`` regrade only
them; ``grader feedback`` and ``release_feedback``; both fetch their pages.
Neither can see the other's submission or feedback.
"""

import html
import os
import shutil
from pathlib import Path

import pytest

from course import ASSIGNMENT, FULL, NOTEBOOK, copy_course, gradebook_scores, grader_cli, nbgrader, read, with_answers
from corpus import solved_sources
from other_users import create_user, environment_for, open_folder, remove_user, run_as


pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS users: needs root (CI runs as root)")

WRONG_COST = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")  # the lab's table shows it
SUFFIX = str(os.getpid())[-5:]
ALICE, BOB = "dnn-alice-" + SUFFIX, "dnn-bob-" + SUFFIX
STUDENT_CONFIG = """c = get_config()
c.Exchange.root = {exchange!r}
c.CourseDirectory.course_id = "dnn_step_by_step"
"""


class Student:
    def __init__(self, name, root, exchange):
        self.name, self.home = name, root / name
        create_user(name, self.home)
        self.bin = environment_for(root / (name + "-env"), name)
        config = self.home / ".jupyter" / "nbgrader_config.py"
        config.parent.mkdir()
        config.write_text(STUDENT_CONFIG.format(exchange=str(exchange)), encoding="utf-8")
        shutil.chown(config.parent, name, name)
        shutil.chown(config, name, name)

    def run(self, *command):
        return run_as(self.name, [str(self.bin / command[0]), *command[1:]], self.bin, self.home, self.home)

    def nbgrader(self, *args):
        proc = self.run("nbgrader", *args)
        assert proc.returncode == 0, (self.name, args, proc.stdout[-2000:], proc.stderr[-3000:])
        return proc

    @property
    def notebook(self):
        return self.home / ASSIGNMENT / NOTEBOOK

    def answer(self, sources):
        """Write answers into the fetched notebook, as the student would in Jupyter."""
        import nbformat

        nbformat.write(with_answers(read(self.notebook), sources), str(self.notebook))
        shutil.chown(self.notebook, self.name, self.name)

    def validate(self):
        return self.run("nbgrader", "validate", str(self.notebook))

    def python(self, code):
        return self.run("python", "-c", code)


@pytest.fixture(scope="module")
def hub():
    root = open_folder("grader-hub-")
    exchange = root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = copy_course(root / "course")
    course.chmod(0o700)  # the instructor's course is theirs alone
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("\nc.Exchange.root = {!r}\n".format(str(exchange)))
    try:
        students = {"alice": Student(ALICE, root, exchange), "bob": Student(BOB, root, exchange)}
        yield {"course": course, "exchange": exchange, **students}
    finally:
        for name in (ALICE, BOB):
            remove_user(name)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def term(hub):
    """The whole cycle, step by step; each step's output kept for the tests below."""
    course, alice, bob = hub["course"], hub["alice"], hub["bob"]
    log = {}
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
    for student in (alice, bob):
        student.nbgrader("fetch_assignment", ASSIGNMENT)
    alice.answer(solved_sources())
    bob.answer(dict(solved_sources(), compute_cost=WRONG_COST))
    log["validate alice"], log["validate bob"] = alice.validate(), bob.validate()
    for student in (alice, bob):
        student.nbgrader("submit", ASSIGNMENT)
    nbgrader(course, "collect", ASSIGNMENT)
    log["grade 1"] = grader_cli(course, "autograde")
    log["scores 1"] = gradebook_scores(course)

    bob.answer(solved_sources())  # bob reads Validate's message, fixes compute_cost, resubmits
    log["validate bob again"] = bob.validate()
    bob.nbgrader("submit", ASSIGNMENT)
    nbgrader(course, "collect", "--update", ASSIGNMENT)
    log["grade 2"] = grader_cli(course, "autograde")
    log["scores 2"] = gradebook_scores(course)
    log["feedback"] = grader_cli(course, "feedback")
    log["release"] = nbgrader(course, "release_feedback", ASSIGNMENT, check=False)
    for key, student in (("alice", alice), ("bob", bob)):
        log["fetch " + key] = student.run("nbgrader", "fetch_feedback", ASSIGNMENT)
    return log


def test_validate_passes_a_right_notebook_and_names_the_wrong_function(term):
    alice, bob = term["validate alice"], term["validate bob"]
    assert alice.returncode == 0 and "Success! Your notebook passes all the tests." in alice.stdout, alice.stdout
    assert "VALIDATION FAILED" in bob.stdout and "compute_cost: не совпадает" in bob.stdout, bob.stdout
    assert "linear_forward" not in bob.stdout.split("VALIDATION FAILED")[1].split("compute_cost")[0]
    fixed = term["validate bob again"]
    assert "Success! Your notebook passes all the tests." in fixed.stdout, fixed.stdout


def test_the_collected_class_is_graded_and_a_resubmission_only_is_graded_again(term):
    assert term["grade 1"].returncode == 0, term["grade 1"].stderr
    assert term["scores 1"] == {ALICE: FULL, BOB: dict(FULL, test_compute_cost=0.0)}
    assert term["grade 2"].returncode == 0 and "graded 1 submission(s)" in term["grade 2"].stderr
    assert term["scores 2"] == {ALICE: FULL, BOB: FULL}


def _fetched_pages(student):
    return sorted((student.home / ASSIGNMENT / "feedback").glob("*/" + ASSIGNMENT + ".html"))


def test_feedback_is_released_and_each_student_fetches_their_own_page(term, hub):
    assert term["feedback"].returncode == 0, term["feedback"].stderr
    assert term["release"].returncode == 0, term["release"].stderr
    reference = (Path(__file__).resolve().parents[1] / "reference_solution" / "__init__.py").read_text()
    secret_lines = {" ".join(l.split()) for l in reference.splitlines() if len(l.strip()) > 25}
    for key, name in (("alice", ALICE), ("bob", BOB)):
        assert term["fetch " + key].returncode == 0, term["fetch " + key].stderr
        pages = _fetched_pages(hub[key])
        assert len(pages) == 1, pages
        page = pages[0].read_text(encoding="utf-8")
        assert "Студент: <b>{}</b>".format(name) in page and "итог: <b>100 из 100</b>" in page
        assert "compute_cost" in page and "BEGIN HIDDEN" not in page and "reference_solution" not in page
        shown = {" ".join(l.split()) for l in html.unescape(page).splitlines()}
        own = {" ".join(l.split()) for c in read(hub[key].notebook).cells for l in c.source.splitlines()}
        assert not {l for l in secret_lines & shown if l not in own}  # no reference line that is not theirs


def test_a_student_sees_neither_the_others_submission_nor_their_feedback(term, hub):
    exchange, bob = hub["exchange"], hub["bob"]
    for folder in ("inbound", "feedback"):
        listing = bob.python("import os; print(os.listdir({!r}))".format(str(exchange / ASSIGNMENT / folder)))
        assert listing.returncode != 0 and "PermissionError" in listing.stderr, (folder, listing.stdout)
    peek = bob.python("print(open({!r}).read()[:10])".format(str(hub["alice"].notebook)))
    assert peek.returncode != 0 and "PermissionError" in peek.stderr
    pages_before = _fetched_pages(bob)
    other = bob.run("nbgrader", "fetch_feedback", ASSIGNMENT, "--student", ALICE)
    assert _fetched_pages(bob) == pages_before, other.stderr  # without alice's secret there is nothing to fetch
    assert ALICE not in "".join(str(p) for p in bob.home.rglob("*"))
