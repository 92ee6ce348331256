"""A shared JupyterHub for the tests: students as OS users of their own, each with nbgrader and a config.

A :class:`Student` runs nbgrader from an environment of their own (tests/other_users.py)
with a students' nbgrader_config.py the hub's admin would write: either nbgrader's
shared exchange folder, or the course's server through ``grader_client.py``.
"""

import re
import shlex
import shutil

from course import ASSIGNMENT, NOTEBOOK, REPO, copy_course, read, with_answers
from other_users import create_user, environment_for, environment_of, open_folder, run_as
from warm_nbgrader import Server

def _doc_block(document, opening):
    """The fenced block of ``document`` (README.md, docs/*.md) whose first line is ``opening``: what the
    documentation tells people to use."""
    text = (REPO / document).read_text(encoding="utf-8")
    for block in re.findall(r"```\w*\n(.*?)```", text, re.S):
        if block.startswith(opening):
            return block
    raise AssertionError("{} has no block starting {!r}".format(document, opening))


def _students_config(document, opening, setting, value):
    """A students' nbgrader_config.py from the documentation, with its example ``setting`` made ``value``."""
    block = _doc_block(document, opening)
    line = next(line for line in block.splitlines() if line.startswith(setting + " = "))
    return block.replace(line, "{} = {!r}".format(setting, value))


def folder_exchange(exchange):
    """The students' config for nbgrader's shared exchange folder, exactly as docs/term.md gives it."""
    return _students_config("docs/term.md", "# /etc/jupyter/nbgrader_config.py on the hub", "c.Exchange.root", str(exchange))


def server_exchange(url):
    """The students' config for the course's server as the exchange, exactly as docs/service.md gives it."""
    return _students_config("docs/service.md", "c = get_config()\nc.CourseDirectory.course_id", "c.GraderServer.url", url)


def readme_student_commands():
    """{verb: argv} of the README's student commands for the hub (its Russian section), in order."""
    block = _doc_block("README.md", "nbgrader fetch_assignment")
    return {argv[1]: argv for argv in (shlex.split(line.split("#")[0]) for line in block.splitlines()) if argv}


def instructor_side(prefix, config=""):
    """(root, exchange, course): a folder-based exchange everyone may write, and the instructor's course (0700)."""
    root = open_folder(prefix)
    exchange = root / "exchange"
    exchange.mkdir()
    exchange.chmod(0o777)
    course = copy_course(root / "course")
    course.chmod(0o700)  # the instructor's course is theirs alone
    with open(course / "nbgrader_config.py", "a", encoding="utf-8") as handle:
        handle.write("\nc.Exchange.root = {!r}\n{}\n".format(str(exchange), config))
    return root, exchange, course


class Student:
    """An OS user ``name`` with a home under ``root`` and nbgrader configured by ``config`` (text)."""

    def __init__(self, name, root, config, client=None, token=None):
        self.name, self.home = name, root / name
        create_user(name, self.home)
        self.bin, self.warm = environment_for(root / (name + "-env"), name), None
        self.write(".jupyter/nbgrader_config.py", config)
        if client is not None:  # the hub's admin puts the course's client on the students' path
            site = next((self.bin.parent / "lib").glob("python3*/site-packages"))
            (site / "grader_client.py").write_bytes(client)
        if token is not None:
            self.write(".grader_token", token + "\n", mode=0o600)

    def write(self, relative, text, mode=0o644):
        path = self.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        path.chmod(mode)
        for made in [path] + [p for p in path.parents if self.home in p.parents or p == self.home][:-1]:
            shutil.chown(made, self.name, self.name)
        return path

    def run(self, *command, timeout=600, env=None):
        """``command`` run as the student; ``nbgrader`` and ``grader``, forks of a server of theirs (as them) that
        has imported nbgrader."""
        if command[0] not in ("nbgrader", "grader"):
            return run_as(self.name, [str(self.bin / command[0]), *command[1:]], self.bin, self.home, self.home,
                          timeout=timeout, env=env)
        if self.warm is None:
            self.warm = Server(environment_of(self.name, self.bin, self.home), python=str(self.bin / "python"),
                               folder=self.bin.parent, user=self.name)
        return self.warm.run([str(self.bin / command[0]), *command[1:]], self.home,
                             environment_of(self.name, self.bin, self.home, env), timeout)

    def nbgrader(self, *args):
        proc = self.run("nbgrader", *args)
        assert proc.returncode == 0, (self.name, args, proc.stdout[-2000:], proc.stderr[-3000:])
        return proc

    @property
    def notebook(self):
        return self.home / ASSIGNMENT / NOTEBOOK

    def answer(self, sources):
        """Write answers into the fetched notebook, as the student would in Jupyter."""
        import nbformat

        nbformat.write(with_answers(read(self.notebook), sources), str(self.notebook))
        shutil.chown(self.notebook, self.name, self.name)

    def python(self, code):
        return self.run("python", "-c", code)
