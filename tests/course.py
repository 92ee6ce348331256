"""A throwaway copy of the course and real nbgrader runs on it (test helpers)."""

import atexit
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat

import warm_nbgrader

from grader.checks.graded_functions import BY_NAME, NAMES

REPO = Path(__file__).resolve().parents[1]
ASSIGNMENT = "dnn_step_by_step"
NOTEBOOK = ASSIGNMENT + ".ipynb"
COURSE_ID = "dnn_step_by_step"  # c.CourseDirectory.course_id of nbgrader_config.py
SOURCE_NB = REPO / "source" / ASSIGNMENT / NOTEBOOK
RELEASE_NB = REPO / "release" / ASSIGNMENT / NOTEBOOK
# Per-cell scores of a right submission, and of one that earns nothing.
FULL = {"test_" + n: float(BY_NAME[n].points) for n in NAMES}
ZERO = {"test_" + n: 0.0 for n in NAMES}


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


def generated_course(dest, config=""):
    """A copy of the course in ``dest`` with ``config`` added to its nbgrader_config.py, release generated.

    ``nbgrader generate_assignment`` runs once per test process: each course is a copy of that one (its
    release and its gradebook), unless ``config`` or GRADER_DB_URL could change what generation makes.
    """
    dest = Path(dest)
    if os.environ.get("GRADER_DB_URL") or not _generation_ignores(config):
        course = _add_config(copy_course(dest), config)
        nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
        return course
    shutil.copytree(_generated_template(), dest, dirs_exist_ok=True)
    return _add_config(dest, config)


# Settings of classes ``generate_assignment`` never reads: a course configured with them alone is the
# same generated course.
_GRADING_ONLY = {"SealedExecute", "LateSubmissionPlugin", "AssignLatePenalties"}


def _generation_ignores(config):
    """Whether each line of ``config`` is blank, a comment, or sets an option of a grading-only class."""
    for line in config.splitlines():
        setting = re.match(r"\s*c\.(\w+)\.\w+\s*=", line)
        if line.strip() and not line.lstrip().startswith("#") and not (setting and setting[1] in _GRADING_ONLY):
            return False
    return True


@functools.lru_cache(maxsize=None)
def _generated_template():
    """The course with its release generated once for this process, in a folder removed when it exits."""
    folder = Path(tempfile.mkdtemp(prefix="grader-course-template-"))
    atexit.register(shutil.rmtree, folder, True)
    course = copy_course(folder / "course")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def _add_config(course, config):
    if config:
        with open(course / "nbgrader_config.py", "a", encoding="utf-8") as out:
            out.write("\n" + config + "\n")
    return course


def nbgrader(course, *args, check=True, timeout=1800):
    """Run ``nbgrader`` in ``course`` (a fresh process, spared nbgrader's imports); return the completed process."""
    proc = warm_nbgrader.run(["-m", "nbgrader", *args], course, tool_env(), timeout)
    if check and proc.returncode != 0:
        raise AssertionError("nbgrader {} failed:\n{}\n{}".format(args, proc.stdout, proc.stderr[-5000:]))
    return proc


def gradebook_add(course, students=(), duedate=None):
    """Write ``students`` and, with ``duedate``, the assignment due then into the course's gradebook, as
    ``nbgrader db student add``/``import`` and ``nbgrader db assignment add`` write them: nbgrader's own
    ``Gradebook`` on the course's ``db_url`` and ``course_id``, which parses the due date (its time zone
    too) as those commands do -- in this process, where each command is a new one importing nbgrader (~2.5 s).

    ``students``: ids, or rows such as ``csv.DictReader`` gives ({"id": ..., "first_name": ..., "email": ...});
    an empty field is no value, as in nbgrader's import.
    """
    from nbgrader.api import Gradebook

    from grader.course.base.course import Course

    where = Course.at(course)
    with Gradebook(where.db_url, where.config.CourseDirectory.course_id) as gb:
        for student in students:
            row = {"id": student} if isinstance(student, str) else {k: v or None for k, v in student.items()}
            gb.update_or_create_student(row.pop("id"), **row)
        if duedate is not None:
            gb.update_or_create_assignment(ASSIGNMENT, duedate=duedate)
    return course


def copied_course(course, dest):
    """A copy of the prepared ``course`` (its gradebook and graded work included) at ``dest``: a state reached
    once, shared by the tests that go on from it."""
    return Path(shutil.copytree(course, dest, symlinks=True))


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
    return _per_student(course, lambda submission: {g.name: g.score for g in submission.grades})


def gradebook_students(course):
    """The ids of the students in the course's real gradebook, sorted."""
    from nbgrader.api import Gradebook

    from grader.course.base.course import Course

    with Gradebook(Course.at(course).db_url) as gb:
        return sorted(student.id for student in gb.students)


def _per_student(course, read_notebook):
    """{student: read_notebook(their submitted notebook's gradebook entry)} for every graded student."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook("sqlite:///" + str(Path(course) / "gradebook.db")) as gb:
        for student in gb.students:
            try:
                submission = gb.find_submission_notebook(NOTEBOOK[:-6], ASSIGNMENT, student.id)
            except Exception:
                continue
            found[student.id] = read_notebook(submission)
    return found


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


def gradebook_verdicts(course):
    """{student: {function: the answer cell's comment}} read from the course's real gradebook."""
    return _per_student(course, lambda submission: {c.name: c.auto_comment for c in submission.comments})


def grader_cli(course, *args, timeout=900, **kwargs):
    """Run ``grader <args> --course <course>`` (a fresh process, spared nbgrader's imports unless ``kwargs``
    give it input or more); return the completed process."""
    command = [*map(str, args), "--course", str(course)]
    if not kwargs:
        return grader_command(*command, timeout=timeout)
    kwargs.setdefault("env", tool_env())
    return subprocess.run([sys.executable, "-m", "grader.cli", *command], capture_output=True, text=True,
                          timeout=timeout, **kwargs)


def grader_command(*args, cwd=None, timeout=300):
    """Run ``grader <args>`` in ``cwd`` (a fresh process, spared nbgrader's imports); return the completed process."""
    return warm_nbgrader.run(["-m", "grader.cli", *map(str, args)], cwd or os.getcwd(), tool_env(), timeout)
