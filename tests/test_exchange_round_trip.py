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

from course import ASSIGNMENT, FULL, gradebook_scores, grader_cli, nbgrader, read
from corpus import solved_sources
from hub import Student, folder_exchange, instructor_side, readme_student_commands
from other_users import remove_user


pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS users: needs root (CI runs as root)")

WRONG_COST = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")  # the lab's table shows it
SUFFIX = str(os.getpid())[-5:]
ALICE, BOB = "dnn-alice-" + SUFFIX, "dnn-bob-" + SUFFIX
@pytest.fixture(scope="module")
def hub():
    root, exchange, course = instructor_side("grader-hub-")
    try:
        config = folder_exchange(exchange)
        students = {"alice": Student(ALICE, root, config), "bob": Student(BOB, root, config)}
        yield {"course": course, "exchange": exchange, **students}
    finally:
        for name in (ALICE, BOB):
            remove_user(name)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def term(hub):
    """The whole cycle, step by step, students typing the README's commands; each step's output kept."""
    course, alice, bob = hub["course"], hub["alice"], hub["bob"]
    said = readme_student_commands()
    log = {}
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    for name in (ALICE, BOB):  # the roster: collect takes only its students' work
        nbgrader(course, "db", "student", "add", name)
    nbgrader(course, "release_assignment", ASSIGNMENT, "--force")
    for student in (alice, bob):
        student.nbgrader(*said["fetch_assignment"][1:])
    alice.answer(solved_sources())
    bob.answer(dict(solved_sources(), compute_cost=WRONG_COST))
    log["validate alice"], log["validate bob"] = _validate(alice), _validate(bob)
    for student in (alice, bob):
        student.nbgrader(*said["submit"][1:])
    nbgrader(course, "collect", ASSIGNMENT)
    log["grade 1"] = grader_cli(course, "autograde")
    log["scores 1"] = gradebook_scores(course)

    bob.answer(solved_sources())  # bob reads Validate's message, fixes compute_cost, resubmits
    log["validate bob again"] = _validate(bob)
    bob.nbgrader(*said["submit"][1:])
    nbgrader(course, "collect", "--update", ASSIGNMENT)
    log["grade 2"] = grader_cli(course, "autograde")
    log["scores 2"] = gradebook_scores(course)
    log["feedback"] = grader_cli(course, "feedback")
    log["release"] = nbgrader(course, "release_feedback", ASSIGNMENT, check=False)
    for key, student in (("alice", alice), ("bob", bob)):
        log["fetch " + key] = student.run(*said["fetch_feedback"])
    return log


def _validate(student):
    return student.run(*readme_student_commands()["validate"])


def test_the_readme_gives_students_the_four_commands_of_a_term():
    assert list(readme_student_commands()) == ["fetch_assignment", "validate", "submit", "fetch_feedback"]


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
