"""A real grading service for the tests: ``grader serve`` on a free port of 127.0.0.1, and HTTP to it."""

import json
import os
from pathlib import Path
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from course import generated_course, tool_env
from services import free_port


class Service:
    """``grader serve`` over a course of its own, with a token per student."""

    def __init__(self, root, students, *options, config="", db_url=None, prepare=None, as_user=None):
        """``as_user``: (name, uid, bin folder, home) of an ordinary user to serve as; default: this process's."""
        if db_url:  # the gradebook elsewhere (PostgreSQL): set before nbgrader creates it
            config = "{}\nc.CourseDirectory.db_url = {!r}".format(config, db_url)
        self.course = generated_course(root / "course", config)
        if prepare is not None:  # e.g. the Dask cluster's certificates
            prepare(self.course)
        self.tokens = issue_tokens(self.course, students)
        self.options, self.port, self.as_user = options, free_port(), as_user
        if as_user is not None:
            from other_users import give_to

            give_to(self.course, as_user[0])
        self.url = "http://127.0.0.1:{}".format(self.port)
        self.process = None
        self.start()

    def start(self):
        self.log = open(self.course / "serve.log", "a")
        arguments = ["serve", "--course", str(self.course), "--port", str(self.port), *self.options]
        if self.as_user is None:
            command, how = [sys.executable, "-m", "grader.cli", *arguments], {"env": tool_env()}
        else:
            import pwd

            name, _, bin_dir, home = self.as_user
            entry = pwd.getpwnam(name)
            command = [str(bin_dir / "grader"), *arguments]
            how = {"env": {"PATH": "{}:/usr/bin:/bin".format(bin_dir), "HOME": str(home), "LANG": "C.UTF-8"},
                   "user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
                                        **how)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if call(self.url + "/api/health")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, (self.course / "serve.log").read_text()
            time.sleep(0.1)
        raise AssertionError("the service did not start:\n" + (self.course / "serve.log").read_text())

    def queue(self):
        """{state: how many} of the service's submissions, from its database."""
        from grader.course.base.course import Course
        from grader.service import store

        engine = store.engine_for(Course.at(self.course).db_url)
        try:
            return store.counts(engine)
        finally:
            engine.dispose()

    def kill(self):
        """SIGKILL, as a crash or an OOM killer would: the process alone, not its group."""
        self.process.kill()
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()

    def submit(self, student, body, token=None, headers=None):
        """POST a notebook; (status, JSON or text, response headers)."""
        all_headers = {"Authorization": "Bearer " + (token if token is not None else self.tokens[student])}
        all_headers.update(headers or {})
        return call(self.url + "/api/submissions", data=body, headers=all_headers, method="POST")

    def get(self, path, student=None, token=None):
        headers = {} if student is None and token is None else \
            {"Authorization": "Bearer " + (token if token is not None else self.tokens[student])}
        return call(self.url + path, headers=headers)

    def verdict(self, student, submission, seconds=120):
        """Wait for a submission's verdict; the result JSON."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:  # a long poll: the server answers when it is graded
            status, body, _ = self.get("/api/submissions/{}?wait=10".format(submission), student)
            assert status == 200, body
            if body["status"] == "done":
                return body["result"]
        raise AssertionError("no verdict for {} in {} s".format(submission, seconds))


def issue_tokens(course, students):
    """{student: token} issued as ``grader tokens --student ...`` issues them (grader's own store), in this
    process: a server's setup need not start one more (tests/test_term.py runs the command itself)."""
    from grader.course.base.course import Course
    from grader.service import store

    engine = store.engine_for(Course.at(course).db_url)
    try:
        return {student: store.issue_token(engine, student) for student in students}
    finally:
        engine.dispose()


def call(url, data=None, headers=None, method=None, timeout=60):
    """(status, parsed JSON or text, headers) of one HTTP request; errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw, got = response.status, response.read(), response.headers
    except urllib.error.HTTPError as error:
        status, raw, got = error.code, error.read(), error.headers
    text = raw.decode("utf-8", errors="replace")
    try:
        return status, json.loads(text), got
    except ValueError:
        return status, text, got


def costly_notebook(notebook_text, megabytes=19.5):
    """A notebook's bytes with ~``megabytes`` MB of one-character output lines added: cheap to send, costly
    to parse (each line becomes a Python string, ten times its size)."""
    notebook = json.loads(notebook_text)
    code = next(c for c in notebook["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1\n"] * int(megabytes * 2 ** 20 / 7)}]
    return json.dumps(notebook).encode("utf-8")  # '"1\n", ' is 7 bytes of JSON


def peak_mb(pid):
    """The peak resident memory of process ``pid`` so far (VmHWM), in MiB."""
    for line in Path("/proc/{}/status".format(pid)).read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM for {}".format(pid))
