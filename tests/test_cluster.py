"""Beyond one machine: grading on a Dask cluster, the gradebook in PostgreSQL.

Every server here is real and started by the tests on 127.0.0.1 (tests/services.py):
a PostgreSQL cluster, a Dask scheduler and two Dask workers as processes of
their own.
"""

import shutil
import subprocess
import sys

import pytest

from conftest import corpus_sample, corpus_submissions
from course import (ASSIGNMENT, REPO, generated_course, grader_cli, nbgrader, solved_submission, submit, tool_env,
                    with_answers)
from corpus import solved_sources
from hostile import as_text, slow_class
from services import PASSWORD, DaskCluster, Postgres, free_port, wait_until


DUE = "2026-03-01 23:59:00 UTC"


@pytest.fixture(scope="module")
def postgres():
    server = Postgres()
    yield server
    server.close()


@pytest.fixture(scope="module")
def dask_cluster():
    cluster = DaskCluster(workers=2)
    yield cluster
    cluster.close()


def pg_course(root, postgres, database):
    """A course whose gradebook is a fresh PostgreSQL database (set with `grader config db-url`)."""
    course = root / "course"
    from course import copy_course

    copy_course(course)
    configured = grader_cli(course, "config", "db-url", input=postgres.create_database(database) + "\n")
    assert configured.returncode == 0 and PASSWORD not in configured.stdout, configured.stdout
    nbgrader(course, "generate_assignment", ASSIGNMENT, "--force")
    return course


def _per_student(gradebook_url, read):
    """{student: read(their submitted notebook)} from any gradebook, with nbgrader's own API."""
    from nbgrader.api import Gradebook

    found = {}
    with Gradebook(gradebook_url) as gb:
        for student in gb.students:
            try:
                notebook = gb.find_submission_notebook(ASSIGNMENT, ASSIGNMENT, student.id)
            except Exception:
                continue
            found[student.id] = read(notebook)
    return found


def scores_from(gradebook_url):
    """{student: {grade cell: score}}."""
    return _per_student(gradebook_url, lambda notebook: {g.name: g.score for g in notebook.grades})


def verdicts_from(gradebook_url):
    """{student: {function: verdict}}."""
    return _per_student(gradebook_url, lambda notebook: {c.name: c.auto_comment for c in notebook.comments})


def put_class(course):
    """The eight sample students and the corpus's sample: every way the corpus fails each function (the whole
    corpus is graded on one machine by tests/test_corpus.py)."""
    shutil.copytree(REPO / "samples" / "submitted", course / "submitted", dirs_exist_ok=True)
    sample = set(corpus_sample())
    for student, notebook in corpus_submissions().items():
        if student in sample:
            submit(course, student, notebook)


def start_autograde(course, *args):
    return subprocess.Popen([sys.executable, "-m", "grader.cli", "autograde", "--course", str(course), *args],
                            env=tool_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def complete(url):
    return [s for s, cells in scores_from(url).items() if cells and all(v is not None for v in cells.values())]


# --- the same grades on a cluster into PostgreSQL as on one machine into sqlite --------------

@pytest.fixture(scope="module")
def both_ways(tmp_path_factory, postgres, dask_cluster):
    local = generated_course(tmp_path_factory.mktemp("local") / "course")
    nbgrader(local, "db", "assignment", "add", ASSIGNMENT, "--duedate", DUE)
    put_class(local)
    run_local = grader_cli(local, "autograde")
    cluster = pg_course(tmp_path_factory.mktemp("cluster"), postgres, "both_ways")
    nbgrader(cluster, "db", "assignment", "add", ASSIGNMENT, "--duedate", DUE)
    put_class(cluster)
    run_cluster = grader_cli(dask_cluster.admit(cluster), "autograde", "--scheduler", dask_cluster.address)
    return local, cluster, run_local, run_cluster


def test_the_class_graded_on_dask_into_postgres_gets_the_grades_of_one_machine(both_ways, postgres):
    local, cluster, run_local, run_cluster = both_ways
    assert run_local.returncode == 0 and run_cluster.returncode == 0, run_cluster.stderr[-3000:]
    on_one_machine = scores_from("sqlite:///" + str(local / "gradebook.db"))
    on_the_cluster = scores_from(postgres.url("both_ways"))
    assert len(on_the_cluster) == len(corpus_sample()) + 8
    assert on_the_cluster == on_one_machine
    assert not (cluster / "gradebook.db").exists()  # nothing fell back to a sqlite file


def test_nbgrader_and_grader_read_the_postgres_gradebook(both_ways, tmp_path):
    local, cluster, _, _ = both_ways
    for course in (local, cluster):
        nbgrader(course, "export", "--to", str(course / "nbgrader.csv"))
        exported = grader_cli(course, "export", "--csv", str(course / "grader.csv"))
        assert exported.returncode == 0, exported.stderr
    def rows(path):  # nbgrader exports in the database's own order
        return sorted(path.read_text(encoding="utf-8").splitlines())

    assert rows(local / "nbgrader.csv") == rows(cluster / "nbgrader.csv")
    assert (local / "grader.csv").read_text() == (cluster / "grader.csv").read_text()
    for command in (["feedback"], ["report", "--output", str(tmp_path / "report.html")], ["scores"]):
        proc = grader_cli(cluster, *command)
        assert proc.returncode == 0 and PASSWORD not in proc.stdout + proc.stderr, (command, proc.stderr)
    assert "Студент7" in (cluster / "grader.csv").read_text()
    assert len(list((cluster / "feedback").glob("*/{0}/{0}.html".format(ASSIGNMENT)))) >= 8


# --- what goes wrong on a cluster ----------------------------------------------------------

def test_a_dask_worker_killed_mid_batch_costs_nothing(tmp_path, postgres):
    cluster = DaskCluster(workers=2)
    try:
        course = pg_course(tmp_path, postgres, "killed_worker")
        expected = slow_class(course, 24)
        url = postgres.url("killed_worker")
        run = start_autograde(cluster.admit(course), "--scheduler", cluster.address)
        assert wait_until(lambda: len(complete(url)) >= 4)
        cluster.kill_worker(0)
        out, err = run.communicate(timeout=600)
    finally:
        cluster.close()
    assert run.returncode == 0, err[-3000:]
    assert "graded 24 submission(s)" in err  # each student graded, and recorded, once
    assert scores_from(url) == expected


def test_an_unreachable_scheduler_is_a_clear_error_before_anything_is_written(tmp_path, postgres):
    course = pg_course(tmp_path, postgres, "no_scheduler")
    slow_class(course, 2)
    assert grader_cli(course, "config", "certificates").returncode == 0
    proc = grader_cli(course, "autograde", "--scheduler", "tls://127.0.0.1:{}".format(free_port()))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
    assert "cannot reach the Dask scheduler at tls://127.0.0.1:" in proc.stderr
    assert scores_from(postgres.url("no_scheduler")) == {}
    assert not (course / "autograded").exists() or not any((course / "autograded").iterdir())


def test_an_unreachable_gradebook_is_a_clear_error_naming_the_url_without_its_password(tmp_path):
    course = generated_course(tmp_path / "course")
    submit(course, "s1", solved_submission())
    closed = "postgresql://grader:{}@127.0.0.1:{}/gradebook".format(PASSWORD, free_port())
    assert grader_cli(course, "config", "db-url", input=closed + "\n").returncode == 0
    for command in (["autograde"], ["export"], ["feedback"], ["scores"], ["report", "--output", str(tmp_path / "r")]):
        proc = grader_cli(course, *command)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, (command, proc.stderr)
        assert "cannot reach the gradebook at postgresql://grader:***@127.0.0.1:" in proc.stderr, proc.stderr
        assert PASSWORD not in proc.stdout + proc.stderr
    assert not (course / "autograded").exists()


def test_postgres_stopped_mid_batch_stops_the_run_half_records_nobody_and_a_rerun_grades_the_rest(tmp_path):
    postgres = Postgres()
    try:
        course = pg_course(tmp_path, postgres, "stopped")
        expected = slow_class(course, 24)
        url = postgres.url("stopped")
        run = start_autograde(course, "--workers", "2")
        assert wait_until(lambda: len(complete(url)) >= 4)
        postgres.stop("immediate")
        out, err = run.communicate(timeout=600)
        assert run.returncode == 2 and "Traceback" not in err, err[-3000:]
        assert "lost the gradebook at postgresql://grader:***@127.0.0.1:" in err and PASSWORD not in err + out
        postgres.start()
        graded = scores_from(url)
        assert 4 <= len(graded) < 24
        verdicts = verdicts_from(url)
        for student, cells in graded.items():  # every one there is whole: all ten scores, each with its verdict
            assert cells == expected[student], student
            assert len(verdicts[student]) == 10 and all(verdicts[student].values()), student
        rerun = grader_cli(course, "autograde")
        assert rerun.returncode == 0, rerun.stderr[-3000:]
        assert "graded {} submission(s)".format(24 - len(graded)) in rerun.stderr
        assert scores_from(url) == expected
    finally:
        postgres.close()


def test_two_runs_at_once_on_one_postgres_gradebook_grade_every_student_once(tmp_path, postgres):
    course = pg_course(tmp_path, postgres, "two_runs")
    expected = slow_class(course, 24)
    runs = [start_autograde(course, "--workers", "1") for _ in range(2)]
    outputs = [run.communicate(timeout=600) for run in runs]
    counts = []
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-3000:]
        counts.append(int(err.rsplit("graded ", 1)[1].split()[0]))
    assert sum(counts) == 24 and min(counts) > 0, counts  # every student by exactly one of them; both worked
    assert scores_from(postgres.url("two_runs")) == expected
    from nbgrader.api import Gradebook

    with Gradebook(postgres.url("two_runs")) as gb:
        assert len(gb.students) == 24 and len(gb.find_assignment(ASSIGNMENT).submissions) == 24


def test_the_service_grades_on_dask_into_postgres(tmp_path, postgres, dask_cluster):
    from service_helpers import Service

    url = postgres.create_database("service")
    server = Service(tmp_path, ["svc1", "svc2"], "--scheduler", dask_cluster.address, db_url=url,
                     prepare=dask_cluster.admit)
    try:
        wrong = with_answers(solved_submission(), {"compute_cost": solved_sources()["compute_cost"].replace(
            "(-1 / m)", "(1 / m)")})
        ids = {s: server.submit(s, as_text(nb).encode())[1]["id"]
               for s, nb in (("svc1", solved_submission()), ("svc2", wrong))}
        assert server.verdict("svc1", ids["svc1"])["score"] == 100
        assert server.verdict("svc2", ids["svc2"])["score"] == 95
    finally:
        server.stop()
    assert {s: sum(v.values()) for s, v in scores_from(url).items()} == {"svc1": 100, "svc2": 95}
    assert not (server.course / "gradebook.db").exists()


# --- who may speak to the cluster ----------------------------------------------------------------

def test_a_client_without_the_course_certificates_is_refused(dask_cluster, tmp_path):
    from distributed import Client

    from grader.workers.certificates import create, security

    def connects(**options):
        try:
            with Client(dask_cluster.address, timeout=5, set_as_default=False, **options) as client:
                return client.submit(sum, [1, 2]).result(timeout=30) == 3
        except (OSError, TimeoutError, ValueError):
            return False

    stranger = create(tmp_path / "another-authority").folder
    assert not _speaks_tls_without_a_certificate(dask_cluster)
    assert not connects(security=security(stranger))  # a certificate signed by another authority
    assert connects(security=security(dask_cluster.certificates))


def _speaks_tls_without_a_certificate(cluster):
    """Whether the scheduler talks to a TLS client that trusts it but shows no certificate of its own."""
    import socket
    import ssl

    context = ssl.create_default_context(cafile=str(cluster.certificates / "ca.pem"))
    context.check_hostname = False
    try:
        with socket.create_connection(("127.0.0.1", cluster.port), timeout=5) as raw:
            with context.wrap_socket(raw) as tls:
                tls.sendall(b"\0" * 8)
                try:  # TLS 1.3 reports a missing certificate at the first read
                    return bool(tls.recv(1))
                except socket.timeout:  # still waiting for the rest of a message: it accepted the client
                    return True
    except (ssl.SSLError, OSError):
        return False


def test_grader_refuses_a_scheduler_without_tls_or_certificates(tmp_path):
    course = generated_course(tmp_path / "course")
    slow_class(course, 1)
    without_tls = grader_cli(course, "autograde", "--scheduler", "tcp://127.0.0.1:{}".format(free_port()))
    assert without_tls.returncode == 2 and "refusing the Dask scheduler tcp://" in without_tls.stderr, \
        without_tls.stderr
    without_certificates = grader_cli(course, "autograde", "--scheduler", "tls://127.0.0.1:{}".format(free_port()))
    assert without_certificates.returncode == 2 and "grader config certificates" in without_certificates.stderr
    created = grader_cli(course, "config", "certificates")
    assert created.returncode == 0 and "dask worker tls://HOST:8786" in created.stdout
    commands = [line for line in created.stdout.splitlines() if line.strip().startswith("dask ")]
    assert len(commands) == 2 and all("--preload grader.workers.dask_guard" in c and "--dashboard-address 127.0.0.1:"
                                      in c for c in commands), created.stdout
    assert "--no-nanny" in commands[1]
    folder = course / ".grader" / "certificates"
    assert oct(folder.stat().st_mode & 0o777) == "0o700"
    assert all(oct(p.stat().st_mode & 0o777) == "0o600" for p in folder.iterdir())
    assert not (course / "gradebook.db").exists() or "honest" not in (course / "gradebook.db").read_bytes().decode(
        "latin-1")
