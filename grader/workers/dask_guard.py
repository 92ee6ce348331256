"""Each certificate of the course counts on the Dask cluster for its own role only.

Dask's TLS checks that a peer's certificate was signed by the course's
authority, not which role it was made for. Alone, the worker's certificate
(on every grading machine, readable by the worker's account) would open a
client's session with the scheduler and run code there as whoever runs it,
and the client's certificate would register a worker that is sent students'
notebooks and sends back grades of its own. This module is a Dask preload
(``--preload grader.workers.dask_guard``, on the scheduler and on each worker,
in the commands :func:`.certificates.role_options` gives) that reads the role
from the peer's certificate (:func:`.certificates.role_of`) on every request:

* the scheduler takes a client's requests from a client certificate only, and
  from a worker certificate only what a worker asks (registering itself,
  heartbeats) and sends on its stream (its results) -- never a client's request;
  no client certificate registers a worker;
* a worker takes orders (tasks, plugins, functions to run) from the scheduler
  certificate only; other workers and clients may fetch data, nothing more;
* no nanny registers (its own listener would take orders unguarded), and
  neither the scheduler nor a worker starts while its HTTP server (the
  dashboard, ``/info``, ``/metrics``) listens beyond the loopback.
"""

import functools
import inspect
import ipaddress
import logging

from distributed import Scheduler, Worker
from distributed.comm.utils import get_tcp_server_addresses
from distributed.core import Status, error_message

from .certificates import role_of

# What a Dask worker asks of the scheduler: one request per connection, and its stream's messages.
WORKER_REQUESTS = frozenset({"register-worker", "heartbeat_worker", "who_has", "retire_workers", "set_resources"})
WORKER_STREAM = frozenset({"task-finished", "task-erred", "release-worker-data", "add-keys", "long-running",
                           "reschedule", "keep-alive", "log-event", "worker-status-change", "request-refresh-who-has"})
WORKER_ONLY = frozenset({"register-worker", "register_nanny"})
FETCH = frozenset({"get_data"})
_NANNY = ("; start workers with --no-nanny: a nanny's own listener would take orders from any certificate of "
          "the course (let systemd restart the worker)")
_log = logging.getLogger(__name__)


def may_request(server, peer, op):
    """Whether the holder of a ``peer`` certificate (a role, None for none of ours) may ask ``op`` of ``server``."""
    if server == "scheduler":
        if peer == "client":
            return op not in WORKER_ONLY
        return peer == "worker" and op in WORKER_REQUESTS
    if server == "worker":
        return peer == "scheduler" or (peer in ("worker", "client") and op in FETCH)
    return False


def dask_setup(server):
    """Guard a starting Dask scheduler or worker (Dask calls this before it serves any request).

    Dask logs a preload's error and starts anyway, unguarded; so every failure
    here ends the process instead (``SystemExit`` passes through Dask's handlers).
    """
    try:
        _guard(server)
    except SystemExit:
        raise
    except Exception as error:  # noqa: BLE001 -- never serve unguarded
        raise SystemExit("grader.workers.dask_guard could not guard this {}: {!r}".format(
            type(server).__name__, error)) from error


def _guard(server):
    if isinstance(server, Scheduler):
        kind = "scheduler"
    elif isinstance(server, Worker):
        kind = "worker"
    else:
        raise SystemExit("grader.workers.dask_guard guards a Dask scheduler or worker, not a {} (use --no-nanny)"
                         .format(type(server).__name__))
    _refuse_exposed_http(server)
    server.handlers = _Checked(server.handlers, functools.partial(_guarded_request, kind))
    if kind == "scheduler":
        server.stream_handlers = _Checked(server.stream_handlers, _not_from_a_worker_stream)
    else:
        server.handle_stream = _orders_from_the_scheduler_only(server.handle_stream)


class _Checked(dict):
    """A server's handlers, each looked up behind ``wrap(op, handler)``: also those a plugin adds later."""

    def __init__(self, handlers, wrap):
        super().__init__(handlers)
        self._wrap, self._wrapped = wrap, {}

    def __getitem__(self, op):
        handler = super().__getitem__(op)
        known = self._wrapped.get(op)
        if known is None or known[0] is not handler:  # new, or replaced since
            known = self._wrapped[op] = (handler, self._wrap(op, handler))
        return known[1]


def _peer(comm):
    return role_of((comm.extra_info or {}).get("peercert"))


def _shown(peer, comm):
    who = "a {} certificate".format(peer) if peer else "a peer without a certificate of the course"
    return "{} ({})".format(who, comm.peer_address)


async def _refuse(comm, reason):
    """Log ``reason``, tell the peer (a registration waits for an answer even when it asks for none), hang up."""
    _log.warning(reason)
    try:
        await comm.write(error_message(PermissionError(reason), status="uncaught-error"))
    finally:
        comm.abort()


def _guarded_request(kind, op, handler):
    """``handler`` behind the role check, with the signature Dask reads (``comm`` first, ``serializers``)."""
    params = inspect.signature(handler).parameters
    takes_comm = bool(params) and next(iter(params)) == "comm"

    async def guarded(comm, **msg):
        peer = _peer(comm)
        if not may_request(kind, peer, op):
            await _refuse(comm, "the Dask {} refuses '{}' from {}: that role may not ask it{}".format(
                kind, op, _shown(peer, comm), _NANNY if op == "register_nanny" else ""))
            return Status.dont_reply
        result = handler(comm, **msg) if takes_comm else handler(**msg)
        if inspect.isawaitable(result):
            result = await result
        return result

    shape = [inspect.Parameter("comm", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    if "serializers" in params:
        shape.append(inspect.Parameter("serializers", inspect.Parameter.KEYWORD_ONLY, default=None))
    shape.append(inspect.Parameter("msg", inspect.Parameter.VAR_KEYWORD))
    guarded.__signature__ = inspect.Signature(shape)
    guarded.__name__ = guarded.__qualname__ = "guarded_" + getattr(handler, "__name__", "handler")
    return guarded


def _not_from_a_worker_stream(op, handler):
    """A scheduler stream handler; a worker's stream (messages carry ``worker``) may call only a worker's."""
    if op in WORKER_STREAM:
        return handler

    def check(msg):
        if "worker" in msg:
            reason = "the Dask scheduler refuses '{}' on the stream of worker {}: a client's message".format(
                op, msg["worker"])
            _log.warning(reason)
            raise PermissionError(reason)

    if inspect.iscoroutinefunction(handler):
        async def guarded(**msg):
            check(msg)
            return await handler(**msg)
    else:
        def guarded(**msg):
            check(msg)
            return handler(**msg)
    return guarded


def _orders_from_the_scheduler_only(handle_stream):
    """The worker's stream of orders, taken only from a peer showing the scheduler's certificate."""
    async def guarded(comm, extra=None):
        peer = _peer(comm)
        if peer != "scheduler":
            reason = "the Dask worker refuses orders from {}: not the scheduler's certificate".format(
                _shown(peer, comm))
            _log.warning(reason)
            comm.abort()
            raise PermissionError(reason)
        return await handle_stream(comm, extra)

    return guarded


def _refuse_exposed_http(server):
    """Refuse to start while the server's HTTP side (dashboard, /info, /metrics) listens beyond the loopback."""
    http = getattr(server, "http_server", None)
    if http is None:
        return
    exposed = [address for address in get_tcp_server_addresses(http)
               if not ipaddress.ip_address(address[0].split("%")[0]).is_loopback]
    if exposed:
        raise SystemExit("grader.workers.dask_guard: the {}'s dashboard listens on {}:{}, beyond this machine; "
                           "start it with --dashboard-address 127.0.0.1:PORT (reach it with ssh -L)"
                           .format(type(server).__name__.lower(), *exposed[0][:2]))
