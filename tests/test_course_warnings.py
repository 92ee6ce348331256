"""The privacy warning speaks of courses only: outside a course a command says so, nothing else."""

import subprocess
import sys

from course import copy_course, tool_env


def grader(folder, *args):
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=folder, capture_output=True, text=True,
                          env=tool_env(), timeout=300)


def test_outside_a_course_no_command_advises_chmod(tmp_path):
    tmp_path.chmod(0o755)
    for command in ("export", "scores", "report", "feedback", "autograde"):
        proc = grader(tmp_path, command)
        assert proc.returncode == 2, (command, proc.stderr)
        assert "chmod" not in proc.stderr and "not a course folder" in proc.stderr, (command, proc.stderr)


def test_an_open_course_is_still_warned_about_once(tmp_path):
    course = copy_course(tmp_path / "course")
    course.chmod(0o755)
    proc = grader(course, "export")
    assert proc.stderr.count("chmod 700 {}".format(course)) == 1, proc.stderr
    course.chmod(0o700)
    assert "chmod" not in grader(course, "export").stderr
