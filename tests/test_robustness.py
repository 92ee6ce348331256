"""No submitted file can stop a class; no killed grader leaves a process behind.

Every kind of bad file -- nested too deep, too large, in a wrong encoding, not
a regular file, a link out of the student's folder, JSON that is no notebook --
gets a definite result on every path (graded, or ungradable with a Russian
reason), and the others are graded exactly.
"""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from course import (ASSIGNMENT, FULL, ZERO, NOTEBOOK, generated_course, gradebook_scores, gradebook_verdicts,
                    grader_cli, nbgrader, solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources
from hostile import bad_file_kinds, bad_folder_kinds, slow_class
from processes import alive, process_tree


# `grader check PATH` grades what it is pointed at: a linked folder is the folder; the
# batch paths know whose folder it must be and refuse another student's.
STUDENT_FOLDER_ONLY = {"folder-linked-to-another-student"}
READABLE_SCORES = {"utf-8-bom": FULL, "utf-16": FULL, "utf-32": FULL, "lone-surrogates": FULL,
                   "nested-500-levels": ZERO, "cells-of-wrong-types": ZERO}


def _bad_class(course):
    """Honest students and one student per kind of bad file; returns {student: expected scores}."""
    broken = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
    submit(course, "honest-1", solved_submission())
    submit(course, "honest-2", with_answers(solved_submission(), {"compute_cost": broken}))
    expected = {"honest-1": FULL, "honest-2": dict(FULL, test_compute_cost=0.0)}
    for kind, (place, reason) in bad_file_kinds().items():
        target = course / "submitted" / ("bad-" + kind) / ASSIGNMENT / NOTEBOOK
        target.parent.mkdir(parents=True)
        place(target, course)
        expected["bad-" + kind] = READABLE_SCORES[kind] if reason is None else ZERO
    (course / "submitted" / "honest-1" / ASSIGNMENT / "timestamp.txt").write_text("2026-11-20 10:00:00 UTC")
    for kind, place in bad_folder_kinds().items():
        place(submit(course, "folder-" + kind, solved_submission()).parent, course)
        expected["folder-" + kind] = FULL
    return expected


@pytest.fixture(scope="module", params=["grader autograde", "nbgrader autograde"])
def bad_class(request, tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("bad_files") / "course", "c.SealedExecute.timeout = 3")
    expected = _bad_class(course)
    started = time.monotonic()
    if request.param == "grader autograde":
        run = grader_cli(course, "autograde", "--timeout", "3", timeout=600)
    else:
        run = nbgrader(course, "autograde", ASSIGNMENT, check=False, timeout=600)
    return course, expected, run, time.monotonic() - started


def test_the_run_finishes_and_exits_0(bad_class):
    _, _, run, seconds = bad_class
    assert run.returncode == 0, run.stderr[-3000:]
    assert seconds < 300


def test_honest_students_are_graded_exactly_and_bad_files_get_a_definite_result(bad_class):
    course, expected, _, _ = bad_class
    assert gradebook_scores(course) == expected


def test_every_bad_file_is_recorded_with_its_reason(bad_class):
    course, _, _, _ = bad_class
    verdicts = gradebook_verdicts(course)
    for kind, (_, reason) in bad_file_kinds().items():
        texts = set(verdicts["bad-" + kind].values())
        if reason is None:
            assert not any(t.startswith("Ноутбук не удалось проверить") for t in texts), kind
        else:
            assert len(texts) == 1, kind
            text = texts.pop()
            assert text.startswith("Ноутбук не удалось проверить: ") and reason in text, (kind, text)


def test_what_lies_beside_the_notebook_is_read_safely(bad_class):
    """A spoiled timestamp counts as absent; only plain files of the student's own are copied to autograded/."""
    from nbgrader.api import Gradebook

    course = bad_class[0]
    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        times = {s.student.id: s.timestamp for s in gb.find_assignment(ASSIGNMENT).submissions}
    assert times["honest-1"] is not None
    instructor_notebook = (course / "source" / ASSIGNMENT / NOTEBOOK).read_bytes()
    for kind in bad_folder_kinds():
        student = "folder-" + kind
        if kind.startswith("timestamp-"):
            assert times[student] is None, kind
        for path in (course / "autograded" / student).rglob("*"):
            info = os.lstat(path)
            assert os.path.isdir(path) or (os.path.isfile(path) and not os.path.islink(path)), (kind, path)
            assert info.st_size < 10 * 2 ** 20, (kind, path)
            if path.is_file():
                assert path.read_bytes() != instructor_notebook, (kind, path)


def test_grader_check_gives_exit_2_and_a_reason_never_a_traceback(tmp_path):
    course = generated_course(tmp_path / "course")
    submit(course, "honest-1", solved_submission())
    for kind, (place, reason) in bad_file_kinds().items():
        target = course / "submitted" / ("bad-" + kind) / ASSIGNMENT / NOTEBOOK
        target.parent.mkdir(parents=True)
        place(target, course)
        proc = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(target), "--course", str(course)],
                              capture_output=True, text=True, env=tool_env(), timeout=120)
        assert "Traceback" not in proc.stderr, (kind, proc.stderr)
        if reason is None or kind in STUDENT_FOLDER_ONLY:
            assert proc.returncode == 0, (kind, proc.stderr)
        else:
            assert proc.returncode == 2 and reason in proc.stderr, (kind, proc.returncode, proc.stderr)


# --- nothing outlives the grader ----------------------------------------------------------

def _kill_and_watch(proc, seen, whole_group):
    """SIGKILL ``proc`` (or its process group); the processes in ``seen`` still alive 10 s later."""
    if whole_group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        proc.kill()
    proc.wait()
    deadline = time.monotonic() + 10
    while alive(seen) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(seen)


def _complete(course):
    return [s for s, cells in gradebook_scores(course).items() if cells and all(v is not None for v in cells.values())]


@pytest.mark.parametrize("whole_group", [False, True], ids=["the-grader-alone", "its-process-group"])
def test_a_batch_killed_halfway_leaves_nothing_running_and_a_rerun_grades_the_rest(tmp_path, whole_group):
    course = generated_course(tmp_path / "course")
    expected = slow_class(course, 24, loops=1_000_000)  # a kill finds sealed children running, not waiting
    students = list(expected)
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", "--course", str(course),
                             "--workers", "2"], env=tool_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    seen, deadline = {}, time.monotonic() + 120
    while time.monotonic() < deadline and len(_complete(course)) < 4:
        seen.update(process_tree(proc.pid))
        time.sleep(0.05)
    seen.update(process_tree(proc.pid))
    assert len(seen) >= 1 + 2 + 2, seen  # the grader, its grading processes, their zygotes (and children)
    assert _kill_and_watch(proc, seen, whole_group) == []
    graded_before = len(_complete(course))
    assert 4 <= graded_before < len(students)
    rerun = grader_cli(course, "autograde")
    assert rerun.returncode == 0, rerun.stderr
    assert "graded {} submission(s)".format(len(students) - graded_before) in rerun.stderr
    scores = gradebook_scores(course)
    assert set(scores) == set(students)
    for student in students:
        assert scores[student] == expected[student], student


@pytest.mark.parametrize("whole_group", [False, True], ids=["the-check-alone", "its-process-group"])
def test_a_killed_grader_check_takes_its_zygote_and_sealed_child_along(tmp_path, whole_group):
    loop = solved_sources()["compute_cost"].replace("    m = Y.shape[1]\n", "    while True:\n        pass\n")
    notebook = tmp_path / NOTEBOOK
    notebook.write_text(json.dumps(json.loads(
        __import__("nbformat").writes(with_answers(solved_submission(), {"compute_cost": loop})))), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "grader.cli", "check", str(notebook), "--timeout", "60"],
                            env=tool_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    seen, deadline = {}, time.monotonic() + 30
    while time.monotonic() < deadline and len(seen) < 3:  # the check, its zygote, the looping child
        seen.update(process_tree(proc.pid))
        time.sleep(0.05)
    assert len(seen) >= 3, seen
    time.sleep(0.5)  # the child is in its loop
    assert _kill_and_watch(proc, seen, whole_group) == []
