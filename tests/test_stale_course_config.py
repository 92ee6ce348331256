"""A course whose nbgrader_config.py was written for an earlier layout of grader fails loudly, never unsealed.

After ``grader/course/`` was split by role, a course's config written before
names classes that no longer import, and its ``try/except ImportError``
fallbacks took the path meant for a machine without grader: the settings read
without the trust check. Here such a config (the one this project shipped
before the split) must stop stock ``nbgrader autograde`` before any student
code runs, and ``grader autograde`` must refuse it, naming the stale names and
the fix; this version's own config must tell "grader not installed" (go on
without it) from "grader without this module" (stop with the fix).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from course import ASSIGNMENT, REPO, answer_cells, generated_course, gradebook_scores, grader_cli, nbgrader, \
    solved_submission, submit, tool_env

OLD_CONFIG = Path(__file__).parent / "data" / "old_layout_nbgrader_config.py"
FIX = "copy nbgrader_config.py from this version of grader"


def _course_with_marker_submission(folder):
    """A course with one submission whose first answer cell writes a marker file when it runs anywhere."""
    course = generated_course(folder / "course")
    marker = folder / "student-code-ran"
    nb = solved_submission()
    cell = answer_cells(nb)[sorted(answer_cells(nb))[0]]
    cell.source = "open({!r}, 'w').write('ran')\n".format(str(marker)) + cell.source
    submit(course, "ann", nb)
    return course, marker


def test_an_old_layout_config_stops_nbgrader_and_is_refused_by_grader(tmp_path):
    course, marker = _course_with_marker_submission(tmp_path)
    shutil.copy(OLD_CONFIG, course / "nbgrader_config.py")

    graded = nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert graded.returncode != 0, graded.stderr[-3000:]
    assert not marker.exists()  # no kernel ran the submission
    assert "ann" not in gradebook_scores(course)

    refused = grader_cli(course, "autograde")
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr[-3000:]
    said = refused.stderr
    assert "nbgrader_config.py names parts of grader this version does not have: " in said, said
    assert "grader.course.autograde_steps.SealedExecute" in said and "grader.course.settings.settings" in said
    assert "grader.course.steps" not in said  # only the stale names
    assert FIX in said and not marker.exists()
    assert "ann" not in gradebook_scores(course)

    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")  # the fix, as said
    fixed = grader_cli(course, "autograde")
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert not marker.exists() and sum(gradebook_scores(course)["ann"].values()) > 0


@pytest.mark.parametrize("old, new, stale", [
    ("grader.course.base.settings", "grader.course.base.gone", "grader.course.base.gone"),  # a module moved
    ("warn_if_open", "gone_if_open", "grader.course.base.settings.gone_if_open"),  # a function renamed
])
def test_this_config_stops_nbgrader_when_grader_lacks_what_it_names(tmp_path, old, new, stale):
    """The next move of a module: the config stops with the fix instead of skipping grader's checks."""
    course, marker = _course_with_marker_submission(tmp_path)
    config = course / "nbgrader_config.py"
    text = config.read_text(encoding="utf-8")
    assert old in text
    config.write_text(text.replace(old, new), encoding="utf-8")
    graded = nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert graded.returncode != 0 and not marker.exists(), graded.stderr[-3000:]  # on main: graded, unchecked
    said = graded.stdout + graded.stderr
    assert "which this version of grader does not have" in said and stale in said and FIX in said, said[-3000:]
    assert "ann" not in gradebook_scores(course)
    refused = grader_cli(course, "autograde")
    assert refused.returncode == 2 and stale in refused.stderr and FIX in refused.stderr, refused.stderr[-3000:]


# Loads the course's config as nbgrader does, on a machine where no module named grader can be found.
WITHOUT_GRADER = """
import sys


class NoGrader:
    def find_spec(self, name, path=None, target=None):
        if name == "grader" or name.startswith("grader."):
            raise ModuleNotFoundError("No module named " + repr(name), name=name.split(".")[0])


sys.meta_path.insert(0, NoGrader())
from traitlets.config.loader import PyFileConfigLoader

config = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print(config.CourseDirectory.db_url)
print(config.Autograde.exporter_class)
"""


def test_this_config_loads_without_grader_reading_its_settings_plainly(tmp_path):
    course = tmp_path / "course"
    course.mkdir()
    shutil.copy(REPO / "nbgrader_config.py", course / "nbgrader_config.py")
    (course / "grader_settings.json").write_text('{"db_url": "sqlite:////elsewhere/gradebook.db"}')
    env = {k: v for k, v in tool_env().items() if k != "GRADER_DB_URL"}
    loaded = subprocess.run([sys.executable, "-c", WITHOUT_GRADER, str(course)], capture_output=True, text=True,
                            env=env, timeout=120)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.splitlines() == ["sqlite:////elsewhere/gradebook.db",
                                          "grader.course.steps.autograde.SubmittedNotebookExporter"]
