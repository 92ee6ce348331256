"""Student code reaches nothing but its own computation: no network, no files, no processes.

Every escape of tests/escapes.py (TCP to the loopback and to the machine's
address, UDP, an abstract unix socket, a file outside, a process of the grading
user, shared memory left behind -- with Python's modules and with native calls)
is tried against real targets on this machine, seen from outside:

* each layer of the seal alone stops exactly the escapes it is meant to stop,
  and with every layer off they all get through (so these tests can fail);
* on every grading path -- ``grader check``, ``grader autograde``, ``nbgrader
  autograde``, the service, a Dask worker -- as root and as an ordinary user,
  nothing gets through and the submission keeps its full marks;
* nothing a student starts outlives a grader killed with its whole process group.
"""

import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time

import pytest

from course import (ASSIGNMENT, generated_course, gradebook_scores, gradebook_verdicts, grader_cli,
                    solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources
from escapes import ESCAPES, Targets, escape_notebook, expected_escapes
from other_users import create_user, environment_for, give_to, open_folder, remove_user, run_as
from processes import left_behind, sandbox_processes

from grader.plain.seal import LAYERS, Seal

ROOT = os.geteuid() == 0
pytestmark = pytest.mark.skipif(not ROOT, reason="creates an ordinary user and targets of theirs: needs root "
                                                 "(CI runs as root)")
STUDENT_OF_THE_LAB = "grader-seal-user"  # the ordinary user who grades without root


@pytest.fixture(scope="module")
def ordinary(tmp_path_factory):
    """An ordinary user with the project's tools: (name, uid, bin folder, a folder of theirs)."""
    folder = open_folder("grader-seal-")
    entry = create_user(STUDENT_OF_THE_LAB, folder / "home")
    bin_dir = environment_for(folder / "venv", STUDENT_OF_THE_LAB)
    work = folder / "work"
    work.mkdir()
    give_to(work, STUDENT_OF_THE_LAB)
    yield STUDENT_OF_THE_LAB, entry.pw_uid, bin_dir, work
    remove_user(STUDENT_OF_THE_LAB)
    shutil.rmtree(folder, ignore_errors=True)


def _check(as_user, notebook, folder, off=()):
    """``grader check --json`` of ``notebook``, as root (``as_user`` None) or as the ordinary user."""
    out = folder / "result.json"
    out.unlink(missing_ok=True)  # another identity's
    command = ["check", str(notebook), "--json", str(out), "--timeout", "5"]
    env = {"GRADER_SEAL_OFF": ",".join(off)}
    if as_user is None:
        run = subprocess.run([sys.executable, "-m", "grader.cli", *command], cwd=folder, capture_output=True,
                             text=True, env=dict(tool_env(), **env), timeout=300)
    else:
        name, _, bin_dir, _ = as_user
        run = run_as(name, [str(bin_dir / "grader"), *command], bin_dir, folder, folder, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8")), run.stderr


def _configurations(root):
    """Layers to switch off: none; all but one (without root, the user namespace stays: the others need it); all."""
    keep = () if root else ("user",)
    return [()] + [tuple(l for l in LAYERS if l != on and l not in keep) for on in LAYERS if on not in keep] + \
        [LAYERS]


@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_each_layer_alone_stops_the_escapes_it_should_and_none_stop_them_when_all_are_off(identity, ordinary):
    as_user = None if identity == "root" else ordinary
    folder = ordinary[3]
    targets = Targets(user=None if as_user is None else ordinary[1])
    try:
        for off in _configurations(as_user is None):
            notebook = folder / "escapes.ipynb"
            notebook.write_text(escape_notebook(targets), encoding="utf-8")
            give_to(notebook, ordinary[0])
            result, stderr = _check(as_user, notebook, folder, off)
            seal = Seal.from_json(result["seal"]["layers"])
            assert set(seal.missing()) == set(off), (off, result["seal"])  # what was not switched off, held
            scores = {f["name"]: f["score"] for f in result["functions"]}
            assert targets.reached(scores) == expected_escapes(seal, as_user is None), (identity, off)
            if off:
                assert "warning: student code is sealed without" in stderr
    finally:
        targets.close()


def test_the_sealed_escapes_are_refused_on_record_and_cost_no_points(ordinary):
    targets = Targets()
    try:
        notebook = ordinary[3] / "escapes-recorded.ipynb"
        notebook.write_text(escape_notebook(targets), encoding="utf-8")
        give_to(notebook, ordinary[0])
        result, stderr = _check(None, notebook, ordinary[3])
        assert not any(targets.reached({f["name"]: f["score"] for f in result["functions"]}).values())
    finally:
        targets.close()
    assert result["score"] == 100 and result["seal"]["missing"] == [] and "warning" not in stderr
    refused = {f["name"]: " ".join(f["refused"]) for f in result["functions"]}
    for escape in ESCAPES:
        if "read" in escape.name:  # its own empty root: the file is not there at all
            continue
        assert refused[escape.function], escape.name
    assert "сеть: socket" in refused["initialize_parameters"]
    assert "другие процессы: kill" in refused["compute_cost"]
    assert "общая память: shmget" in refused["update_parameters"]


# --- every grading path, as root and as an ordinary user -------------------------------------------

def _class(course, targets):
    """Honest students and the escaper in ``course``; {student: expected total}."""
    broken = solved_sources()["linear_backward"].replace("/ m", "", 1)
    submit(course, "honest-1", solved_submission())
    submit(course, "honest-2", with_answers(solved_submission(), {"linear_backward": broken}))
    submit(course, "escaper", escape_notebook(targets))
    return {"honest-1": 100.0, "honest-2": 90.0, "escaper": 100.0}


def _totals(course):
    return {s: sum(v for k, v in cells.items() if k.startswith("test_")) for s, cells in gradebook_scores(course).items()}


def _run(as_user, tool, arguments, course):
    """``tool`` (grader or nbgrader) with ``arguments`` in ``course``, as root or as the ordinary user."""
    if as_user is None:
        module = {"grader": "grader.cli", "nbgrader": "nbgrader"}[tool]
        return subprocess.run([sys.executable, "-m", module, *arguments], cwd=course, capture_output=True, text=True,
                              env=tool_env(), timeout=900)
    name, _, bin_dir, home = as_user
    return run_as(name, [str(bin_dir / tool), *arguments], bin_dir, course, home)


@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_both_batch_paths_grade_the_escaper_sealed(identity, path, ordinary, tmp_path):
    as_user = None if identity == "root" else ordinary
    folder = open_folder("grader-seal-batch-")
    targets = Targets(user=None if as_user is None else ordinary[1])
    try:
        course = generated_course(folder / "course", "c.SealedExecute.timeout = 5")
        expected = _class(course, targets)
        if as_user is not None:
            give_to(course, ordinary[0])
        run = (_run(as_user, "grader", ["autograde", "--course", str(course), "--timeout", "5"], course)
               if path == "grader autograde" else _run(as_user, "nbgrader", ["autograde", ASSIGNMENT], course))
        assert run.returncode == 0, run.stderr[-3000:]
        reached = targets.reached(_function_scores(course, "escaper"))
        verdicts = gradebook_verdicts(course)["escaper"]
    finally:
        targets.close()
    assert not any(reached.values()), reached
    assert _totals(course) == expected
    assert "песочница запретила" in verdicts["initialize_parameters"]
    assert "student code is sealed without" not in run.stderr
    shutil.rmtree(folder, ignore_errors=True)


def _function_scores(course, student):
    return {k[len("test_"):]: v for k, v in gradebook_scores(course)[student].items() if k.startswith("test_")}


@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_the_service_grades_the_escaper_sealed(identity, ordinary, tmp_path):
    from service_helpers import Service

    as_user = None if identity == "root" else ordinary
    targets = Targets(user=None if as_user is None else ordinary[1])
    root = open_folder("grader-seal-service-")
    try:
        server = Service(root, ["escaper", "honest"], "--timeout", "5", as_user=as_user)
        try:
            escaper = server.submit("escaper", escape_notebook(targets).encode())[1]["id"]
            verdict = server.verdict("escaper", escaper)
        finally:
            server.stop()
        reached = targets.reached({f["name"]: f["score"] for f in verdict["functions"]})
    finally:
        targets.close()
        shutil.rmtree(root, ignore_errors=True)
    assert not any(reached.values()), reached
    assert verdict["score"] == 100 and verdict["seal"]["missing"] == []


@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_a_dask_worker_grades_the_escaper_sealed(identity, ordinary, tmp_path):
    from services import DaskCluster

    as_user = None if identity == "root" else ordinary
    targets = Targets(user=None if as_user is None else ordinary[1])
    cluster = DaskCluster(workers=1, as_user=as_user)
    folder = open_folder("grader-seal-dask-")
    try:
        course = cluster.admit(generated_course(folder / "course"))
        expected = _class(course, targets)
        run = grader_cli(course, "autograde", "--scheduler", cluster.address, "--timeout", "5")
        assert run.returncode == 0, run.stderr[-3000:]
        reached = targets.reached(_function_scores(course, "escaper"))
    finally:
        targets.close()
        cluster.close()
    assert not any(reached.values()), reached
    assert _totals(course) == expected
    assert "student code is sealed without" not in run.stderr
    shutil.rmtree(folder, ignore_errors=True)


# --- nothing outlives grading -------------------------------------------------------------------------

OUTLIVE = '''# ОЦЕНИВАЕМОЕ: compute_cost
import os, sys, time

def compute_cost(AL, Y):
    for module in list(sys.modules.values()):
        ctypes = getattr(module, "ctypes", None)
        if ctypes is not None and hasattr(ctypes, "CDLL"):
            try:
                ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)   # PR_SET_PDEATHSIG: none
            except Exception:
                pass
            break
    try:
        if os.fork() == 0:
            os.setsid()
            while True:
                time.sleep(1)
    except OSError:
        pass
    while True:                                        # still grading when the grader is killed
        time.sleep(1)
'''


@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_nothing_a_student_starts_outlives_a_grader_killed_with_its_process_group(identity, ordinary):
    as_user = None if identity == "root" else ordinary
    notebook = ordinary[3] / "outlive.ipynb"
    notebook.write_text(json.dumps(with_answers(solved_submission(), {"compute_cost": OUTLIVE})), encoding="utf-8")
    give_to(notebook, ordinary[0])
    assert _left_after_killing(as_user, notebook, ordinary) == []
    # Without the layers that stop it, the student's process does outlive the grader: the test can fail.
    left = _left_after_killing(as_user, notebook, ordinary, off=("pid", "seccomp") + (("user",) if as_user is None
                                                                                      else ()))
    for pid, _, _ in left:
        os.kill(pid, signal.SIGKILL)
    assert left


def _left_after_killing(as_user, notebook, ordinary, off=()):
    before = sandbox_processes()
    command = ["check", str(notebook), "--timeout", "60"]
    env = dict(tool_env(), GRADER_SEAL_OFF=",".join(off))
    if as_user is None:
        grader = subprocess.Popen([sys.executable, "-m", "grader.cli", *command], env=env, start_new_session=True,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        name, uid, bin_dir, home = as_user
        entry = pwd.getpwnam(name)
        grader = subprocess.Popen([str(bin_dir / "grader"), *command], start_new_session=True, cwd=home,
                                  env={"PATH": "{}:/usr/bin:/bin".format(bin_dir), "HOME": str(home),
                                       "GRADER_SEAL_OFF": ",".join(off)},
                                  user=entry.pw_uid, group=entry.pw_gid, extra_groups=[],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and len(sandbox_processes()) < len(before) + 3:
        time.sleep(0.2)  # the zygote, the child grading compute_cost and the one it forked (when it could)
    time.sleep(1)
    os.killpg(grader.pid, signal.SIGKILL)
    grader.wait()
    return left_behind(before, seconds=10)


# --- the allowlist and the clean-up, on their own ---------------------------------------------------

def test_every_call_the_allowlist_names_is_a_call_this_machine_knows_and_none_is_both_allowed_and_refused():
    import pyseccomp

    from grader.sandbox import syscalls

    def names(groups):
        return {name for _, group in groups for name in group.split()}

    allowed, refused = names(syscalls.ALLOWED), names(syscalls.REFUSED) - names((syscalls.FILES,))
    known = [n for n in allowed | refused | names((syscalls.FILES,))
             if pyseccomp.resolve_syscall(pyseccomp.Arch.NATIVE, n) != -1]
    assert sorted(known) == sorted(allowed | refused | names((syscalls.FILES,)))  # no typo hides a call
    assert allowed & refused == set()
    for dangerous in ("socket", "connect", "ptrace", "execve", "fork", "unshare", "mount", "bpf", "shmget"):
        assert dangerous in refused


def test_a_folder_a_child_filled_is_removed_however_deep_without_following_its_links(tmp_path):
    from grader.sandbox.child import remove_tree

    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("an instructor's file")
    top = tmp_path / "child"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY)
    for depth in range(3000):  # deeper than any path the kernel takes, and than Python's recursion
        os.mkdir("d", dir_fd=fd)
        if depth % 500 == 0:
            os.symlink(str(outside), "link", dir_fd=fd)
            with open(os.open("file", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as handle:
                handle.write("x")
        below = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = below
    os.close(fd)
    remove_tree(str(top))
    assert not top.exists()
    assert (outside / "keep.txt").read_text() == "an instructor's file"


# The end of a compute_cost cell that raises when one of its checks ({} -- {check: held}) did not hold.
_UNLESS_BROKEN = '''
def compute_cost(AL, Y):
    broken = [name for name, held in {}.items() if not held]
    if broken:
        raise AssertionError("the seal let through: " + ", ".join(broken))
'''

INSIDE = '''# ОЦЕНИВАЕМОЕ: compute_cost
import os, stat, sys, threading

def _refused(attempt):
    try:
        attempt()
    except (OSError, RuntimeError):
        return True
    return False

def _ctypes_module():
    for module in list(sys.modules.values()):
        found = getattr(module, "ctypes", None)
        if found is not None and hasattr(found, "CDLL"):
            return found

def _ctypes():
    return _ctypes_module().CDLL(None, use_errno=True)

def _owner_refused(libc):
    reader, writer = os.pipe()
    try:
        return libc.fcntl(reader, 8, 1) < 0  # F_SETOWN
    finally:
        os.close(reader)
        os.close(writer)

def _descriptors_bounded():
    opened = []
    try:
        for _ in range(100):
            opened.extend(os.pipe())
    except OSError:
        return True
    finally:
        for fd in opened:
            os.close(fd)
    return False

def _locked_refused(libc):
    ctypes = _ctypes_module()
    libc.mmap.restype = ctypes.c_void_p
    libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
    address = libc.mmap(None, 1 << 20, 3, 0x22 | 0x2000, -1, 0)  # private, anonymous, MAP_LOCKED
    return address in (None, ctypes.c_void_p(-1).value)

def _checks():
    libc = _ctypes()
    return {
        "stdio of its own": all(not stat.S_ISCHR(os.fstat(fd).st_mode) for fd in (0, 1, 2)),
        "no thread": _refused(lambda: threading.Thread(target=print).start()),
        "no memory outside its limit": libc.memfd_create(b"x", 0) < 0,
        "no owner for signals": _owner_refused(libc),
        "no word of other processes": libc.getpriority(0, 1) == -1,
        "few descriptors": _descriptors_bounded(),
        "no memory locked": _locked_refused(libc),
    }
''' + _UNLESS_BROKEN.format("_checks()")


def _cost_checked(ordinary, checks, name, off=()):
    """(as root, compute_cost's verdict) as root and as the ordinary user, its cell starting with ``checks``."""
    body = solved_sources()["compute_cost"].split("def compute_cost(AL, Y):", 1)[1]
    notebook = ordinary[3] / name
    notebook.write_text(json.dumps(with_answers(solved_submission(), {"compute_cost": checks + body})),
                        encoding="utf-8")
    give_to(notebook, ordinary[0])
    for as_user in (None, ordinary):
        result, _ = _check(as_user, notebook, ordinary[3], off)
        assert result["seal"]["missing"] == list(off), result["seal"]
        yield as_user is None, next(f for f in result["functions"] if f["name"] == "compute_cost")


def test_a_child_holds_nothing_of_the_machine_no_thread_no_memory_outside_its_limit(ordinary):
    """Regressions of a review: /dev/null as stdin, threads, memfd, F_SETOWN, pids of others, descriptors."""
    for root, cost in _cost_checked(ordinary, INSIDE, "inside.ipynb"):
        assert cost["status"] == "passed", (root, cost["message"])
        refused = " ".join(cost["refused"])
        for call in ("clone", "memfd_create", "fcntl", "getpriority"):
            assert call in refused, (call, refused)


# --- what the kernel counts per user: a child takes only a few ------------------------------------------

_LIBC = '''import sys
for module in list(sys.modules.values()):
    ctypes = getattr(module, "ctypes", None)
    if ctypes is not None and hasattr(ctypes, "CDLL"):
        break
libc = ctypes.CDLL(None, use_errno=True)

def timer():
    return libc.timer_create(1, None, ctypes.byref(ctypes.c_void_p())) == 0
'''
# Keeps every POSIX timer it can make (each holds a queued signal of its user's), and says how many.
HOG = _LIBC + '''made = 0
while made < 200000 and timer():
    made += 1
raise RuntimeError("timers: {}".format(made))
'''
# Needs one timer, as honest code might.
NEEDS = _LIBC + 'raise RuntimeError("timer: {}".format(timer()))\n'
# Run by the grading user: a child of one zygote keeps what it can while the grader itself and a child of
# another zygote (a second worker of the same batch) each need a timer.
TIMERS = '''import ctypes, json, sys
from grader.course.base.lab_context import installed_lab, lab_context
from grader.sandbox.session import Limits, Session
from grader.sandbox.zygote import Zygote

libc = ctypes.CDLL(None, use_errno=True)
limits = Limits(cell_seconds=300, function_seconds=300)
lab = lab_context(installed_lab())
with Zygote(lab) as first, Zygote(lab) as second:
    hog = Session(first, [sys.argv[1]], limits)
    hog.ready()
    grader = libc.timer_create(1, None, ctypes.byref(ctypes.c_void_p())) == 0
    other = Session(second, [sys.argv[2]], limits)
    other.ready()
    print(json.dumps({"hog": hog.cell_errors.get(0), "grader": grader, "other": other.cell_errors.get(0),
                      "seal": hog.seal.to_json()}))
    hog.close()
    other.close()
'''


@pytest.mark.parametrize("identity", ["root", "ordinary user"])
def test_a_child_keeps_a_few_timers_and_leaves_the_grading_user_s_signals_to_others(identity, ordinary):
    """Without the limit a child kept ~96,000 timers: as the grading user's child, every one of that user's."""
    script = ordinary[3] / "timers.py"
    script.write_text(TIMERS, encoding="utf-8")
    give_to(script, ordinary[0])
    if identity == "root":
        run = subprocess.run([sys.executable, str(script), HOG, NEEDS], cwd=ordinary[3], capture_output=True,
                             text=True, env=tool_env(), timeout=600)
    else:
        run = run_as(ordinary[0], [str(ordinary[2] / "python"), str(script), HOG, NEEDS], ordinary[2], ordinary[3],
                     ordinary[3])
    assert run.returncode == 0, run.stderr[-3000:]
    seen = json.loads(run.stdout)
    assert seen["seal"]["user"] == ("uid" if identity == "root" else "namespace") and "seccomp" in seen["seal"]
    made = int(seen["hog"].rsplit(" ", 1)[1])
    assert 0 < made <= 16, seen
    assert seen["grader"] and seen["other"] == "RuntimeError: timer: True", seen


# Where the allowlist is not in effect (a machine without libseccomp), the kernel's limits still hold.
UNFILTERED = '''# ОЦЕНИВАЕМОЕ: compute_cost
''' + _LIBC + '''
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long]
made = 0
while made < 1000 and timer():
    made += 1
HELD = {
    "no message queue": libc.mq_open(b"/grader-test", 0o102, 0o600, None) == -1,  # O_CREAT | O_RDWR
    "no memory locked": libc.mmap(None, 1 << 20, 3, 0x22 | 0x2000, -1, 0) in (None, ctypes.c_void_p(-1).value),
    "a few timers": made <= 16,
}
''' + _UNLESS_BROKEN.format("HELD")


def test_without_the_allowlist_the_kernel_s_limits_still_bound_what_is_counted_per_user(ordinary):
    for root, cost in _cost_checked(ordinary, UNFILTERED, "unfiltered.ipynb", off=("seccomp",)):
        assert cost["status"] == "passed", (root, cost["message"])
