"""The sealed engine: same grades as nbgrader, definite results for hostile input."""

import json
import os

import nbformat
import pytest

from conftest import corpus_submissions
from course import REPO, grader_command, solved_submission, with_answers
from hostile import as_text, broken_files, hostile_submissions, read_reference_attack

from grader.course.base.lab_context import lab_context, lab_folder
from grader.sandbox.engine import grade_notebook
from grader.checks.graded_functions import BY_NAME, NAMES
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote

FULL = {name: float(BY_NAME[name].points) for name in NAMES}
LIMITS = Limits(cell_seconds=3, function_seconds=3, memory_mb=1024)
ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def zygote():
    with Zygote(lab_context(lab_folder(REPO))) as z:
        yield z


def grade_text(tmp_path, text, zygote, name="submission.ipynb"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return grade_notebook(path, zygote, LIMITS)


def scores(result):
    return {f.name: f.score for f in result.functions}


def test_the_engine_gives_nbgrader_s_grades_on_the_whole_corpus(engine_corpus, grader_corpus, nbgrader_corpus):
    """The batch grades of the whole corpus (``grader autograde``) and of its sample (``nbgrader autograde``)."""
    assert sorted(engine_corpus) == sorted(grader_corpus.scores) == sorted(corpus_submissions())
    for student, expected in grader_corpus.scores.items():
        result = engine_corpus[student]
        assert scores(result) == expected == nbgrader_corpus.scores.get(student, expected), \
            (student, result.error, result.notes, [f.message for f in result.functions if f.message])


def test_a_solved_submission_scores_100_sealed(tmp_path, zygote):
    result = grade_text(tmp_path, as_text(solved_submission()), zygote)
    assert scores(result) == FULL and not result.error
    assert result.seal is not None and result.seal.missing() == ()


@pytest.mark.parametrize("name", sorted(hostile_submissions()))
def test_a_hostile_submission_gets_a_definite_result_and_harms_nothing_else(tmp_path, zygote, name):
    text, statuses = hostile_submissions()[name]
    result = grade_text(tmp_path, text, zygote)
    assert not result.error
    for function in result.functions:
        if function.name in statuses:
            assert function.status == statuses[function.name], (function.name, function.message)
            assert function.score == 0 and function.message
        else:
            assert function.score == FULL[function.name], (function.name, function.message)


@pytest.mark.skipif(not ROOT, reason="the file system is sealed by chroot, which needs root (as in CI)")
def test_student_code_cannot_read_the_reference_from_disk(tmp_path, zygote):
    reference = REPO / "reference_solution" / "__init__.py"
    result = grade_text(tmp_path, read_reference_attack(reference), zygote)
    assert scores(result)["linear_forward"] == 0
    assert "FileNotFoundError" in result.functions[2].message


@pytest.mark.parametrize("name", sorted(broken_files()))
def test_a_file_that_is_no_notebook_gets_a_reason(tmp_path, zygote, name):
    result = grade_text(tmp_path, broken_files()[name], zygote)
    assert result.error and not result.functions


def test_a_missing_file_gets_a_reason(tmp_path, zygote):
    result = grade_notebook(tmp_path / "nothing.ipynb", zygote, LIMITS)
    assert result.error == "нет файла nothing.ipynb"


def test_nbformat_3_is_graded(tmp_path, zygote):
    v3 = nbformat.writes(nbformat.convert(solved_submission(), 3), version=3)
    assert '"worksheets"' in v3
    assert scores(grade_text(tmp_path, v3, zygote)) == FULL


def test_answer_cells_are_found_without_metadata_by_marker_or_def(tmp_path, zygote):
    nb = solved_submission()
    for cell in nb.cells:
        cell.metadata = {}
    assert scores(grade_text(tmp_path, as_text(nb), zygote)) == FULL
    for cell in nb.cells:
        cell.source = cell.source.replace("# ОЦЕНИВАЕМОЕ:", "#")
    assert scores(grade_text(tmp_path, as_text(nb), zygote, "nomarker.ipynb")) == FULL


def test_answer_cells_by_metadata_leave_the_rest_to_marker_and_def_and_are_never_overridden():
    from grader.submission.answers import answer_cells
    from grader.submission.reading import Cell

    cells = [Cell("code", "def {}(x):\n    return '{}'\n".format(n, n), {"solution": True, "grade_id": n})
             for n in NAMES]
    stray = Cell("code", "# ОЦЕНИВАЕМОЕ: linear_forward\ndef linear_forward(A, W, b):\n    return 1\n", {})
    found = answer_cells(cells + [stray])
    assert found.by_function == {n: cells[i].source for i, n in enumerate(NAMES)}
    assert set(found.found_by.values()) == {"metadata"}
    lost = [Cell("code", c.source, {}) if c.nbgrader["grade_id"] == "compute_cost" else c for c in cells]
    found = answer_cells(lost + [stray])  # one function without metadata: still looked for by marker and def
    assert found.found_by["compute_cost"] == "def" and found.by_function["compute_cost"] == lost[NAMES.index(
        "compute_cost")].source
    assert found.by_function["linear_forward"] == cells[NAMES.index("linear_forward")].source


def test_a_cell_source_listing_other_values_than_text_keeps_its_text():
    from grader.submission.reading import parse_notebook

    cells = [{"cell_type": "code", "source": ["x = ", 5, None, "1\n", ["y"]], "metadata": {}},
             {"cell_type": "code", "source": ["a = 1\n", "b = 2\n"], "metadata": {}}]
    notebook = parse_notebook(json.dumps({"nbformat": 4, "cells": cells}).encode())
    assert [c.source for c in notebook.cells] == ["x = 1\n", "a = 1\nb = 2\n"]


def test_the_last_of_duplicated_answer_cells_counts(tmp_path, zygote):
    nb = solved_submission()
    cells = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "linear_forward"]
    wrong = nbformat.from_dict(cells[0])
    wrong.source = cells[0].source.replace("np.dot(W, A) + b", "np.dot(W, A)")
    nb.cells.insert(nb.cells.index(cells[0]), wrong)
    assert scores(grade_text(tmp_path, as_text(nb), zygote)) == FULL
    nb.cells.append(nbformat.from_dict(wrong))
    assert scores(grade_text(tmp_path, as_text(nb), zygote, "b.ipynb"))["linear_forward"] == 0


def test_deleted_or_edited_test_cells_change_nothing(tmp_path, zygote):
    nb = with_answers(solved_submission(), {"compute_cost": _solved("compute_cost").replace("(-1 / m)", "(1 / m)")})
    expected = dict(FULL, compute_cost=0.0)
    edited = nbformat.from_dict(nb)
    for cell in edited.cells:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            cell.source = "pass"
    assert scores(grade_text(tmp_path, as_text(edited), zygote, "edited.ipynb")) == expected
    nb.cells = [c for c in nb.cells if not c.metadata.get("nbgrader", {}).get("grade")]
    assert scores(grade_text(tmp_path, as_text(nb), zygote)) == expected


def test_huge_outputs_and_thousands_of_cells_are_graded(tmp_path, zygote):
    nb = solved_submission()
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 30_000_000)]
    nb.cells.extend(nbformat.v4.new_code_cell("x = {}".format(i)) for i in range(5000))
    result = grade_text(tmp_path, as_text(nb), zygote)
    assert scores(result) == FULL


def test_ipython_magics_in_an_answer_cell_are_harmless(tmp_path, zygote):
    source = solved_submission()
    nb = with_answers(source, {"compute_cost": "%load_ext autoreload\n!ls\n" + _solved("compute_cost")})
    assert scores(grade_text(tmp_path, as_text(nb), zygote)) == FULL


def _solved(name):
    from corpus import solved_sources
    return solved_sources()[name]


def test_grading_is_deterministic(tmp_path, zygote):
    text = hostile_submissions()["monkeypatch-numpy"][0]
    first = grade_text(tmp_path, text, zygote).to_json()
    assert all(grade_text(tmp_path, text, zygote).to_json() == first for _ in range(2))


def test_a_zygote_started_again_after_dying_has_the_cases_too(tmp_path):
    """The functions' cases are handed to a zygote once; one started again in its place gets them as well."""
    text = as_text(solved_submission())
    with Zygote(lab_context(lab_folder(REPO))) as zygote:
        assert scores(grade_text(tmp_path, text, zygote)) == FULL
        zygote._proc.kill()
        zygote._proc.wait()
        result = grade_text(tmp_path, text, zygote)
        assert scores(result) == FULL, [f.message for f in result.functions]


OPENS_OTHER_REPLIES = """def linear_forward(A, W, b):
    import sys
    child, calls = sys.modules["grader.sandbox.child"], sys.modules["grader.plain.calls"]
    found = []

    def walk(value, depth=0):
        if depth > 8:
            return
        if type(value) is dict:
            if value and all(type(k) is str and len(k) == 64 for k in value):
                found.append(value)
            for item in list(value.values()):
                walk(item, depth + 1)
        elif type(value) in (list, tuple):
            for item in value:
                walk(item, depth + 1)

    walk(vars(child))
    frame = sys._getframe(1)
    while frame is not None:
        walk(dict(frame.f_locals))
        frame = frame.f_back
    key = calls.call_key([A, W, b], {}, ("A", "W", "b"))
    opened = sum(calls.unlock_reply(known, key) is not None for known in found)
    raise (ValueError if opened == 0 else OverflowError)()  # the verdict names a builtin class, never a text
"""


def test_a_function_cannot_open_the_replies_another_function_is_answered_with(tmp_path, zygote):
    """Replies known in advance are locked under their calls' arguments and reach a child only with the
    call they belong to: ``linear_forward`` never finds ``linear_activation_forward``'s reply for
    ``linear_forward`` on its own case, which is its own expected output."""
    result = grade_text(tmp_path, as_text(with_answers(solved_submission(), {"linear_forward": OPENS_OTHER_REPLIES})),
                        zygote)
    verdict = {f.name: f for f in result.functions}["linear_forward"]
    assert "ошибка при вызове: ValueError" in verdict.message and "OverflowError" not in verdict.message, \
        verdict.message


# --- the command line --------------------------------------------------------------

def grader_cli(*args, cwd=None):
    return grader_command(*args, cwd=cwd)


def test_check_prints_a_table_writes_json_and_sets_the_exit_status(tmp_path):
    notebook = tmp_path / "n.ipynb"
    nb = with_answers(solved_submission(), {"linear_forward": _solved("linear_forward").replace(" + b", "")})
    notebook.write_text(as_text(nb), encoding="utf-8")
    proc = grader_cli("check", notebook, "--json", tmp_path / "r.json")
    assert proc.returncode == 0, proc.stderr
    assert "linear_forward" in proc.stdout and "95/100" in proc.stdout
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["score"] == 95 and data["max_score"] == 100
    assert [f["name"] for f in data["functions"]] == list(NAMES)
    assert set(data["functions"][0]) >= {"name", "score", "max_score", "status", "message"}
    assert {f["status"] for f in data["functions"]} == {"passed", "failed"}
    assert grader_cli("check", notebook, "--fail-under", 96).returncode == 1
    assert grader_cli("check", notebook, "--fail-under", 95).returncode == 0


def test_check_exits_2_with_a_reason_on_an_ungradable_file(tmp_path):
    notebook = tmp_path / "broken.ipynb"
    notebook.write_text("{oops", encoding="utf-8")
    proc = grader_cli("check", notebook)
    assert proc.returncode == 2 and "повреждён" in proc.stderr


def test_reference_outputs_are_right_when_a_batch_computes_them_in_threads():
    """The reference initialisers seed numpy's global generator: threads must not interleave."""
    import threading

    from grader.checks import reference as oracle

    oracle._cases_for.cache_clear()
    solo = [expected for _, expected in oracle.cases_for("initialize_parameters")]
    for attempt in range(5):
        oracle._cases_for.cache_clear()
        barrier, results = threading.Barrier(4), []

        def work():
            barrier.wait()
            for case, _ in oracle.cases_for("initialize_parameters_deep"):
                oracle.slips_for("initialize_parameters_deep", case)
            results.append([e for _, e in oracle.cases_for("initialize_parameters")])

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for got in results:
            assert all(_same(a, b) for a, b in zip(got, solo)), attempt


def _same(a, b):
    from grader.checks.judge import same
    return same(a, b)


def test_top_level_names_aliases_and_tables_grade_sealed_as_in_process(tmp_path, zygote):
    from test_corpus import broken_top_level_names
    from corpus.correct import CORRECT_STYLES

    correct = with_answers(solved_submission(), CORRECT_STYLES["top_level_names"])
    assert scores(grade_text(tmp_path, as_text(correct), zygote)) == FULL
    sources, expected = broken_top_level_names()
    broken = with_answers(solved_submission(), sources)
    assert scores(grade_text(tmp_path, as_text(broken), zygote, "broken.ipynb")) == expected
