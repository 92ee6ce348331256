"""Each certificate of the course opens only its own role's door on the Dask cluster.

A real TLS scheduler and worker on 127.0.0.1 (tests/services.py), started with
the options ``grader config certificates`` prints; the attempts below use the
course's own certificates for the wrong role, as a worker machine's account
or a stolen client key could.
"""

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from services import DaskCluster, free_port


@pytest.fixture(scope="module")
def cluster():
    server = DaskCluster(workers=1)
    yield server
    server.close()


def as_role(cluster, role):
    """The ``distributed.Security`` of someone showing ``role``'s certificate of the course as a client."""
    from distributed.security import Security

    folder = cluster.certificates
    return Security(tls_ca_file=str(folder / "ca.pem"), tls_client_cert=str(folder / "{}.pem".format(role)),
                    tls_client_key=str(folder / "{}-key.pem".format(role)), require_encryption=True)


def request(address, security, op, **message):
    """Send one request straight to a Dask server (no client session); its reply, or the error it raised."""
    from distributed.core import rpc

    async def ask():
        async with rpc(address, connection_args=security.get_connection_args("client"), timeout=20) as server:
            return await getattr(server, op)(**message)

    try:
        return asyncio.run(ask())
    except Exception as error:  # noqa: BLE001 -- a refusal comes back as the server's exception
        return error


def run_function(marker):
    """A request to run a function that leaves ``marker`` (the standard library's, so any process can load it)."""
    from distributed.protocol.pickle import dumps

    return {"function": dumps(Path.write_text), "args": dumps((marker, "ran")), "kwargs": dumps({})}


def worker_address(cluster):
    from distributed import Client

    from grader.workers.certificates import security

    with Client(cluster.address, timeout=20, set_as_default=False, security=security(cluster.certificates)) as client:
        return next(iter(client.scheduler_info()["workers"]))


def test_the_worker_certificate_opens_no_client_session_and_runs_nothing_on_the_scheduler(cluster, tmp_path):
    from distributed import Client

    marker = tmp_path / "ran-on-the-scheduler"
    try:
        with Client(cluster.address, timeout=10, set_as_default=False, security=as_role(cluster, "worker")) as client:
            client.run_on_scheduler(Path.write_text, marker, "ran")
        session = "opened"
    except Exception as error:  # noqa: BLE001 -- any refusal will do
        session = error
    assert session != "opened"
    reply = request(cluster.address, as_role(cluster, "worker"), "run_function", **run_function(marker))
    assert isinstance(reply, PermissionError) and "refuses 'run_function' from a worker certificate" in str(reply), \
        reply
    assert not marker.exists()
    with Client(cluster.address, timeout=20, set_as_default=False, security=as_role(cluster, "client")) as client:
        assert client.run_on_scheduler(Path.write_text, marker, "ran") == 3  # the grader's own certificate may
    assert marker.read_text() == "ran"


def test_a_worker_showing_the_client_certificate_cannot_register(cluster):
    impostor = cluster.start_worker("impostor", role="client")
    try:
        status = impostor.wait(timeout=120)
    except subprocess.TimeoutExpired:
        status = None
    finally:
        impostor.kill()
        impostor.wait()
    assert status not in (None, 0), (cluster.root / "impostor.log").read_text()[-3000:]
    assert "refuses 'register-worker' from a client certificate" in (cluster.root / "scheduler.log").read_text()
    from distributed import Client

    from grader.workers.certificates import security

    with Client(cluster.address, timeout=20, set_as_default=False, security=security(cluster.certificates)) as client:
        names = {w["name"] for w in client.scheduler_info()["workers"].values()}
        assert names == {"w0"}
        assert client.submit(sum, [1, 2], pure=False).result(timeout=60) == 3  # the real worker still works


@pytest.mark.parametrize("role", ["worker", "client"])
@pytest.mark.parametrize("op", ["run", "shuffle_receive"])  # the second, a plugin adds once the worker is up
def test_a_worker_runs_nothing_asked_by_another_worker_or_a_client(cluster, tmp_path, role, op):
    marker = tmp_path / "ran-on-the-worker"
    reply = request(worker_address(cluster), as_role(cluster, role), op, **run_function(marker))
    assert isinstance(reply, PermissionError) and "refuses '{}' from a {} certificate".format(op, role) in str(reply), \
        reply
    assert not marker.exists()


def test_a_guarded_scheduler_will_not_start_with_its_dashboard_on_every_interface(cluster, tmp_path):
    from grader.workers.certificates import role_options

    dask = str(Path(sys.executable).parent / "dask")
    command = [dask, "scheduler", "--host", "127.0.0.1", "--port", str(free_port()),
               *role_options(cluster.certificates, "scheduler", 0), "--dashboard-address", ":0"]
    started = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert started.returncode != 0
    assert "dashboard listens on 0.0.0.0:" in started.stderr and "--dashboard-address 127.0.0.1" in started.stderr, \
        started.stderr[-3000:]


def test_a_worker_under_a_nanny_is_refused(cluster):
    from grader.workers.certificates import role_options

    dask = str(Path(sys.executable).parent / "dask")
    options = [o for o in role_options(cluster.certificates, "worker") if o != "--no-nanny"]
    started = subprocess.run([dask, "worker", cluster.address, "--nthreads", "1", "--host", "127.0.0.1",
                              "--local-directory", str(cluster.root / "nannied"), *options],
                             capture_output=True, text=True, timeout=120)
    assert started.returncode != 0, started.stderr[-3000:]
    assert "refuses 'register_nanny' from a worker certificate" in (cluster.root / "scheduler.log").read_text()


def impostor_scheduler(cluster, role):
    """A plain ``dask scheduler`` (no guard) showing ``role``'s certificate of the course, on a free port."""
    dask = str(Path(sys.executable).parent / "dask")
    port = free_port()
    folder = cluster.certificates
    process = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard",
                                "--dashboard-address", "127.0.0.1:0", "--tls-ca-file", str(folder / "ca.pem"),
                                "--tls-cert", str(folder / "{}.pem".format(role)),
                                "--tls-key", str(folder / "{}-key.pem".format(role))],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    return process, "tls://127.0.0.1:{}".format(port)


def test_a_worker_takes_no_orders_from_a_scheduler_showing_a_worker_certificate(cluster):
    impostor, address = impostor_scheduler(cluster, "worker")
    try:
        worker = cluster.start_worker("misled", scheduler=address)
        try:
            worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            pass
        finally:
            worker.kill()
            worker.wait()
    finally:
        impostor.kill()
        impostor.wait()
    log = (cluster.root / "misled.log").read_text()
    assert "the Dask worker refuses orders from a worker certificate" in log, log[-3000:]


@pytest.mark.parametrize("role, refusal", [
    ("worker", "it shows the course's worker certificate, not the scheduler's"),
    ("client", "cannot reach the Dask scheduler"),  # the client's key may not serve: TLS itself fails
])
def test_the_grader_refuses_a_scheduler_showing_another_roles_certificate(cluster, role, refusal):
    from grader.workers.dask_cluster import connect
    from grader.workers.errors import ClusterUnavailable

    impostor, address = impostor_scheduler(cluster, role)
    try:
        with pytest.raises(ClusterUnavailable, match=refusal):
            connect(address, cluster.certificates, seconds=20)
    finally:
        impostor.kill()
        impostor.wait()
    connect(cluster.address, cluster.certificates).close()  # the real scheduler shows its own
