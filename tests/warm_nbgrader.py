"""``python -m nbgrader`` (or ``grader.cli``) without paying nbgrader's imports each time: each run is a fork
of a process that made them.

Importing nbgrader (tornado, jupyter_server, nbconvert, SQLAlchemy) costs about two seconds of CPU, and the
tests run the instructor's nbgrader steps and grader's commands a few hundred times. A server per test
process imports nbgrader once; each run is then a fresh process forked from it that does what
``python -m MODULE ARGS`` does -- in the caller's folder, with its environment, its own stdout and stderr, its
own exit code -- with the course's config, grader's own code and the gradebook all loaded in that fresh process
as before. A run whose
environment would start Python differently (another PYTHONPATH, say) is a real ``python -m nbgrader``.

A console script of this interpreter (``grader``, ``nbgrader``, as the README types them) runs the same way.

Run as a script, this file is the server: ``python warm_nbgrader.py SOCKET``.
"""

import atexit
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


class _Server:
    """The server process of this test process: started on first use, stopped when this process exits."""

    def __init__(self, env):
        self.folder = Path(tempfile.mkdtemp(prefix="warm-nbgrader-"))
        self.socket, self.env = self.folder / "socket", dict(env)
        self.process = subprocess.Popen([sys.executable, __file__, str(self.socket)], env=self.env,
                                        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL)
        ready = self.process.stdout.readline()
        if ready != b"ready\n":
            raise RuntimeError("the warm nbgrader server did not start")
        atexit.register(self.stop)

    def stop(self):
        self.process.kill()
        self.process.wait()
        for path in self.folder.iterdir():
            path.unlink()
        self.folder.rmdir()


_server, _lock = {}, threading.Lock()


def _server_for(env):
    """This process's server (its first run's environment is the server's), or None if ``env`` differs."""
    with _lock:
        if _server.get("pid") != os.getpid():  # none yet, or one of the process this one was forked from
            _server.update(pid=os.getpid(), server=_Server(env))
    server = _server["server"]
    return server if _starts_the_same(env, server.env) else None


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


def run(python_args, cwd, env, timeout):
    """What ``subprocess.run([python, *python_args], cwd, env, capture_output, text, timeout)`` gives;
    ``python_args``: ``-m MODULE ARGS`` or ``SCRIPT ARGS``."""
    command = [sys.executable, *python_args]
    server = _server_for(env)
    if server is None:
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    with tempfile.TemporaryDirectory(prefix="warm-nbgrader-run-") as folder:
        out, err = Path(folder) / "stdout", Path(folder) / "stderr"
        with socket.socket(socket.AF_UNIX) as connection:
            connection.connect(str(server.socket))
            connection.sendall(json.dumps({"args": list(python_args), "cwd": str(cwd), "env": env, "stdout": str(out),
                                           "stderr": str(err)}).encode() + b"\n")
            pid = int(_line(connection))
            connection.settimeout(timeout)
            try:
                returncode = int(_line(connection))
            except TimeoutError:
                os.kill(pid, signal.SIGKILL)  # as subprocess.run does: killed, and waited for
                connection.settimeout(None)
                _line(connection)
                raise subprocess.TimeoutExpired(command, timeout) from None
        return subprocess.CompletedProcess(command, returncode, out.read_text(), err.read_text())


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
        request = json.loads(connection.makefile("r").readline())
        pid = os.fork()
        if pid == 0:
            connection.close()
            _run_python(request, runpy)
        connection.sendall(b"%d\n" % pid)
        _, status = os.waitpid(pid, 0)
        connection.sendall(b"%d\n" % (os.waitstatus_to_exitcode(status)))
        code = 0
    finally:
        os._exit(code)


def _run_python(request, runpy):
    """``python ARGS`` in the request's folder, environment and output files; never returns."""
    code = 1
    try:
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        stdin = os.open(os.devnull, os.O_RDONLY)
        out, err = (os.open(request[k], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600) for k in ("stdout", "stderr"))
        for fd, target in ((stdin, 0), (out, 1), (err, 2)):
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
