"""Benchmark: ``grader similarity`` against a generic tool, and at the size of a MOOC, in one run.

1. Precision and recall at the default threshold on the corpus of
   ``tests/similarity_corpus`` (independent solutions in styles of their own;
   copies with every disguise, alone and combined, whole and half, of
   classmates and of known sources), dealt into classes that copy each origin
   a few times, side by side with copydetect (PyPI; the release's answer cells
   as boilerplate, its default noise and display thresholds) on the same
   documents; and for each tool the lowest score of a copied pair against the
   highest of an independent pair.
2. Time and peak memory of ``grader similarity`` on generated classes of
   1,000 and 10,000 students (each graded before, its wrong results stored as
   ``grader autograde`` stores them; 5 % copy a classmate), and the growth
   ratio of the two; with ``--before DIR`` (a source tree holding another
   version's ``grader/``, e.g. ``git archive main grader | tar -x -C DIR``)
   that version on the same classes, side by side.
3. With ``--real DIR``: real solutions (notebooks and ``.py`` files under DIR,
   kept outside the repository), each as a student of one class: the ranked
   pairs, which of them are byte-identical or the same code after
   normalisation, and where the lowest of those ranks against every other pair;
   with DIR/LABELS.tsv (file, origin, whole|partial; kept with the files),
   where the labelled copies rank against every independent pair. The set
   measured for issue 30 (/work/wt/similarity-real, not in the repository:
   public code is not ours to commit) was collected from stored public
   GitHub files: ``find_string`` of ``dAL = dAL = - (np.divide(Y, AL)``
   (a line only Kulbear's widely copied answer key and its copies hold) and
   of ``def L_model_backward(AL, Y, caches)`` / ``def L_model_forward(X,
   parameters):`` for independent ``.py`` solutions, Kulbear's notebook and a
   fork of it by path; each file's lab functions kept verbatim (docstrings,
   training and test code left out), listed in its MANIFEST.tsv (file,
   repository, path, commit, index id, what was kept).

Prints measurements of this run side by side; the machine is shared and noisy.

Usage: .venv/bin/python bench/bench_similarity.py [--rounds 8] [--sizes 1000 10000] [--code-only]
       [--before DIR] [--real DIR]
"""

import argparse
import hashlib
import io
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from corpus import solved_sources  # noqa: E402
from corpus.correct import CORRECT_STYLES  # noqa: E402
from corpus.mistakes import MISTAKES  # noqa: E402
from course import ASSIGNMENT, NOTEBOOK, RELEASE_NB, copy_course, tool_env  # noqa: E402
from similarity_corpus import HOW, build_class, public_functions, rounds, styles  # noqa: E402
from similarity_corpus.disguises import disguise  # noqa: E402

from grader.checks.graded_functions import NAMES  # noqa: E402
from grader.similarity import THRESHOLD  # noqa: E402

COPYDETECT_THRESHOLD = 0.33   # copydetect's default display threshold
COPYDETECT_NOISE = 25         # its default noise threshold: k-grams of 25 characters


# --- 1. the corpus, against copydetect -----------------------------------------------------------

def corpus_scores(rounds_count, run_missing):
    """[(copied?, our score, copydetect's score, pair)] over every round's pairs (source pairs excluded)."""
    from grader.course.base.course import Course
    from grader.similarity.run import compare

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for index, copies in enumerate(rounds(rounds_count)):
            root = Path(tmp) / str(index)
            course = copy_course(root / "course")
            truth = build_class(course, root / "public", copies)
            comparison = compare(Course.at(course), [str(root / "public")], workers=2, run_missing=run_missing,
                                 stream=io.StringIO())
            ids = [d.id for d in comparison.documents]
            ours = {frozenset((ids[a], ids[b])): s for (a, b), s in zip(comparison.scores.pairs,
                                                                         comparison.scores.score)}
            theirs = copydetect_scores(course, comparison.wanted)
            sources = {d.id for d in comparison.documents if d.kind == "source"}
            copied, independent = truth.pairs(ids)
            for pairs, label in ((copied, True), (independent, False)):
                for a, b in pairs:
                    if not (a in sources and b in sources):
                        key = frozenset((a, b))
                        rows.append((label, ours.get(key, 0.0), theirs[key], (a, b)))
            print("  class {}: {} documents, {} copied pairs".format(index + 1, len(ids), len(copied)), flush=True)
    return rows


def copydetect_scores(course, wanted):
    """{pair: copydetect's similarity} of every pair: each document's answer code, the release as boilerplate."""
    from copydetect import CodeFingerprint, compare_files

    from grader.similarity.documents import read
    from grader.submission.answers import answer_cells
    from grader.submission.reading import read_notebook

    def code_of(cells):
        return "\n\n".join(dict.fromkeys(cells[n] for n in NAMES if n in cells))

    release = code_of(answer_cells(read_notebook(Path(course) / "release" / ASSIGNMENT / NOTEBOOK).cells)
                      .by_function)
    boilerplate = np.array(sorted(CodeFingerprint("release.py", COPYDETECT_NOISE, 1, fp=io.StringIO(release)).hashes))
    prints = {w.id: CodeFingerprint("answer.py", COPYDETECT_NOISE, 1, boilerplate=boilerplate,
                                    fp=io.StringIO(code_of(read(w, with_behaviour=False).code))) for w in wanted}
    ids, out = list(prints), {}
    for i, a in enumerate(ids):
        for b in ids[i + 1:]:
            _, (first, second), _ = compare_files(prints[a], prints[b])
            out[frozenset((a, b))] = float(max(first, second))
    return out


def report_corpus(rows):
    print("\n== precision and recall on the corpus ({} copied pairs, {} independent pairs)".format(
        sum(r[0] for r in rows), sum(not r[0] for r in rows)))
    print("{:<24} {:>9} {:>9} {:>14} {:>18} {:>14} {:>14}".format(
        "tool (threshold)", "precision", "recall", "copies flagged", "independent flagged", "lowest copied",
        "highest indep."))
    for name, column, threshold in (("grader similarity ({:g})".format(THRESHOLD), 1, THRESHOLD),
                                    ("copydetect ({:g})".format(COPYDETECT_THRESHOLD), 2, COPYDETECT_THRESHOLD)):
        copied = [r[column] for r in rows if r[0]]
        independent = [r[column] for r in rows if not r[0]]
        tp = sum(s >= threshold for s in copied)
        fp = sum(s >= threshold for s in independent)
        print("{:<24} {:>9.3f} {:>9.3f} {:>14} {:>10} ({:4.1f}%) {:>14.3f} {:>14.3f}".format(
            name, tp / max(tp + fp, 1), tp / max(len(copied), 1), tp, fp, 100 * fp / max(len(independent), 1),
            min(copied), max(independent)))
        above = sum(s > max(independent) for s in copied)
        print("{:<24} copies ranked above every independent pair: {} of {}".format("", above, len(copied)))


# --- 2. at scale ----------------------------------------------------------------------------------

def pool(course):
    """{origin: ({function: answer cell}, behaviour record)}: the solutions generated students write.

    Every origin is graded once in the sealed engine, so its wrong results are
    the ones grading would store for whoever writes it.
    """
    from grader.course.steps.autograded import behaviour_record
    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.sandbox.engine import grade_read_notebook
    from grader.sandbox.session import Limits
    from grader.sandbox.zygote import Zygote
    from grader.submission.reading import parse_notebook

    solved = solved_sources()
    origins = {"canonical": solved}
    origins.update(styles())
    origins.update(public_functions())
    origins.update({"other-" + s: cells for s, cells in CORRECT_STYLES.items()})
    origins.update({"slip-" + m.id: dict(solved, **{m.function: m.cell_source(solved)}) for m in MISTAKES})
    template = Notebook()
    out = {}
    with Zygote(lab_context(lab_folder(course))) as zygote:
        for origin, cells in origins.items():
            result = grade_read_notebook(parse_notebook(template.text(cells)), zygote, Limits())
            out[origin] = (cells, behaviour_record(result)["functions"])
    return out


class Notebook:
    """The release notebook as JSON, its answer cells replaced: written without nbformat's validation."""

    def __init__(self):
        self.nb = json.loads(RELEASE_NB.read_text(encoding="utf-8"))
        self.answers = {c["metadata"]["nbgrader"]["grade_id"]: i for i, c in enumerate(self.nb["cells"])
                        if c.get("metadata", {}).get("nbgrader", {}).get("solution")}

    def text(self, cells, metadata=None):
        made = list(self.nb["cells"])
        for name, source in cells.items():
            made[self.answers[name]] = dict(made[self.answers[name]], source=source)
        return json.dumps(dict(self.nb, cells=made, metadata=dict(self.nb["metadata"], **(metadata or {}))),
                          ensure_ascii=False, indent=1).encode("utf-8")  # as Jupyter and both grading paths write


def generated_class(course, count, origins, seed=0):
    """``count`` students writing their own (:func:`_own`); 5 % copy an earlier classmate (whole or half,
    disguised). Their wrong results stored as grading would."""
    from grader.course.steps.autograded import BEHAVIOUR_KEY
    from grader.course.records.regrading import METADATA_KEY

    rng, template = random.Random(seed), Notebook()
    names = sorted(origins)
    slips = {n: [o for o in names if o.startswith("slip-") and origins[o][0][n] != origins["canonical"][0][n]]
             for n in NAMES}
    written = []
    for index in range(count):
        cells, behaviour = _own(rng, origins, names, slips)
        if index > 20 and rng.random() < 0.05:
            source_cells, source_behaviour = written[rng.randrange(len(written))]
            copied = rng.choice([NAMES, NAMES, NAMES[:5], NAMES[5:]])
            how = rng.choice(HOW)
            for n in copied:
                cells[n] = disguise(source_cells[n], how, (seed, index, n))
                behaviour[n] = source_behaviour[n]
        written.append((cells, behaviour))
        student = "student{}".format(index + 1)
        raw = template.text(cells)
        for folder, data in (("submitted", raw), ("autograded", template.text(cells, {
                METADATA_KEY: {"submission_sha256": hashlib.sha256(raw).hexdigest(), "timestamp": ""},
                BEHAVIOUR_KEY: {"functions": behaviour}}))):
            target = Path(course) / folder / student / ASSIGNMENT / NOTEBOOK
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)


def _own(rng, origins, names, slips):
    """A student of their own: the course's way (35 %) or one origin's style, slips, habits.

    Code in a style other than the course's always has a habit of the
    student's own (two students do not write an unusual function alike); the
    course's way often has none, so byte-identical cells are as common as in a
    class, and only among code everyone writes.
    """
    style = "canonical" if rng.random() < 0.35 else rng.choice([o for o in names if not o.startswith("slip-")])
    cells, behaviour = {}, {}
    for n in NAMES:
        origin = style if rng.random() < 0.7 else "canonical"
        if rng.random() < 0.1 and slips[n]:
            origin = rng.choice(slips[n])
        cells[n], behaviour[n] = origins[origin][0][n], origins[origin][1][n]
        if cells[n] != origins["canonical"][0][n] or rng.random() < 0.3:
            cells[n] = _habit(cells[n], n, rng)
    return cells, behaviour


def _habit(cell, name, rng):
    """``cell`` with an assert of the student's own after the def line (true, harmless, unlike anyone's)."""
    match = re.search(r"^def {}\((\w+)[^\n]*:[ \t]*$".format(name), cell, re.M)
    if not match:
        return cell
    check = '    assert len(str({})) > -{}, "{} {}"'.format(match.group(1), rng.randrange(10 ** 6),
                                                        rng.choice(["проверка", "check", "sanity"]), rng.random())
    return cell[:match.end()] + "\n" + check + cell[match.end():]


# Runs ``grader.cli`` as ``python -m`` does, and says at exit how much CPU its own process used.
OWN_CPU = ("import atexit, resource, runpy, sys; atexit.register(lambda: sys.stderr.write('\\nown-cpu %f\\n' % "
           "sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))); sys.argv[0] = 'grader'; "
           "runpy.run_module('grader.cli', run_name='__main__', alter_sys=True)")


def measure(command, source=None):
    """(wall seconds, CPU seconds of all its processes, peak RSS in MiB of the largest, CPU seconds of the main
    process alone or None) of ``command``; the last is known when ``command`` runs :data:`OWN_CPU`.

    ``source``: a folder holding the ``grader`` package to run instead of this one.
    """
    probe = ("import resource, subprocess, sys, time; t = time.perf_counter(); p = subprocess.run(sys.argv[1:], "
             "stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True); t = time.perf_counter() - t; "
             "sys.stderr.write(p.stdout + p.stderr[-2000:]); u = resource.getrusage(resource.RUSAGE_CHILDREN); "
             "print(p.returncode, t, u.ru_utime + u.ru_stime, u.ru_maxrss)")
    env = tool_env()
    if source:
        env["PYTHONPATH"] = str(source)
    proc = subprocess.run([sys.executable, "-c", probe, *command], env=env, capture_output=True, text=True,
                          cwd=tempfile.gettempdir())
    code, seconds, cpu, peak = proc.stdout.split()
    if code != "0":
        raise SystemExit("{} failed:\n{}".format(command, proc.stderr))
    own = re.findall(r"^own-cpu ([0-9.]+)$", proc.stderr, re.M)
    return float(seconds), float(cpu), int(peak) / 1024, float(own[-1]) if own else None


def report_scale(sizes, before=None):
    print("\n== scale: generated classes, wrong results stored by grading")
    versions = [("this", None)] + ([("before", before)] if before else [])
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "pool")
        started = time.perf_counter()
        origins = pool(course)
        print("  graded {} origins for the pool in {:.0f} s".format(len(origins), time.perf_counter() - started))
        results = {}
        for size in sizes:
            course = copy_course(Path(tmp) / str(size))
            started = time.perf_counter()
            generated_class(course, size, origins)
            print("  generated {} students in {:.0f} s".format(size, time.perf_counter() - started), flush=True)
            for version, source in versions:
                out = Path(tmp) / "out{}{}".format(size, version)
                load = os.getloadavg()[0]
                seconds, cpu, peak, own = measure([sys.executable, "-c", OWN_CPU, "similarity", "--course",
                                                   str(course), "--json", str(out) + ".json", "--html",
                                                   str(out) + ".html", "--workers", "2"], source)
                data = json.loads(Path(str(out) + ".json").read_text(encoding="utf-8"))
                results[size, version] = seconds, cpu
                print("  {:>6} students, {:<6}: {:6.1f} s ({:.0f} CPU s, {:.0f} of them in the main process), peak "
                      "{:4.0f} MiB (largest process), {} pairs scored, {} flagged; load average before: {:.1f}; "
                      "on 2 free cores about {:.0f} s (main process + the rest / 2)".format(
                          size, version, seconds, cpu, own, peak, data["compared_pairs"], data["flagged"], load,
                          own + (cpu - own) / 2), flush=True)
            if before:
                print("  {:>6} students: this / before = {:.2f}x wall, {:.2f}x CPU; {}".format(
                    size, results[size, "this"][0] / results[size, "before"][0],
                    results[size, "this"][1] / results[size, "before"][1],
                    same_output(Path(tmp) / "out{}this".format(size), Path(tmp) / "out{}before".format(size))))
            shutil.rmtree(course, ignore_errors=True)
        if len(sizes) == 2:
            small, large = sizes
            for version, _ in versions:
                print("  growth ({}): {}x the students took {:.1f}x the time and {:.1f}x the CPU (quadratic would be {}x)"
                      .format(version, large // small, results[large, version][0] / results[small, version][0],
                              results[large, version][1] / results[small, version][1], (large // small) ** 2))


def same_output(this, before):
    """Whether two runs' JSON reports and pages (``<out>.json``, ``<out>.html``) are the same, or how they differ."""
    pages = [Path(str(out) + ".html").read_bytes() for out in (this, before)]
    data = [json.loads(Path(str(out) + ".json").read_text(encoding="utf-8")) for out in (this, before)]
    if data[0] == data[1]:
        return "the same report and page" if pages[0] == pages[1] else "the same report, pages differ"
    scored = [{(p["a"], p["b"]): p["score"] for p in d["pairs"]} for d in data]
    flagged = [{(p["a"], p["b"]) for p in d["pairs"] if p["flagged"]} for d in data]
    return ("reports DIFFER: {} and {} pairs scored, {} flagged only now, {} only before, {} listed pairs scored "
            "otherwise".format(data[0]["compared_pairs"], data[1]["compared_pairs"], len(flagged[0] - flagged[1]),
                               len(flagged[1] - flagged[0]),
                               sum(scored[1].get(pair) != score for pair, score in scored[0].items())))


# --- 3. real solutions ------------------------------------------------------------------------------

def report_real(folder, shown=25):
    """Rank the pairs of real solutions (each a student) and say where identical ones rank."""
    import hashlib

    from grader.similarity.run import compare

    files = sorted(p for p in Path(folder).rglob("*") if p.suffix in (".ipynb", ".py") and p.is_file())
    print("\n== real solutions: {} files under {}".format(len(files), folder))
    with tempfile.TemporaryDirectory() as tmp:
        course = copy_course(Path(tmp) / "course")
        names = {}
        for number, path in enumerate(files):
            raw = path.read_bytes()
            if path.suffix == ".py":  # a .py export: one code cell, as a notebook would hold it
                cell = {"cell_type": "code", "metadata": {}, "source": raw.decode("utf-8", "replace"),
                        "outputs": [], "execution_count": None}
                raw = json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 2}).encode()
            student = "real{:03d}".format(number)
            target = course / "submitted" / student / ASSIGNMENT / NOTEBOOK
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
            names[student] = (str(path.relative_to(folder)), hashlib.sha256(raw).hexdigest())
        comparison = compare(course, [], workers=2, run_missing=False, stream=io.StringIO())
    ids = [d.id for d in comparison.documents]
    scores = comparison.scores
    rows = [(ids[a], ids[b], float(score), str(reason)) for (a, b), score, reason in
            zip(scores.pairs, scores.score, scores.reason)]
    flagged = sum(r[2] >= THRESHOLD for r in rows)
    print("  {} pairs scored, {} flagged at {:g}".format(len(rows), flagged, THRESHOLD))
    print("  {:>4} {:>6}  {:<22} {}".format("rank", "score", "identical", "pair"))
    for rank, (a, b, score, reason) in enumerate(rows[:shown], 1):
        print("  {:>4} {:>6.3f}  {:<22} {}  <->  {}".format(rank, score, reason or "-", names[a][0], names[b][0]))
    same = [i for i, r in enumerate(rows) if r[3]]
    if same:
        others = [r[2] for r in rows if not r[3]]
        print("  identical or the same normalised code: {} pairs, ranked 1..{}; lowest {:.3f} against the highest other "
              "pair {:.3f}".format(len(same), max(same) + 1, min(rows[i][2] for i in same), max(others or [0])))
    labels = Path(folder) / "LABELS.tsv"
    if labels.exists():
        report_labels(labels, {s: names[s][0] for s in names}, rows)


def report_labels(path, files, rows):
    """Where the labelled copies rank against the independent pairs (LABELS.tsv: file, origin, whole|partial).

    Two files of one origin are a copy: near-identical when both are whole
    copies, partial otherwise; files of different origins are independent.
    Pairs never scored count as 0, ranked last.
    """
    origin = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, source, extent = line.split("\t")[:3]
            origin[name] = (source, extent)
    by_name = {student: Path(f).name for student, f in files.items()}
    ranked = {frozenset((a, b)): (rank, score) for rank, (a, b, score, _) in enumerate(rows, 1)}
    labelled = sorted(s for s in files if by_name[s] in origin)
    groups = {"near-identical": [], "partial": [], "independent": []}
    for i, a in enumerate(labelled):
        for b in labelled[i + 1:]:
            (sa, ea), (sb, eb) = origin[by_name[a]], origin[by_name[b]]
            kind = "independent" if sa != sb else "near-identical" if ea == eb == "whole" else "partial"
            rank, score = ranked.get(frozenset((a, b)), (len(rows) + 1, 0.0))
            groups[kind].append((rank, score, by_name[a], by_name[b]))
    print("  labelled ({}): {} files, {} near-identical, {} partial-copy and {} independent pairs".format(
        path, len(labelled), *(len(groups[k]) for k in groups)))
    top = max(groups["independent"], default=(0, 0.0, "", ""), key=lambda g: g[1])
    print("  highest independent pair: {:.3f} (rank {}: {} <-> {})".format(top[1], top[0], top[2], top[3]))
    for kind in ("near-identical", "partial"):
        if groups[kind]:
            low = min(groups[kind], key=lambda g: g[1])
            above = sum(score > top[1] for _, score, _, _ in groups[kind])
            print("  {}: {} of {} ranked above every independent pair; lowest {:.3f} (rank {}: {} <-> {})".format(
                kind, above, len(groups[kind]), low[1], low[0], low[2], low[3]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=8, help="classes the corpus is dealt into (default: 8)")
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--code-only", action="store_true", help="corpus: compare code only (no grading)")
    parser.add_argument("--before", help="a folder holding another version's grader/ to time side by side")
    parser.add_argument("--real", help="a folder of real solutions (kept outside the repository) to rank")
    args = parser.parse_args()
    if args.rounds:
        print("== corpus: {} classes".format(args.rounds))
        report_corpus(corpus_scores(args.rounds, not args.code_only))
    if args.sizes:
        report_scale(args.sizes, args.before)
    if args.real:
        report_real(args.real)


if __name__ == "__main__":
    main()
