"""Where a sealed grading's CPU goes: repeatable profile of the engine, in-process.

Grades ``--count`` copies of a submission in this process with one zygote, as
a grading worker does, and prints per submission: CPU of this (trusted)
process and of the sealed side (zygote and its children, read from
``/proc``), wall time, helper round trips and messages; then cProfile's top
of the trusted side. ``--startup`` instead times the cold imports and the
zygote's start. Numbers are for comparing runs on one machine, side by side.

``--recording`` instead records ``--count`` students into a fresh sqlite gradebook.

Usage: .venv/bin/python bench/profile_engine.py [NOTEBOOK] [--count 40] [--top 25] [--startup | --recording]
Whole commands: /usr/bin/time -v .venv/bin/python -m grader.cli autograde --course COURSE
                py-spy record --subprocesses -o prof.svg -- .venv/bin/python -m grader.cli autograde ...
                python -X importtime -m grader.cli check NOTEBOOK 2> imports.txt
"""

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))


def own_and_children_cpu(pid):
    """(CPU seconds of ``pid`` itself, of the children it has reaped): the zygote's own work (reading
    jobs, forking) apart from its sealed children's (their seal, copy-on-write faults, cells, calls, exit)."""
    with open("/proc/{}/stat".format(pid)) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def forking_pid(zygote):
    """The pid of the process that forks the sealed children (the launcher's child when it made a PID namespace)."""
    pid = zygote._proc.pid
    with open("/proc/{}/task/{}/children".format(pid, pid)) as children:
        below = children.read().split()
    return int(below[0]) if below else pid


def tree_cpu(pid):
    """CPU seconds of ``pid`` and of every descendant it has reaped or still runs."""
    total = 0.0
    try:
        with open("/proc/{}/stat".format(pid)) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        total = sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")
        with open("/proc/{}/task/{}/children".format(pid, pid)) as children:
            total += sum(tree_cpu(int(child)) for child in children.read().split())
    except OSError:
        pass
    return total


def startup():
    started, cpu = time.perf_counter(), time.process_time()
    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox.zygote import Zygote
    t_imports = time.process_time() - cpu
    lab = lab_context(lab_folder(REPO))
    zygote = Zygote(lab)
    zygote.seal()
    print("imports of this side: {:.3f} CPU-s; zygote ready after {:.3f} s wall, zygote tree {:.3f} CPU-s".format(
        t_imports, time.perf_counter() - started, tree_cpu(zygote._proc.pid)))
    zygote.close()


def recording(count, top):
    """Students recorded per second into a fresh sqlite gradebook, then cProfile of the recorder."""
    import tempfile

    from course import generated_course

    from grader.checks.graded_functions import BY_NAME, NAMES
    from grader.checks.results import PASSED, FunctionResult, SubmissionResult
    from grader.course.base.course import Course
    from grader.course.base.layout import Submission
    from grader.course.records.gradebook import Recorder, open_gradebook

    result = SubmissionResult(tuple(FunctionResult(n, BY_NAME[n].points, BY_NAME[n].points, PASSED) for n in NAMES))
    with tempfile.TemporaryDirectory(prefix="grader-profile-") as tmp:
        course = Course.at(generated_course(Path(tmp) / "course"))
        recorder = Recorder(course)
        with open_gradebook(course, orm=False) as gb:  # as grader autograde opens it
            students = [Submission("s{}".format(i), Path(course) / "nowhere") for i in range(2 * count)]
            wall, cpu = time.perf_counter(), time.process_time()
            recorder.record_many(gb, [(s, result, ()) for s in students[:count]])
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print("recording {} new students: {:.0f} students/s wall, {:.2f} ms CPU each".format(
                count, count / wall, 1000 * cpu / count))
            profile = cProfile.Profile(time.process_time)
            profile.enable()
            recorder.record_many(gb, [(s, result, ()) for s in students[count:]])
            profile.disable()
    pstats.Stats(profile).sort_stats("cumulative").print_stats(top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebook", nargs="?")
    parser.add_argument("--count", type=int, default=40)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--startup", action="store_true")
    parser.add_argument("--recording", action="store_true", help="the recorder into sqlite instead")
    args = parser.parse_args()
    if args.startup:
        return startup()
    if args.recording:
        return recording(args.count, args.top)
    from course import RELEASE_NB, solved_submission  # noqa: F401
    import nbformat
    import tempfile

    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox import session as session_module
    from grader.sandbox.engine import grade_notebook
    from grader.sandbox.session import Limits
    from grader.sandbox.zygote import Zygote

    with tempfile.TemporaryDirectory(prefix="grader-profile-") as tmp:
        path = Path(args.notebook) if args.notebook else Path(tmp) / "nb.ipynb"
        if not args.notebook:
            nbformat.write(solved_submission(), str(path))
        zygote = Zygote(lab_context(lab_folder(REPO)))
        limits = Limits()
        first = grade_notebook(path, zygote, limits)  # warm: the zygote ready, caches filled
        print("score {:g} of {:g}".format(first.score, first.max_score))
        counts = {"helper": 0, "sent": 0, "received": 0}
        helper, send, recv = session_module.run_helper, session_module.wire.send, session_module.wire.recv

        def counted(name, function):
            def wrapper(*a, **k):
                counts[name] += 1
                return function(*a, **k)
            return wrapper

        session_module.run_helper = counted("helper", helper)
        session_module.wire.send, session_module.wire.recv = counted("sent", send), counted("received", recv)
        forks = forking_pid(zygote)
        wall, ours, sealed, split = time.perf_counter(), time.process_time(), tree_cpu(zygote._proc.pid), \
            own_and_children_cpu(forks)
        for _ in range(args.count):
            grade_notebook(path, zygote, limits)
        wall, ours = time.perf_counter() - wall, time.process_time() - ours
        sealed = tree_cpu(zygote._proc.pid) - sealed
        split = [after - before for after, before in zip(own_and_children_cpu(forks), split)]
        profile = cProfile.Profile(time.process_time)  # CPU, not wall: waiting on the child is not cost
        profile.enable()
        for _ in range(max(1, args.count // 2)):
            grade_notebook(path, zygote, limits)
        profile.disable()
        session_module.run_helper, session_module.wire.send, session_module.wire.recv = helper, send, recv
        zygote.close()
    n = args.count
    print("per submission: trusted side {:.1f} ms CPU, sealed side {:.1f} ms CPU, wall {:.1f} ms".format(
        1000 * ours / n, 1000 * sealed / n, 1000 * wall / n))
    print("of the sealed side: the zygote's own {:.1f} ms, its children {:.1f} ms (for the kernel's share, "
          "`perf record -g -p ZYGOTE_PID` while it grades, then `perf report --children --sort sym`)".format(
              1000 * split[0] / n, 1000 * split[1] / n))
    print("per submission: {:.0f} helper round trips, {:.0f} messages sent, {:.0f} received".format(
        *(counts[k] / (n + max(1, n // 2)) for k in ("helper", "sent", "received"))))
    print("then cProfile (CPU time) of the trusted side over {} more:".format(max(1, n // 2)))
    pstats.Stats(profile).sort_stats("cumulative").print_stats(args.top)


if __name__ == "__main__":
    main()
