"""The student's side of grading: submit a notebook to the course's server, read the verdict.

One file, standard library only, with no reference code and no hidden case:
the course's server hands it out at ``/client.py`` and ``grader submit`` is the
same code. It also holds the Russian texts of a result -- the table, each
function's verdict, the GitHub step summary -- which ``grader check`` prints
too, so a student sees the same words however they were graded.

    python client.py submit dnn_step_by_step.ipynb --server https://grader.example.org --token TOKEN
    (or the token in GRADER_TOKEN; exit status 0 graded, 1 below --fail-under, 2 not graded)
"""

import argparse
import json
import os
import sys
import time

UNGRADABLE_RU = "Ноутбук не удалось проверить"
STATUS_RU = {"passed": "зачтено", "failed": "ошибка в результате", "error": "исключение",
             "timeout": "превышено время", "missing": "нет функции", "unanswered": "нет ответа",
             "syntax": "синтаксическая ошибка"}


# --- how a result reads (result: the JSON of `grader check --json` and of the server) ----------

def points(value):
    return "{:g}".format(round(value, 2))


def printable(text, lines=True):
    """``text`` safe for a terminal: control characters (an escape sequence, a carriage return) shown, not obeyed.

    ``lines=False`` shows a newline too (``\\x0a``): for a name inside one log line, which it must not end.
    """
    text = str(text)
    kept = "\n" if lines else ""
    if (text.replace("\n", "") if lines else text).isprintable():  # nearly every text: checked in C, returned as is
        return text
    return "".join(ch if ch == kept or ch.isprintable() else "\\x{:02x}".format(ord(ch)) if ord(ch) < 256
                   else "\\u{:04x}".format(ord(ch)) for ch in text)


def function_text(function):
    """One function's verdict: "name: 3 из 10 баллов — ошибка в результате" and what went wrong."""
    head = "{}: {} из {} баллов — {}".format(function["name"], points(function["score"]),
                                             points(function["max_score"]), STATUS_RU[function["status"]])
    text = head + " ✔" if function["status"] == "passed" else head + "\n" + function["message"]
    if function.get("refused"):
        text += "\nпесочница запретила: " + "; ".join(function["refused"])
    return "\n".join([text] + list(function.get("notes") or ()))


def table(functions):
    """A fixed-width table of every function's score, then the total."""
    width = max(len(f["name"]) for f in functions)
    lines = ["{:<{w}}  {:>6}  {}".format("функция", "баллы", "итог", w=width)]
    for f in functions:
        lines.append("{:<{w}}  {:>6}  {}".format(
            f["name"], "{}/{}".format(points(f["score"]), points(f["max_score"])), STATUS_RU[f["status"]], w=width))
    total, maximum = sum(f["score"] for f in functions), sum(f["max_score"] for f in functions)
    lines.append("{:<{w}}  {:>6}".format("всего", "{}/{}".format(points(total), points(maximum)), w=width))
    return "\n".join(lines)


def delay_text(seconds):
    """How late, in Russian: «с опозданием на 2 дн. 3 ч.» (minutes under a day; never raw seconds)."""
    minutes = max(1, -(-int(seconds) // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = ["{} дн.".format(days)] if days else []
    parts += ["{} ч.".format(hours)] if hours else []
    parts += ["{} мин.".format(minutes)] if minutes and not days else []
    return "с опозданием на " + " ".join(parts)


def late_json(seconds, penalty, score, max_score):
    """What the server adds to a recorded verdict that was late: the delay, the penalty, the score that counts."""
    fine = "штраф {} баллов".format(points(penalty)) if penalty else "без штрафа"
    return {"seconds": round(seconds), "text": delay_text(seconds), "penalty": round(penalty, 6),
            "score_before_penalty": round(score + penalty, 6),
            "summary": "Засчитано {} из {}: работа сдана {}, {}.".format(points(score), points(max_score),
                                                                        delay_text(seconds), fine)}


def late_line(result):
    """«Засчитано 0 из 100: работа сдана с опозданием на 2 дн. 3 ч., штраф 100 баллов.» ("" when not late)."""
    return (result.get("late") or {}).get("summary", "")


def report(result):
    """The table, then what went wrong, function by function."""
    parts = [table(result["functions"])]
    if result.get("late"):
        parts.append(late_line(result))
    if result.get("not_counted"):
        parts.append(result["not_counted"])
    parts.extend(function_text(f) for f in result["functions"] if f["status"] != "passed" or f.get("notes"))
    parts.extend("Замечание: " + note for note in result.get("notes") or ())
    parts.extend("Замечание: ячейки ответов: песочница запретила: " + r for r in result.get("refused") or ())
    return "\n\n".join(parts)


def markdown(result, notebook):
    """A GitHub step summary: the score, a table of functions, what to fix."""
    lines = ["## Проверка `{}`".format(notebook), ""]
    if result.get("error"):
        return "\n".join(lines + [UNGRADABLE_RU + ": " + result["error"], ""])
    lines += ["**Итог: {} из {}**".format(points(result["score"]), points(result["max_score"])), ""]
    if result.get("late"):
        lines += [late_line(result), ""]
    if result.get("not_counted"):
        lines += [result["not_counted"], ""]
    lines += ["| функция | баллы | итог |", "| --- | ---: | --- |"]
    for f in result["functions"]:
        lines.append("| `{}` | {}/{} | {} |".format(f["name"], points(f["score"]), points(f["max_score"]),
                                                  STATUS_RU[f["status"]] + (" ✔" if f["status"] == "passed" else "")))
    for f in result["functions"]:
        if f["status"] != "passed":
            lines += ["", "<details><summary>{}</summary>".format(f["name"]), "", "```text", f["message"], "```",
                      "", "</details>"]
    return "\n".join(lines) + "\n"


def finish(result, notebook, json_out=None, fail_under=None, out=sys.stdout, err=sys.stderr):
    """Print and file a result as `grader check` does; return the exit status (0, 1 or 2)."""
    if json_out:
        with open(json_out, "w", encoding="utf-8") as handle:
            json.dump(result, handle, ensure_ascii=False, indent=2)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown(result, notebook))
    if result.get("error"):
        print(printable("ошибка: {} не удалось проверить: {}".format(notebook, result["error"])), file=err)
        return 2
    print(printable(report(result)), file=out)
    if fail_under is not None and result["score"] < fail_under:
        print("итог {:g} ниже порога --fail-under {:g}".format(result["score"], fail_under), file=err)
        return 1
    return 0


# --- talking to the server ---------------------------------------------------------------------

class Refused(Exception):
    """The server did not grade the notebook; the message says why."""


def submit(notebook, server, token, wait_seconds=600, opener=None, say=None, late=False):
    """POST ``notebook`` to ``server`` and wait for its verdict; return the result (a dict).

    ``late``: confirm a late resubmission (the server refuses one unconfirmed, saying what would happen).

    ``say(text)`` is told, in Russian, when the server's per-minute limit makes it wait; ``opener``:
    ``urllib.request.urlopen`` unless given.
    """
    import urllib.request  # here, not at the top: ``grader check`` and the graders print results without it

    opener = opener or urllib.request.urlopen
    with open(notebook, "rb") as handle:
        body = handle.read()
    headers = {"Authorization": "Bearer " + token, "Content-Type": "application/x-ipynb+json"}
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            accepted = _call(opener, urllib.request.Request(server.rstrip("/") + "/api/submissions" + (
                "?confirm_late=1" if late else ""), data=body,
                                                            headers=headers, method="POST"))
            break
        except _TooMany as busy:  # the server limits submissions a minute: wait as it says, then again
            if time.monotonic() + busy.retry_after > deadline:
                raise Refused("{}: отправьте работу снова через {:g} с".format(busy, busy.retry_after)) from None
            if say is not None:
                say("{}: отправлю снова через {:g} с (в {})".format(
                    busy, busy.retry_after, time.strftime("%H:%M:%S", time.localtime(time.time() + busy.retry_after))))
            time.sleep(busy.retry_after)
    location = server.rstrip("/") + "/api/submissions/" + accepted["id"] + "?wait=20"  # the server holds it
    while True:
        state = _call(opener, urllib.request.Request(location, headers={"Authorization": "Bearer " + token}))
        if state["status"] == "done":
            return state["result"]
        if time.monotonic() > deadline:
            raise Refused("вердикта нет за {:g} с (работа {} {}): узнайте его позже на странице сервера{}".format(
                wait_seconds, accepted["id"], "в очереди" if state["status"] == "queued" else "проверяется",
                ". " + state["note"] if state.get("note") else ""))


class _TooMany(Refused):
    def __init__(self, message, retry_after):
        super().__init__(message)
        self.retry_after = retry_after


_REFUSED_RU = {401: "сервер не принял токен: проверьте, что это ваш личный токен от преподавателя, целиком",
               404: "сервер не знает такой работы", 413: "файл слишком большой",
               429: "сервер принимает не больше нескольких работ в минуту"}


def _call(opener, request):
    import urllib.error

    try:
        with opener(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        try:
            detail = json.loads(error.read().decode("utf-8")).get("detail", "")
        except (ValueError, AttributeError):
            detail = ""
        if error.code == 401 or not detail or not isinstance(detail, str):  # 401's detail is about headers
            detail = _REFUSED_RU.get(error.code, "ошибка сервера: попробуйте позже или напишите преподавателю")
        message = "{} (HTTP {})".format(detail, error.code)
        if error.code == 429:
            raise _TooMany(message, float(error.headers.get("Retry-After") or 10)) from None
        raise Refused(message) from None
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise Refused("сервер недоступен: {} (проверьте адрес --server и подключение)".format(
            getattr(error, "reason", error))) from None


def run_submit(args):
    token = (args.token or os.environ.get("GRADER_TOKEN", "")).strip()
    if not token:
        print("ошибка: нужен ваш личный токен от преподавателя: --token ТОКЕН или переменная GRADER_TOKEN",
              file=sys.stderr)
        return 2
    try:
        result = submit(args.notebook, args.server, token, args.wait,
                        say=lambda text: print(text, file=sys.stderr, flush=True), late=args.late)
    except Refused as error:
        print("ошибка: {} не проверен: {}".format(args.notebook, error), file=sys.stderr)
        return 2
    except OSError as error:
        print("ошибка: {} не прочитан: {}".format(args.notebook, error.strerror or error), file=sys.stderr)
        return 2
    return finish(result, args.notebook, args.json, args.fail_under)


def add_submit_arguments(parser):
    parser.add_argument("notebook", help="the .ipynb to submit")
    parser.add_argument("--server", required=True, help="the course's grading server, e.g. https://grader.example.org")
    parser.add_argument("--token", help="your personal token from the instructor (default: the GRADER_TOKEN "
                                        "environment variable; in CI keep it in a secret)")
    parser.add_argument("--json", metavar="OUT", help="also write the result as JSON to OUT")
    parser.add_argument("--fail-under", type=float, metavar="SCORE", help="exit with status 1 below SCORE")
    parser.add_argument("--late", action="store_true",
                        help="confirm a submission after the deadline when you already have one on time (the "
                             "server says first what would happen to your grade)")
    parser.add_argument("--wait", type=float, default=600, metavar="S",
                        help="seconds to wait for the verdict (default: 600)")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="client.py", description="Submit the lab to the course's grading "
                                     "server and print the verdict (token: --token or GRADER_TOKEN). Exit status: 0 "
                                     "graded, 1 below --fail-under, 2 not graded.")
    commands = parser.add_subparsers(dest="command", required=True)
    add_submit_arguments(commands.add_parser("submit", help="submit a notebook and wait for its verdict"))
    return run_submit(parser.parse_args(argv))



# --- nbgrader's exchange on a hub, through the course's server (no shared folder) --------------------

# On a JupyterHub, students' `nbgrader fetch_assignment`, `submit`, `fetch_feedback`, `list` (and the
# Assignment List buttons) can talk to the course's server instead of a folder everyone can write:
# the hub's admin puts this file on the students' Python path as grader_client.py and these lines in
# their nbgrader_config.py (the classes need nbgrader, so they are made only when nbgrader asks):
#
#     c.CourseDirectory.course_id = "dnn_step_by_step"
#     c.ExchangeFactory.fetch_assignment = "grader_client.FetchAssignment"
#     c.ExchangeFactory.submit = "grader_client.Submit"
#     c.ExchangeFactory.fetch_feedback = "grader_client.FetchFeedback"
#     c.ExchangeFactory.list = "grader_client.ListAssignments"
#     c.GraderServer.url = "https://grader.example.org"
#
# A student's token is read from GRADER_TOKEN, else from ~/.grader_token.

EXCHANGE_CLASSES = ("FetchAssignment", "Submit", "FetchFeedback", "ListAssignments")


def __getattr__(name):
    if name in EXCHANGE_CLASSES:
        return _exchange_classes()[name]
    raise AttributeError(name)


def _exchange_classes(made={}):
    """The exchange classes, made once, when nbgrader imports one of them."""
    if made:
        return made
    import base64
    import pathlib

    from nbgrader.exchange.abc import (ExchangeFetchAssignment, ExchangeFetchFeedback, ExchangeList,
                                       ExchangeSubmit)
    from traitlets import Unicode
    from traitlets.config import LoggingConfigurable

    class GraderServer(LoggingConfigurable):
        """Where the course's server is, and this student's token for it."""

        url = Unicode("", help="The course's grading server, e.g. https://grader.example.org").tag(config=True)
        token_file = Unicode("~/.grader_token", help="A file holding the student's token (GRADER_TOKEN wins)."
                             ).tag(config=True)

        def token(self):
            token = os.environ.get("GRADER_TOKEN", "").strip()
            if not token:
                try:
                    token = pathlib.Path(os.path.expanduser(self.token_file)).read_text(encoding="utf-8").strip()
                except OSError:
                    token = ""
            if not token:
                raise Refused("нет личного токена: сохраните его в {} (его выдаёт преподаватель)".format(
                    self.token_file))
            return token

        def get(self, path):
            if not self.url:
                raise Refused("не указан сервер курса: c.GraderServer.url в nbgrader_config.py")
            import urllib.request

            return _call(urllib.request.urlopen, urllib.request.Request(
                self.url.rstrip("/") + path, headers={"Authorization": "Bearer " + self.token()}))

    def server(exchange):
        return GraderServer(parent=exchange)

    def folder(exchange):
        return pathlib.Path(exchange.assignment_dir).resolve() / exchange.coursedir.assignment_id

    def refused(exchange, error):
        exchange.fail(printable(str(error)))

    class FetchAssignment(ExchangeFetchAssignment):
        """``nbgrader fetch_assignment``: the release from the course's server."""

        def start(self):
            target = folder(self)
            try:
                release = server(self).get("/api/release")
            except Refused as error:
                return refused(self, error)
            if target.exists() and not self.replace_missing_files:
                self.fail("Уже есть копия задания в этой папке: {}".format(target))
            for name, data in release["files"].items():
                path = (target / name).resolve()
                if target not in path.parents:  # the server is the course's, but a path stays inside
                    continue
                if path.exists():
                    continue
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(base64.b64decode(data))
            self.log.info("Задание получено: %s", target)

    class Submit(ExchangeSubmit):
        """``nbgrader submit``: the notebook to the course's server; the verdict comes back in seconds."""

        def start(self):
            notebook = folder(self) / (self.coursedir.assignment_id + ".ipynb")
            if not notebook.is_file():
                self.fail("Нет файла {}: сначала получите задание (nbgrader fetch_assignment)".format(notebook))
            grader = server(self)
            try:
                result = submit(str(notebook), grader.url, grader.token(), late=os.environ.get("GRADER_LATE") == "1")
            except Refused as error:
                return refused(self, error)
            self.log.info("Работа сдана и проверена:\n%s", printable(report(result)) if not result.get("error")
                          else printable(UNGRADABLE_RU + ": " + result["error"]))

    class FetchFeedback(ExchangeFetchFeedback):
        """``nbgrader fetch_feedback``: the feedback page of the latest graded submission."""

        def start(self):
            try:
                feedback = server(self).get("/api/feedback")
            except Refused as error:
                return refused(self, error)
            stamp = feedback["submitted_at"].replace(":", "-")
            target = folder(self) / "feedback" / stamp / (self.coursedir.assignment_id + ".html")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(feedback["html"], encoding="utf-8")
            self.log.info("Отзыв получен: %s", target)

    class ListAssignments(ExchangeList):
        """``nbgrader list`` and the Assignment List: released, fetched and submitted, from the server."""

        def start(self):
            course, assignment = self.coursedir.course_id, self.coursedir.assignment_id or "dnn_step_by_step"
            here = pathlib.Path(self.assignment_dir).resolve() / assignment
            if self.remove:
                return []
            try:
                grader = server(self)
                if not (self.inbound or self.cached):
                    fetched = here.is_dir()
                    path = str(here) if fetched else grader.url
                    notebooks = [{"notebook_id": assignment, "path": str(here / (assignment + ".ipynb"))}]
                    self.log.info("%s %s%s", course, assignment, " (already downloaded)" if fetched else "")
                    return [{"course_id": course, "assignment_id": assignment, "path": path,
                             "status": "fetched" if fetched else "released", "notebooks": notebooks}]
                history = grader.get("/api/submissions")
            except Refused as error:
                return refused(self, error)
            submissions = [{"course_id": course, "student_id": history["student"], "assignment_id": assignment,
                            "timestamp": s["submitted_at"], "status": "submitted", "path": "", "notebooks": [],
                            "has_local_feedback": False, "has_exchange_feedback": s["status"] == "done",
                            "feedback_updated": False, "local_feedback_path": None}
                           for s in reversed(history["submissions"])]
            for info in submissions:
                self.log.info("%s %s %s %s", course, info["student_id"], assignment, info["timestamp"])
            if not submissions:
                return []
            return [{"course_id": course, "student_id": history["student"], "assignment_id": assignment,
                     "status": "submitted", "submissions": submissions}]

    made.update(GraderServer=GraderServer, FetchAssignment=FetchAssignment, Submit=Submit,
                FetchFeedback=FetchFeedback, ListAssignments=ListAssignments)
    return made


if __name__ == "__main__":
    sys.exit(main())
