"""The class report: a row per student, the names behind each common mistake, who needs attention and why.

A small class is graded for real (``grader autograde``), the page is written by
``grader report``, then read twice: parsed as HTML (what is on the page) and
rendered in headless Chromium (what an instructor sees and can find).
"""

import html.parser
import re

import pytest

from course import RELEASE_NB, answer_cells, generated_course, gradebook_add, grader_cli, solved_submission, submit, \
    with_answers
from corpus import solved_sources
from browser import chromium
from selenium.webdriver.common.by import By

from grader.checks.graded_functions import BY_NAME, NAMES
from grader.course.pages.class_report import SHOWN_NAMES

SIGN_SLIP = ["Студент{}".format(i) for i in range(5, 12)]  # more than the report shows openly


def _broken(name, find, replace):
    source = solved_sources()[name]
    assert find in source, (name, find)
    return source.replace(find, replace, 1)


def _line_of(name, find):
    """The 1-based line of the answer cell ``name`` holding ``find``, as Jupyter numbers it."""
    return next(i for i, line in enumerate(solved_sources()[name].split("\n"), 1) if find in line)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = generated_course(tmp_path_factory.mktemp("report") / "course")
    gradebook_add(course, ["absent"])
    submit(course, "Студент1", solved_submission())
    submit(course, "Студент2", RELEASE_NB.read_text(encoding="utf-8"))
    submit(course, "Студент3", with_answers(solved_submission(), {
        "linear_forward": _broken("linear_forward", "np.dot(W, A) + b", "np.dot(W, A) +")}))
    submit(course, "Студент4", with_answers(solved_submission(), {
        "compute_cost": _broken("compute_cost", "(-1 / m)", "(-1 / m"),
        "L_model_backward": _broken("L_model_backward", "current_cache = caches[L-1]",
                                    "  current_cache = caches[L-1]")}))
    for student in SIGN_SLIP:
        submit(course, student, with_answers(solved_submission(), {
            "compute_cost": _broken("compute_cost", "(-1 / m)", "(1 / m)")}))
    submit(course, "Студент12", with_answers(solved_submission(), {
        "linear_backward": _broken("linear_backward", "np.dot(dZ, A_prev.T) / m", "np.dot(dZ, A_prev.T)")}))
    submit(course, "corrupt", "{broken")
    proc = grader_cli(course, "autograde")
    assert proc.returncode == 0, proc.stderr
    proc = grader_cli(course, "report", "--output", str(course / "reports" / "class_report.html"))
    assert proc.returncode == 0, proc.stderr
    return course


@pytest.fixture(scope="module")
def page(course):
    return (course / "reports" / "class_report.html").read_text(encoding="utf-8")


class _Tables(html.parser.HTMLParser):
    """Every table of a page: {class or first header: [[cell text, ...] per row]}, closed <details> included."""

    def __init__(self):
        super().__init__()
        self.tables, self._rows, self._cell, self._name = {}, None, None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._rows, self._name = [], dict(attrs).get("class")
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in ("td", "th") and self._rows is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._name or self._rows[0][0]] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(page):
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _by_student(rows):
    return {row[0]: row for row in rows[1:]}


def test_the_report_has_a_row_per_student_with_scores_total_status_and_first_problem(page):
    rows = _tables(page)["students"]
    assert rows[0] == ["Студент"] + [BY_NAME[n].short for n in NAMES] + ["Итого", "Статус", "Первая проблема"]
    by = _by_student(rows)
    assert list(by) == ["absent", "corrupt", "Студент1", "Студент2", "Студент3", "Студент4"] + SIGN_SLIP + \
        ["Студент12"]  # natural order, everyone on the roster
    column = {name: 1 + i for i, name in enumerate(NAMES)}
    assert by["Студент1"][1:11] == [str(BY_NAME[n].points) for n in NAMES]
    assert by["Студент1"][11:] == ["100", "проверено", "—"]
    assert by["absent"][1:11] == ["—"] * 10 and by["absent"][12:] == ["нет работы", "работа не сдана"]
    assert by["corrupt"][12] == "не удалось проверить" and by["corrupt"][13].startswith("файл повреждён")
    assert by["Студент2"][11:] == ["0", "пустая работа", "ни одна функция не написана"]
    line = _line_of("linear_forward", "np.dot(W, A) + b")
    assert by["Студент3"][column["linear_forward"]] == "0" and by["Студент3"][11] == "95"
    assert by["Студент3"][13] == "linear_forward: синтаксическая ошибка, строка {}".format(line)
    assert by["Студент4"][13] == "compute_cost: синтаксическая ошибка, строка {}".format(
        _line_of("compute_cost", "(-1 / m)"))  # the first of its two broken functions
    assert by["Студент5"][column["compute_cost"]] == "0" and by["Студент5"][13].startswith("compute_cost: ")
    assert "знак" in by["Студент5"][13]


def test_each_common_mistake_names_its_students_folded_when_many(page):
    rows = _tables(page)["mistakes"]
    assert rows[0] == ["Функция", "Ошибка", "Студентов", "Кто"]
    sign = [row for row in rows[1:] if row[0] == "compute_cost" and "знак" in row[1]]
    assert len(sign) == 1 and sign[0][2] == str(len(SIGN_SLIP)) and len(SIGN_SLIP) > SHOWN_NAMES
    assert all(student in sign[0][3] for student in SIGN_SLIP), sign
    folded = re.search(r"<details><summary>(\d+) студентов: показать</summary>([^<]*)</details>", page)
    assert folded and folded.group(1) == str(len(SIGN_SLIP)) and folded.group(2) == ", ".join(SIGN_SLIP)
    slash = [row for row in rows[1:] if row[0] == "linear_backward"]
    assert slash and slash[0][2] == "1" and slash[0][3] == "Студент12"
    assert page.count("<details>") == 1  # a few names are shown as they are
    syntax = [row for row in rows[1:] if row[1] == "синтаксическая ошибка"]
    assert {row[0] for row in syntax} == {"linear_forward", "compute_cost", "L_model_backward"}
    assert all("Студент2" not in row[3] for row in rows[1:])  # a blank work is no mistake


def test_blank_syntax_error_and_ungradable_students_need_attention_with_the_reason(page):
    by = _by_student(_tables(page)["attention"])
    assert set(by) == {"corrupt", "Студент2", "Студент3", "Студент4"}, by
    assert by["Студент2"][1] == "пустая работа: ни одна функция не написана"
    assert by["Студент3"][1] == "синтаксическая ошибка, ячейка не выполняется: linear_forward (строка {})".format(
        _line_of("linear_forward", "np.dot(W, A) + b"))
    assert by["Студент4"][1] == \
        "синтаксическая ошибка, ячейка не выполняется: compute_cost (строка {}); L_model_backward (строка {})".format(
            _line_of("compute_cost", "(-1 / m)"), _line_of("L_model_backward", "current_cache = caches[L-1]"))
    assert by["corrupt"][1].startswith("не удалось проверить: ") and "повреждён" in by["corrupt"][1]


def test_in_chromium_the_names_are_folded_yet_found_and_the_page_reads_in_russian(course, page):
    driver = chromium()
    try:
        driver.get((course / "reports" / "class_report.html").as_uri())
        assert not [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
        details = driver.find_element(By.CSS_SELECTOR, "table.mistakes details")
        assert details.get_attribute("open") is None
        hidden, shown = SIGN_SLIP[-1], "return document.querySelector('table.mistakes').innerText;"
        assert hidden not in driver.execute_script(shown)  # folded: not rendered
        # the browser's search finds a folded name (as it finds no text that is not on the page)
        assert driver.execute_script("return window.find(arguments[0]);", hidden)
        assert not driver.execute_script("return window.find(arguments[0]);", "Студент99")
        details.find_element(By.TAG_NAME, "summary").click()
        assert details.get_attribute("open") is not None and hidden in driver.execute_script(shown)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.students tr")
        assert len(rows) == 1 + 2 + 4 + len(SIGN_SLIP) + 1
        shown = driver.find_element(By.TAG_NAME, "body").text
    finally:
        driver.quit()
    # what the page says is Russian: apart from names in code (functions, students, the lab, the lab's one-letter
    # variables) and JSON, no Latin words
    names = set(NAMES) | {BY_NAME[n].short for n in NAMES} | {"absent", "corrupt", "dnn_step_by_step", "JSON"}
    latin = {word for word in re.findall(r"[A-Za-z_][\w.]*", shown) if word not in names and len(word) > 1}
    assert not latin, latin
