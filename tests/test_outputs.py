"""What people see: feedback pages, grade export, the class report, late penalties."""

import csv
import html
import json
import re
import shutil
import subprocess
import sys

import nbformat
import pytest

from course import (ASSIGNMENT, REPO, RELEASE_NB, generated_course, gradebook_add, gradebook_scores, gradebook_verdicts, grader_cli,
                    nbgrader, solved_submission, submit, tool_env, with_answers)
from corpus import solved_sources
from browser import chromium
from selenium.webdriver.common.by import By

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.course.pages.class_report import DPI, LABEL_PT

DUE = "2026-06-01 00:00:00 UTC"


def grader(course, *args):
    proc = grader_cli(course, *args)
    assert proc.returncode == 0, proc.stderr
    return proc


def build_class(root):
    course = generated_course(root, 'c.LateSubmissionPlugin.penalty_method = "zero"')
    gradebook_add(course, ["absent"], duedate=DUE)
    submit(course, "Студент1", solved_submission())
    submit(course, "Студент2", RELEASE_NB.read_text(encoding="utf-8"))
    broken = solved_sources()["L_model_backward"].replace("caches[l]", "caches[l+1]")
    submit(course, "Студент10", with_answers(solved_submission(), {"L_model_backward": broken}))
    late = submit(course, "late", solved_submission())
    (late.parent / "timestamp.txt").write_text("2026-06-03 12:00:00.000000 UTC", encoding="utf-8")
    on_time = submit(course, "ontime", solved_submission())
    (on_time.parent / "timestamp.txt").write_text("2026-05-30 12:00:00.000000 UTC", encoding="utf-8")
    corrupt = submit(course, "corrupt", "{broken")
    assert corrupt.exists()
    return course


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = build_class(tmp_path_factory.mktemp("outputs") / "course")
    grader(course, "autograde")
    grader(course, "feedback")
    return course


def test_export_has_a_column_per_function_natural_order_and_statuses(course):
    grader(course, "export", "--csv", str(course / "grades.csv"), "--json", str(course / "grades.json"))
    rows = list(csv.DictReader(open(course / "grades.csv", encoding="utf-8")))
    assert [r["student"] for r in rows] == ["absent", "corrupt", "late", "ontime", "Студент1", "Студент2",
                                            "Студент10"]
    assert list(rows[0])[1:11] == [BY_NAME[n].short for n in NAMES]
    by = {r["student"]: r for r in rows}
    assert by["absent"]["status"] == "missing" and by["absent"]["total"] == "0.0" and by["absent"]["init"] == ""
    assert by["corrupt"]["status"] == "ungradable" and "повреждён" in by["corrupt"]["reason"]
    assert by["Студент2"]["status"] == "blank"
    assert by["late"]["status"] == "late" and float(by["late"]["late_penalty"]) == 100
    assert by["late"]["reason"] == "с опозданием на 2 дн. 12 ч."  # due 06-01 00:00, submitted 06-03 12:00
    assert float(by["late"]["total"]) == 0
    assert by["ontime"]["status"] == "graded" and float(by["ontime"]["total"]) == 100
    assert float(by["Студент10"]["L_bwd"]) == 0 and float(by["Студент10"]["total"]) == 80
    data = json.loads((course / "grades.json").read_text(encoding="utf-8"))
    assert [s["student"] for s in data["students"]] == [r["student"] for r in rows]
    assert data["students"][-1]["scores"]["L_model_backward"] == 0


def test_late_penalties_are_the_same_in_nbgrader_s_own_path(course, tmp_path):
    other = build_class(tmp_path / "nb")
    nbgrader(other, "autograde", ASSIGNMENT)
    grader(other, "export", "--csv", str(other / "grades.csv"))
    theirs = {r["student"]: r for r in csv.DictReader(open(other / "grades.csv", encoding="utf-8"))}
    grader(course, "export", "--csv", str(course / "grades2.csv"))
    ours = {r["student"]: r for r in csv.DictReader(open(course / "grades2.csv", encoding="utf-8"))}
    for student in ("late", "ontime", "Студент1", "Студент10"):
        assert ours[student]["total"] == theirs[student]["total"], student
        assert ours[student]["late_penalty"] == theirs[student]["late_penalty"], student
    assert theirs["late"]["status"] == "late"


def _pages(course):
    return sorted((course / "feedback").glob("*/{0}/{0}.html".format(ASSIGNMENT)))


def test_feedback_pages_show_scores_verdicts_and_the_students_own_code(course):
    pages = {p.parts[-3]: p.read_text(encoding="utf-8") for p in _pages(course)}
    assert set(pages) == {"corrupt", "late", "ontime", "Студент1", "Студент2", "Студент10"}
    page = pages["Студент10"]
    assert "итог: <b>80 из 100</b>" in page and "L_model_backward: 0 из 20" in page
    assert "caches[l+1]" in page  # the student's own code
    assert "не пройдено" in page  # the Russian verdict
    assert "повреждён" in pages["corrupt"]
    assert "Работа сдана с опозданием на 2 дн. 12 ч.: штраф за опоздание −100" in pages["late"]
    assert "итог: <b>0 из 100</b>" in pages["late"] and "опоздани" not in pages["ontime"]


def test_feedback_pages_never_show_hidden_tests_generator_or_reference(course):
    reference = (REPO / "reference_solution" / "__init__.py").read_text(encoding="utf-8")
    reference_lines = {" ".join(l.split()) for l in reference.splitlines() if len(l.strip()) > 25}
    hidden = ["BEGIN HIDDEN", "END HIDDEN", "grade(", "grader.", "reference_solution", "default_rng", "_rng(",
              "build_cases", "_random_network", "oracle", "cases_for"]
    pages = _pages(course)
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for needle in hidden:
            assert needle not in text, (page, needle)
        student = page.parts[-3]
        own_lines = _code_lines(course / "submitted" / student / ASSIGNMENT / (ASSIGNMENT + ".ipynb"))
        shown = {" ".join(l.split()) for l in html.unescape(text).splitlines()}
        leaked = {l for l in reference_lines & shown if l not in own_lines}
        assert not leaked, (page, leaked)


def _code_lines(notebook):
    try:
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    except ValueError:
        return set()
    return {" ".join(l.split()) for c in cells for l in "".join(c["source"]).splitlines()}


def test_feedback_works_for_a_class_graded_by_nbgrader_too(tmp_path):
    course = generated_course(tmp_path / "c")
    broken = solved_sources()["compute_cost"].replace("(-1 / m)", "(1 / m)")
    submit(course, "s1", with_answers(solved_submission(), {"compute_cost": broken}))
    nbgrader(course, "autograde", ASSIGNMENT)
    grader(course, "feedback")
    text = _pages(course)[0].read_text(encoding="utf-8")
    assert "compute_cost: 0 из 5" in text and "перепутан знак" in text
    assert "BEGIN HIDDEN" not in text and "grade(" not in text


# --- the class report in a real browser -------------------------------------------

def test_the_class_report_renders_in_headless_chromium_without_errors(course, tmp_path):
    proc = grader(course, "report", "--output", str(tmp_path / "report.html"))
    assert "need attention" in proc.stdout
    html_text = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert html_text.count("data:image/png;base64,") == 3
    assert "corrupt" in html_text and "Частые ошибки" in html_text
    assert re.search(r"L_model_backward</td><td>[^<]+</td><td class=num>1<", html_text)
    driver = chromium()
    try:
        driver.get((tmp_path / "report.html").as_uri())
        images = driver.execute_script(
            "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.width]);")
        assert len(images) == 3 and all(done and width > 0 for done, width, _ in images), images
        for _, natural, shown in images:  # the charts' labels, as the page shows them: readable
            assert LABEL_PT * DPI / 72 * shown / natural >= 14, images
        mean = driver.find_element(By.CSS_SELECTOR, ".card:nth-child(3)").text
        assert "сданных работ" in mean and "непроверяемых" in mean, mean  # corrupt counts, with its 0
        errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, errors
        assert driver.save_screenshot(str(tmp_path / "report.png"))
        assert (tmp_path / "report.png").stat().st_size > 10_000
        shutil.copy(tmp_path / "report.png", course / "report.png")
    finally:
        driver.quit()


# --- what a student's answer cells print ---------------------------------------------------------

# compute_cost's answer cell, after printing 20 MB at once, 200 MB a line at a time, or forever.
PRINTS = {
    "prints-20": 'print("x" * (20 * 2 ** 20 - 1))\n',
    "prints-200": 'for _ in range(200):\n    print("x" * (2 ** 20 - 1))\n',
    "prints-forever": 'while True:\n    print("x" * 1000)\n',
}
CUT = "вывод ячеек обрезан: напечатано {} МБ, сверх 16 МБ отброшено"


def _printing(prelude, function="compute_cost"):
    return with_answers(solved_submission(), {function: prelude + solved_sources()[function]})


def _totals(course):
    return {student: sum(v for k, v in cells.items() if k.startswith("test_"))
            for student, cells in gradebook_scores(course).items()}


@pytest.mark.parametrize("path", ["grader autograde", "nbgrader autograde"])
def test_a_cell_printing_megabytes_keeps_its_function_and_says_so_once(path, tmp_path):
    """Regression: a print past the output cap raised, so the function defined after it was «не найдена»."""
    course = generated_course(tmp_path / "c", "c.SealedExecute.timeout = 5")
    for student, prelude in PRINTS.items():
        submit(course, student, _printing(prelude))
    if path == "grader autograde":
        grader(course, "autograde", "--timeout", "5")
    else:
        nbgrader(course, "autograde", ASSIGNMENT)
    assert _totals(course) == {"prints-20": 100, "prints-200": 100, "prints-forever": 95}
    verdicts = gradebook_verdicts(course)
    for student, megabytes in (("prints-20", 20), ("prints-200", 200)):
        said = {name: text for name, text in verdicts[student].items() if "обрезан" in text}
        assert list(said) == ["compute_cost"] and said["compute_cost"].count("обрезан") == 1, said
        assert said["compute_cost"].endswith(CUT.format(megabytes)), said
    # Printing forever is a cell that never ends, as any endless loop: stopped at its time limit, its
    # function never defined, every other function graded -- and nothing said of output it never finished.
    assert "не найдена" in verdicts["prints-forever"]["compute_cost"]
    assert not any("обрезан" in text for text in verdicts["prints-forever"].values())
    grader(course, "feedback", "--student", "prints-20")  # the note reaches the student's page, the function passed
    page = html.unescape((course / "feedback" / "prints-20" / ASSIGNMENT / (ASSIGNMENT + ".html")).read_text("utf-8"))
    assert page.count("обрезан") == 1 and CUT.format(20) in page


def _check(tmp_path, notebook):
    path = tmp_path / "printing.ipynb"
    path.write_text(nbformat.writes(notebook), encoding="utf-8")
    run = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(path), "--json", str(tmp_path / "r.json"),
                          "--timeout", "10"], cwd=tmp_path, capture_output=True, text=True, env=tool_env(), timeout=600)
    return run, json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


def test_grader_check_says_once_that_a_cell_s_output_was_cut(tmp_path):
    run, result = _check(tmp_path, _printing(PRINTS["prints-20"]))
    assert run.returncode == 0 and result["score"] == 100, run.stdout
    assert run.stdout.count("обрезан") == 1 and CUT.format(20) in run.stdout
    notes = {f["name"]: f["notes"] for f in result["functions"] if f["notes"]}
    assert notes == {"compute_cost": [CUT.format(20)]}


def test_a_function_printing_a_gigabyte_while_graded_still_passes(tmp_path):
    """A graded call's prints are dropped as they come: held, a gigabyte ran the child out of memory."""
    head = "def linear_forward(A, W, b):"
    source = solved_sources()["linear_forward"].replace(head, head + "\n    for _ in range(512):\n"
                                                               "        print('ж' * 2 ** 20)\n")
    assert "print('ж'" in source
    run, result = _check(tmp_path, with_answers(solved_submission(), {"linear_forward": source}))
    assert run.returncode == 0 and result["score"] == 100, run.stdout
