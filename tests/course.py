"""A throwaway copy of the course and real nbgrader runs on it (test helpers)."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "dnn_step_by_step"
NOTEBOOK = ASSIGNMENT + ".ipynb"
SOURCE_NB = REPO / "source" / ASSIGNMENT / NOTEBOOK
RELEASE_NB = REPO / "release" / ASSIGNMENT / NOTEBOOK


def tool_env():
    """Environment in which nbgrader finds its own helpers (alembic) and our grader."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def copy_course(dest):
    """Copy what an instructor keeps in git into ``dest``; return ``dest``."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("nbgrader_config.py", "source", "release"):
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, dest / name)
        else:
            shutil.copy(src, dest / name)
    return dest


def nbgrader(course, *args, check=True, timeout=1800):
    """Run ``nbgrader`` in ``course``; return the completed process."""
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=tool_env(),
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError("nbgrader {} failed:\n{}\n{}".format(args, proc.stdout, proc.stderr[-5000:]))
    return proc


def submit(course, student, notebook):
    """Place ``notebook`` (a NotebookNode or raw text) as ``student``'s submission."""
    folder = Path(course) / "submitted" / student / ASSIGNMENT
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / NOTEBOOK
    if isinstance(notebook, str):
        target.write_text(notebook, encoding="utf-8")
    else:
        nbformat.write(notebook, str(target))
    return target


def gradebook_scores(course):
    """{student: {grade_cell: score}} read from the course's real gradebook."""
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook("sqlite:///" + str(Path(course) / "gradebook.db")) as gb:
        for student in gb.students:
            try:
                submission = gb.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student.id)
            except Exception:
                continue
            scores[student.id] = {g.name: g.score for g in submission.grades}
    return scores


def read(path):
    return nbformat.read(str(path), as_version=4)


def answer_cells(nb):
    """{grade_id: cell} of the notebook's answer cells."""
    return {c.metadata["nbgrader"]["grade_id"]: c for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("solution")}


def solved_submission():
    """The release notebook with every answer cell taken from the solved source."""
    nb = read(RELEASE_NB)
    solutions = answer_cells(read(SOURCE_NB))
    for grade_id, cell in answer_cells(nb).items():
        cell.source = solutions[grade_id].source
    return nb


def with_answers(nb, sources):
    """Copy of ``nb`` whose answer cells named in ``sources`` get new code."""
    nb = nbformat.from_dict(nb)
    cells = answer_cells(nb)
    for grade_id, source in sources.items():
        cells[grade_id].source = source
    return nb
