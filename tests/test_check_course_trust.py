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

from course import FULL, ASSIGNMENT, NOTEBOOK, REPO, copy_course, generated_course, gradebook_scores, grader_cli, \
    nbgrader, solved_submission, submit, tool_env
from other_users import create_user, environment_for, give_to, open_folder, remove_user, run_as

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


def test_grader_settings_others_may_write_are_refused_not_followed_to_their_gradebook(planter, place):
    """The gradebook's URL in grader_settings.json decides whose grades are read and written: data, but not
    anyone's to set but the course's owner -- another user who may write it would point it at a gradebook of
    their making (or the cluster at theirs)."""
    course = generated_course(place / "course")
    forged = place / "forged.db"
    settings = course / "grader_settings.json"
    settings.write_text("{}", encoding="utf-8")
    settings.chmod(0o666)
    staged = place / "forged.json"
    staged.write_text(json.dumps({"db_url": "sqlite:///" + str(forged)}), encoding="utf-8")
    staged.chmod(0o644)
    as_user(planter, "cp", staged, settings)  # into the file others may write: it stays root's, mode 666
    refused = "error: {} may be written by other users (mode 666)".format(settings.resolve())
    for command in (["scores", "--course", course], ["config", "--course", course]):
        proc = subprocess.run([str(GRADER), *map(str, command)], cwd=place, capture_output=True, text=True,
                              env=tool_env(), timeout=600)
        assert proc.returncode == 2 and refused in proc.stderr and "Traceback" not in proc.stderr, (command,
                                                                                                   proc.stderr)
        assert forged.name not in proc.stderr + proc.stdout  # on main: "no gradebook at sqlite:///…/forged.db"
    proc = nbgrader(course, "db", "student", "add", "s9", check=False)  # nbgrader's own commands read it too
    assert proc.returncode != 0 and refused[len("error: "):] in proc.stdout + proc.stderr, proc.stderr[-3000:]
    assert not forged.exists()
    settings.write_text("{}", encoding="utf-8")  # the owner puts it right and closes it: the course is read again
    settings.chmod(0o600)
    proc = subprocess.run([str(GRADER), "scores", "--course", str(course)], cwd=place, capture_output=True,
                          text=True, env=tool_env(), timeout=600)
    assert proc.returncode == 0, proc.stderr


def test_a_batch_whose_sandbox_will_not_start_records_nobody_and_the_next_run_grades_them(loaded):
    """A sandbox that will not start is the grader's failure, not the work's: no zero is recorded, the run
    says to run again (exit 1), and the next run -- with processes to spare -- grades the student."""
    user, bin_dir, folder, _ = loaded
    course = generated_course(open_folder("cc-batch-") / "course")  # in a folder only root may write
    submit(course, "loaded-student", solved_submission())
    give_to(course, user.pw_name)
    course.chmod(0o700)

    def autograde(limit):
        return run_as(user.pw_name, [str(bin_dir / "python"), str(folder / "probe.py"), str(limit),
                                     str(folder / "starts-batch"), "keep", "autograde", "--workers", "1",
                                     "--course", str(course)], bin_dir, folder, folder / "home",
                      env={"OPENBLAS_NUM_THREADS": "1"})

    starved = autograde(5)  # the grader, its pool and one grading process: no sandbox to be had
    assert starved.returncode == 1 and "Traceback" not in starved.stderr, (starved.stdout, starved.stderr)
    assert "not graded now, through no fault of the work" in starved.stdout, starved.stdout
    assert gradebook_scores(course) == {}
    give_to(course, "root")  # the next run, on a machine with processes to spare (root: no process limit)
    freed = grader_cli(course, "autograde")
    assert freed.returncode == 0, (freed.stdout[-3000:], freed.stderr[-3000:])
    assert gradebook_scores(course) == {"loaded-student": FULL}


# Runs `nbgrader` as PROBE runs `grader`: with at most ``limit`` processes of the user's.
NBGRADER_PROBE = """
import resource, sys
hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
resource.setrlimit(resource.RLIMIT_NPROC, (int(sys.argv[1]), hard))
from nbgrader.apps.nbgraderapp import main
sys.argv = ["nbgrader"] + sys.argv[2:]
sys.exit(main())
"""
STARVED_SECONDS = 120  # a run that fails fast takes seconds; the pool that could not start hung for 600 s and more


def _starved_course(user, students):
    course = generated_course(open_folder("cc-starved-") / "course")  # in a folder only root may write
    for student in students:
        submit(course, student, solved_submission())
    give_to(course, user.pw_name)
    course.chmod(0o700)
    return course


def test_a_batch_whose_grading_processes_will_not_start_stops_at_once_with_the_reason(loaded):
    """Under every process limit, `grader autograde` ends within seconds: exit 1 with an English "error:" for
    the instructor when its pool, its threads or its sandboxes cannot be had, recording only whom it graded
    in full; the next run, with processes to spare, grades the rest. (The pool's forks, its manager thread
    and its queue's feeder thread can each be refused: the run used to wait forever for their results.)"""
    user, bin_dir, folder, _ = loaded
    students = ("starved-a", "starved-b")  # two students: the default two grading processes
    course = _starved_course(user, students)
    for limit in range(1, 9):
        proc = run_as(user.pw_name, [str(bin_dir / "python"), str(folder / "probe.py"), str(limit),
                                     str(folder / "starts-starved"), "keep", "autograde", "--course", str(course)],
                      bin_dir, folder, folder / "home", timeout=STARVED_SECONDS, env={"OPENBLAS_NUM_THREADS": "1"})
        scores = gradebook_scores(course)
        assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), (limit, proc.stdout, proc.stderr)
        assert all(grades == FULL for grades in scores.values()), (limit, scores)  # never a zero for the machine
        if proc.returncode == 1:
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith("error: ") and "run `grader autograde` again" in last, (limit, proc.stderr)
            assert len(scores) < len(students), (limit, scores)
        else:
            assert sorted(scores) == sorted(students), (limit, scores)
        if limit == 1:  # not even one grading process: said so, in the instructor's language
            assert "error: cannot start this machine's grading processes (BlockingIOError: [Errno 11] Resource " \
                   "temporarily unavailable): this user may start no more processes or threads" in proc.stderr
    give_to(course, "root")  # with processes to spare (root: no process limit), the rest are graded
    freed = grader_cli(course, "autograde")
    assert freed.returncode == 0, (freed.stdout[-3000:], freed.stderr[-3000:])
    assert gradebook_scores(course) == {student: FULL for student in students}


def test_similarity_whose_processes_will_not_start_stops_at_once_with_the_reason(loaded):
    """`grader similarity` fingerprints a class of 64 or more in a pool of processes: under every process limit it
    ends within seconds, with its page (exit 0) or an English "error:" naming the cause (exit 2) -- never a
    traceback, nor a wait for the results of a pool whose processes or threads could not start."""
    user, bin_dir, folder, _ = loaded
    course = generated_course(open_folder("cc-starved-") / "course")
    submit(course, "sim-00", solved_submission())
    for i in range(1, 70):  # more than one process's batch: a pool fingerprints them
        shutil.copytree(course / "submitted" / "sim-00", course / "submitted" / "sim-{:02d}".format(i))
    give_to(course, user.pw_name)
    course.chmod(0o700)
    page, codes = course / "reports" / "similarity.html", []
    for limit in (*range(1, 7), 64):  # the last: processes to spare, whatever else the user still runs
        if page.exists():
            page.unlink()
        proc = run_as(user.pw_name, [str(bin_dir / "python"), str(folder / "probe.py"), str(limit),
                                     str(folder / "starts-similarity"), "keep", "similarity", "--code-only",
                                     "--course", str(course)],
                      bin_dir, folder, folder / "home", timeout=STARVED_SECONDS, env={"OPENBLAS_NUM_THREADS": "1"})
        assert "Traceback" not in proc.stderr and proc.returncode in (0, 2), (limit, proc.stdout, proc.stderr)
        if proc.returncode == 2:
            last = proc.stderr.strip().splitlines()[-1]
            assert last.startswith("error: cannot start this machine's grading processes ("), (limit, proc.stderr)
        else:
            assert "compared 70 student(s)" in proc.stdout and page.is_file(), (limit, proc.stdout)
        codes.append(proc.returncode)
    assert codes[0] == 2 and codes[-1] == 0, codes  # not even one process: refused; enough of them: the page


# The service's upload parser under at most ``limit`` processes of the user's, judging a notebook.
PARSE_PROBE = """
import asyncio, resource, sys
from grader.service.parsing import Parser, ParsingUnavailable

async def judge():
    parser = Parser(1)
    try:
        print("judged:", (await parser.check(sys.argv[2], sys.argv[3]))[1])
    except ParsingUnavailable as error:
        print("unavailable:", error)
    parser.close()

if __name__ == "__main__":  # the parsing processes are spawned: they import this file again
    hard = resource.getrlimit(resource.RLIMIT_NPROC)[1]
    resource.setrlimit(resource.RLIMIT_NPROC, (int(sys.argv[1]), hard))
    asyncio.run(judge())
"""


def test_the_services_parser_whose_processes_will_not_start_says_so_at_once(loaded):
    """An upload is judged in a parsing process of its own; when none can be had (or its pool's thread), the
    server says so -- `503`, try again (:mod:`grader.service.app`) -- never a `500`, nor waits forever."""
    user, bin_dir, folder, notebook = loaded
    probe = folder / "parse-probe.py"
    probe.write_text(PARSE_PROBE, encoding="utf-8")
    said = []
    for limit in (*range(1, 5), 64):
        proc = run_as(user.pw_name, [str(bin_dir / "python"), str(probe), str(limit), str(notebook), str(folder)],
                      bin_dir, folder, folder / "home", timeout=STARVED_SECONDS, env={"OPENBLAS_NUM_THREADS": "1"})
        assert proc.returncode == 0 and "Traceback" not in proc.stderr, (limit, proc.stdout, proc.stderr)
        said.append(proc.stdout.strip())
    assert said[0].startswith("unavailable: BlockingIOError"), said  # not even one process
    assert said[-1] == "judged: None", said  # processes to spare: the notebook is this lab's
    assert all(line == "judged: None" or line.startswith("unavailable: ") for line in said), said


@pytest.mark.parametrize("limit", [1, 3])  # the launcher cannot be forked; the zygote cannot fork its probes
def test_nbgrader_autograde_whose_sandbox_will_not_start_says_so_and_records_nobody(loaded, limit):
    user, bin_dir, folder, _ = loaded
    course = _starved_course(user, ["starved-nb"])
    probe = folder / "nbgrader-probe.py"
    probe.write_text(NBGRADER_PROBE, encoding="utf-8")
    proc = run_as(user.pw_name, [str(bin_dir / "python"), str(probe), str(limit), "autograde", ASSIGNMENT],
                  bin_dir, course, folder / "home", timeout=STARVED_SECONDS, env={"OPENBLAS_NUM_THREADS": "1"})
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "starved-nb: not graded now, through no fault of the work (песочница не запустилась после 3 попыток (" \
           in proc.stderr and "run nbgrader autograde again" in proc.stderr, proc.stderr[-3000:]
    assert "SandboxUnavailable" not in proc.stderr  # the grader's own failure, not an unexplained exception
    from nbgrader.api import Gradebook

    with Gradebook("sqlite:///{}".format(course / "gradebook.db")) as gb:  # nbgrader's rows, no score in them
        submission = gb.find_submission_notebook(NOTEBOOK[:-len(".ipynb")], ASSIGNMENT, "starved-nb")
        assert [grade.auto_score for grade in submission.grades] == [None] * len(FULL)
