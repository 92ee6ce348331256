"""Benchmark: the grading service under load, side by side with ``grader autograde``, in one run.

  * throughput: 50 concurrent clients submit the same generated notebooks as
    fast as the server takes them (POST, then poll to the verdict), against
    ``grader autograde`` grading those notebooks as a class -- printed as a ratio;
  * latency from POST to verdict, p50 and p95, at a steady 10 submissions a second;
  * the server's memory after 100 and after 1000 graded submissions;
  * costly uploads (``--costly``): a ~19.5 MB notebook of one-character output
    lines, alone and 10 at once -- the server's peak memory (its own and its
    largest child's) and the longest a health check waited meanwhile, for
    this tree and, with ``--before DIR`` (e.g. ``git archive main | tar -x -C
    DIR``), for that one, side by side.

Usage: .venv/bin/python bench/bench_service.py [--students 400] [--clients 50] [--rate 10] [--seconds 30]
       .venv/bin/python bench/bench_service.py --costly [--before DIR]
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "bench"))

from bench_engine import make_class  # noqa: E402
from course import ASSIGNMENT, NOTEBOOK, generated_course, grader_cli  # noqa: E402
from service_helpers import Service, costly_notebook, peak_mb  # noqa: E402


def notebooks_of(count, root):
    """The generated class's notebooks, as bytes (a third right, half with slips, the rest blank)."""
    course = generated_course(Path(root) / "class")
    make_class(course, count)
    return course, [p.read_bytes() for p in sorted((course / "submitted").glob("*/{}/{}".format(ASSIGNMENT, NOTEBOOK)))]


def rss_mb(pid):
    for line in Path("/proc/{}/status".format(pid)).read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def descendants(pid):
    out, todo = [], [pid]
    while todo:
        for task in Path("/proc/{}/task".format(todo.pop())).iterdir():
            children = [int(c) for c in (task / "children").read_text().split()]
            out += children
            todo += children
    return out


def costly_uploads(root, source=None, parallel=(1, 10)):
    """{parallel: (server's peak MiB, largest child's peak MiB, longest health check s, statuses)} for ``source``."""
    from course import solved_submission
    from hostile import as_text
    from service_helpers import call

    saved = os.environ.get("PYTHONPATH")
    if source:  # the server runs that tree's grader (ahead of this venv's editable install)
        os.environ["PYTHONPATH"] = str(source)
    try:
        server = Service(Path(root), ["big{}".format(i) for i in range(max(parallel))], "--workers", "1",
                         "--per-minute", "1000")
    finally:
        os.environ.pop("PYTHONPATH", None) if saved is None else os.environ.update(PYTHONPATH=saved)
    body, out = costly_notebook(as_text(solved_submission())), {}
    try:
        for count in parallel:
            statuses, done, waits = [], threading.Event(), []

            def health():
                while not done.is_set():
                    started = time.perf_counter()
                    call(server.url + "/api/health")
                    waits.append(time.perf_counter() - started)
                    time.sleep(0.02)

            probe = threading.Thread(target=health)
            probe.start()
            uploads = [threading.Thread(target=lambda i=i: statuses.append(server.submit("big{}".format(i), body)[0]))
                       for i in range(count)]
            for thread in uploads:
                thread.start()
            for thread in uploads:
                thread.join()
            done.set()
            probe.join()
            children = [peak_mb(pid) for pid in descendants(server.process.pid)]
            out[count] = (peak_mb(server.process.pid), max(children or [0.0]), max(waits), sorted(statuses))
    finally:
        server.stop()
    return out, len(body)


def print_costly(args):
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)  # ``python -m`` puts the working folder first on the path: not this tree's, for --before
        runs = [("this tree", costly_uploads(Path(tmp) / "after"))]
        if args.before:
            runs.insert(0, ("before ({})".format(args.before), costly_uploads(Path(tmp) / "before", args.before)))
    size = runs[0][1][1]
    print("== costly uploads: {:.1f} MB of one-character output lines each".format(size / 2 ** 20))
    print("{:<40} {:>9} {:>13} {:>13} {:>16}  statuses".format("", "parallel", "server peak", "child peak",
                                                              "health waited"))
    for name, (results, _) in runs:
        for count, (server, child, wait, statuses) in results.items():
            print("{:<40} {:>9} {:>9.0f} MiB {:>9.0f} MiB {:>14.2f} s  {}".format(
                name, count, server, child, wait, statuses))
    if args.before:
        before, after = runs[0][1][0], runs[1][1][0]
        for count in after:
            print("parallel {}: server peak before/after {:.1f}x, longest health wait before/after {:.1f}x".format(
                count, before[count][0] / after[count][0], before[count][2] / max(after[count][2], 1e-3)))


def submit_and_wait(server, student, text, latencies):
    """What a student's client does (grader.client.submit: POST, then poll with a growing pause)."""
    from grader.client import submit

    path = Path(tempfile.mkstemp(suffix=".ipynb")[1])
    path.write_bytes(text)
    started = time.perf_counter()
    submit(path, server.url, server.tokens[student], wait_seconds=600)
    latencies.append(time.perf_counter() - started)
    path.unlink()


def closed_loop(server, students, texts, clients):
    """All ``texts`` through ``clients`` threads as fast as they go; the seconds it took."""
    queue, lock, latencies = list(enumerate(texts)), threading.Lock(), []

    def client(index):
        while True:
            with lock:
                if not queue:
                    return
                i, text = queue.pop()
            submit_and_wait(server, students[i % len(students)], text, latencies)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, latencies


def open_loop(server, students, texts, rate, seconds):
    """Submissions at a steady ``rate`` a second for ``seconds``: every one's latency to its verdict."""
    latencies, threads = [], []
    started = time.perf_counter()
    for i in range(int(rate * seconds)):
        time.sleep(max(0.0, started + i / rate - time.perf_counter()))
        thread = threading.Thread(target=submit_and_wait, args=(server, students[i % len(students)],
                                                                texts[i % len(texts)], latencies))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()
    return latencies


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=400, help="notebooks in the throughput run")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=10.0, help="submissions a second in the latency run")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--memory-large", type=int, default=1000)
    parser.add_argument("--costly", action="store_true", help="only the costly uploads' memory and stalls")
    parser.add_argument("--before", metavar="DIR", help="with --costly: also measure the grader in DIR (another tree)")
    args = parser.parse_args()
    if args.costly:
        print_costly(args)
        return
    students = ["s{:03d}".format(i) for i in range(100)]
    with tempfile.TemporaryDirectory() as tmp:
        course, texts = notebooks_of(args.students, tmp)
        started = time.perf_counter()
        proc = grader_cli(course, "autograde", "--workers", "2", timeout=3600)
        batch = time.perf_counter() - started
        assert proc.returncode == 0, proc.stderr[-2000:]

        server = Service(Path(tmp) / "served", students, "--workers", "2", "--per-minute", "100000")
        try:
            seconds, _ = closed_loop(server, students, texts, args.clients)
            print("== throughput on {} notebooks".format(len(texts)))
            print("grader autograde (2 processes):  {:6.2f} s  {:6.1f} submissions/s".format(
                batch, len(texts) / batch))
            print("grader serve, {} clients:        {:6.2f} s  {:6.1f} submissions/s".format(
                args.clients, seconds, len(texts) / seconds))
            print("service throughput / batch throughput: {:.2f}".format(batch / seconds))

            latencies = open_loop(server, students, texts, args.rate, args.seconds)
            print("== latency, POST to verdict, at {:g} submissions/s for {:g} s ({} submissions)".format(
                args.rate, args.seconds, len(latencies)))
            print("p50 {:.3f} s   p95 {:.3f} s   max {:.3f} s".format(
                statistics.median(latencies), percentile(latencies, 0.95), max(latencies)))

            graded = len(texts) + len(latencies)
            extra = [texts[i % len(texts)] for i in range(max(0, 100 - graded))]
            closed_loop(server, students, extra, args.clients)
            at_100 = rss_mb(server.process.pid)
            more = [texts[i % len(texts)] for i in range(args.memory_large - max(graded, 100))]
            closed_loop(server, students, more, args.clients)
            at_large = rss_mb(server.process.pid)
            print("== the server's memory (RSS of its process)")
            print("after {} submissions: {:.0f} MiB   after {}: {:.0f} MiB   ratio {:.2f}".format(
                max(graded, 100), at_100, args.memory_large, at_large, at_large / at_100))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
