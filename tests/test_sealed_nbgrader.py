"""``nbgrader autograde`` is as sealed as ``grader autograde``: the same grades on every path.

The course's nbgrader_config.py replaces nbgrader's Execute with the sealed
engine, so no kernel runs student code; these tests grade the same classes
through ``nbgrader autograde``, ``grader autograde`` and the engine behind
``grader check`` and compare what each recorded.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from conftest import corpus_sample, corpus_submissions, engine_results
from course import (ASSIGNMENT, NOTEBOOK, generated_course, gradebook_scores, gradebook_verdicts, grader_cli, nbgrader,
                    solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources
from hostile import attacks_on_the_run, faults_nbgrader_rejects, hostile_submissions
from other_users import environment_for, give_to, open_folder, run_as
from processes import left_behind, sandbox_processes

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.checks.verdicts import function_report
from grader.sandbox.session import Limits

ROOT = os.geteuid() == 0
FULL = {name: float(BY_NAME[name].points) for name in NAMES}


def function_scores(gradebook_cells):
    return {k[len("test_"):]: v for k, v in gradebook_cells.items() if k.startswith("test_")}


def test_the_three_paths_grade_the_corpus_alike(nbgrader_corpus, grader_corpus, engine_corpus):
    """``grader autograde`` and the engine on the whole corpus; ``nbgrader autograde`` on its sample."""
    students = sorted(corpus_submissions())
    assert sorted(grader_corpus.scores) == sorted(engine_corpus) == students
    assert sorted(nbgrader_corpus.scores) == sorted(corpus_sample())
    for student in students:
        result = engine_corpus[student]
        assert not result.error, (student, result.error)
        from_check = {f.name: f.score for f in result.functions}
        # the verdict names the status ("зачтено", "исключение", ...): the same text on every path
        reports = {f.name: function_report(f) for f in result.functions}
        assert grader_corpus.scores[student] == from_check and grader_corpus.verdicts[student] == reports, student
        if student in nbgrader_corpus.scores:
            assert nbgrader_corpus.scores[student] == from_check, student
            assert nbgrader_corpus.verdicts[student] == reports, student


def test_no_kernel_runs_student_code_when_nbgrader_autogrades(nbgrader_corpus):
    """The autograded notebooks carry the engine's verdicts, not a kernel's outputs."""
    nb = nbformat.read(str(Path(nbgrader_corpus.course) / "autograded" / "correct-einsum" / ASSIGNMENT / NOTEBOOK), 4)
    assert all(c.execution_count is None for c in nb.cells if c.cell_type == "code")
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")}
    assert len(tests) == 10
    for name in NAMES:
        outputs = tests["test_" + name].outputs
        assert outputs[0].text.startswith(name + ": ") and "✔" in outputs[0].text
        assert float(outputs[1].data["text/plain"]) == FULL[name]


# --- a class with attackers, honest students and notebook faults, graded by both batch paths ---

HOSTILE = ("infinite-loop", "loop-ignoring-sigint", "memory-bomb", "os-exit", "segfault", "monkeypatch-numpy",
           "input-transformer", "import-reference", "import-grader", "always-equal", "rigged-ndarray")


def _mixed_class(course):
    """Put the class into ``course``; return {student: {function: expected score}}."""
    broken = solved_sources()["linear_backward"].replace("/ m", "", 1)
    submit(course, "honest-1", solved_submission())
    submit(course, "honest-2", with_answers(solved_submission(), {"linear_backward": broken}))
    submit(course, "honest-3", solved_submission())
    expected = {"honest-1": FULL, "honest-2": dict(FULL, linear_backward=0.0), "honest-3": FULL}
    attacks = {name: hostile_submissions()[name] for name in HOSTILE}
    if ROOT:  # these would reach the grader's own files and processes without the chroot and an own uid
        attacks.update(attacks_on_the_run(course / "gradebook.db"))
    for name, (text, statuses) in attacks.items():
        submit(course, "attack-" + name, text)
        expected["attack-" + name] = dict(FULL, **{f: 0.0 for f in statuses})
    for name, (text, scores) in faults_nbgrader_rejects().items():
        submit(course, "fault-" + name, text)
        expected["fault-" + name] = dict(FULL, **scores)
    return expected


def _new_course(root):
    return generated_course(root, "c.SealedExecute.timeout = 3")


def _left_behind(before, seconds=10):
    """Sealed processes that were not running ``before`` and are still alive after ``seconds``."""
    return left_behind(before, seconds)


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    before = sandbox_processes()
    by_nbgrader = _new_course(tmp_path_factory.mktemp("mixed_nbgrader") / "course")
    expected = _mixed_class(by_nbgrader)
    run_nbgrader = nbgrader(by_nbgrader, "autograde", ASSIGNMENT, check=False)
    left_by_nbgrader = _left_behind(before)
    by_grader = _new_course(tmp_path_factory.mktemp("mixed_grader") / "course")
    _mixed_class(by_grader)
    run_grader = grader_cli(by_grader, "autograde", "--timeout", "3")
    return {"expected": expected, "runs": (run_nbgrader, run_grader), "courses": (by_nbgrader, by_grader),
            "left": left_by_nbgrader + _left_behind(before)}


def test_both_batch_paths_finish_and_leave_nothing_running(mixed):
    for run in mixed["runs"]:
        assert run.returncode == 0, run.stderr[-3000:]
    assert mixed["left"] == []


def test_every_student_gets_the_grade_they_deserve_on_both_batch_paths(mixed):
    for course in mixed["courses"]:
        scores = {s: function_scores(cells) for s, cells in gradebook_scores(course).items()}
        assert set(scores) == set(mixed["expected"])
        for student, expected in mixed["expected"].items():
            assert scores[student] == expected, (course, student)


def test_both_batch_paths_record_the_same_verdicts(mixed):
    def verdicts(course):  # an attacker's error message may quote its course's own path
        return {s: {f: text.replace(str(course), "<course>") for f, text in v.items()}
                for s, v in gradebook_verdicts(course).items()}

    by_nbgrader, by_grader = (verdicts(course) for course in mixed["courses"])
    assert by_nbgrader == by_grader


def test_grader_check_agrees_with_the_batch_paths(mixed):
    course = mixed["courses"][1]
    checked = engine_results(course / "submitted", sorted(mixed["expected"]),
                             Limits(cell_seconds=3, function_seconds=3))
    for student, result in checked.items():
        assert {f.name: f.score for f in result.functions} == mixed["expected"][student], student


def test_the_attacked_gradebook_is_intact(mixed):
    for course in mixed["courses"]:
        with open(course / "gradebook.db", "rb") as db:
            assert db.read(16) == b"SQLite format 3\0"
        assert nbgrader(course, "export", "--to", str(course / "export.csv")).returncode == 0


@pytest.mark.skipif(not ROOT, reason="needs root to grade as another user (CI runs as root)")
def test_without_root_both_batch_paths_are_sealed_and_warn_alike_when_a_layer_is_off():
    tmp_path = open_folder("grader-nonroot-")
    try:
        _grade_as_nobody(tmp_path)
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)


def _grade_as_nobody(tmp_path):
    course = _new_course(tmp_path / "course")
    submit(course, "s1", solved_submission())
    bin_dir = environment_for(tmp_path / "venv", "nobody")
    give_to(course, "nobody")

    def both_paths(**env):
        runs = [run_as("nobody", [str(bin_dir / "nbgrader"), "autograde", ASSIGNMENT, "--force"], bin_dir, course,
                       tmp_path, env=env),
                run_as("nobody", [str(bin_dir / "grader"), "autograde", "--course", str(course), "--force"],
                       bin_dir, course, tmp_path, env=env)]
        for run in runs:
            assert run.returncode == 0, run.stderr[-3000:]
        warnings = [[line for line in run.stderr.splitlines() if line.startswith("warning:")] for run in runs]
        for lines in warnings:  # both paths also say the course folder is open to other users (it is: mode 755)
            assert sum("is open to other users" in line for line in lines) == 1, lines
        return [[line for line in lines if "student code is sealed" in line] for lines in warnings]

    assert both_paths() == [[], []]  # a user namespace seals as completely as root does
    off = both_paths(GRADER_SEAL_OFF="net,seccomp")
    assert len(off[0]) == 1 and off[0] == off[1]
    assert "without net, seccomp" in off[0][0] and "reach the network" in off[0][0]
    assert function_scores(gradebook_scores(course)["s1"]) == FULL


FORMGRADER_AUTOGRADE = """
import json, sys
from nbgrader.apps import NbGraderAPI
from nbgrader.apps.baseapp import NbGrader
from nbgrader.coursedir import CourseDirectory

app = NbGrader()
app.load_config_file()  # as formgrader does: the course's nbgrader_config.py
api = NbGraderAPI(CourseDirectory(parent=app), parent=app)
print(json.dumps(api.autograde("dnn_step_by_step", sys.argv[1])))
"""


def test_formgrader_s_autograde_button_grades_sealed_too(tmp_path):
    """Formgrader's button calls NbGraderAPI.autograde in the server's process, with the course's config."""
    course = _new_course(tmp_path / "course")
    broken = solved_sources()["L_model_backward"].replace("caches[l]", "caches[l+1]")
    submit(course, "s1", with_answers(solved_submission(), {"L_model_backward": broken}))
    proc = subprocess.run([sys.executable, "-c", FORMGRADER_AUTOGRADE, "s1"], cwd=course, env=tool_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.splitlines()[-1])["success"] is True
    assert function_scores(gradebook_scores(course)["s1"]) == dict(FULL, L_model_backward=0.0)
    nb = nbformat.read(str(course / "autograded" / "s1" / ASSIGNMENT / NOTEBOOK), 4)
    test = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_L_model_backward")
    assert test.execution_count is None and test.outputs[0].text.startswith("L_model_backward: 0 из 20")
