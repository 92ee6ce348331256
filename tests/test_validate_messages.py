"""``nbgrader validate`` on a notebook whose answer cell does not compile: Russian, the right function, its line.

Students validate in their own kernel with the release's ``testCases.py``.
A cell with a syntax error defines nothing, so Python's own word would be an
English ``NameError`` -- in the function's test cell, and in the test cells
of the functions that call it, which would then be blamed. Each notebook
here is validated by the real ``nbgrader validate`` and graded by ``grader
check``, which must grade it exactly as with the test cells the release had
before (they are never run when grading).
"""

import json
import re
import shutil
import sys

import nbformat
import pytest

from course import RELEASE_NB, answer_cells, grader_command, nbgrader, solved_submission, with_answers
from corpus import solved_sources

from grader.checks.graded_functions import NAMES

# function -> (text of the solved cell, what the student wrote instead): each does not compile
BROKEN = {"linear_forward": ("Z = np.dot(W, A) + b", "Z = np.dot(W, A) +"),
          "compute_cost": ("(-1 / m)", "(-1 / m"),
          "L_model_backward": ("    current_cache = caches[L-1]", "      current_cache = caches[L-1]")}
CALLERS = {"linear_forward": ["linear_activation_forward", "L_model_forward"], "compute_cost": [],
           "L_model_backward": []}  # functions whose public example calls it (testCases.USES)


def _broken_source(name):
    find, replace = BROKEN[name]
    source = solved_sources()[name]
    assert source.count(find) == 1, name
    return source.replace(find, replace)


def _line(name):
    """The 1-based line of the slip in the answer cell, as Jupyter numbers the cell's lines."""
    return next(i for i, line in enumerate(solved_sources()[name].split("\n"), 1) if BROKEN[name][0] in line)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("validate")
    for helper in ("testCases.py", "dnn_utils.py"):
        shutil.copy(RELEASE_NB.parent / helper, folder / helper)
    nbformat.write(solved_submission(), str(folder / "ok.ipynb"))
    for name in BROKEN:
        nbformat.write(with_answers(solved_submission(), {name: _broken_source(name)}), str(folder / (name + ".ipynb")))
    # a student who ran compute_cost's cell when it was right, then broke it and ran it again
    nb = solved_submission()
    position = nb.cells.index(answer_cells(nb)["compute_cost"])
    nb.cells.insert(position + 1, nbformat.v4.new_code_cell(_broken_source("compute_cost")))
    nbformat.write(nb, str(folder / "rerun.ipynb"))
    return folder


def validate(folder, notebook):
    """The failed cells ``nbgrader validate`` shows: [(the cell's code, the error shown)], and all it printed."""
    run = nbgrader(folder, "validate", notebook, check=False, timeout=900)
    shown = run.stdout
    failed = [part.split("The error was:") for part in shown.split("The following cell failed:")[1:]]
    return [(cell, " ".join(error.split())) for cell, error in failed], shown


def check(folder, notebook):
    """``grader check --json``'s functions: {name: (status, score, message)}."""
    out = folder / (notebook + ".json")
    run = grader_command("check", folder / notebook, "--json", out, cwd=folder, timeout=600)
    assert run.returncode == 0, run.stderr
    return {f["name"]: (f["status"], f["score"], f["message"]) for f in json.loads(out.read_text())["functions"]}


def test_a_correct_notebook_still_validates(folder):
    failed, shown = validate(folder, "ok.ipynb")
    assert not failed and "Success! Your notebook passes all the tests." in shown, shown


@pytest.mark.parametrize("name", list(BROKEN))
def test_a_syntax_error_is_named_in_russian_with_its_function_and_line(folder, name):
    failed, shown = validate(folder, name + ".ipynb")
    assert [re.search(r'public_test\("(\w+)"', cell).group(1) for cell, _ in failed] == [name] + CALLERS[name]
    assert "NameError" not in shown and "is not defined" not in shown and "Traceback" not in shown, shown
    own = failed[0][1]
    kind = "ошибка отступа" if name == "L_model_backward" else "синтаксическая ошибка"
    written = _broken_source(name).split("\n")[_line(name) - 1].strip()  # the line as the student wrote it
    assert own.startswith("{0}: в ячейке функции {0} {1} в строке {2}: {3}".format(
        name, kind, _line(name), written)), own
    assert "поэтому функция {} не определена".format(name) in own and "Исправьте {} ".format(name) in own
    for caller, (_, said) in zip(CALLERS[name], failed[1:]):
        # the caller is not blamed: the broken function is named as the cause, with its line
        assert said.startswith("{}: вызывает {}, а в ячейке функции {} {} в строке {}".format(
            caller, name, name, kind, _line(name))), said
        assert "Исправьте сначала {};".format(name) in said and "ошибка в самой" not in said, said
    assert max(len(line) for line in shown.splitlines()) <= 90  # nbgrader validate cuts longer lines


@pytest.mark.parametrize("name", list(BROKEN))
def test_grading_the_same_notebook_is_unchanged_and_names_the_same_line(folder, name):
    graded = check(folder, name + ".ipynb")
    assert {n for n, (status, _, _) in graded.items() if status != "passed"} == {name}
    assert graded[name][0] == "syntax" and "строка {}".format(_line(name)) in graded[name][2]
    # the test cells as the release had them before (``public_test(name, name)``): graded alike
    nb = nbformat.read(str(folder / (name + ".ipynb")), as_version=4)
    for cell in nb.cells:
        cell.source = re.sub(r'public_test\("(\w+)"\)', r'public_test("\1", \1)', cell.source)
    nbformat.write(nb, str(folder / (name + "-before.ipynb")))
    assert check(folder, name + "-before.ipynb") == graded


def test_a_cell_broken_after_a_good_run_is_not_checked_as_its_old_self(folder):
    failed, _ = validate(folder, "rerun.ipynb")
    assert len(failed) == 1, failed
    said = failed[0][1]
    assert said.startswith("compute_cost: в ячейке функции compute_cost синтаксическая ошибка в строке {}".format(
        _line("compute_cost"))), said
    assert "функция compute_cost осталась прежней" in said


def test_a_function_whose_cell_never_ran_is_named_not_a_name_error(capsys):
    sys.path.insert(0, str(RELEASE_NB.parent))
    try:
        import testCases
    finally:
        sys.path.remove(str(RELEASE_NB.parent))
    for name in NAMES:
        namespace = {}
        with pytest.raises(testCases.PublicTestFailed) as failed:
            exec('from testCases import public_test\npublic_test("{}")'.format(name), namespace)
        assert str(failed.value).startswith("{0}: функция {0} не определена: ячейка с def {0}(...) не выполнена"
                                            .format(name)), failed.value
    assert "✘" in capsys.readouterr().out
