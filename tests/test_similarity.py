"""``grader similarity``: disguised copies found, independent work left alone, clear answers otherwise.

The corpus (tests/similarity_corpus) holds independent solutions in styles of
their own and copies of classmates and of known sources with every usual
disguise, alone and combined, whole and half. Behaviour evidence comes from
real grading in the sealed engine; the Dask test starts its own scheduler.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from corpus.correct import CORRECT_STYLES
from course import REPO, RELEASE_NB, copy_course, grader_cli, read, solved_submission, submit, with_answers
from grader.checks.graded_functions import NAMES
from grader.similarity import THRESHOLD
from grader.similarity.fingerprints import function_print
from similarity_corpus import HALVES, HOW, build_class, public_functions, rounds, styles, variants
from similarity_corpus.disguises import disguise
from similarity_corpus.public import write_sources

CLASSES = 8  # the corpus dealt into classes that copy each origin three times


def scored(comparison):
    """{frozenset pair of ids: score} of a comparison's scored pairs."""
    ids = [d.id for d in comparison.documents]
    return {frozenset((ids[a], ids[b])): float(s) for (a, b), s in zip(comparison.scores.pairs,
                                                                         comparison.scores.score)}


@pytest.fixture(scope="module")
def corpus_classes(tmp_path_factory):
    """[(truth, comparison)] of every class of the corpus, compared by code (no grading)."""
    from grader.similarity.run import compare

    out = []
    for index, copies in enumerate(rounds(CLASSES)):
        root = tmp_path_factory.mktemp("class{}".format(index))
        truth = build_class(copy_course(root / "course"), root / "public", copies)
        comparison = compare(root / "course", [str(root / "public")], workers=2, run_missing=False,
                             stream=io.StringIO())
        out.append((truth, comparison))
    return out


def labelled(corpus_classes):
    """(scores of copied pairs, scores of independent pairs) over the whole corpus; pairs of two sources excluded."""
    copied, independent = [], []
    for truth, comparison in corpus_classes:
        scores = scored(comparison)
        sources = {d.id for d in comparison.documents if d.kind == "source"}
        pairs = truth.pairs([d.id for d in comparison.documents])
        for found, out in zip(pairs, (copied, independent)):
            out.extend((scores.get(frozenset(p), 0.0), p) for p in found if not set(p) <= sources)
    return copied, independent


# --- the corpus ----------------------------------------------------------------------------------

def test_the_corpus_covers_every_disguise_whole_and_half_of_classmates_and_sources(corpus_classes):
    made = [copy for truth, _ in corpus_classes for copy in truth.copies.values()]
    assert sorted(made) == sorted(variants())
    assert {origin for origin, _, _ in made} == set(styles()) | set(public_functions())
    assert {how for _, how, _ in made} == set(HOW) and {half for _, _, half in made} == set(HALVES)


def test_every_disguised_copy_is_flagged_and_no_independent_pair_is(corpus_classes):
    copied, independent = labelled(corpus_classes)
    assert len(copied) > 300 and len(independent) > 10_000
    missed = [p for s, p in copied if s < THRESHOLD]
    wrongly = [(s, p) for s, p in independent if s >= THRESHOLD]
    assert not missed, missed[:10]
    assert not wrongly, wrongly[:10]


def test_every_copy_ranks_above_every_independent_pair(corpus_classes):
    copied, independent = labelled(corpus_classes)
    assert min(copied)[0] > max(independent)[0], (min(copied), max(independent))


@pytest.mark.parametrize("how", HOW)
def test_each_disguise_leaves_the_normalised_code_as_it_was(how):
    """Every function of every solution here and in tests/corpus, disguised (a copy of a copy too):
    other text, the same fingerprints."""
    changed = 0
    for origin, cells in dict(styles(), **public_functions(), **CORRECT_STYLES).items():
        for name in NAMES:
            original = function_print(name, cells[name]).hashes
            disguised = disguise(cells[name], how, (origin, name))
            changed += disguised != cells[name]
            assert np.array_equal(function_print(name, disguised).hashes, original), (origin, name)
            if how == "combined":
                again = disguise(disguised, "combined", (origin, name, "again"))
                assert np.array_equal(function_print(name, again).hashes, original), (origin, name, "again")
    assert changed >= 20  # the disguise did something (products and helpers are in fewer functions)


# --- behaviour: the same wrong results ------------------------------------------------------------

@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """A small class graded in the sealed engine, its results stored as `grader autograde` stores them.

    ``orig`` takes the wrong cache in its backward loop; ``copy`` is it with
    every disguise; ``late`` copied a known source after the grading run (its
    wrong results are not stored); the others are independent.
    """
    from grader.course.steps.autograded import write_autograded
    from grader.course.base.lab_context import lab_context, lab_folder
    from grader.course.base.layout import submissions
    from grader.sandbox.engine import read_and_grade
    from grader.sandbox.session import Limits
    from grader.sandbox.zygote import Zygote

    root = tmp_path_factory.mktemp("graded")
    course = copy_course(root / "course")
    base, cells, sources = solved_submission(), styles(), public_functions()
    students = {"orig": cells["filled_g"], "copy": {n: disguise(cells["filled_g"][n], "combined", n) for n in NAMES},
                "indep-a": cells["functional_c"], "indep-b": cells["typed_helpers_h"], "indep-c": cells["loops_d"],
                "late": {n: disguise(sources["markdown"][n], "combined", n) for n in NAMES}}
    for student, answers in students.items():
        submit(course, student, with_answers(base, answers))
    write_sources(root / "public")
    with Zygote(lab_context(lab_folder(course))) as zygote:
        for submission in submissions(course):
            if submission.student != "late":
                result, notebook = read_and_grade(submission.notebook, zygote, Limits(), submission.inside)
                write_autograded(course, submission, notebook, result)
    return course


def similarity(course, *args, timeout=600):
    proc = grader_cli(course, "similarity", *args, timeout=timeout, cwd=course)
    return proc


def test_grading_stores_fingerprints_of_wrong_results_only(graded_class):
    """Both grading paths write the autograded notebook through ``fill_verdicts``, which keeps the record."""
    from grader.course.steps.autograded import BEHAVIOUR_KEY, carrier_notebook, fill_verdicts
    from grader.checks.results import SubmissionResult
    from grader.submission.reading import Notebook

    assert BEHAVIOUR_KEY in fill_verdicts(carrier_notebook(Notebook((), "")), SubmissionResult())["metadata"]

    nb = json.loads((graded_class / "autograded" / "orig" / "dnn_step_by_step" / "dnn_step_by_step.ipynb").read_text())
    record = nb["metadata"][BEHAVIOUR_KEY]["functions"]
    assert set(record) == set(NAMES)
    assert record["L_model_backward"]["wrong"] and not record["linear_forward"]["wrong"]  # it passed
    assert all(re.fullmatch(r"\d+:~?[0-9a-f]{12}", w) for r in record.values() for w in r["wrong"])
    assert record["L_model_backward"]["verdict"].startswith("не пройдено")  # the verdict the student saw


def test_a_slip_many_make_is_marked_and_a_mistake_of_ones_own_is_not():
    from grader.checks.graded_functions import BY_NAME
    from grader.checks.judge import judge_case
    from grader.checks.reference import cases_for
    from grader.plain.codec import encode
    from grader.plain.outcome import Outcome

    case, (dA_prev, dW, db) = cases_for("linear_backward")[1]

    def judged(output):
        return judge_case(BY_NAME["linear_backward"], case, (dA_prev, dW, db),
                          Outcome(encode(output), encode(case.args), "", ""))

    slip, own, right = judged((dA_prev, dW, db * case.m)), judged((dA_prev, dW + 0.125, db)), judged((dA_prev, dW, db))
    assert slip.output.startswith("~") and "деление на m" in slip.message
    assert own.output and not own.output.startswith("~") and right.passed and right.output == ""
    assert judged((dA_prev, dW + 0.125, db)).output == own.output != judged((dA_prev, dW + 0.126, db)).output


def test_identical_wrong_results_are_evidence_and_stored_ones_are_reused(graded_class, tmp_path):
    out = tmp_path / "similarity.json"
    proc = similarity(graded_class, "--against", "../public", "--json", out, "--html", tmp_path / "s.html")
    assert proc.returncode == 0, proc.stderr
    assert "graded 4 document(s) again" in proc.stderr  # `late` and the 3 sources: the others' were stored
    data = json.loads(out.read_text(encoding="utf-8"))
    pairs = {frozenset((p["a"], p["b"])): p for p in data["pairs"]}
    copied = pairs[frozenset(("orig", "copy"))]
    assert copied["flagged"] and data["behaviour_unknown"] == []
    behaviour = [e for e in copied["evidence"] if e["kind"] == "behaviour"]
    assert [e["function"] for e in behaviour] == ["L_model_backward"] and len(behaviour[0]["cases"]) >= 3
    assert all(c["case"].startswith("скрытый пример") and not c["known_mistake"] for c in behaviour[0]["cases"])
    late = next(p for key, p in pairs.items() if "late" in key and any(k.endswith(".md") for k in key))
    assert late["flagged"] and any(e["kind"] == "behaviour" and e["function"] == "update_parameters"
                                   and e["evidence"] > 1 for e in late["evidence"])  # the blog's own slip
    for key, pair in pairs.items():
        if key & {"indep-a", "indep-b", "indep-c"}:
            assert not pair["flagged"], pair


def test_without_grading_again_code_alone_is_compared(graded_class, tmp_path):
    out = tmp_path / "similarity.json"
    proc = similarity(graded_class, "--against", "../public", "--json", out, "--html", tmp_path / "s.html",
                      "--code-only")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "graded" not in _said(proc) and "late" in data["behaviour_unknown"]
    assert all(p == "late" or p.startswith("../public/") for p in data["behaviour_unknown"])
    assert all(e["kind"] == "code" for p in data["pairs"] for e in p["evidence"] if "late" in (p["a"], p["b"]))


def test_the_page_shows_both_codes_the_shared_passages_and_wrong_results(graded_class, tmp_path):
    from browser import chromium

    page = tmp_path / "reports" / "similarity.html"
    proc = similarity(graded_class, "--html", page, "--against", "../public")
    assert proc.returncode == 0, proc.stderr
    text = page.read_text(encoding="utf-8")
    assert "orig ↔ copy" in text or "copy ↔ orig" in text
    assert 'class="s3"' in text and "Одинаковые неверные результаты" in text and "<script" not in text
    driver = chromium()
    try:
        driver.get(page.as_uri())
        assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        sections = driver.find_elements("css selector", "section.pair.flagged")
        assert sections and sections[0].find_elements("css selector", ".sbs pre span.s3")
    finally:
        driver.quit()


def test_the_class_report_links_to_the_page_beside_it():
    from grader.course.pages.class_report import render

    images = {"hist": "", "rates": "", "status": ""}
    from collections import Counter

    assert 'href="similarity.html"' in render([], Counter(), [], images, [], "similarity.html")
    assert "similarity.html" not in render([], Counter(), [], images, [])


# --- clear answers --------------------------------------------------------------------------------

def _said(proc):
    """stderr without the warning that a test's course folder is open to other users."""
    return "".join(line for line in proc.stderr.splitlines(keepends=True) if "is open to other users" not in line)


def test_a_course_without_submissions_is_refused(tmp_path):
    course = copy_course(tmp_path / "course")
    proc = similarity(course)
    assert proc.returncode == 2 and _said(proc).startswith("error: no submissions in"), proc.stderr


def test_one_student_is_refused_unless_there_are_known_sources(tmp_path):
    course = copy_course(tmp_path / "course")
    submit(course, "alone", with_answers(solved_submission(), styles()["recursive_f"]))
    proc = similarity(course)
    assert proc.returncode == 2 and "only one student (alone)" in proc.stderr and "--against" in proc.stderr
    missing = similarity(course, "--against", tmp_path / "nowhere")
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    write_sources(tmp_path / "public")
    proc = similarity(course, "--against", tmp_path / "public", "--code-only", "--json", tmp_path / "o.json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "o.json").read_text())["sources"] == 3


def test_the_template_alone_never_matches(tmp_path):
    course = copy_course(tmp_path / "course")
    blank = read(RELEASE_NB)
    for student in ("blank1", "blank2", "blank3"):
        submit(course, student, blank)
    half = styles()["routines_e"]
    submit(course, "half-blank", with_answers(blank, {n: half[n] for n in NAMES[:3]}))
    submit(course, "worker", with_answers(solved_submission(), styles()["routines_e"]))
    out = tmp_path / "o.json"
    proc = similarity(course, "--json", out)  # graded again: every blank answer fails the same way
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["blank"] == ["blank1", "blank2", "blank3"] and "graded 2 document(s) again" in proc.stderr
    assert not [p for p in data["pairs"] if {p["a"], p["b"]} & set(data["blank"])]
    pair = next(p for p in data["pairs"] if {p["a"], p["b"]} == {"half-blank", "worker"})
    assert {n for n, s in pair["functions"].items() if s > 0} <= set(NAMES[:3])


def test_unreadable_notebooks_are_named_not_fatal(tmp_path):
    course = copy_course(tmp_path / "course")
    cells = styles()["typed_helpers_h"]
    submit(course, "good", with_answers(solved_submission(), cells))
    submit(course, "copier", with_answers(solved_submission(), {n: disguise(cells[n], "rename", n) for n in NAMES}))
    submit(course, "not-json", "{ this is not a notebook")
    folder = submit(course, "pipe", "{}").parent
    (folder / "dnn_step_by_step.ipynb").unlink()
    os.mkfifo(folder / "dnn_step_by_step.ipynb")
    secret = tmp_path / "secret.ipynb"
    secret.write_text(json.dumps(json.loads(RELEASE_NB.read_text())), encoding="utf-8")
    folder = submit(course, "link-out", "{}").parent
    (folder / "dnn_step_by_step.ipynb").unlink()
    (folder / "dnn_step_by_step.ipynb").symlink_to(secret)
    out = tmp_path / "o.json"
    proc = similarity(course, "--json", out, "--code-only", timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    reasons = {u["id"]: u["problem"] for u in data["unreadable"]}
    assert set(reasons) == {"not-json", "pipe", "link-out"} and all(reasons.values())
    assert "link-out: not compared:" in proc.stdout
    assert [{p["a"], p["b"]} for p in data["pairs"] if p["flagged"]] == [{"copier", "good"}]


def test_known_sources_of_every_kind_are_found_and_links_out_are_refused(tmp_path):
    from grader.similarity.documents import known_sources, read

    public = tmp_path / "public"
    paths = write_sources(public)
    (public / ".git").mkdir()
    shutil.copy(paths["py_export"], public / ".git" / "hidden.py")
    outside = tmp_path / "outside.py"
    outside.write_text(public_functions()["nb3"]["linear_forward"], encoding="utf-8")
    (public / "link.py").symlink_to(outside)
    found = {w.id: read(w) for w in known_sources([str(public)])}
    assert set(found) == {str(p) for p in paths.values()} | {str(public / "link.py")}
    assert found[str(public / "link.py")].problem
    for path in paths.values():
        assert set(found[str(path)].code) == set(NAMES), path


def test_hostile_code_is_compared_without_running_or_crashing():
    deep = "def linear_forward(A, W, b):\n    return " + "(" * 5000 + "A" + ")" * 5000 + "\n"
    long_chain = "def linear_forward(A, W, b):\n    return " + " + ".join(["A"] * 50_000) + "\n"
    broken = "def linear_forward(A, W, b):\n    Z = np.dot(W, A) +\n    return Z, (A, W, b)\n"
    nul = "def linear_forward(A, W, b):\n    return A\x00\n"
    huge = "def linear_forward(A, W, b):\n" + "    x = 1\n" * 200_000
    for source in (deep, long_chain, nul, huge):
        found = function_print("linear_forward", source)
        assert found is not None and not found.parsed and len(found.hashes)  # compared by tokens
    repaired = function_print("linear_forward", broken)
    assert repaired.parsed and len(repaired.hashes)  # the broken line blanked out, the rest parsed
    assert function_print("linear_forward", "%%time\n!rm -rf /\n") is None


# --- on a Dask cluster ------------------------------------------------------------------------------

def test_on_a_dask_cluster_the_result_is_the_same(graded_class, tmp_path):
    from services import DaskCluster

    local, remote = tmp_path / "local.json", tmp_path / "dask.json"
    proc = similarity(graded_class, "--against", "../public", "--json", local, "--html", tmp_path / "l.html")
    assert proc.returncode == 0, proc.stderr
    cluster = DaskCluster(workers=2)
    try:
        cluster.admit(graded_class)
        proc = similarity(graded_class, "--against", "../public", "--json", remote, "--html", tmp_path / "d.html",
                          "--scheduler", cluster.address)
    finally:
        cluster.close()
    assert proc.returncode == 0, proc.stderr
    assert "graded 4 document(s) again" in proc.stderr
    ours, theirs = (json.loads(p.read_text(encoding="utf-8")) for p in (local, remote))
    assert ours["pairs"] == theirs["pairs"] and ours["flagged"] > 0


# --- hostile known sources: one pass over a Markdown file, a time budget per document ------------

def _markdown_source(tmp_path, name, text):
    from grader.similarity.documents import SOURCE, Wanted

    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Wanted(str(path), SOURCE, str(path), str(tmp_path))


def test_markdown_code_blocks_are_read_as_commonmark_reads_them(tmp_path):
    from grader.similarity.documents import read

    cells = public_functions()["markdown"]
    text = ("Intro\n\n````python\n" + cells["linear_forward"] + "```\nstill inside\n`````\n\n"
            "~~~ python {.numberLines}\n" + cells["compute_cost"]
            + "~~~\n\n```js\n" + cells["L_model_forward"] + "```\n\n```py\n" + cells["update_parameters"])
    code = read(_markdown_source(tmp_path, "post.md", text)).code
    assert "still inside" in code["linear_forward"] and "compute_cost" in code
    assert "L_model_forward" not in code  # a JavaScript block is not Python
    assert "update_parameters" in code    # a block left open runs to the end of the file


def test_a_markdown_file_full_of_unclosed_fences_costs_no_more_than_its_size(tmp_path):
    """80 KB of fences that never close took the old pattern 37 s or more; now as long as a tidy file."""
    import time

    from grader.similarity.documents import read

    size = 80_000
    hostile = ("```python\nx = 1\n" * (size // 16))[:size]
    tidy = ("```python\nx = 1\n```\n" * (size // 20))[:size]
    took = {}
    for name, text in (("tidy.md", tidy), ("hostile.md", hostile)):
        wanted = _markdown_source(tmp_path, name, text)
        started = time.perf_counter()
        for _ in range(3):
            assert not read(wanted).problem
        took[name] = time.perf_counter() - started
    assert took["hostile.md"] < 20 * took["tidy.md"] + 0.5, took


def test_a_document_over_its_time_budget_is_named_and_not_compared(tmp_path):
    from grader.similarity.work import _read_and_print

    wanted = _markdown_source(tmp_path, "post.md", "```python\n" + public_functions()["markdown"]["linear_forward"])
    within, over = _read_and_print([wanted])[0], _read_and_print([wanted], budget=-1)[0]
    assert not within.problem and "linear_forward" in within.code
    assert "разбор занял больше" in over.problem and not over.code


def test_the_search_for_renamed_functions_keeps_to_the_documents_time_budget(tmp_path):
    """Functions under other names that each call the next: every one was fingerprinted with all the rest as
    its helpers, once per missing graded function, past the budget (400 of them: over five minutes)."""
    from grader.similarity.work import _read_and_print

    chain = "".join("def f{}(*a):\n    return f{}(*a) + a[0] * 2\n\n".format(i, i + 1) for i in range(400))
    text = "```python\n" + public_functions()["markdown"]["linear_forward"] + "\n" + chain + "```\n"
    over = _read_and_print([_markdown_source(tmp_path, "chain.md", text)], budget=1.0)[0]
    assert "разбор занял больше" in over.problem and not over.code, over.problem


# --- hand-made disguises (issue 30): reordering, dead code, extra locals, identical files -----------

def _hand_function_pairs():
    from similarity_corpus.hand_disguises import COPIES, ORIGIN, PUBLIC_REORDERED

    pairs = [(how, name, ORIGIN[name], code) for how, functions in COPIES.items() for name, code in functions.items()]
    public = public_functions()["py_export"]
    return pairs + [("public_reordered", name, public[name], code) for name, code in PUBLIC_REORDERED.items()]


@pytest.mark.parametrize("how,name,origin,copy", _hand_function_pairs(), ids=lambda v: v if len(v) < 30 else "")
def test_a_hand_disguised_function_keeps_every_fingerprint_of_the_smaller_side(how, name, origin, copy):
    """Statements swapped, dead code, an extra local that is read, all at once, ``(1 / m) * x``: the
    fingerprints of the smaller side are all shared (on the old per-statement fingerprints a swap of two lines
    kept 4 of 7, an extra local 2 of 7)."""
    a, b = function_print(name, origin).hashes, function_print(name, copy).hashes
    assert len(np.intersect1d(a, b)) == min(len(a), len(b)) and len(a) >= 5, (len(np.intersect1d(a, b)), len(a), len(b))


@pytest.fixture(scope="module")
def hand_class(tmp_path_factory):
    """(comparison, copied pairs, identical pairs, independent pairs) of a class with the hand-made copies.

    ``origin`` writes four functions its own way; each ``copy-<how>`` hand-disguises them; ``twin1..3`` are
    byte-identical to ``origin``, ``renamed`` renames every variable of it; ``public-copy`` copied the
    known source ``py_export`` reordered. Independent: the template-alike students of
    ``hand_disguises.TEMPLATE_ALIKE``, three who wrote exactly the course's solution, and the styles of
    ``tests/corpus`` and :mod:`similarity_corpus.independent`.
    """
    from similarity_corpus import fill
    from similarity_corpus.hand_disguises import COPIES, ORIGIN, PUBLIC_REORDERED, TEMPLATE_ALIKE
    from grader.similarity.run import compare

    from course import answer_cells as cells_of

    root = tmp_path_factory.mktemp("hand")
    course = copy_course(root / "course")
    paths = write_sources(root / "public")
    base, solved = solved_submission(), {n: c.source for n, c in cells_of(solved_submission()).items()}
    release = {n: c.source for n, c in cells_of(read(RELEASE_NB)).items()}
    origin = dict(solved, **{n: "# ОЦЕНИВАЕМОЕ: {}\n\n{}".format(n, c) for n, c in ORIGIN.items()})
    students = {"origin": origin, "renamed": {n: disguise(origin[n], "rename", n) if n in ORIGIN else origin[n]
                                             for n in NAMES}}
    for how, functions in COPIES.items():
        students["copy-" + how] = dict(origin, **{n: "# ОЦЕНИВАЕМОЕ: {}\n\n{}".format(n, c) for n, c in functions.items()})
    students["public-copy"] = dict(solved, **{n: "# ОЦЕНИВАЕМОЕ: {}\n\n{}".format(n, c)
                                             for n, c in PUBLIC_REORDERED.items()})
    for who, answers in TEMPLATE_ALIKE.items():
        students[who] = dict(solved, **{n: fill(release[n], lines) for n, lines in answers.items()})
    for who in ("course-way-1", "course-way-2", "course-way-3"):
        students[who] = solved
    for style, cells in dict(styles(), **CORRECT_STYLES).items():
        students["style-" + style] = cells
    for who, answers in students.items():
        submit(course, who, with_answers(base, answers))
    origin_bytes = (course / "submitted" / "origin" / "dnn_step_by_step" / "dnn_step_by_step.ipynb").read_bytes()
    for twin in ("twin1", "twin2", "twin3"):
        submit(course, twin, "{}").write_bytes(origin_bytes)
    comparison = compare(course, [str(root / "public")], workers=1, run_missing=False, stream=io.StringIO())
    family = ["origin", "renamed", "twin1", "twin2", "twin3"] + ["copy-" + how for how in COPIES]
    copied = {frozenset((a, b)) for i, a in enumerate(family) for b in family[i + 1:]}
    copied.add(frozenset(("public-copy", str(paths["py_export"]))))
    identical = {frozenset((a, b)) for i, a in enumerate(family[:5]) for b in family[i + 1:5]}
    ids = [d.id for d in comparison.documents]
    sources = {str(p) for p in paths.values()}
    independent = {frozenset((a, b)) for i, a in enumerate(ids) for b in ids[i + 1:]
                   if frozenset((a, b)) not in copied and not {a, b} <= sources}
    return comparison, copied, identical, independent


def test_every_hand_made_copy_is_flagged_and_no_independent_pair_is(hand_class):
    comparison, copied, _, independent = hand_class
    scores = scored(comparison)
    missed = sorted((scores.get(p, 0.0), sorted(p)) for p in copied if scores.get(p, 0.0) < THRESHOLD)
    wrongly = sorted((scores[p], sorted(p)) for p in independent if scores.get(p, 0.0) >= THRESHOLD)
    assert not missed, missed
    assert not wrongly, wrongly


def test_identical_files_are_flagged_with_the_reason_and_rank_above_every_coincidence(hand_class):
    comparison, _, identical, independent = hand_class
    ids = [d.id for d in comparison.documents]
    reasons = {frozenset((ids[a], ids[b])): r for (a, b), r in zip(comparison.scores.pairs, comparison.scores.reason)}
    scores = scored(comparison)
    expected = {p: "совпадает весь код" if "renamed" in p else "идентичные файлы" for p in identical}
    assert {p: reasons.get(p) for p in identical} == expected and all(scores[p] == 1.0 for p in identical)
    assert not any(reasons.get(p) for p in independent)  # the course's own solution three times is not a copy
    assert min(scores[p] for p in identical) > max(scores.get(p, 0.0) for p in independent)


def test_code_most_known_sources_share_is_a_template_and_weighs_nothing():
    """The original lab's skeleton is in nearly every public solution: two students who both kept it share
    nothing rare; a passage only two sources and two students hold still weighs."""
    from grader.similarity import index

    skeleton, rare, own = np.uint64(8 << 3), np.uint64(16 << 3), [np.uint64((100 + i) << 3) for i in range(12)]
    documents = [[(0, index.CODE, np.array(sorted({skeleton, own[i]} | ({rare} if i in (0, 5) else set())),
                                           dtype=np.uint64))] for i in range(6)]
    documents += [[(0, index.CODE, np.array([own[6 + i]], dtype=np.uint64))] for i in range(6)]
    sources = np.array([True] * 5 + [False] * 7)  # the first five are known sources, the sixth a student
    table = index.build(documents, 1, sources=sources)
    weight = dict(zip(table.hashes.tolist(), table.weight))
    assert weight[int(skeleton)] == 0 and weight[int(rare)] > 0.3
    without = index.build(documents, 1)  # the same passages when no known source is given
    assert dict(zip(without.hashes.tolist(), without.weight))[int(skeleton)] > 0


def test_a_wrong_result_only_two_share_weighs_more_and_a_slip_many_make_no_more():
    """In a class of 200, two students fail five hidden cases the same way nobody else does (formulas
    written differently): that weighs 1.4 times what it did (it added at most 0.33 to the score);
    a slip twenty students make weighs what it did, since students make the same slips independently."""
    from grader.similarity import index
    from grader.similarity.score import BEHAVIOUR_WEIGHT, score_pairs

    distinct = np.array([np.uint64(((7 + case) << 3) | 4) for case in range(5)], dtype=np.uint64)  # kind "w"
    common = np.array([np.uint64(((70 + case) << 3) | 4) for case in range(5)], dtype=np.uint64)
    documents = []
    for doc in range(200):
        code = np.array([np.uint64(((doc * 100 + i) << 3)) for i in range(10)], dtype=np.uint64)  # all their own
        own = np.array([np.uint64(((1000 + doc) << 3) | 4)], dtype=np.uint64)  # a mistake of their own
        wrong = distinct if doc < 2 else common if doc < 22 else own
        documents.append([(0, index.CODE, code), (0, index.BEHAVIOUR, wrong)])
    table = index.build(documents, 1)
    scores = score_pairs(table, np.array([[0, 1], [2, 3]]), 1)
    rows = {tuple(p): i for i, p in enumerate(scores.pairs.tolist())}

    def before(wrong):  # the old rule: the mean weight of the shared wrong results times BEHAVIOUR_WEIGHT
        return BEHAVIOUR_WEIGHT * float(table.weight[np.searchsorted(table.hashes, np.sort(wrong))].mean())

    assert scores.code.max() == 0
    assert scores.behaviour[rows[(0, 1)], 0] >= 1.4 * before(distinct) > 2
    assert np.isclose(scores.behaviour[rows[(2, 3)], 0], before(common))


def test_the_page_states_the_rule_the_code_uses_shows_the_advice_and_wraps_long_lines(hand_class, tmp_path):
    from browser import chromium
    from grader.similarity.report import pair_views, to_json, write_html
    from grader.similarity.score import SHARED_FLOOR

    comparison = hand_class[0]
    views = pair_views(comparison, THRESHOLD)
    page = tmp_path / "similarity.html"
    write_html(to_json(comparison, THRESHOLD, views), views, page)
    text = page.read_text(encoding="utf-8")
    assert "больше {:.0f} %".format(100 * SHARED_FLOOR) in text and "больше половины" not in text
    assert "распространённые формы записи каждой функции" in text  # grader/similarity/forms, weighed as the course's
    assert "идентичные файлы" in text.split("<h2>Пары</h2>")[1]  # the reason, in the list of pairs
    driver = chromium()
    try:
        driver.get(page.as_uri())
        advice = driver.find_element("css selector", "p.advice")
        assert advice.is_displayed() and "не приговор" in advice.text
        assert driver.execute_script("return arguments[0].closest('details') === null", advice)
        overflowing = driver.execute_script(
            "return [...document.querySelectorAll('.sbs pre')].filter(p => p.scrollWidth > p.clientWidth + 1)"
            ".length")
        longest = driver.execute_script(
            "return Math.max(...[...document.querySelectorAll('.sbs pre span')].map(s => s.textContent.length))")
        assert longest > 150 and overflowing == 0, (longest, overflowing)
    finally:
        driver.quit()


# --- what real public solutions showed (issue 30): renamed copies, standard code ---------------------

@pytest.fixture(scope="module")
def real_failures_class(tmp_path_factory):
    """(comparison, the known source's id) of a class holding :mod:`similarity_corpus.real_failures`'s documents.

    A known source written its own way; ``renamed-copy`` (it whole, functions renamed);
    ``standard-a``/``-b`` write the same standard code, each function of it written alike by three
    others (``standard-c``..``-f`` and the styles); ``older-fork`` is the source at an older version;
    the styles of the corpora as the rest of the class.
    """
    from similarity_corpus.real_failures import DISTINCTIVE, OLDER_FORK, RENAMED_COPY
    from grader.similarity.run import compare

    from course import answer_cells as cells_of

    root = tmp_path_factory.mktemp("real")
    course = copy_course(root / "course")
    source = root / "public" / "answer_key.py"
    source.parent.mkdir()
    source.write_text(DISTINCTIVE, encoding="utf-8")
    base, solved = solved_submission(), {n: c.source for n, c in cells_of(solved_submission()).items()}
    every = dict(styles(), **CORRECT_STYLES)
    first, second, third, fourth = (every[s] for s in sorted(CORRECT_STYLES)[:4])
    half = NAMES[:5]

    def mixed(one, other):
        return {n: (one if n in half else other)[n] for n in NAMES}

    students = {"style-" + s: cells for s, cells in every.items()}
    students.update({
        "renamed-copy": dict(solved, **RENAMED_COPY),
        "older-fork": dict(solved, **OLDER_FORK),
        "standard-a": mixed(first, second),
        "standard-b": {n: c + "\n# проверено\n" for n, c in mixed(first, second).items()},  # not the same bytes
        "standard-c": mixed(first, third), "standard-d": mixed(first, third),
        "standard-e": mixed(fourth, second), "standard-f": mixed(fourth, second)})
    for who, answers in students.items():
        submit(course, who, with_answers(base, answers))
    comparison = compare(course, [str(root / "public")], workers=1, run_missing=False, stream=io.StringIO())
    return comparison, str(source)


def _pair(comparison, a, b):
    """(score, reason) of a pair; (0, "") when it was not scored."""
    ids = [d.id for d in comparison.documents]
    for (x, y), score, reason in zip(comparison.scores.pairs, comparison.scores.score, comparison.scores.reason):
        if {ids[x], ids[y]} == {a, b}:
            return float(score), str(reason)
    return 0.0, ""


def test_a_copy_with_its_functions_renamed_is_matched_by_content_and_flagged(real_failures_class):
    """Real copies rename the lab's functions (``l_model_forward``): compared by name only, the whole copy
    of a known source shared nothing."""
    comparison, source = real_failures_class
    copy = next(d for d in comparison.documents if d.id == "renamed-copy")
    assert {"linear_forward", "L_model_forward", "compute_cost", "linear_backward", "update_parameters"} <= set(copy.code)
    score, _ = _pair(comparison, "renamed-copy", source)
    assert score >= THRESHOLD, score


def test_the_same_standard_code_of_independent_students_is_not_whole_code_identical(real_failures_class):
    """Two students whose every function is the plain answer three others also wrote have the same
    normalised code without copying: no «совпадает весь код» (they were flagged at 1.0)."""
    comparison, _ = real_failures_class
    copy = [d for d in comparison.documents if d.id in ("standard-a", "standard-b")]
    assert copy[0].whole == copy[1].whole  # the same normalised code indeed
    assert _pair(comparison, "standard-a", "standard-b")[1] == ""



def test_a_fork_of_an_older_version_is_flagged_as_nearly_the_whole_code(real_failures_class):
    """Real forks of a public answer key differ from it in a line or a function not yet written: not the
    same code, so they were only weighed (ranked below a one-function coincidence of independent
    students); nearly all of their rare code, over several functions, is the source's."""
    comparison, source = real_failures_class
    assert _pair(comparison, "older-fork", source) == (1.0, "совпадает почти весь код")
    assert _pair(comparison, "older-fork", "renamed-copy") == (1.0, "совпадает почти весь код")
    assert _pair(comparison, "standard-a", "standard-c")[1] == ""  # the plain answer, half of it alike


def test_the_cheap_walk_reaches_every_node_ast_walk_does_but_contexts_and_operators():
    """The normalisation and the dependence analysis walk trees with it: a node it missed would be code unread."""
    import ast

    from grader.similarity.normalise import walk

    sources = [c for cells in list(styles().values()) + list(public_functions().values()) for c in cells.values()]
    sources.append("async def f(*a, k=1, **kw):\n    global g\n    with open(x) as (p, q):\n        pass\n"
                   "    try:\n        y = [i async for i in a if i]\n    except (E, F) as e:\n        del e\n"
                   "    match y:\n        case [1, *rest] | {'k': _} if rest:\n            return f'{y!r:>{k}}'\n"
                   "    lambda z=1: (yield from z)\n    x: int = 1\n")
    skipped = (ast.expr_context, ast.operator, ast.cmpop, ast.unaryop, ast.boolop)
    for source in sources:
        tree = ast.parse(source)
        assert [id(n) for n in walk(tree)] != [] and {id(n) for n in walk(tree)} == \
            {id(n) for n in ast.walk(tree) if not isinstance(n, skipped)}, source


# --- the report's code, read in a pool -------------------------------------------------------------

@pytest.fixture(scope="module")
def larger_class(tmp_path_factory):
    """The comparison of a class of the corpus dealt into 4 rounds: more documents in listed pairs than
    :data:`~grader.similarity.work.IN_PROCESS`, so the report reads their code in a pool."""
    from grader.similarity.run import compare

    root = tmp_path_factory.mktemp("larger")
    build_class(copy_course(root / "course"), root / "public", rounds(4)[0])
    return compare(root / "course", [str(root / "public")], workers=2, run_missing=False, stream=io.StringIO())


def test_the_code_shown_is_read_and_fingerprinted_alike_in_a_pool_and_here(larger_class):
    """The detailed pairs' code comes back from the pool whole, each function with its pieces and lines."""
    from grader.similarity.documents import read
    from grader.similarity.work import IN_PROCESS, shown_code

    wanted = larger_class.wanted
    needed = {i: set(NAMES) for i in range(len(wanted))}
    assert len(needed) >= IN_PROCESS  # else both runs below would read here
    pooled, here = shown_code(wanted, needed, workers=2), shown_code(wanted, needed, workers=1)
    assert set(pooled) == set(here) == set(needed)
    functions = 0
    for index, shown in here.items():
        code = read(wanted[index], with_behaviour=False).code
        assert set(pooled[index]) == set(shown) == set(code)
        for name, (source, found) in shown.items():
            assert pooled[index][name][0] == source == code[name]
            expected = function_print(name, source, keep_pieces=True)
            for other in (found, pooled[index][name][1]):
                assert (other is None) == (expected is None)
                if other is not None:
                    assert np.array_equal(other.hashes, expected.hashes) and other.pieces == expected.pieces
                    functions += bool(other.pieces)
    assert functions > 10 * len(needed) // 2


def test_the_report_is_the_same_whether_its_code_is_read_in_a_pool_or_here(larger_class):
    from grader.similarity.report import DETAILED, listed_rows, pair_views, to_json
    from grader.similarity.work import IN_PROCESS

    shown = {int(i) for row in listed_rows(larger_class, THRESHOLD)[:DETAILED] for i in larger_class.scores.pairs[row]}
    assert len(shown) >= IN_PROCESS  # else both reports would read their code here
    pooled, here = pair_views(larger_class, THRESHOLD, workers=2), pair_views(larger_class, THRESHOLD, workers=1)
    assert to_json(larger_class, THRESHOLD, pooled) == to_json(larger_class, THRESHOLD, here)
    assert [[(f.lines, f.passages) for f in v.functions] for v in pooled] == \
        [[(f.lines, f.passages) for f in v.functions] for v in here]
    assert sum(bool(f.passages) for v in pooled if v.detailed for f in v.functions) >= 10


_SHARED_SUBEXPRESSION = '''
from grader.similarity.fingerprints import function_print
SOURCE = """
def linear_forward(A, W, b):
    Z = np.dot(W, A) + b
    Y = np.dot(W, A) + b + 1
    Q = np.dot(W, A) + b + 2
    V = np.dot(W, A) + b + 3
    cache = (A, W, b)
    return Z + Y + Q + V, cache
"""
found = function_print("linear_forward", SOURCE, keep_pieces=True)
print(sorted((h, [(p.kind, p.text, p.lines) for p in kept]) for h, kept in found.pieces.items()))
'''


def test_the_lines_kept_for_a_shared_sub_expression_are_the_same_whatever_the_hash_seed():
    """The page shows the lines each shared piece came from: a run must not show other lines than the next
    (a sub-expression written on four lines kept whichever line a set's order gave first)."""
    outputs = {subprocess.run([sys.executable, "-c", _SHARED_SUBEXPRESSION], capture_output=True, text=True, check=True,
                              env=dict(os.environ, PYTHONHASHSEED=str(seed), PYTHONPATH=str(REPO))).stdout
               for seed in range(6)}
    assert len(outputs) == 1 and "(a1@a0)" in outputs.pop()
