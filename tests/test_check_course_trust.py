"""Course code runs only from a course the caller named and owns; a sandbox that will not start is an error.

A course's ``nbgrader_config.py`` and its release's helper modules run as the
grading user before any child is sealed. Here another OS user plants a whole
course (its config and a helper module that leaves a marker file naming the
uid it ran as) where root grades from, or names, or where a release folder
lets others write -- and none of it runs. Then an ordinary user checks a
notebook under a real process limit: the zygote cannot start, and the check
tries again before it ends with exit status 2 and a Russian reason.
"""

import json
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course import ASSIGNMENT, NOTEBOOK, REPO, copy_course, generated_course, nbgrader, solved_submission, submit, \
    tool_env
from other_users import create_user, environment_for, open_folder, remove_user, run_as

PLANTER = "cc-planter"  # plants courses for others
LOADED = "cc-loaded"    # checks a notebook with few processes to spare
GRADER = Path(sys.executable).parent / "grader"  # the console script: sys.path holds no current folder

LEAVES_A_MARK = '\nimport os as _os\nwith open({!r}, "a") as _mark:\n    _mark.write("ran as uid %d\\n" % _os.geteuid())\n'


@pytest.fixture(scope="module")
def planter():
    home = open_folder("cc-planter-home-")
    user = create_user(PLANTER, home / PLANTER)
    yield user
    remove_user(PLANTER)
    shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def place():
    """A fresh folder shared like /tmp (root's, sticky, everyone may add to it), removed afterwards."""
    folder = open_folder("cc-trust-")
    folder.chmod(0o1777)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def planted_course(place, marker):
    """A course whose config and helper module each leave ``marker``: staged by root, readable by all."""
    stage = place / "stage"
    release = stage / "release" / ASSIGNMENT
    shutil.copytree(REPO / "release" / ASSIGNMENT, release)
    with open(release / "dnn_utils.py", "a", encoding="utf-8") as out:
        out.write(LEAVES_A_MARK.format(str(marker)))
    (stage / "nbgrader_config.py").write_text((REPO / "nbgrader_config.py").read_text(encoding="utf-8") +
                                              LEAVES_A_MARK.format(str(marker)), encoding="utf-8")
    (stage / "work").mkdir()
    nbformat.write(solved_submission(), str(stage / "work" / NOTEBOOK))
    for path in [stage, *stage.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    return stage


def as_user(user, *command):
    """Run ``command`` as ``user`` (really: that uid), failing the test when it fails."""
    subprocess.run(list(map(str, command)), check=True, capture_output=True, user=user.pw_uid, group=user.pw_gid,
                   extra_groups=[])


def plant(stage, target, user):
    """``user`` makes ``target`` and copies the staged course into it: every file there is theirs."""
    as_user(user, "mkdir", "-m", "755", target)
    as_user(user, "cp", "-r", str(stage) + "/.", target)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def check(notebook, *args, cwd):
    return subprocess.run([str(GRADER), "check", str(notebook), *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, env=tool_env(), timeout=600)


@pytest.mark.parametrize("whose", ["another user's", "the caller's own clone"])
def test_check_below_a_planted_course_grades_against_the_installed_lab_and_runs_none_of_it(planter, place, whose):
    marker = place / "marker"
    stage = planted_course(place, marker)
    shared = place / "shared"
    if whose == "another user's":
        plant(stage, shared, planter)  # /tmp/.../shared, theirs: root checks from below it
        assert (shared / "release" / ASSIGNMENT / "dnn_utils.py").stat().st_uid == planter.pw_uid
    else:
        shutil.copytree(stage, shared)  # a student's repository the caller cloned: the caller's files, their code
    out = place / "result.json"
    proc = check(shared / "work" / NOTEBOOK, "--json", out, cwd=shared / "work")
    assert proc.returncode == 0, proc.stderr
    assert not marker.exists(), marker.read_text()  # on main: "ran as uid 0", from the zygote before the seal
    assert json.loads(out.read_text(encoding="utf-8"))["score"] == 100
    installed = REPO / "release" / ASSIGNMENT
    assert "лабораторная: {} (установлена с grader".format(installed) in proc.stderr, proc.stderr


def test_a_named_course_of_another_user_is_refused_before_any_of_it_runs(planter, place):
    marker = place / "marker"
    shared = place / "shared"
    plant(planted_course(place, marker), shared, planter)
    for command in (["check", shared / "work" / NOTEBOOK, "--course", shared], ["scores", "--course", shared],
                    ["autograde", "--course", shared]):
        proc = subprocess.run([str(GRADER), *map(str, command)], cwd=place, capture_output=True, text=True,
                              env=tool_env(), timeout=600)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (command, proc.stderr)
        assert "error: {} belongs to {} (uid {}), not to you or root".format(
            shared.resolve(), PLANTER, planter.pw_uid) in proc.stderr, proc.stderr
        assert not marker.exists(), (command, marker.read_text())


def test_a_course_inside_another_users_folder_is_refused(planter, place):
    # The course's own files are root's, but the folder holding it is not: its owner may swap the course.
    marker = place / "marker"
    theirs = place / "theirs"
    as_user(planter, "mkdir", "-m", "777", theirs)
    course = copy_course(theirs / "course")
    with open(course / "release" / ASSIGNMENT / "dnn_utils.py", "a", encoding="utf-8") as out:
        out.write(LEAVES_A_MARK.format(str(marker)))
    notebook = place / NOTEBOOK
    nbformat.write(solved_submission(), str(notebook))
    proc = check(notebook, "--course", course, cwd=place)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "error: {} belongs to {}".format(theirs.resolve(), PLANTER) in proc.stderr, proc.stderr
    assert not marker.exists()


def test_a_release_folder_others_may_write_runs_nothing_on_any_path(planter, place):
    """A root-owned course whose release folder is open to all (sticky, like /tmp): another user adds a module."""
    marker = place / "marker"
    course = generated_course(place / "course")
    submit(course, "s1", solved_submission())
    release = course / "release" / ASSIGNMENT
    release.chmod(0o1777)
    planted = place / "zz_planted.py"
    planted.write_text(LEAVES_A_MARK.format(str(marker)), encoding="utf-8")
    planted.chmod(0o644)
    as_user(planter, "cp", planted, release / planted.name)
    refused = "error: {} may be written by other users (mode 1777)".format(release.resolve())
    for command in (["check", course / "submitted" / "s1" / ASSIGNMENT / NOTEBOOK, "--course", course],
                    ["autograde", "--course", course], ["similarity", "--course", course, "--html", place / "s.html"],
                    ["serve", "--course", course, "--host", "127.0.0.1", "--port", free_port()]):
        proc = subprocess.run([str(GRADER), *map(str, command)], cwd=place, capture_output=True, text=True,
                              env=tool_env(), timeout=600)  # serve: refused at its start, not in its grading loop
        assert proc.returncode == 2 and refused in proc.stderr and "Traceback" not in proc.stderr, (command,
                                                                                                   proc.stderr)
        assert not marker.exists(), (command, marker.read_text())
    # nbgrader's own command, grading through the sealed engine (nbgrader_config.py's SealedExecute).
    proc = nbgrader(course, "autograde", ASSIGNMENT, "--force", check=False)
    assert not marker.exists(), marker.read_text()
    assert refused[len("error: "):] in proc.stdout + proc.stderr, proc.stderr[-3000:]
    release.chmod(0o755)  # the owner closes the folder and removes what was planted: the course grades again
    (release / planted.name).unlink()
    proc = subprocess.run([str(GRADER), "autograde", "--course", str(course)], cwd=place, capture_output=True,
                          text=True, env=tool_env(), timeout=900)
    assert proc.returncode == 0 and "100" in proc.stdout, proc.stderr


# --- a zygote that will not start ----------------------------------------------------------------------------------

# Runs `grader` as the ordinary user with at most ``limit`` processes of theirs (RLIMIT_NPROC, which binds
# everyone but root), and counts the zygote's starts with CPython's audit hook; "lift" raises the limit back
# to the hard one when the second start begins, as a loaded machine frees its processes.
PROBE = """
import resource, sys
limit, log, lift = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "lift"
hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
resource.setrlimit(resource.RLIMIT_NPROC, (limit, hard))
starts = []
def count(event, args):
    if event == "subprocess.Popen" and "grader.sandbox.nest" in str(args[1]):
        starts.append(1)
        with open(log, "a") as out:
            out.write("start\\n")
        if lift and len(starts) == 2:
            resource.setrlimit(resource.RLIMIT_NPROC, (hard, hard))
sys.addaudithook(count)
from grader.cli import main
sys.exit(main(sys.argv[4:]))
"""


@pytest.fixture(scope="module")
def loaded():
    folder = open_folder("cc-loaded-")
    folder.chmod(0o777)
    user = create_user(LOADED, folder / "home")
    bin_dir = environment_for(folder / "venv", LOADED)
    notebook = folder / NOTEBOOK
    nbformat.write(solved_submission(), str(notebook))
    notebook.chmod(0o644)
    (folder / "probe.py").write_text(PROBE, encoding="utf-8")
    yield user, bin_dir, folder, notebook
    remove_user(LOADED)
    shutil.rmtree(folder, ignore_errors=True)


def _check_with_processes(loaded, limit, lift=False):
    user, bin_dir, folder, notebook = loaded
    log, out = folder / "starts-{}-{}".format(limit, lift), folder / "result-{}-{}.json".format(limit, lift)
    proc = run_as(user.pw_name, [str(bin_dir / "python"), str(folder / "probe.py"), str(limit), str(log),
                                 "lift" if lift else "keep", "check", str(notebook), "--json", str(out)],
                  bin_dir, folder, folder / "home", env={"OPENBLAS_NUM_THREADS": "1"})
    starts = log.read_text().count("start") if log.exists() else 0
    return proc, starts, out


# 1: the launcher cannot be forked; 2: the launcher cannot fork the zygote; 3: the zygote cannot fork its probes.
@pytest.mark.parametrize("limit", [1, 2, 3])
def test_a_sandbox_that_will_not_start_is_tried_again_then_a_clear_error(loaded, limit):
    proc, starts, out = _check_with_processes(loaded, limit)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "не удалось проверить: песочница не запустилась после 3 попыток" in proc.stderr, proc.stderr
    assert "Resource temporarily unavailable" in proc.stderr and "повторите проверку позже" in proc.stderr
    assert starts == 3
    assert "песочница не запустилась" in json.loads(out.read_text(encoding="utf-8"))["error"]


def test_a_sandbox_that_starts_when_tried_again_grades_the_notebook(loaded):
    proc, starts, out = _check_with_processes(loaded, 2, lift=True)
    assert proc.returncode == 0, proc.stderr
    assert starts == 2
    assert json.loads(out.read_text(encoding="utf-8"))["score"] == 100
