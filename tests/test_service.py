"""The grading service for real: ``grader serve`` on 127.0.0.1, spoken to over HTTP.

Students submit with a personal token and read verdicts -- the very results
``grader check`` gives -- while nobody reads another's, bad input is refused
with a reason and costs nobody else anything, and a SIGKILLed server loses
no submission it acknowledged.
"""

import csv
import io
import json
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
from pathlib import Path

import nbformat
import pytest

from browser import chromium
from course import (ASSIGNMENT, NOTEBOOK, RELEASE_NB, gradebook_add, gradebook_scores, grader_cli, solved_submission,
                    tool_env, with_answers)
from corpus import solved_sources
from hostile import as_text, hostile_submissions
from service_helpers import Service
from processes import alive, process_tree

from grader.course.base.lab_context import lab_context, lab_folder
from grader.sandbox.engine import grade_notebook
from grader.sandbox.session import Limits
from grader.sandbox.zygote import Zygote

REPO = Path(__file__).resolve().parents[1]
LIMITS = Limits(cell_seconds=3, function_seconds=3)
SOLVED = as_text(solved_submission()).encode("utf-8")
WRONG_COST = as_text(with_answers(solved_submission(), {
    "compute_cost": solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")})).encode("utf-8")


def checked(texts, folder):
    """What `grader check` gives each notebook (bytes): {text: result JSON}."""
    out = {}
    with Zygote(lab_context(lab_folder(REPO))) as zygote:
        for i, text in enumerate(set(texts)):
            path = Path(folder) / "n{}.ipynb".format(i)
            path.write_bytes(text)
            out[text] = grade_notebook(path, zygote, LIMITS).to_json()
    return out


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    server = Service(tmp_path_factory.mktemp("service"), ["alice", "bob", "carol", "dave", "erin", "frank"],
                     "--workers", "2",
                     "--timeout", "3", "--per-minute", "5", "--max-mb", "1")
    yield server
    server.stop()


# --- bad input: a clear answer, and nobody else pays --------------------------------------------

def test_a_missing_unknown_or_revoked_token_is_401(service):
    assert service.submit("alice", SOLVED, token="")[0] == 401
    status, body, headers = service.submit("alice", SOLVED, token="not-a-token")
    assert status == 401 and "токен" in body["detail"] and headers["WWW-Authenticate"] == "Bearer"
    revoked = grader_cli(service.course, "tokens", "--revoke", "carol")
    assert revoked.returncode == 0, revoked.stderr
    assert service.submit("carol", SOLVED)[0] == 401
    assert service.get("/api/submissions", "carol")[0] == 401


@pytest.mark.parametrize("body, reason", [
    (b"\xff\xfe not json at all", "файл не принят"),
    (b'{"a": 1}', "файл не принят"),
    (json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "q1", "solution": True}}, "source": "x = 1",
         "outputs": [], "execution_count": None}]}).encode(), "не ноутбук лабораторной"),
])
def test_what_is_not_this_labs_notebook_is_400_with_a_russian_reason(service, body, reason):
    status, answer, _ = service.submit("erin", body)  # refused attempts count against erin's limit only
    assert status == 400 and reason in answer["detail"], answer


def test_a_body_over_the_limit_is_413_without_being_read_whole(service):
    try:
        assert service.submit("erin", b" " * (2 * 1024 * 1024))[0] == 413
    except urllib.error.URLError as error:  # answered and closed before the client had sent it all: a race
        assert isinstance(error.reason, (BrokenPipeError, ConnectionResetError)), error
    with socket.create_connection(("127.0.0.1", service.port), timeout=10) as raw:
        raw.sendall("POST /api/submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\n"
                    "Content-Length: 500000000\r\n\r\n{{".format(service.tokens["erin"]).encode())
        answer = raw.recv(4096).decode(errors="replace")  # 500 MB announced, two bytes sent: answered at once
    assert answer.startswith("HTTP/1.1 413"), answer


def test_more_than_the_limit_a_minute_is_429_with_retry_after_and_others_are_served(service):
    statuses = [service.submit("alice", SOLVED)[0] for _ in range(6)]
    assert statuses[:5] == [202] * 5 and statuses[5] == 429
    status, body, headers = service.submit("alice", SOLVED)
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60 and "в минуту" in body["detail"]
    status, accepted, _ = service.submit("bob", SOLVED)  # everyone else goes on
    assert status == 202
    assert service.verdict("bob", accepted["id"])["score"] == 100


def test_students_see_only_their_own_submissions(service):
    status, alice, _ = service.submit("bob", WRONG_COST)
    assert status == 202
    mine = service.get("/api/submissions/" + alice["id"], "bob")
    theirs = service.get("/api/submissions/" + alice["id"], "alice")
    nothing = service.get("/api/submissions/" + "0" * 32, "alice")
    assert mine[0] == 200 and theirs[0] == nothing[0] == 404 and theirs[1] == nothing[1]
    assert alice["id"] not in json.dumps(service.get("/api/submissions", "alice")[1])
    assert alice["id"] in json.dumps(service.get("/api/submissions", "bob")[1])


def test_a_verdict_is_grader_checks_and_shows_no_hidden_case_values(service, tmp_path):
    status, accepted, _ = service.submit("bob", WRONG_COST)
    assert status == 202
    result = service.verdict("bob", accepted["id"])
    assert result == checked([WRONG_COST], tmp_path)[WRONG_COST]
    cost = next(f for f in result["functions"] if f["name"] == "compute_cost")
    assert cost["score"] == 0 and "перепутан знак" in cost["message"]
    assert "reference_solution" not in json.dumps(result) and "default_rng" not in json.dumps(result)


# --- what a graded submission becomes -----------------------------------------------------------

def test_every_graded_submission_is_recorded_as_the_students_latest_with_its_time(tmp_path):
    server = Service(tmp_path, ["dana"], "--workers", "1", config='c.LateSubmissionPlugin.penalty_method = "zero"')
    try:
        gradebook_add(server.course, duedate="2026-01-01 00:00:00 UTC")
        first = server.submit("dana", WRONG_COST)[1]["id"]
        second = server.submit("dana", SOLVED)[1]["id"]
        for submission, graded in ((first, 95), (second, 100)):  # late, penalty "zero": the score that counts
            verdict = server.verdict("dana", submission)
            assert verdict["score"] == 0 and verdict["late"]["score_before_penalty"] == graded, verdict
            assert verdict["late"]["text"].startswith("с опозданием на ")
    finally:
        server.stop()
    course = server.course
    assert sum(gradebook_scores(course)["dana"].values()) == 100  # the latest counts, and it was late:
    row = next(csv.DictReader(io.StringIO(grader_cli(course, "export").stdout)))
    assert (row["student"], row["status"], float(row["late_penalty"]), float(row["total"])) == ("dana", "late", 100, 0)
    folder = course / "submitted" / "dana" / ASSIGNMENT
    assert (folder / NOTEBOOK).read_bytes() == SOLVED and (folder / "timestamp.txt").read_text().endswith("UTC")
    autograded = nbformat.read(str(course / "autograded" / "dana" / ASSIGNMENT / NOTEBOOK), 4)
    assert autograded.metadata["grader"]["timestamp"] == (folder / "timestamp.txt").read_text()
    assert grader_cli(course, "autograde").stderr.count("graded 0 submission(s)") == 1  # nothing left to grade


# --- the page, in a real browser --------------------------------------------------------------

def test_the_page_uploads_a_notebook_and_fills_in_the_verdict_without_a_reload(service, tmp_path):
    notebook = tmp_path / NOTEBOOK
    notebook.write_bytes(WRONG_COST)
    driver = chromium()
    try:
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait

        driver.get(service.url + "/")
        assert "Оценкой считается последняя" in driver.page_source
        driver.find_element(By.ID, "token").send_keys(service.tokens["bob"])
        driver.find_element(By.ID, "save-token").click()
        WebDriverWait(driver, 20).until(lambda d: "bob" in d.find_element(By.ID, "who").text)
        driver.execute_script("window.notReloaded = true")
        driver.find_element(By.ID, "notebook").send_keys(str(notebook))
        driver.find_element(By.ID, "send").click()
        WebDriverWait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#functions tbody tr")) == 10)
        assert driver.execute_script("return window.notReloaded === true")
        assert driver.find_element(By.ID, "total").text == "Итог: 95 из 100"
        assert "перепутан знак" in driver.find_element(By.ID, "messages").text
        rows = driver.find_elements(By.CSS_SELECTOR, "#history li")
        assert rows and "проверено" in rows[0].text
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        assert driver.save_screenshot(str(tmp_path / "page.png"))
    finally:
        driver.quit()


def test_on_a_phone_the_pasted_token_works_without_saving_and_errors_are_a_students_words(service, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    (tmp_path / NOTEBOOK).write_bytes(WRONG_COST)
    (tmp_path / "broken.ipynb").write_bytes(b"not a notebook")
    driver = chromium()
    try:
        driver.set_window_size(390, 844)
        driver.get(service.url + "/")
        wide = driver.execute_script(  # nothing wider than the phone: no sideways scrolling
            "return Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > "
            "window.innerWidth).map(e => e.tagName + '#' + e.id + ' ' + e.getBoundingClientRect().right)")
        assert driver.execute_script("return window.innerWidth") == 390 and not wide, wide

        def send(path):
            driver.find_element(By.ID, "notebook").send_keys(str(path))
            driver.find_element(By.ID, "send").click()

        driver.find_element(By.ID, "token").send_keys(service.tokens["frank"])  # pasted; «Сохранить» not pressed
        send(tmp_path / NOTEBOOK)
        WebDriverWait(driver, 60).until(lambda d: d.find_element(By.ID, "total").text == "Итог: 95 из 100")
        send(tmp_path / "broken.ipynb")
        WebDriverWait(driver, 30).until(lambda d: "не принята" in d.find_element(By.ID, "status").text)
        assert not driver.find_element(By.ID, "result").is_displayed()  # the old verdict is not left under it
        token = driver.find_element(By.ID, "token")
        token.clear()
        token.send_keys("not-a-token")
        send(tmp_path / NOTEBOOK)
        WebDriverWait(driver, 30).until(lambda d: "Токен не подошёл" in d.find_element(By.ID, "status").text)
        assert "Authorization" not in driver.find_element(By.ID, "status").text
        assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    finally:
        driver.quit()


def test_a_blank_answer_reads_no_answer_as_in_the_gradebook(service):
    status, accepted, _ = service.submit("frank", RELEASE_NB.read_bytes())
    assert status == 202, accepted
    result = service.verdict("frank", accepted["id"])
    assert {f["status"] for f in result["functions"]} == {"unanswered"}, result
    assert all(f["message"].startswith("Нет ответа") for f in result["functions"])


def test_the_access_log_has_a_line_per_request_and_no_token(service):
    service.get("/api/submissions", "alice")
    log = (service.course / "serve.log").read_text(encoding="utf-8")
    lines = [line for line in log.splitlines() if '"GET /api/submissions" 200' in line]
    assert any(" alice " in line for line in lines), log[-2000:]
    assert '"POST /api/submissions" 401' in log and '"GET /api/health" 200' in log
    assert not any(token in log for token in service.tokens.values())


# --- a server killed with SIGKILL loses nothing it acknowledged -----------------------------------

def test_sigkill_and_restart_lose_nothing_acknowledged_and_record_each_once(tmp_path):
    students = ["k{}".format(i) for i in range(6)]
    slow = as_text(with_answers(solved_submission(), {"compute_cost": solved_sources()["compute_cost"].replace(
        "    m = Y.shape[1]\n", "    m = Y.shape[1]\n    for _ in range(3_000_000):\n        pass\n")})).encode()
    server = Service(tmp_path, students, "--workers", "2", "--per-minute", "100", "--timeout", "5")
    try:
        sent = []
        for round_ in range(4):
            for student in students:
                text = (WRONG_COST, slow, SOLVED, slow)[round_]
                status, accepted, _ = server.submit(student, text)
                assert status == 202
                sent.append((student, accepted["id"], text))
        tree = process_tree(server.process.pid)
        assert server.queue().get("queued", 0) > 0  # work is left when it dies
        server.kill()
        deadline = time.monotonic() + 10
        while alive(tree) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert alive(tree) == []  # its grading processes, zygotes and children died with it
        server.start()
        expected = checked([text for _, _, text in sent], tmp_path)
        for student, submission, text in sent:
            assert server.verdict(student, submission, seconds=300) == expected[text], submission
        assert server.queue() == {"done": len(sent)}
    finally:
        server.stop()
    scores = gradebook_scores(server.course)
    assert {s: sum(v.values()) for s, v in scores.items()} == {s: 100 for s in students}  # each one's last: right


# --- load: 50 clients, 500 notebooks ------------------------------------------------------------

def test_fifty_clients_five_hundred_notebooks_each_graded_once_as_grader_check_grades_it(tmp_path):
    students = ["load{:02d}".format(i) for i in range(50)]
    hostile = [text.encode() for name, (text, _) in sorted(hostile_submissions().items())
               if name not in ("infinite-loop", "loop-ignoring-sigint", "loop-at-top-level")]
    kinds = [SOLVED, WRONG_COST] + hostile
    server = Service(tmp_path, students, "--workers", "2", "--per-minute", "1000", "--timeout", "3")
    answers, errors = [], []

    def client(index, student):
        try:
            for k in range(10):
                text = kinds[(index * 10 + k) % len(kinds)]
                status, accepted, _ = server.submit(student, text)
                assert status == 202, accepted
                answers.append((student, accepted["id"], text))
        except Exception as error:  # noqa: BLE001 -- reported below
            errors.append(error)

    try:
        threads = [threading.Thread(target=client, args=(i, s)) for i, s in enumerate(students)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors[:3]
        assert len(answers) == 500 and len({a[1] for a in answers}) == 500
        expected = checked([text for _, _, text in answers], tmp_path)
        for student, submission, text in answers:
            assert server.verdict(student, submission, seconds=600) == expected[text], (student, submission)
        assert server.queue() == {"done": 500}
    finally:
        server.stop()
    last = {student: text for student, _, text in answers}  # in each student's order of submitting
    recorded = gradebook_scores(server.course)
    assert set(recorded) == set(students)
    for student, cells in recorded.items():
        assert {k[len("test_"):]: v for k, v in cells.items()} == \
            {f["name"]: f["score"] for f in expected[last[student]]["functions"]}, student


def test_tokens_are_kept_only_as_hashes(service):
    with sqlite3.connect(str(service.course / "gradebook.db")) as db:
        stored = " ".join(str(value) for row in db.execute("SELECT * FROM grader_tokens") for value in row)
    assert service.tokens["bob"] not in stored and len(stored) > 64


def test_grader_submit_is_the_client_with_grader_checks_exit_statuses(service, tmp_path):
    def submit(text, *extra):
        notebook = tmp_path / "mine.ipynb"
        notebook.write_bytes(text)
        env = dict(tool_env(), GRADER_TOKEN=service.tokens["dave"], GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
        return subprocess.run([sys.executable, "-m", "grader.cli", "submit", str(notebook), "--server", service.url,
                               "--json", str(tmp_path / "r.json"), *extra], capture_output=True, text=True,
                              env=env, timeout=300)

    graded = submit(WRONG_COST)
    assert graded.returncode == 0 and "compute_cost" in graded.stdout and "95/100" in graded.stdout, graded.stderr
    assert json.loads((tmp_path / "r.json").read_text())["score"] == 95
    assert "**Итог: 95 из 100**" in (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert submit(WRONG_COST, "--fail-under", "96").returncode == 1
    refused = submit(b"{broken")
    assert refused.returncode == 2 and "400" in refused.stderr and "Traceback" not in refused.stderr
