"""No submission can stop, stall or bloat the trusted side, and none reaches an instructor's browser.

The attacks of tests/hostile.py (``attacks_on_the_grader``) forge the
child's messages -- undecodable, nested 200,000 deep, a gigabyte long, a byte
at a time -- fill its folder 3,000 deep, and ask a reference helper for a
9,000² broadcast. Each is graded, in a class with honest students, on every
path: ``grader autograde``, ``nbgrader autograde``, the service (restarted with
the poisoned job queued) and a Dask cluster. Honest students are graded
exactly, the attacker gets a reason, the run exits 0 with no traceback, the
grader's memory stays small, uploads cost linear time, the server answers its
health check throughout, a student's markup never runs in formgrader, and a
hidden case's expected values never show.
"""

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from course import (ASSIGNMENT, FULL, NOTEBOOK, REPO, generated_course, gradebook_scores, gradebook_verdicts,
                    grader_cli, nbgrader, solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources
from hostile import (as_text, attacks_on_the_grader, markup_attack, newline_cell, slow_class, with_function)
from processes import process_tree
from services import DaskCluster
from service_helpers import Service, call

from grader.course.base.lab_context import lab_context, lab_folder
from grader.sandbox.engine import grade_notebook
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote

LIMITS = Limits(cell_seconds=3, function_seconds=3)
ATTACKS = attacks_on_the_grader()


def scores(result):
    return {f.name: f.score for f in result.functions}


@pytest.fixture(scope="module")
def zygote():
    with Zygote(lab_context(lab_folder(REPO))) as z:
        yield z


def test_an_outcome_skips_the_walk_only_when_it_is_the_right_answer_itself():
    """A child's outcome identical to the grader's own answer is taken as that answer; anything else,
    however close under ``==``, is walked and checked as before."""
    import json

    import numpy as np

    from grader.plain.codec import encode
    from grader.sandbox import protocol

    right = (encode((np.ones((2, 3)), {"W": np.zeros(2)})), encode([np.ones(3), 2]))

    def sent(value, args, error=""):
        message = {"op": "outcomes", "outcomes": [{"value": value, "args_after": args, "error": error, "invalid": ""}]}
        return protocol.in_call(json.loads(json.dumps(message)), (), (right,))[1][0]

    taken = sent(*right)
    assert taken["value"] is right[0] and taken["args_after"] is right[1] and taken["error"] == ""
    assert sent(right[0], encode([np.ones(3), 3]))["args_after"] is not right[1]  # a changed argument: the long way
    float_shape = json.loads(json.dumps(right[0]))
    float_shape["tuple"][0]["shape"] = [2.0, 3.0]  # equal to [2, 3] under ==, and no shape
    with pytest.raises(protocol.Violation):
        sent(float_shape, right[1])
    deep = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(protocol.Violation):  # refused by the check, neither walked nor a RecursionError
        protocol.in_call({"op": "outcomes", "outcomes": [{"value": right[0], "args_after": deep}]}, (), (right,))
    errored = sent(*right, error="ValueError: no")
    assert errored["error"] == "ValueError: no" and errored["value"] is not right[0]


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_on_the_grader_costs_only_its_own_function_with_a_reason(name, zygote, tmp_path):
    text, expected = ATTACKS[name]
    path = tmp_path / "attack.ipynb"
    path.write_text(text, encoding="utf-8")
    result = grade_notebook(path, zygote, LIMITS)
    assert not result.error
    for function in result.functions:
        if function.name in expected:
            status, words = expected[function.name]
            assert function.status == status and words in function.message, (function.name, function.message)
        else:
            assert function.status == "passed", (function.name, function.message)


def _attack_class(course):
    """Honest students and every attacker; {student: {test cell: expected score}}."""
    broken = solved_sources()["linear_backward"].replace("/ m", "", 1)
    submit(course, "honest-1", solved_submission())
    submit(course, "honest-2", with_answers(solved_submission(), {"linear_backward": broken}))
    full = dict(FULL)
    expected = {"honest-1": full, "honest-2": dict(full, test_linear_backward=0.0)}
    for name, (text, attacked) in ATTACKS.items():
        submit(course, "attack-" + name, text)
        expected["attack-" + name] = dict(full, **{"test_" + f: 0.0 for f in attacked})
    return expected


@pytest.fixture(scope="module", params=["grader autograde", "nbgrader autograde", "Dask"])
def attacked(request, tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("attacked") / "course", "c.SealedExecute.timeout = 3")
    expected = _attack_class(course)
    if request.param == "grader autograde":
        run = grader_cli(course, "autograde", "--timeout", "3")
    elif request.param == "nbgrader autograde":
        run = nbgrader(course, "autograde", ASSIGNMENT, check=False)
    else:
        cluster = DaskCluster(workers=1)
        try:
            run = grader_cli(cluster.admit(course), "autograde", "--scheduler", cluster.address, "--timeout", "3")
        finally:
            cluster.close()
    return course, expected, run


def test_every_path_grades_honest_students_exactly_beside_the_attackers(attacked):
    course, expected, run = attacked
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert gradebook_scores(course) == expected


def test_every_attacker_is_recorded_with_a_reason(attacked):
    course, _, _ = attacked
    verdicts = gradebook_verdicts(course)
    for name, (_, attacked_functions) in ATTACKS.items():
        for function, (_, words) in attacked_functions.items():
            assert words in verdicts["attack-" + name][function], (name, function)


def test_a_reference_helper_bomb_leaves_the_grading_process_small(tmp_path):
    path = tmp_path / "bomb.ipynb"
    path.write_text(ATTACKS["reference-helper-bomb"][0], encoding="utf-8")
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
             "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    run = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "grader.cli", "check", str(path)],
                         env=tool_env(), capture_output=True, text=True, timeout=300)
    peak_mb = int(run.stdout.split()[-1]) / 1024
    assert peak_mb < 400, peak_mb  # the broadcast it asked for is 9000² floats: 650 MB


# --- uploads: linear work, cheap refusals first, a server that stays responsive ---------------------

def _parse_cost(text, rounds=5):
    """CPU seconds (best of ``rounds``) of everything the grader does to an upload before grading it: this
    process's own CPU, which other processes on a loaded machine do not inflate as they do the clock's."""
    from grader.sandbox.engine import _plain_python
    from grader.submission.answers import answer_cells
    from grader.submission.reading import parse_notebook

    raw, best = text.encode("utf-8"), float("inf")
    for _ in range(rounds):
        started = time.process_time()
        cells = answer_cells(parse_notebook(raw).cells)
        for source in cells.sources:
            _plain_python(source)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("worst", ["empty lines", "magic lines"])
def test_what_parses_an_upload_grows_linearly_with_its_size(worst):
    if worst == "empty lines":
        small, large = newline_cell(0.4), newline_cell(4)
    else:
        magic = solved_sources()["compute_cost"] + "\n%time x\n!ls\n" * 1
        small, large = (as_text(with_answers(solved_submission(), {"compute_cost": magic + "%time x\n" * n}))
                        for n in (50_000, 500_000))
    ratio = _parse_cost(large) / _parse_cost(small)
    assert ratio < 30, ratio  # ten times the size: about ten times the work, never a hundred


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    served = Service(tmp_path_factory.mktemp("trusted_service"), ["honest", "attacker", "flooder"], "--timeout", "3",
                     "--per-minute", "5", "--max-mb", "20", "--workers", "2")
    yield served
    served.stop()


def test_every_attempt_counts_against_the_rate_limit_refused_ones_too(server):
    statuses = [server.submit("flooder", b"{not json")[0] for _ in range(5)]
    assert statuses == [400] * 5
    status, body, headers = server.submit("flooder", as_text(solved_submission()).encode())
    assert status == 429 and int(headers["Retry-After"]) >= 1, body


def test_the_server_answers_its_health_check_while_the_worst_uploads_arrive(server, tmp_path):
    worst = [newline_cell(4).encode(), b"[" * (17 * 2 ** 20)]  # quadratic once; JSON the parser gives up on
    stop, latencies = threading.Event(), []

    def poll():
        while not stop.is_set():
            started = time.monotonic()
            status, _, _ = call(server.url + "/api/health", timeout=30)
            latencies.append((status, time.monotonic() - started))
            time.sleep(0.05)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        uploads = [threading.Thread(target=_upload, args=(server, body)) for body in worst * 2]
        for upload in uploads:
            upload.start()
        for upload in uploads:
            upload.join()
    finally:
        stop.set()
        poller.join()
    assert latencies and all(status == 200 for status, _ in latencies)
    assert max(seconds for _, seconds in latencies) < 2, max(latencies)


def _upload(server, body):
    try:
        server.submit("attacker", body)
    except OSError:  # refused before the whole body was sent: the server may say so early
        pass


def test_the_service_survives_the_attackers_and_a_restart_with_them_queued(tmp_path):
    served = Service(tmp_path, ["honest", "attacker"], "--timeout", "3", "--per-minute", "100", "--workers", "1")
    try:
        ids = {name: served.submit("attacker", text.encode())[1]["id"] for name, (text, _) in ATTACKS.items()}
        honest = served.submit("honest", as_text(solved_submission()).encode())[1]["id"]
        time.sleep(1)  # some are being graded, the rest queued
        served.kill()
        served.start()
        verdicts = {name: served.verdict("attacker", ident) for name, ident in ids.items()}
        assert served.verdict("honest", honest)["score"] == 100
        status, health, _ = call(served.url + "/api/health")
    finally:
        served.stop()
    assert status == 200 and health["status"] == "ok", health
    for name, (_, attacked_functions) in ATTACKS.items():
        functions = {f["name"]: f for f in verdicts[name]["functions"]}
        for function, (_, words) in attacked_functions.items():
            assert words in functions[function]["message"], (name, function)


def test_a_submission_whose_grading_is_lost_twice_is_answered_not_tried_forever_and_never_a_grade(tmp_path):
    endless = with_function("compute_cost", "def compute_cost(AL, Y):\n    while True:\n        pass\n")
    served = Service(tmp_path, ["stuck"], "--timeout", "60", "--workers", "1")
    try:
        ident = served.submit("stuck", as_text(endless).encode())[1]["id"]
        for _ in range(2):  # the server dies while grading it: twice
            assert _until_running(served, ident)
            served.kill()
            served.start()
        verdict = served.verdict("stuck", ident)
    finally:
        served.stop()
    assert verdict["error"] and "2 раза прервался" in verdict["error"] and verdict.get("score") is None
    assert not any(score is not None for score in gradebook_scores(served.course).get("stuck", {}).values())


def _until_running(served, ident, seconds=60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if served.get("/api/submissions/" + ident, "stuck")[1]["status"] == "running":
            return True
        time.sleep(0.1)
    return False


# --- a grading process killed mid-batch --------------------------------------------------------------

def test_a_grading_process_killed_mid_batch_costs_nothing(tmp_path):
    course = generated_course(tmp_path / "course")
    expected = slow_class(course, 12, loops=3_000_000)
    run = subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", "--course", str(course), "--workers",
                            "2"], env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        victims = []
        deadline = time.monotonic() + 120
        while not victims and time.monotonic() < deadline:
            time.sleep(0.5)
            victims = [pid for pid in process_tree(run.pid) if pid != run.pid and _is_grading_process(pid)]
        os.kill(victims[0], signal.SIGKILL)
        out, err = run.communicate(timeout=600)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == 0, err[-3000:]
    assert {s: v for s, v in gradebook_scores(course).items()} == expected


def _is_grading_process(pid):
    """A process of the pool: the grader's own command line (a zygote's is ``python -I -S -c …``)."""
    try:
        cmdline = Path("/proc/{}/cmdline".format(pid)).read_bytes().split(b"\0")
    except OSError:
        return False
    return b"grader.cli" in cmdline and b"-I" not in cmdline


# --- what reaches an instructor's browser -----------------------------------------------------------

@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
def test_a_students_markup_never_runs_in_formgrader(path, tmp_path):
    from browser import chromium
    from nbconvert import HTMLExporter

    course = generated_course(tmp_path / "course")
    submit(course, "s1", markup_attack())
    run = grader_cli(course, "autograde") if path == "grader autograde" else \
        nbgrader(course, "autograde", ASSIGNMENT, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    autograded = course / "autograded" / "s1" / ASSIGNMENT / NOTEBOOK
    page = tmp_path / "formgrade.html"
    exporter = HTMLExporter(sanitize_html=False)  # as formgrader renders it
    page.write_text(exporter.from_filename(str(autograded))[0], encoding="utf-8")
    with chromium() as browser:
        browser.get(page.as_uri())
        time.sleep(1)
        title = browser.title
        clicked = browser.execute_script(
            "var a = Array.from(document.querySelectorAll('a')).filter(x => x.textContent == 'ссылка');"
            "if (a.length) { a[0].click(); } return a.length;")
        time.sleep(0.5)
        after = browser.title
    assert "pwned" not in title and "pwned" not in after, (title, after)
    assert clicked == 1  # the link is there, without its script
    assert function_scores(course, "s1") == {k[len("test_"):]: v for k, v in FULL.items()}


def function_scores(course, student):
    return {k[len("test_"):]: v for k, v in gradebook_scores(course)[student].items() if k.startswith("test_")}


# --- what a verdict may say --------------------------------------------------------------------------

def test_a_hidden_case_never_shows_its_expected_values_even_through_a_factor_or_an_exception(zygote, tmp_path):
    solved = solved_sources()
    doubled = solved["linear_forward"].replace("return Z, cache", "return 2.5 * Z, cache")
    talkative = ("def compute_cost(AL, Y):\n    if AL.shape[1] != 4:\n        raise ValueError(repr(AL) + ' ' + repr(Y))\n"
                 "    return 0.0\n")
    nb = with_answers(solved_submission(), {"linear_forward": doubled,
                                            "compute_cost": "# ОЦЕНИВАЕМОЕ: compute_cost\n" + talkative})
    path = tmp_path / "leaky.ipynb"
    path.write_text(as_text(nb), encoding="utf-8")
    result = {f.name: f for f in grade_notebook(path, zygote, LIMITS).functions}
    hidden = [c for c in result["linear_forward"].cases if not c.public]
    public = [c for c in result["linear_forward"].cases if c.public]
    assert public and "2.5 раз" in public[0].message  # the lab's own example may show it
    assert hidden and all("множителем" in c.message and "2.5" not in c.message for c in hidden)
    raised = [c.message.split("ValueError", 1)[1] for c in result["compute_cost"].cases
              if not c.public and "ValueError" in c.message]
    assert raised and not any(re.search(r"\d\.\d", text) for text in raised), raised


# --- what the class report says of an attacker ---------------------------------------------------------

def test_the_class_report_shows_what_the_seal_refused_however_the_code_is_spelled(tmp_path):
    sneaky = ("def compute_cost(AL, Y):\n    import sys\n    c = [getattr(m, 'ct' + 'ypes', None) for m in "
              "list(sys.modules.values())]\n    c = [x for x in c if x is not None][0]\n"
              "    c.CDLL(None).socket(2, 1, 0)\n" + solved_sources()["compute_cost"].split(
                  "def compute_cost(AL, Y):", 1)[1])
    course = generated_course(tmp_path / "course")
    submit(course, "sneaky", with_function("compute_cost", sneaky))
    submit(course, "honest", solved_submission())
    assert grader_cli(course, "autograde").returncode == 0
    report = tmp_path / "report.html"
    run = grader_cli(course, "report", "--output", str(report))
    assert run.returncode == 0, run.stderr
    page = report.read_text(encoding="utf-8")
    assert "песочница запретила: compute_cost: сеть: socket" in page
    assert page.count("песочница запретила") == 1  # the honest student is not listed


@pytest.mark.parametrize("line", [True, -1, 10 ** 8, 2.0, "3", [1]])
def test_a_forged_syntax_line_is_a_protocol_violation(line):
    """A child says where a cell's syntax error is; anything but a plausible line number is refused."""
    from grader.sandbox import protocol

    assert protocol.done({"op": "done", "index": 0, "error": "SyntaxError: x", "syntax_line": 3}, 0) == \
        ("SyntaxError: x", 3, 0)
    with pytest.raises(protocol.Violation):
        protocol.done({"op": "done", "index": 0, "error": "", "syntax_line": line}, 0)


@pytest.mark.parametrize("printed", [True, -1, 10 ** 16, 2.0, "3", None])
def test_a_forged_count_of_printed_bytes_is_a_protocol_violation(printed):
    """A child says how much a cell printed (the note «вывод ячеек обрезан»): only a plausible count is taken."""
    from grader.sandbox import protocol

    assert protocol.done({"op": "done", "index": 0, "error": "", "syntax_line": None, "printed": 10 ** 12}, 0) == \
        ("", None, 10 ** 12)
    with pytest.raises(protocol.Violation):
        protocol.done({"op": "done", "index": 0, "error": "", "syntax_line": None, "printed": printed}, 0)
