"""Which submission counts: the resubmission policy and per-student extensions, on every path.

A late resubmission used to replace an on-time grade silently. Now the course
chooses (``grader config resubmission``): ``on-time-latest`` (default),
``latest`` or ``best``; the service warns before a late resubmission and takes
it only confirmed; ``grader extend`` writes nbgrader's own extension, which
every path reads. All against real nbgrader, a real gradebook, a real server.
"""

import csv
import datetime
import os
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from course import (ASSIGNMENT, FULL, NOTEBOOK, copied_course, generated_course, gradebook_add, gradebook_scores,
                    grader_cli, nbgrader, solved_submission, submit, with_answers)
from corpus import solved_sources
from hostile import as_text
from service_helpers import Service, call
from test_term import submit_cli

WRONG_COST = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
WRONG = with_answers(solved_submission(), {"compute_cost": WRONG_COST})
PARTIAL = dict(FULL, test_compute_cost=0.0)
DUE, FAR = "2026-06-01 00:00:00 UTC", "2099-01-01 00:00:00 UTC"
ON_TIME, LATE, EXTENDED_LATE = "2026-05-30 10:00:00.000000 UTC", "2026-06-02 09:00:00.000000 UTC", \
    "2026-06-03 09:00:00.000000 UTC"

# Per policy: what the gradebook holds after an on-time submission and a late one, and the export's status.
# "improves": wrong on time, then right late; "worsens": right on time, then wrong late (no late penalty).
EXPECTED = {
    "on-time-latest": {"improves": (PARTIAL, "graded"), "worsens": (FULL, "graded")},
    "latest": {"improves": (FULL, "late"), "worsens": (PARTIAL, "late")},
    "best": {"improves": (FULL, "late"), "worsens": (FULL, "graded")},
}


def _place(course, student, notebook, when):
    submit(course, student, notebook)
    (course / "submitted" / student / ASSIGNMENT / "timestamp.txt").write_text(when, encoding="utf-8")


def _grade(course, path):
    if path == "grader autograde":
        run = grader_cli(course, "autograde")
    else:
        run = nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert run.returncode == 0, run.stdout[-2000:] + run.stderr[-3000:]
    return run


def _export(course):
    run = grader_cli(course, "export")
    assert run.returncode == 0, run.stderr
    return {row["student"]: row for row in csv.DictReader(run.stdout.splitlines())}


def _feedback(course, *students):
    """{student: their feedback page}, made by one ``grader feedback`` run."""
    if not students:
        return {}
    made = grader_cli(course, "feedback", *[arg for s in students for arg in ("--student", s)])
    assert made.returncode == 0, made.stderr
    return {s: (course / "feedback" / s / ASSIGNMENT / (ASSIGNMENT + ".html")).read_text(encoding="utf-8")
            for s in students}


@pytest.fixture(scope="module")
def graded_on_time(tmp_path_factory):
    """``graded_on_time(path)``: a course whose two students' on-time submissions ``path`` graded, made once per
    path and copied by each policy's test. The policy is read when a submission is graded and a first grade
    counts under every policy, so the policy is chosen after this grading, on the copy."""
    made = {}

    def course_graded_by(path):
        if path not in made:
            course = generated_course(tmp_path_factory.mktemp("on_time") / "course",
                                      'c.LateSubmissionPlugin.penalty_method = "none"')
            gradebook_add(course, duedate=DUE)
            _place(course, "improves", WRONG, ON_TIME)
            _place(course, "worsens", solved_submission(), ON_TIME)
            _grade(course, path)
            made[path] = course
        return made[path]
    return course_graded_by


@pytest.mark.parametrize("policy", sorted(EXPECTED))
@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
def test_a_late_resubmission_counts_as_the_course_chooses(graded_on_time, tmp_path, path, policy):
    course = copied_course(graded_on_time(path), tmp_path / "course")
    assert gradebook_scores(course)["improves"] == PARTIAL and gradebook_scores(course)["worsens"] == FULL
    if policy != "on-time-latest":  # the default needs no setting
        chosen = grader_cli(course, "config", "resubmission", policy)
        assert chosen.returncode == 0 and "resubmission: " + policy in chosen.stdout, chosen.stderr

    _place(course, "improves", solved_submission(), LATE)
    _place(course, "worsens", WRONG, LATE)
    run = _grade(course, path)

    scores, exported = gradebook_scores(course), _export(course)
    for student, (counted, status) in EXPECTED[policy].items():
        assert scores[student] == counted, (student, scores[student])
        assert exported[student]["status"] == status, (student, exported[student])
    kept_out = sorted(s for s, (counted, _) in EXPECTED[policy].items() if counted != {"improves": FULL,
                                                                                        "worsens": PARTIAL}[s])
    said = run.stderr + run.stdout
    pages = _feedback(course, *kept_out)
    for student in kept_out:
        assert "{}: resubmission graded".format(student) in said and "not counted ({})".format(policy) in said
        page = pages[student]  # the counted submission's page, saying the latest was not counted
        assert "Эта работа проверена, но не засчитана" in page
        if student == "worsens":  # the page shows the counted (right) code, not the late wrong one
            assert "(-1 / m)" in page

    again = _grade(course, path)  # nothing new: nobody is graded again, forever
    if path == "grader autograde":
        assert "graded 0 submission(s)" in again.stderr
    else:
        assert "grading again" not in again.stderr and "resubmission graded" not in again.stderr
    assert gradebook_scores(course) == scores


@pytest.fixture(scope="module")
def extended(tmp_path_factory):
    """A course with a due date, two students, and an extension for one of them given by ``grader extend``
    (checked here, once): each path's test grades a copy."""
    course = generated_course(tmp_path_factory.mktemp("extended") / "course",
                              'c.LateSubmissionPlugin.penalty_method = "zero"')
    gradebook_add(course, ("extended", "not-extended"), duedate=DUE)
    given = grader_cli(course, "extend", "extended", "--until", "2026-06-04 12:00 Europe/Moscow")
    assert given.returncode == 0 and "extended: due 2026-06-04 09:00 UTC" in given.stdout, given.stderr
    assert grader_cli(course, "extend", "--list").stdout.strip() == "extended  due 2026-06-04 09:00 UTC"
    assert _export(course)["extended"]["status"] == "missing"  # an extension alone is no submission
    return course


@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
def test_an_extension_makes_a_submission_late_for_the_class_on_time_for_its_student(extended, tmp_path, path):
    course = copied_course(extended, tmp_path / "course")
    for student in ("extended", "not-extended"):
        _place(course, student, solved_submission(), EXTENDED_LATE)  # late for the class
    _grade(course, path)
    scores, exported = gradebook_scores(course), _export(course)
    assert scores["extended"] == scores["not-extended"] == FULL
    assert (exported["extended"]["status"], float(exported["extended"]["total"])) == ("graded", 100.0)
    assert (exported["not-extended"]["status"], float(exported["not-extended"]["total"])) == ("late", 0.0)
    pages = _feedback(course, "extended", "not-extended")
    assert "с опозданием" not in pages["extended"] and "с опозданием" in pages["not-extended"]


def test_an_extension_refuses_unknown_students_and_times_before_the_due_date(tmp_path):
    course = gradebook_add(generated_course(tmp_path / "course"), ("ann",), duedate=DUE)
    for args, says in ((["=cmd|calc", "--until", "2026-06-09 00:00"], "is not a student id"),
                       (["bob", "--until", "2026-06-09 00:00"], "is not in the gradebook"),
                       (["ann", "--until", "2026-05-01 00:00"], "is not after the due date"),
                       (["ann", "--until", "next tuesday-ish"], "not a time")):
        run = grader_cli(course, "extend", *args)
        assert run.returncode == 2 and says in run.stderr, (args, run.stderr)
    assert grader_cli(course, "extend", "ann", "--until", "2026-06-09 00:00").returncode == 0
    assert grader_cli(course, "extend", "ann", "--remove").returncode == 0
    assert grader_cli(course, "extend", "--list").stdout.strip() == ""


# --- the service: a warning before a late resubmission, and the policy after it -------------------

@pytest.fixture(scope="module")
def service(tmp_path_factory):
    server = Service(tmp_path_factory.mktemp("resubmission"), ["ann", "bo"], "--workers", "1", "--per-minute", "30")
    gradebook_add(server.course, ("bo",), duedate=FAR)  # the roster: an extension is for a student of it
    yield server
    server.stop()


def _due_now(course):
    """The due date moves to now: what was submitted so far is on time, what comes next is late."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    with sqlite3.connect(course / "gradebook.db") as db:
        db.execute("UPDATE assignment SET duedate = ? WHERE name = ?", (now.isoformat(" "), ASSIGNMENT))
    return now


def test_the_service_warns_before_a_late_resubmission_and_keeps_the_on_time_grade(service, tmp_path):
    solved, wrong = as_text(solved_submission()).encode("utf-8"), as_text(WRONG).encode("utf-8")
    status, accepted, _ = service.submit("ann", solved)
    assert status == 202 and service.verdict("ann", accepted["id"])["score"] == 100
    due = _due_now(service.course)
    status, refused, _ = service.submit("ann", wrong)  # late, after an on-time grade: said first
    assert status == 409, refused
    assert "Срок сдачи прошёл" in refused["detail"] and "не засчитана" in refused["detail"]
    assert "подтвердите" in refused["detail"]
    notebook = tmp_path / NOTEBOOK
    notebook.write_bytes(wrong)
    unconfirmed = submit_cli(service, notebook, token=service.tokens["ann"])
    assert unconfirmed.returncode == 2 and "Срок сдачи прошёл" in unconfirmed.stderr

    confirmed = submit_cli(service, notebook, "--late", token=service.tokens["ann"])
    assert confirmed.returncode == 0, confirmed.stderr
    assert "Эта работа проверена, но не засчитана" in confirmed.stdout
    assert "{:g}/100".format(sum(PARTIAL.values())) in confirmed.stdout  # its own verdict, shown
    assert sum(gradebook_scores(service.course)["ann"].values()) == 100  # the on-time grade stays
    row = _export(service.course)["ann"]
    assert (row["status"], float(row["total"])) == ("graded", 100.0)
    history = service.get("/api/submissions", "ann")[1]["submissions"]
    assert len(history) == 2 and all(s["status"] == "done" for s in history)
    status, page, _ = service.get("/api/feedback", "ann")
    assert status == 200 and "100 из 100" in page["html"]

    given = grader_cli(service.course, "extend", "bo", "--until",
                       (due + datetime.timedelta(days=2)).strftime("%Y-%m-%d %H:%M UTC"))
    assert given.returncode == 0, given.stderr
    status, accepted, _ = service.submit("bo", solved)  # after the class's due date, within bo's extension
    assert status == 202, accepted
    result = service.verdict("bo", accepted["id"])
    assert result["score"] == 100 and not result.get("late") and not result.get("not_counted")
    assert _export(service.course)["bo"]["status"] == "graded"
    status, again, _ = service.submit("bo", wrong)  # on time again (extension): no warning, it counts
    assert status == 202, again
    assert service.verdict("bo", again["id"])["score"] == sum(PARTIAL.values())
    assert gradebook_scores(service.course)["bo"] == PARTIAL


def _grading_processes(root):
    """Pids of the grading processes under the process ``root``: each is the parent of a zygote's launcher."""
    parents, commands = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                commands[int(entry.name)] = (entry / "cmdline").read_bytes()
            except (OSError, IndexError, ValueError):
                continue

    def under_root(pid):
        while pid > 1:
            if pid == root:
                return True
            pid = parents.get(pid, 0)
        return False

    def zygote_side(pid):
        return b"grader.sandbox.nest" in commands.get(pid, b"")

    return {parents[pid] for pid in commands
            if zygote_side(pid) and not zygote_side(parents.get(pid)) and under_root(parents.get(pid, 0))}


def test_a_late_submission_is_warned_about_while_the_on_time_ones_still_wait_and_never_replaces_them(tmp_path):
    """The warning used to come only once the on-time submission was graded: one still queued or being graded
    let a late one through unwarned. Here the grading process is held (SIGSTOP) with one on-time submission
    being graded and one queued: the late one is refused (409) until confirmed, then all three are graded in
    order, and the gradebook keeps the latest on-time one."""
    server = Service(tmp_path, ["cy", "warm"], "--workers", "1")
    try:
        gradebook_add(server.course, duedate=FAR)
        solved, wrong = as_text(solved_submission()).encode("utf-8"), as_text(WRONG).encode("utf-8")
        status, warm, _ = server.submit("warm", solved)  # the grading process and its zygote, started
        assert status == 202 and server.verdict("warm", warm["id"])["score"] == 100
        held = _grading_processes(server.process.pid)
        assert len(held) == 1, held
        for pid in held:
            os.kill(pid, signal.SIGSTOP)
        try:
            first = server.submit("cy", wrong)[1]["id"]  # on time: handed to the held process ("running")
            deadline = time.monotonic() + 60
            while server.queue().get("running") != 1 and time.monotonic() < deadline:
                time.sleep(0.1)
            second = server.submit("cy", solved)[1]["id"]  # on time, queued behind it (one of a student's at a time)
            assert server.queue() == {"running": 1, "queued": 1, "done": 1}
            _due_now(server.course)
            status, refused, _ = server.submit("cy", wrong)  # late, with on-time ones not graded yet: said first
            assert status == 409, refused
            assert "Срок сдачи прошёл" in refused["detail"] and "ещё проверяется" in refused["detail"], refused
            assert "не засчитана" in refused["detail"]
            status, late, _ = call(server.url + "/api/submissions?confirm_late=1", data=wrong, method="POST",
                                   headers={"Authorization": "Bearer " + server.tokens["cy"]})
            assert status == 202, late
        finally:
            for pid in held:
                os.kill(pid, signal.SIGCONT)
        assert server.verdict("cy", first)["score"] == sum(PARTIAL.values())
        counted = server.verdict("cy", second)
        assert counted["score"] == 100 and not counted.get("not_counted"), counted
        aside = server.verdict("cy", late["id"])
        assert aside["score"] == sum(PARTIAL.values()) and "не засчитана" in aside["not_counted"], aside
        assert gradebook_scores(server.course)["cy"] == FULL  # the latest on-time one, neither dropped nor replaced
    finally:
        server.stop()


def test_a_policy_changed_while_the_service_runs_is_the_one_it_grades_by(tmp_path):
    """``grader config resubmission`` while ``grader serve`` runs: the service read the settings once and kept
    grading by the old policy, so a late upload replaced an on-time grade the course's policy now keeps."""
    def latest(course):
        assert grader_cli(course, "config", "resubmission", "latest").returncode == 0

    server = Service(tmp_path, ["ann"], "--workers", "1", prepare=latest)
    try:
        gradebook_add(server.course, duedate=FAR)
        solved, wrong = as_text(solved_submission()).encode("utf-8"), as_text(WRONG).encode("utf-8")
        status, accepted, _ = server.submit("ann", solved)  # on time, graded by `latest` (the service reads it)
        assert status == 202 and server.verdict("ann", accepted["id"])["score"] == 100
        changed = grader_cli(server.course, "config", "resubmission", "on-time-latest")
        assert changed.returncode == 0 and "resubmission: on-time-latest" in changed.stdout, changed.stderr
        _due_now(server.course)
        status, refused, _ = server.submit("ann", wrong)
        assert status == 409 and "не засчитана" in refused["detail"], refused  # the new policy's warning
        status, late, _ = call(server.url + "/api/submissions?confirm_late=1", data=wrong, method="POST",
                               headers={"Authorization": "Bearer " + server.tokens["ann"]})
        assert status == 202, late
        aside = server.verdict("ann", late["id"])
        assert "не засчитана" in aside.get("not_counted", ""), aside
        assert gradebook_scores(server.course)["ann"] == FULL  # the on-time grade stays
    finally:
        server.stop()


@pytest.mark.parametrize("seconds", [30, 3600, 90000, 2 * 86400 + 3 * 3600])
def test_the_late_warning_reads_as_one_sentence_per_stop(seconds):
    from grader.course.records.counted import Counted
    from grader.course.records.resubmission import POLICIES, late_warning

    for chosen in POLICIES:
        text = late_warning(chosen, Counted(seconds_late=0.0, penalty=0.0, score=80.0), seconds)
        assert text.startswith("Срок сдачи прошёл") and ".." not in text, text
