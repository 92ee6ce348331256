"""The student release: faithful to the lab, generated from source, and leak-free."""

import os
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from course import (ASSIGNMENT, RELEASE_NB, REPO, SOURCE_NB, answer_cells,
                    copy_course, generated_course, nbgrader, read)
from lab_seed import LAB_TEXT, lab_code_cells, normalize

from grader.checks.graded_functions import BY_NAME, NAMES

RELEASE_DIR = REPO / "release" / ASSIGNMENT


def code_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code"]


def _files(folder):
    return sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())


def _generated_cells(course):
    """What ``generate_assignment`` recorded in ``course``'s gradebook, its rows' random ids aside."""
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///" + str(course / "gradebook.db")) as gb:
        return [(nb.name, sorted((c.name, c.max_score, c.cell_type) for c in nb.grade_cells),
                 sorted((c.name, c.cell_type, c.source, c.checksum, c.locked) for c in nb.source_cells))
                for nb in gb.find_assignment(ASSIGNMENT).notebooks]


def test_release_is_what_nbgrader_generates_from_source(tmp_path):
    course = copy_course(tmp_path / "course")
    shutil.rmtree(course / "release")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    fresh = course / "release" / ASSIGNMENT
    committed = _files(RELEASE_DIR)
    assert committed == _files(fresh)
    for rel in committed:
        if rel.suffix == ".ipynb":
            assert read(RELEASE_DIR / rel) == read(fresh / rel), \
                "release/ is stale: run `nbgrader generate_assignment {} --force`".format(ASSIGNMENT)
        else:
            assert (RELEASE_DIR / rel).read_bytes() == (fresh / rel).read_bytes(), rel
    # the tests' courses, copied from one generated per test process, are this course
    copied = generated_course(tmp_path / "copied", "c.SealedExecute.timeout = 3")
    assert _files(copied / "release") == _files(course / "release")
    assert all(read(copied / "release" / ASSIGNMENT / rel) == read(fresh / rel) for rel in committed
               if rel.suffix == ".ipynb")
    assert _generated_cells(copied) == _generated_cells(course) != []
    assert (copied / "nbgrader_config.py").read_text(encoding="utf-8").endswith("\nc.SealedExecute.timeout = 3\n")


def test_every_lab_code_cell_appears_in_the_release_with_the_same_text():
    release = [normalize(c.source) for c in code_cells(read(RELEASE_NB))]
    lab = [normalize(c) for c in lab_code_cells()]
    assert len(lab) == 21
    position = 0
    for cell in lab:
        assert cell in release[position:], "lab cell not in release (in order):\n" + "\n".join(cell)
        position = release.index(cell, position) + 1


def test_answer_cells_show_the_labs_stubs_not_nbgrader_defaults():
    text = RELEASE_NB.read_text(encoding="utf-8")
    assert "NotImplementedError" not in text
    assert "YOUR CODE HERE" not in text and "YOUR ANSWER HERE" not in text
    for name, cell in answer_cells(read(RELEASE_NB)).items():
        assert cell.source.count("### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###") >= 1, name
        assert cell.source.count("### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###") == \
            cell.source.count("### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###"), name


def test_graded_cells_ids_points_and_locks():
    nb = read(SOURCE_NB)
    meta = [c.metadata["nbgrader"] for c in nb.cells]
    answers = [m["grade_id"] for m in meta if m.get("solution")]
    tests = {m["grade_id"]: m["points"] for m in meta if m.get("grade")}
    assert answers == list(NAMES)
    assert tests == {"test_" + name: BY_NAME[name].points for name in NAMES}
    assert sum(tests.values()) == 100
    assert all(m.get("locked") for m in meta if not m.get("solution"))
    # each test cell follows its function's call cell
    ids = [m["grade_id"] for m in meta]
    for name in NAMES:
        assert ids.index("test_" + name) == ids.index(name) + 2, name
    for cell in nb.cells:
        if cell.metadata["nbgrader"].get("grade"):
            assert "BEGIN HIDDEN TESTS" in cell.source


def _release_texts():
    """(path, text) of every text file of the release; a notebook as its cells' sources."""
    for path in RELEASE_DIR.rglob("*"):
        if path.suffix == ".ipynb":
            yield path, "\n".join(c.source for c in read(path).cells)
        elif path.is_file() and path.suffix in (".py", ".md", ".txt"):
            yield path, path.read_text(encoding="utf-8")


@pytest.mark.parametrize("needle", [r"reference_solution", r"\bgrader\b", r"BEGIN SOLUTION",
                                    r"END SOLUTION", r"HIDDEN TESTS", r"\bgrade\("])
def test_release_mentions_nothing_hidden(needle):
    for path, text in _release_texts():
        assert not re.search(needle, text), "{} mentions {!r}".format(path, needle)


def _solution_lines():
    """Every line the source writes between the lab's markers."""
    lines = set()
    for cell in answer_cells(read(SOURCE_NB)).values():
        inside = False
        for line in cell.source.split("\n"):
            if "### НАЧАЛО ВАШЕГО КОД ЗДЕСЬ ###" in line:
                inside = True
            elif "### ОКОНЧАНИЕ ВАШЕГО КОД ЗДЕСЬ ###" in line:
                inside = False
            elif inside and line.strip() and "= None" not in line and not line.strip().startswith("for "):
                lines.add(" ".join(line.split()))
    return lines


def test_no_solution_line_appears_in_the_release():
    # The lab's own text gives a few lines away as hints (``A, activation_cache = relu(Z)``).
    given = set(normalize(LAB_TEXT.read_text(encoding="utf-8")))
    solutions = _solution_lines() - given
    assert len(solutions) >= 20
    for path, text in _release_texts():
        present = {" ".join(l.split()) for l in text.split("\n")}
        assert not solutions & present, "{} contains solution lines: {}".format(path, solutions & present)


def test_every_image_of_the_release_exists_and_is_a_png():
    nb = read(RELEASE_NB)
    sources = re.findall(r'<img src="([^"]+)"', "\n".join(c.source for c in nb.cells))
    assert len(sources) == 5
    for src in sources:
        path = RELEASE_DIR / src
        assert path.exists(), src
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", src


def test_release_notebook_is_valid_and_has_no_outputs():
    nb = read(RELEASE_NB)
    nbformat.validate(nb)
    assert all(not c.get("outputs") for c in code_cells(nb))


def test_a_clone_alone_has_the_lab_text_its_tests_compare_against(tmp_path):
    """The lab's text and tables live in the repository: a clone with nothing beside it runs these tests."""
    clone = tmp_path / "nothing-beside" / "clone"
    for name in ("tests", "source", "release", "grader", "reference_solution"):
        shutil.copytree(REPO / name, clone / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "nbgrader_config.py"):
        shutil.copy(REPO / name, clone / name)
    env = {k: v for k, v in os.environ.items() if k != "LAB_SEED_DIR"}
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_release.py",
                           "tests/test_lab_helpers.py", "-k", "lab_code_cell or solution_line or recovered"],
                          cwd=clone, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "3 passed" in proc.stdout, proc.stdout[-3000:]
