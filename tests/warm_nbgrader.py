"""``python -m nbgrader`` (or ``grader.cli``, or a console script) without paying nbgrader's imports each time:
each run is a fork of a process that made them.

Importing nbgrader (tornado, jupyter_server, nbconvert, SQLAlchemy) costs about 2.5 s of CPU, and the tests
run nbgrader's steps and grader's commands a few hundred times. A server per test process (or per OS user of
a hub) imports nbgrader once; each run is then a fresh process forked from it that does what ``python -m MODULE
ARGS`` or ``python SCRIPT ARGS`` does -- in the caller's folder, with its environment, its own stdout and stderr
and exit code -- loading the course's config and grader's own code from disk as a cold start does. What differs
is only that nbgrader and the libraries it imports are already imported. A run whose environment would start
Python otherwise than the server's (another PYTHONPATH, say) starts cold.

Run as a script, this file is the server: ``python warm_nbgrader.py SOCKET``; it exits when the process that
started it does.
"""

import atexit
import io
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

# Variables read when Python starts (or when nbgrader is imported): a run whose environment sets them
# otherwise than the server's is started the ordinary way.
_AT_START = ("PYTHON", "LANG", "LC_", "PATH", "HOME", "JUPYTER")


def _starts_the_same(env, server_env):
    keys = {k for k in set(env) | set(server_env) if k.startswith(_AT_START)}
    return all(env.get(k) == server_env.get(k) for k in keys)


class Server:
    """A server: ``python SERVER SOCKET`` with ``env`` (as ``user``, if given), stopped when this process exits.

    Run as another user, it is that user's interpreter ``python`` that runs this file, copied into ``folder``
    (theirs).
    """

    def __init__(self, env, python=sys.executable, folder=None, user=None):
        self.python, self.env, self.own_folder = python, dict(env), folder is None
        self.folder = Path(folder or tempfile.mkdtemp(prefix="warm-nbgrader-"))
        script, self.socket = self.folder / "warm_nbgrader.py", self.folder / "warm_nbgrader.socket"
        shutil.copy(__file__, script)
        starting = {}
        if user is not None:
            from other_users import as_user

            shutil.chown(script, user, user)
            starting = as_user(user)
        with open(self.folder / "warm_nbgrader.log", "wb") as log:
            self.process = subprocess.Popen([python, str(script), str(self.socket)], env=self.env, cwd=self.folder,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log, **starting)
        if self.process.stdout.readline() != b"ready\n":
            raise RuntimeError("the warm nbgrader server did not start:\n" +
                               (self.folder / "warm_nbgrader.log").read_text(errors="replace"))
        atexit.register(self.stop)

    def stop(self):
        self.process.kill()
        self.process.wait()
        for name in ("warm_nbgrader.py", "warm_nbgrader.socket", "warm_nbgrader.log"):
            (self.folder / name).unlink(missing_ok=True)
        if self.own_folder:
            self.folder.rmdir()

    def run(self, python_args, cwd, env, timeout):
        """What ``subprocess.run([python, *python_args], cwd, env, capture_output, text, timeout)`` gives;
        ``python_args``: ``-m MODULE ARGS`` or ``SCRIPT ARGS``. Started cold if ``env`` would start Python
        otherwise than the server's."""
        command = [self.python, *python_args]
        if not _starts_the_same(env, self.env):
            return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
                socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(self.socket))
            request = json.dumps({"args": list(python_args), "cwd": str(cwd), "env": env}).encode() + b"\n"
            socket.send_fds(connection, [request], [out.fileno(), err.fileno()])
            pid = int(_line(connection))
            connection.settimeout(timeout)
            try:
                returncode = int(_line(connection))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)  # as subprocess.run does: killed, and waited for
                connection.settimeout(None)
                _line(connection)
                raise subprocess.TimeoutExpired(command, timeout) from None
            return subprocess.CompletedProcess(command, returncode, _text(out), _text(err))


def _text(file):
    """What a process wrote to ``file``, decoded as ``subprocess.run(text=True)`` does."""
    file.seek(0)
    return io.TextIOWrapper(file, newline=None).read()


_servers, _lock = {}, threading.Lock()


def run(python_args, cwd, env, timeout):
    """:meth:`Server.run` of this process's server (started with the environment of its first run)."""
    with _lock:
        if os.getpid() not in _servers:  # none yet (or only one of the process this one was forked from)
            _servers[os.getpid()] = Server(env)
    return _servers[os.getpid()].run(python_args, cwd, env, timeout)


def run_tool(words, cwd, env, timeout):
    """What ``subprocess.run(words, cwd, env, capture_output, text, timeout)`` gives, ``words[0]`` a console
    script found on ``env``'s PATH: run warm if it is one of this interpreter's scripts."""
    script = shutil.which(words[0], path=env["PATH"])
    assert script, "{} is not on PATH".format(words[0])
    with open(script, "rb") as handle:
        ours = handle.readline().rstrip() == b"#!" + os.fsencode(sys.executable)
    if not ours:
        return subprocess.run(words, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    return run([script, *words[1:]], cwd, env, timeout)


def _line(connection):
    """The next line the server sends on ``connection`` (bytes up to a newline, read one at a time)."""
    line = b""
    while not line.endswith(b"\n"):
        byte = connection.recv(1)
        if not byte:
            raise RuntimeError("the warm nbgrader server hung up")
        line += byte
    return line.decode()


def _serve(path):
    import runpy

    del sys.path[0]  # this file's folder; a run gets its own folder there, as ``python -m`` does
    import nbgrader.apps.nbgraderapp  # noqa: F401 -- the imports each run is spared

    parent = os.getppid()
    listener = socket.socket(socket.AF_UNIX)
    listener.bind(path)
    listener.listen(16)
    listener.settimeout(1)
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    while os.getppid() == parent:  # the test process gone, the server goes too
        _reap()
        try:
            connection, _ = listener.accept()
        except (socket.timeout, TimeoutError):
            continue
        if os.fork() == 0:
            listener.close()
            _answer(connection, runpy)
        connection.close()


def _reap():
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def _answer(connection, runpy):
    """In a fork of the server: run one request in a fork of this, answer its pid and then its exit code."""
    code = 1
    try:
        message, fds, _, _ = socket.recv_fds(connection, 1 << 16, 2)
        while not message.endswith(b"\n"):
            message += connection.recv(1 << 16)
        pid = os.fork()
        if pid == 0:
            connection.close()
            _run_python(json.loads(message), fds, runpy)
        connection.sendall(b"%d\n" % pid)
        _, status = os.waitpid(pid, 0)
        connection.sendall(b"%d\n" % (os.waitstatus_to_exitcode(status)))
        code = 0
    finally:
        os._exit(code)


def _run_python(request, outputs, runpy):
    """``python ARGS`` in the request's folder and environment, writing to ``outputs``; never returns."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        for fd, target in ((os.open(os.devnull, os.O_RDONLY), 0), (outputs[0], 1), (outputs[1], 2)):
            os.dup2(fd, target)
            os.close(fd)
        sys.argv = list(request["args"])
        try:
            if sys.argv[0] == "-m":  # runpy puts the module's file as argv[0]
                del sys.argv[0]
                sys.path.insert(0, os.getcwd())
                runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
            else:
                sys.path.insert(0, os.path.dirname(os.path.abspath(sys.argv[0])))
                runpy.run_path(sys.argv[0], run_name="__main__")
            code = 0
        except SystemExit as stop:
            if stop.code is None or isinstance(stop.code, int):
                code = stop.code or 0
            else:
                sys.stderr.write(str(stop.code) + "\n")
        except BaseException:
            import traceback

            traceback.print_exc()
    finally:
        try:  # what the interpreter does on its way out: wait for threads, run atexit, flush
            threading._shutdown()
            atexit._run_exitfuncs()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


if __name__ == "__main__":
    _serve(sys.argv[1])
