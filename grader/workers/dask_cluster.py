"""Grading on a Dask distributed cluster: notebooks out to the workers, plain results back.

This process (the trusted client, beside the course) reads each notebook the
safe way and sends the read cells; a Dask worker grades them in a zygote of
its own (a worker plugin starts it with the worker and stops it with it), so
workers need the grader installed but neither the course's files nor its
gradebook. A worker that dies takes its tasks with it; the scheduler runs
them again elsewhere, and the client records each student once.

The cluster speaks TLS only, with the course's certificates on every side
(:mod:`.certificates`): a Dask scheduler runs what any connected client
sends, so one that anybody can reach is never used; and the peer must show
the scheduler's certificate, not a worker's (:mod:`.dask_guard` keeps each
role to its own part on the cluster's side).
"""

from concurrent.futures import Future

from distributed import Client, WorkerPlugin, get_worker, wait
from distributed import Future as DaskFuture

from ..checks.results import SubmissionResult
from ..plain.lab import LabContext
from ..sandbox.engine import grade_read_notebook
from ..sandbox.zygote import Zygote
from ..submission.reading import Unreadable, read_notebook
from .certificates import Certificates, role_of, security
from .errors import ClusterUnavailable
from .window import windowed

PLUGIN = "grader-sealed-zygote"


class SealedZygote(WorkerPlugin):
    """A zygote in every Dask worker: student code stays sealed exactly as on one machine."""

    name = PLUGIN

    def __init__(self, lab_json):
        self.lab_json, self.zygote = lab_json, None

    def setup(self, worker):
        self.zygote = Zygote(LabContext.from_json(self.lab_json))

    def teardown(self, worker):
        if self.zygote is not None:
            self.zygote.close()


def connect(address, certificates, seconds=10):
    """A TLS client of the Dask scheduler at ``address`` with the course's ``certificates`` (a folder).

    :class:`ClusterUnavailable` when it cannot be reached, or would be reached without TLS.
    """
    if not address.startswith("tls://"):
        raise ClusterUnavailable(
            "refusing the Dask scheduler {}: without TLS it runs whatever anyone who can reach it sends, on "
            "every worker; run `grader config certificates` and start the scheduler and workers with them "
            "(tls://HOST:PORT)".format(address))
    if not Certificates(certificates).complete():
        raise ClusterUnavailable("no certificates for the Dask cluster in {}: run `grader config certificates`"
                                 .format(certificates))
    try:
        client = Client(address, timeout=seconds, set_as_default=False, security=security(certificates))
    except (OSError, TimeoutError) as error:
        raise ClusterUnavailable("cannot reach the Dask scheduler at {}: {}".format(
            address, str(error).splitlines()[0] if str(error) else type(error).__name__)) from None
    shown = role_of(client.scheduler_comm.comm.extra_info.get("peercert"))
    if shown != "scheduler":  # a worker machine's key would otherwise pose as the scheduler, and be sent notebooks
        client.close()
        raise ClusterUnavailable("refusing the Dask scheduler {}: it shows the course's {} certificate, not the "
                                 "scheduler's".format(address, shown))
    return client


def finished(client, futures):
    """Those of ``futures`` that are done, after waiting a moment for one (maybe none)."""
    done = [f for f in futures if f.done()]
    if done:
        return done
    with client.as_current():
        try:
            return wait([f for f in futures if isinstance(f, DaskFuture)], timeout=0.2,
                        return_when="FIRST_COMPLETED").done
        except TimeoutError:
            return []


def grade_on_worker(notebook, limits):
    """The task: grade a read notebook in this worker's zygote. Plain data in, plain data out."""
    return grade_read_notebook(notebook, get_worker().plugins[PLUGIN].zygote, limits)


class DaskWorkers:
    """A Dask cluster at ``address``; :meth:`grade` yields (submission, result or None, notebook)."""

    def __init__(self, address, lab, limits, certificates, connect_seconds=10):
        self._client = connect(address, certificates, connect_seconds)
        self._client.register_plugin(SealedZygote(lab.to_json()))
        self.limits = limits

    def threads(self):
        return max(1, sum(self._client.nthreads().values()))

    def grade(self, submissions):
        """Results as they come; ``result`` is None when the cluster lost the task for good."""
        notebooks = {}

        def submit(submission):
            try:
                notebook = read_notebook(submission.notebook, submission.inside)
            except Unreadable as reason:  # nothing to send: the result is known here
                done = Future()
                done.set_result(SubmissionResult(error=str(reason), sha256=reason.sha256))
                notebooks[done] = None
                return done
            future = self._client.submit(grade_on_worker, notebook, self.limits, pure=False)
            notebooks[future] = notebook
            return future

        def first_done(futures):
            return finished(self._client, futures)

        for submission, future in windowed(submissions, submit, first_done, 4 * self.threads()):
            if future is None:
                yield None, None, None  # an idle tick of a live queue
                continue
            notebook = notebooks.pop(future)
            yield submission, _result(future), notebook

    def close(self):
        self._client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _result(future):
    """A finished task's result; None when the cluster lost it (graded again by a later run).

    A submission whose grading killed every worker that tried it (the
    scheduler gives up after a few) is recorded as ungradable, so no later
    run feeds it to the workers again.
    """
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker:
        return SubmissionResult(error="проверка этой работы несколько раз обрывала обработчик кластера")
    except Exception as error:  # noqa: BLE001 -- the scheduler cancelled it, a connection broke, ...
        if type(error).__name__ in ("CancelledError", "FutureCancelledError", "CommClosedError", "TimeoutError"):
            return None
        return SubmissionResult(error="проверка не удалась: внутренняя ошибка ({})".format(type(error).__name__),
                                unfinished=True)
