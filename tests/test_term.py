"""A term as its people meet it: a late verdict, tokens issued twice, the page, the client, the log.

Each test is something an instructor or a student ran into when they tried a
term from the README; all of it against a real ``grader serve`` with a due
date long past and nbgrader's ``zero`` late penalty.
"""

import csv
import json
import subprocess
import sys
import time

import pytest

from browser import chromium
from course import ASSIGNMENT, NOTEBOOK, generated_course, gradebook_add, grader_cli, solved_submission, tool_env
from hostile import as_text
from service_helpers import Service

SOLVED = as_text(solved_submission()).encode("utf-8")
DUE = "2020-01-01 00:00:00 UTC"
STUDENTS = ["late-ann", "page-bo", "rate-di", "cli-ed"]


@pytest.fixture(scope="module")
def term(tmp_path_factory):
    server = Service(tmp_path_factory.mktemp("term"), STUDENTS, "--workers", "1", "--per-minute", "3",
                     config='c.LateSubmissionPlugin.penalty_method = "zero"')
    gradebook_add(server.course, duedate=DUE)
    yield server
    server.stop()


def submit_cli(server, notebook, *options, token=None, env=None, **how):
    """``grader submit`` (the client's code) as a student runs it."""
    command = [sys.executable, "-m", "grader.cli", "submit", str(notebook), "--server", server.url, *options]
    if token is not None:
        command += ["--token", token]
    return subprocess.run(command, capture_output=True, text=True, env=dict(tool_env(), **(env or {})), timeout=300,
                          **how)


# --- 1. a late verdict says so, with the score the gradebook holds --------------------------------

def test_a_late_verdict_says_so_and_shows_the_score_that_counts_everywhere(term, tmp_path):
    status, accepted, _ = term.submit("late-ann", SOLVED)
    assert status == 202
    result = term.verdict("late-ann", accepted["id"])
    late = result["late"]
    assert result["score"] == 0 and late["penalty"] == 100 and late["score_before_penalty"] == 100
    said = set()  # due years ago: days, and hours unless a whole hour (``seconds`` is rounded: either side)
    for seconds in (late["seconds"] - 1, late["seconds"]):
        days, hours = divmod(-(-seconds // 60) // 60, 24)
        said.add("с опозданием на {} дн.".format(days) + (" {} ч.".format(hours) if hours else ""))
    assert late["text"] in said
    assert str(late["seconds"]) not in late["summary"] and " s" not in late["summary"]
    assert late["summary"] == "Засчитано 0 из 100: работа сдана {}, штраф 100 баллов.".format(late["text"])
    history = term.get("/api/submissions", "late-ann")[1]["submissions"]
    assert history[0]["score"] == 0 and history[0]["late"] == late["text"]

    notebook = tmp_path / NOTEBOOK
    notebook.write_bytes(SOLVED)
    summary = tmp_path / "summary.md"
    graded = submit_cli(term, notebook, "--json", str(tmp_path / "r.json"), token=term.tokens["late-ann"],
                        env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert graded.returncode == 0, graded.stderr
    assert late["summary"] in graded.stdout and "всего" in graded.stdout
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["score"] == 0
    assert "**Итог: 0 из 100**" in summary.read_text(encoding="utf-8") and late["text"] in summary.read_text("utf-8")
    assert submit_cli(term, notebook, "--fail-under", "50", token=term.tokens["late-ann"]).returncode == 1

    exported = grader_cli(term.course, "export")
    row = next(r for r in csv.DictReader(exported.stdout.splitlines()) if r["student"] == "late-ann")
    assert (row["status"], float(row["total"]), row["reason"]) == ("late", 0.0, late["text"])
    assert grader_cli(term.course, "feedback", "--student", "late-ann").returncode == 0
    page = (term.course / "feedback" / "late-ann" / ASSIGNMENT / (ASSIGNMENT + ".html")).read_text("utf-8")
    assert "итог: <b>0 из 100</b>" in page and "Работа сдана " + late["text"] in page


# --- 9. the client: --token, Russian words, and the per-minute limit said out loud -----------------

def test_the_client_takes_token_speaks_russian_and_says_when_the_limit_lets_it_retry(term, tmp_path):
    notebook = tmp_path / NOTEBOOK
    notebook.write_bytes(SOLVED)
    wrong = submit_cli(term, notebook, token="not-my-token", env={"GRADER_TOKEN": ""})
    assert wrong.returncode == 2 and "сервер не принял токен" in wrong.stderr and "HTTP 401" in wrong.stderr
    assert "Authorization" not in wrong.stderr and "Traceback" not in wrong.stderr
    none = submit_cli(term, notebook, env={"GRADER_TOKEN": ""})
    assert none.returncode == 2 and "--token" in none.stderr and "личный токен" in none.stderr
    away = subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(notebook), "--server",
                           "http://127.0.0.1:9", "--token", "x"], capture_output=True, text=True, env=tool_env(),
                          timeout=120)
    assert away.returncode == 2 and "сервер недоступен" in away.stderr

    token = term.tokens["rate-di"]
    for _ in range(3):  # the server's limit is 3 a minute
        assert term.submit("rate-di", SOLVED)[0] == 202
    impatient = submit_cli(term, notebook, "--wait", "5", token=token)
    assert impatient.returncode == 2 and "не больше 3 работ в минуту" in impatient.stderr, impatient.stderr
    assert "отправьте работу снова через" in impatient.stderr and "HTTP 429" in impatient.stderr
    command = [sys.executable, "-m", "grader.cli", "submit", str(notebook), "--server", term.url, "--token", token]
    patient = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=tool_env())
    try:
        said = patient.stderr.readline()  # said at once, not after a silent minute
        assert "не больше 3 работ в минуту" in said and "отправлю снова через" in said, said
    finally:
        patient.kill()
        patient.wait()


# --- 3, 11. tokens: issued once, kept when run again, replaced only on purpose ------------------

def test_tokens_run_twice_keep_the_tokens_handed_out_and_issue_only_to_new_students(tmp_path):
    from grader.service import store

    course = generated_course(tmp_path / "course")
    empty = grader_cli(course, "tokens")
    assert empty.returncode == 2 and "nbgrader db student" in empty.stderr and "--student" in empty.stderr
    gradebook_add(course, ["ann", "bo"])
    listing = tmp_path / "tokens.csv"

    def tokens(*args):
        proc = grader_cli(course, "tokens", "--output", str(listing), *args)
        assert proc.returncode == 0, proc.stderr
        return proc, {row["student"]: row["token"] for row in csv.DictReader(listing.open(encoding="utf-8"))}

    first, handed = tokens()
    assert set(handed) == {"ann", "bo"} and "issued 2 new token(s)" in first.stderr
    again, listed = tokens()
    assert listed == handed and "issued 0 new token(s)" in again.stderr and "kept: ann, bo" in again.stderr
    engine = store.engine_for("sqlite:///" + str(course / "gradebook.db"))
    try:
        assert {store.student_of(engine, t) for t in handed.values()} == {"ann", "bo"}  # both still work
        gradebook_add(course, ["cy"])
        _, listed = tokens()
        assert set(listed) == {"ann", "bo", "cy"} and {k: listed[k] for k in handed} == handed
        rotated = grader_cli(course, "tokens", "--rotate", "bo")
        new = dict(row.split(",") for row in rotated.stdout.strip().splitlines()[1:])
        assert list(new) == ["bo"] and new["bo"] != handed["bo"]
        assert store.student_of(engine, handed["bo"]) is None and store.student_of(engine, new["bo"]) == "bo"
        assert store.student_of(engine, handed["ann"]) == "ann"
    finally:
        engine.dispose()
    assert oct(listing.stat().st_mode & 0o777) == "0o600"


def test_grader_outside_a_course_says_to_pass_course(tmp_path):
    for command in (["tokens"], ["autograde"], ["scores"]):
        proc = grader_cli(tmp_path, *command)
        assert proc.returncode == 2 and "--course" in proc.stderr and "generate_assignment" not in proc.stderr, \
            (command, proc.stderr)
    assert not (tmp_path / "gradebook.db").exists()


# --- the delay's wording, at every size ------------------------------------------------------------

@pytest.mark.parametrize("seconds, text", [
    (1, "с опозданием на 1 мин."), (59 * 60 + 1, "с опозданием на 1 ч."), (3 * 3600 + 5 * 60, "с опозданием на 3 ч. 5 мин."),
    (86400, "с опозданием на 1 дн."), (2 * 86400 + 30, "с опозданием на 2 дн."),
    (2532 * 86400 + 3 * 3600 + 59 * 60, "с опозданием на 2532 дн. 3 ч."), (2 * 86400 + 3600 + 1, "с опозданием на 2 дн. 1 ч."),
])
def test_the_delay_is_said_in_days_hours_and_minutes_and_a_whole_day_has_no_zero_hours(seconds, text):
    from grader.client import delay_text
    assert delay_text(seconds) == text
