"""Benchmark: the sealed engine against nbgrader, side by side in one run.

Prints ratios, not absolute promises: the machines are shared and noisy.
  * throughput on the same generated class (correct, buggy and blank
    submissions) of ``grader autograde``, of ``nbgrader autograde`` with this
    course's config (the sealed engine through nbgrader's steps), and of
    ``nbgrader autograde`` as it was before (nbgrader's Execute: a Jupyter
    kernel runs each notebook with in-kernel hidden tests), the scores
    compared cell by cell;
  * one cold ``grader check`` vs ``nbgrader autograde --student`` (CI's use);
  * peak memory of ``grader autograde`` for a class of 200 and of 1000.

Usage: .venv/bin/python bench/bench_engine.py [--students 200] [--nbgrader-students 200]
"""

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from corpus import solved_sources  # noqa: E402
from corpus.mistakes import MISTAKES  # noqa: E402
from course import (ASSIGNMENT, RELEASE_NB, copy_course, gradebook_scores, nbgrader, read,  # noqa: E402
                    solved_submission, submit, tool_env, with_answers)


def make_class(course, count, seed=0):
    """``count`` submissions: a third correct, half with 1-3 mistakes, the rest blank."""
    rng = random.Random(seed)
    solved, base, blank = solved_sources(), solved_submission(), read(RELEASE_NB)
    for i in range(count):
        student = "student{}".format(i + 1)
        kind = i % 6
        if kind in (0, 1):
            submit(course, student, base)
        elif kind == 5:
            submit(course, student, blank)
        else:
            sources = {}
            for mistake in rng.sample(MISTAKES, rng.randint(1, 3)):
                if mistake.function not in sources:
                    sources[mistake.function] = mistake.cell_source(solved)
            submit(course, student, with_answers(base, sources))


def new_course(root, count, kernel=False):
    course = copy_course(Path(root) / "course")
    if kernel:
        use_a_kernel(course)
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    make_class(course, count)
    return course


# The course as it was graded before the sealed step: nbgrader's stock reading
# and Execute, and hidden tests that check in the student's kernel.
KERNEL_CONFIG = """
c.Autograde.exporter_class = "nbconvert.exporters.NotebookExporter"
c.Autograde.sanitize_preprocessors = [
    "nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "grader.course.autograde_steps.RestoreDeletedTestCells",
    "nbgrader.preprocessors.CheckCellMetadata"]
c.Autograde.autograde_preprocessors = [
    "nbgrader.preprocessors.Execute", "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
c.Execute.timeout = 30
"""
# Before, the public part only printed its comparison; now it fails the cell
# for Validate's sake, which in a kernel would zero a caller of a broken helper.
KERNEL_PUBLIC_PART = """try:
    {}
except AssertionError:
    pass
"""
KERNEL_HIDDEN_TEST = """### BEGIN HIDDEN TESTS
from grader.checks.inprocess import check_function as _check
from grader.checks.verdicts import function_report as _report
_result = _check("{name}", globals().get("{name}"))
print(_report(_result))
_result.score
### END HIDDEN TESTS"""


def use_a_kernel(course):
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write(KERNEL_CONFIG)
    source = course / "source" / ASSIGNMENT / (ASSIGNMENT + ".ipynb")
    nb = read(source)
    for cell in nb.cells:
        if "### BEGIN HIDDEN TESTS" in cell.source:
            name = cell.metadata["nbgrader"]["grade_id"][len("test_"):]
            public = cell.source[:cell.source.index("### BEGIN HIDDEN TESTS")]
            cell.source = KERNEL_PUBLIC_PART.format(public.rstrip().replace("\n", "\n    ")) + \
                KERNEL_HIDDEN_TEST.format(name=name)
    import nbformat
    nbformat.write(nb, str(source))


def timed(command, cwd=None):
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=cwd, env=tool_env(), capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise SystemExit("{} failed:\n{}".format(command, proc.stderr[-3000:]))
    return elapsed


def grader_autograde(course, *extra):
    return [sys.executable, "-m", "grader.cli", "autograde", "--course", str(course), *extra]


def peak_rss_mb(command):
    """Peak RSS (MiB) of the largest process ``command`` ran, measured in a fresh wrapper."""
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
             " stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    out = subprocess.run([sys.executable, "-c", probe, *command], env=tool_env(), capture_output=True,
                         text=True, check=True).stdout
    return int(out.split()[-1]) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--nbgrader-students", type=int, default=200,
                        help="how many of them nbgrader grades too (default: all 200)")
    parser.add_argument("--memory-large", type=int, default=1000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        print("== throughput on {} submissions".format(args.students))
        course = new_course(Path(tmp) / "a", args.students)
        t_grader = timed(grader_autograde(course))
        ours = gradebook_scores(course)
        sealed = new_course(Path(tmp) / "b", args.nbgrader_students)
        t_sealed = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=sealed)
        other = new_course(Path(tmp) / "k", args.nbgrader_students, kernel=True)
        t_nb = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], cwd=other)
        mismatched = False
        for label, theirs in (("nbgrader (sealed)", gradebook_scores(sealed)), ("nbgrader (kernel)", gradebook_scores(other))):
            differing = sorted(s for s in theirs if ours[s] != theirs[s])
            for student in differing:
                print("  differs: {} grader={} {}={}".format(student, ours[student], label, theirs[student]))
            print("{}: identical per-cell scores to grader autograde on {} submissions: {}".format(
                label, len(theirs), not differing))
            mismatched = mismatched or bool(differing)
        per_grader = t_grader / args.students
        per_sealed = t_sealed / args.nbgrader_students
        per_nb = t_nb / args.nbgrader_students
        print("grader autograde:              {:7.2f} s  ({:.3f} s/submission)".format(t_grader, per_grader))
        print("nbgrader autograde, sealed:    {:7.2f} s  ({:.3f} s/submission)".format(t_sealed, per_sealed))
        print("nbgrader autograde, kernel:    {:7.2f} s  ({:.3f} s/submission)".format(t_nb, per_nb))
        print("nbgrader sealed vs kernel (before -> after): {:.1f}x faster".format(per_nb / per_sealed))
        print("grader autograde vs nbgrader sealed:          {:.1f}x faster".format(per_sealed / per_grader))
        print("grader autograde vs nbgrader kernel:          {:.1f}x faster".format(per_nb / per_grader))

        print("== one submission, cold (CI)")
        notebook = course / "submitted" / "student3" / ASSIGNMENT / (ASSIGNMENT + ".ipynb")
        checks = [timed([sys.executable, "-m", "grader.cli", "check", str(notebook)]) for _ in range(7)]
        singles = [timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", "student3",
                          "--force"], cwd=other) for _ in range(3)]
        sealed_singles = [timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", "student3",
                                 "--force"], cwd=sealed) for _ in range(3)]
        print("grader check:                            median {:.3f} s (min {:.3f}, max {:.3f})".format(
            statistics.median(checks), min(checks), max(checks)))
        print("nbgrader autograde --student, sealed:    median {:.3f} s".format(statistics.median(sealed_singles)))
        print("nbgrader autograde --student, kernel:    median {:.3f} s".format(statistics.median(singles)))
        print("ratio grader check vs kernel: {:.1f}x".format(statistics.median(singles) / statistics.median(checks)))

        print("== peak memory of grader autograde")
        small = peak_rss_mb(grader_autograde(course, "--force"))
        big_course = new_course(Path(tmp) / "c", args.memory_large)
        big = peak_rss_mb(grader_autograde(big_course))
        print("{} submissions: {:.0f} MiB   {} submissions: {:.0f} MiB   ratio {:.2f}".format(
            args.students, small, args.memory_large, big, big / small))
    return 1 if mismatched else 0  # timings of paths that grade differently compare nothing


if __name__ == "__main__":
    sys.exit(main())
