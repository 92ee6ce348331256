"""Benchmark: what the kernel-level seal costs per submission, side by side with the seal before it.

One generated class (a third correct, half with slips, the rest blank) is
graded with ``grader autograde --force``, rounds interleaved so a noisy
machine hurts every variant alike:

* ``before``: this project at ``--baseline`` (a chroot and a uid of its own,
  as root; nothing without root), checked out into a temporary folder;
* ``sealed``: this checkout, every layer (namespaces, an empty root, the
  system-call allowlist);
* ``unsealed``: this checkout with every layer switched off
  (``GRADER_SEAL_OFF``), the floor the seal's cost is measured from.

Prints median wall and CPU seconds (the run and all its processes) and the
ratios; the goal is ``sealed`` within 10% of ``before``.

Usage: .venv/bin/python bench/bench_seal.py [--students 200] [--rounds 3] [--baseline b0eb7e0]
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from bench_engine import new_course  # noqa: E402
from course import gradebook_scores, tool_env  # noqa: E402

ALL_LAYERS = "user,pid,net,ipc,mount,seccomp"
BEFORE_THE_KERNEL_SEAL = "b0eb7e0"  # the last commit whose seal was a chroot and a uid


def run(course, code_folder, off=""):
    """(wall seconds, CPU seconds of the run and every process it started) of one ``grader autograde --force``."""
    env = dict(tool_env(), PYTHONPATH=str(code_folder), GRADER_SEAL_OFF=off)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "grader.cli", "autograde", "--course", str(course), "--force"],
                          cwd=course, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit("grader autograde failed:\n" + proc.stderr[-3000:])
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=BEFORE_THE_KERNEL_SEAL, help="the git revision to compare with")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("note: not root, so `before` had no seal at all; run as root for the comparison that matters")
    with tempfile.TemporaryDirectory(prefix="bench-seal-") as tmp:
        tmp = Path(tmp)
        old = tmp / "before"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(old), args.baseline],
                       check=True, capture_output=True)
        try:
            course = new_course(tmp, args.students)
            variants = {"before": (old, ""), "sealed": (REPO, ""), "unsealed": (REPO, ALL_LAYERS)}
            times = {name: [] for name in variants}
            scores = {}
            run(course, REPO)  # warm the file cache and numpy's first import
            for _ in range(args.rounds):
                for name, (code, off) in variants.items():
                    times[name].append(run(course, code, off))
                    scores[name] = gradebook_scores(course)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(old)], capture_output=True)
    if not scores["before"] == scores["sealed"] == scores["unsealed"]:
        raise SystemExit("the variants graded differently")
    print("grader autograde --force, {} submissions, median of {} interleaved rounds:".format(
        args.students, args.rounds))
    median = {name: tuple(statistics.median(t[i] for t in runs) for i in (0, 1)) for name, runs in times.items()}
    for name, (wall, cpu) in median.items():
        print("  {:<9} wall {:6.2f} s  CPU {:6.2f} s  ({:.1f} ms CPU per submission)".format(
            name, wall, cpu, 1000 * cpu / args.students))
    for label, i in (("wall", 0), ("CPU", 1)):
        print("sealed / before ({}): {:.3f}   sealed / unsealed: {:.3f}".format(
            label, median["sealed"][i] / median["before"][i], median["sealed"][i] / median["unsealed"][i]))
    extra = (median["sealed"][1] - median["unsealed"][1]) / args.students
    print("the seal costs {:.1f} ms CPU per submission; goal: sealed within 10% of before (wall): {}".format(
        1000 * extra, "met" if median["sealed"][0] <= 1.10 * median["before"][0] else "MISSED"))


if __name__ == "__main__":
    main()
