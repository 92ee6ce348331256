"""Benchmark: grading on a Dask cluster against the local process pool, side by side in one run.

The same generated class is graded by ``grader autograde``
  * with the local pool (1 and 2 grading processes), into sqlite;
  * on a Dask cluster of 1 and of 2 workers (one thread each), into sqlite;
  * on the 2-worker cluster into PostgreSQL.
It prints submissions per second, the per-submission overhead of going
through Dask (1 Dask worker vs 1 local process), and the numbers behind the
README's sizing of a cluster: grading seconds per submission per worker, and
how fast the one recording process writes the gradebook.

Usage: .venv/bin/python bench/bench_cluster.py [--students 300]
"""

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from bench_engine import make_class  # noqa: E402
from course import ASSIGNMENT, copy_course, gradebook_scores, grader_cli, nbgrader  # noqa: E402
from services import DaskCluster, Postgres  # noqa: E402


def course_with_class(root, count, db_url=None):
    course = copy_course(Path(root) / "course")
    if db_url:
        grader_cli(course, "config", "db-url", input=db_url + "\n")
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    make_class(course, count)
    return course


def graded(course, *args):
    started = time.perf_counter()
    proc = grader_cli(course, "autograde", *args, timeout=3600)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit("grader autograde {} failed:\n{}".format(args, proc.stderr[-3000:]))
    return elapsed


def grading_cost(course, count=60):
    """Median wall seconds of grading one submission in a sealed child, on one thread."""
    import statistics

    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox.engine import grade_notebook
    from grader.sandbox.session import Limits
    from grader.sandbox.zygote import Zygote

    notebooks = sorted(Path(course).glob("submitted/*/{0}/{0}.ipynb".format(ASSIGNMENT)))[:count]
    with Zygote(lab_context(lab_folder(course))) as zygote:
        times = []
        for notebook in notebooks:
            started = time.perf_counter()
            grade_notebook(notebook, zygote, Limits())
            times.append(time.perf_counter() - started)
    return statistics.median(times)


def recording_rate(course, count=200):
    """Students recorded per second by one process (the client), into the course's gradebook."""
    from grader.checks.graded_functions import BY_NAME, NAMES
    from grader.checks.results import PASSED, FunctionResult, SubmissionResult
    from grader.course.base.course import Course
    from grader.course.base.layout import Submission
    from grader.course.records.gradebook import Recorder, open_gradebook

    result = SubmissionResult(tuple(FunctionResult(n, BY_NAME[n].points, BY_NAME[n].points, PASSED) for n in NAMES))
    course = Course.at(course)
    recorder = Recorder(course)
    with open_gradebook(course) as gb:
        started = time.perf_counter()
        for i in range(count):
            recorder.record(gb, Submission("recorded-{}".format(i), Path(course) / "nowhere"), result)
        return count / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300)
    args = parser.parse_args()
    n = args.students
    postgres = Postgres()
    cluster = DaskCluster(workers=2)
    single = DaskCluster(workers=1)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            runs, scores = {}, {}
            for label, extra, db in (("local pool, 1 process", ["--workers", "1"], None),
                                     ("local pool, 2 processes", ["--workers", "2"], None),
                                     ("Dask, 1 worker", ["--scheduler", single.address], None),
                                     ("Dask, 2 workers", ["--scheduler", cluster.address], None),
                                     ("Dask, 2 workers, PostgreSQL", ["--scheduler", cluster.address], "pg")):
                url = postgres.create_database("bench{}".format(len(runs))) if db else None
                course = course_with_class(Path(tmp) / str(len(runs)), n, url)
                runs[label] = graded(course, *extra)
                scores[label] = gradebook_scores(course) if not db else None
                print("{:<30} {:7.2f} s   {:6.1f} submissions/s".format(label, runs[label], n / runs[label]),
                      flush=True)
            reference = scores["local pool, 1 process"]
            same = all(s == reference for s in scores.values() if s is not None)
            print("identical per-cell scores in every sqlite run: {}".format(same))
            overhead = (runs["Dask, 1 worker"] - runs["local pool, 1 process"]) / n
            print("Dask overhead per submission (1 worker vs 1 process): {:+.4f} s".format(overhead))
            print("speed-up from a second Dask worker: {:.2f}x".format(runs["Dask, 1 worker"] / runs["Dask, 2 workers"]))
            cost = grading_cost(course)
            print("sealed grading, one worker thread: {:.3f} s per submission (median)".format(cost))
            sqlite_course = course_with_class(Path(tmp) / "rec-sqlite", 0)
            pg_course = course_with_class(Path(tmp) / "rec-pg", 0, postgres.create_database("recording"))
            sqlite_rate, pg_rate = recording_rate(sqlite_course), recording_rate(pg_course)
            print("recording, one process: sqlite {:.0f} students/s, PostgreSQL {:.0f} students/s".format(
                sqlite_rate, pg_rate))
            rate = 100_000 / 3600
            print("100,000 submissions in an hour = {:.1f}/s: {} worker threads and {} grader autograde run(s) "
                  "on PostgreSQL, each at most 80% busy".format(rate, math.ceil(rate * cost / 0.8),
                                                              math.ceil(rate / (0.8 * pg_rate))))
    finally:
        single.close()
        cluster.close()
        postgres.close()


if __name__ == "__main__":
    main()
