"""The ``grader`` command line: grading and reports for the lab's course.

The top wing: parses arguments, picks limits and paths, and calls the wings
below it (``grader.course`` for the class, ``grader.sandbox`` for one
notebook). Nothing here grades or writes grades itself.
"""

import argparse
import errno
import os
import sys
from pathlib import Path

# Only the standard library at the top: `grader check` starts its zygote before
# this process imports numpy, so that both warm up at once.

# Failures that are the situation's, not the program's: "error: <why>", exit status 2.
REFUSALS = (("grader.course.records.gradebook", "GradebookUnavailable"),
            ("grader.course.records.gradebook", "LatePenaltyUnavailable"),
            ("grader.course.steps.batch", "GradingStopped"), ("grader.course.records.roster", "RosterRefused"),
            ("grader.course.base.lab_context", "NoCourse"), ("grader.course.base.trust", "UntrustedCourse"),
            ("grader.course.base.config_names", "StaleCourseConfig"),
            ("grader.workers.errors", "ClusterUnavailable"), ("grader.course.records.extensions", "ExtensionRefused"),
            ("grader.similarity.run", "NothingToCompare"), ("grader.workers.errors", "WorkersUnavailable"))


def _course(args):
    """The course of ``--course``: read once here and passed down (:mod:`grader.course.base.course`)."""
    from .course.base.course import Course

    return Course.at(args.course)


def _class_rows(course):
    from .course.pages.export import collect
    from .course.records.gradebook import open_gradebook

    with open_gradebook(course, orm=False) as gb:
        return collect(gb)


def cmd_scores(args):
    print(scores_table(_class_rows(_course(args))))
    return 0


def scores_table(rows):
    """Per-student table: one column per function, then the total."""
    from .checks.graded_functions import BY_NAME, NAMES
    from .checks.verdicts import points

    from .client import printable

    headers = ["student"] + [BY_NAME[n].short for n in NAMES] + ["total"]
    body = []
    for row in rows:
        cells = ["-" if row.scores[n] is None else points(row.scores[n]) for n in NAMES]
        total = "not submitted" if row.status == "missing" else points(row.total)
        body.append([printable(row.student)] + cells + [total])
    widths = [max(len(str(r[i])) for r in [headers] + body) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in [headers] + body]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("max: {} points; {} students".format(sum(BY_NAME[n].points for n in NAMES), len(rows)))
    return "\n".join(lines)


def _limits(args):
    from .sandbox.session import Limits

    return Limits(cell_seconds=args.timeout, function_seconds=args.timeout, memory_mb=args.memory_mb)


def cmd_check(args):
    from .client import finish
    from .course.base.lab_context import installed_lab, lab_context, lab_folder
    from .sandbox.zygote import Zygote, warn_about

    # Never a course found around the current folder: its helper modules would run as the caller, unsealed.
    folder = lab_folder(args.course) if args.course else installed_lab()
    lab = lab_context(folder)  # NoCourse, UntrustedCourse: main's refusal
    print("лабораторная: {} ({})".format(folder, "курс {}".format(args.course) if args.course else
                                          "установлена с grader; другую задаёт --course КАТАЛОГ"), file=sys.stderr)
    with Zygote(lab) as zygote:  # first: it warms up while this process imports numpy
        from .course.base.layout import NOTEBOOK
        from .course.base.stubs import marked, stubs_of, unanswered
        from .sandbox.engine import read_and_grade

        result, notebook = read_and_grade(args.notebook, zygote, _limits(args))
        if not result.error:  # graded (not an unreadable file, nor a sandbox that would not start)
            result = marked(result, unanswered(notebook, stubs_of(folder / NOTEBOOK)))  # «нет ответа», as recorded
            warn_about(zygote.seal())
    return finish(result.to_json(), args.notebook, args.json, args.fail_under, out=sys.stdout, err=sys.stderr)


def cmd_autograde(args):
    from .course.steps import batch
    from .workers.errors import WorkersUnavailable

    course = _course(args)
    try:
        done = batch.run(course, _limits(args), workers=args.workers, scheduler=args.scheduler or course.scheduler,
                         students=args.student, force=args.force)
    except WorkersUnavailable as error:  # like a student not recorded now: the next run grades them (exit 1)
        print("error: {}; run `grader autograde` again to grade the rest".format(error), file=sys.stderr)
        return 1
    rows = _class_rows(course)
    if args.student:
        rows = [r for r in rows if r.student in set(args.student)]
    print(scores_table(rows))
    from .client import printable

    for student, error in sorted(done.items()):
        print(printable("{}: not graded: {}".format(student, error)))
    unfinished = [s for s, reason in done.items() if isinstance(reason, batch.Unfinished)]
    if unfinished:
        print("error: {} student(s) were not recorded (above); run `grader autograde` again to grade them".format(
            len(unfinished)), file=sys.stderr)
        return 1
    return 0


def cmd_feedback(args):
    from .course.pages.feedback import write_all

    pages = write_all(_course(args), args.student)
    total = sum(p.stat().st_size for p in pages)
    print("wrote {} feedback page(s) under {} ({:.0f} KiB on average)".format(
        len(pages), Path(args.course) / "feedback", total / max(len(pages), 1) / 1024))
    return 0


def cmd_export(args):
    from .course.pages.export import collect, print_csv, write_csv, write_json
    from .course.records.gradebook import open_gradebook
    from .course.base.layout import ASSIGNMENT
    from .course.pages.lms_export import lms_rows, write_canvas, write_moodle

    with open_gradebook(_course(args), orm=False) as gb:
        rows = collect(gb)
        lms = lms_rows(rows, gb.db) if args.moodle or args.canvas else []
    column = args.lms_column or ASSIGNMENT
    writers = [(args.csv, lambda p: write_csv(rows, p)), (args.json, lambda p: write_json(rows, p)),
               (args.moodle, lambda p: write_moodle(lms, p, column)),
               (args.canvas, lambda p: write_canvas(lms, p, column))]
    written = []
    for path, write in writers:
        if path:
            write(path)
            written.append(path)
    if not written:
        print_csv(rows, sys.stdout)
    else:
        print("exported {} student(s) to {}".format(len(rows), ", ".join(written)))
    return 0


def cmd_roster(args):
    from .course.records.gradebook import open_gradebook
    from .course.records.roster import import_roster, read_roster

    with open(args.file, "rb") as source:
        students = read_roster(source.read())
    with open_gradebook(_course(args)) as gb:
        count = import_roster(gb, students)
    print("imported {} student(s) from {}".format(count, args.file))
    return 0


def cmd_report(args):
    from .course.pages.class_report import write

    args.output = args.output or os.path.join(args.course, "reports", "class_report.html")
    rows, mistakes, attention = write(_course(args), args.output)
    print("wrote {}: {} students, {} kinds of mistakes, {} need attention".format(
        args.output, len(rows), len(mistakes), len(attention)))
    return 0


def cmd_similarity(args):
    from .client import printable
    from .similarity.report import pair_views, to_json, write_html, write_json
    from .similarity.run import compare

    args.html = args.html or os.path.join(args.course, "reports", "similarity.html")
    course = _course(args)
    comparison = compare(course, args.against, _limits(args), workers=args.workers,
                         scheduler=args.scheduler or course.scheduler, run_missing=not args.code_only)
    views = pair_views(comparison, args.threshold, workers=args.workers)
    data = to_json(comparison, args.threshold, views)
    if args.json:
        write_json(data, args.json)
    write_html(data, views, args.html)
    print("compared {} student(s) and {} known source(s): {} pair(s) scored, {} flagged at {:g}; wrote {}{}".format(
        data["students"], data["sources"], data["compared_pairs"], data["flagged"], args.threshold, args.html,
        " and " + args.json if args.json else ""))
    for view in views:
        if view.flagged:
            print(printable("  {:.2f}  {} <-> {}".format(view.score, view.a, view.b)))
    for item in data["unreadable"]:
        print(printable("{}: not compared: {}".format(item["id"], item["problem"])))
    return 0


def cmd_serve(args):
    from .service.app import Options
    from .service.server import serve

    course = _course(args)
    serve(course, args.host, args.port, _limits(args), workers=args.workers,
          scheduler=args.scheduler or course.scheduler,
          options=Options(max_bytes=int(args.max_mb * 2 ** 20), per_minute=args.per_minute, max_queue=args.max_queue,
                          max_per_student=args.max_per_student, student_disk_bytes=int(args.student_disk_mb * 2 ** 20),
                          disk_bytes=int(args.disk_mb * 2 ** 20), parse_workers=args.parse_workers,
                          parse_memory_bytes=int(args.parse_memory_mb * 2 ** 20), get_per_minute=args.get_per_minute,
                          receiving_per_student=args.uploads_at_once),
          keep_days=args.keep_days)
    return 0


def cmd_tokens(args):
    from .course.records.gradebook import open_gradebook
    from .service import store

    course = _course(args)
    with open_gradebook(course):  # a course, with its gradebook: never a database made in another folder
        pass
    engine = store.engine_for(course.db_url)
    try:
        if args.revoke:
            for student in args.revoke:
                print("{}: {} token(s) revoked".format(student, store.revoke(engine, student)), file=sys.stderr)
            return 0
        rotate = args.rotate or []
        students = list(dict.fromkeys((args.student or [r.student for r in _class_rows(course)]) + rotate))
        if not students:
            print("error: the gradebook has no students yet: add the class first (`nbgrader db student import "
                  "students.csv`, or `nbgrader db student add ID`), or name students with --student ID",
                  file=sys.stderr)
            return 2
        kept = [s for s in students if s not in rotate and store.has_live_token(engine, s)]
        issued = [(s, store.issue_token(engine, s)) for s in students if s not in kept]
        _write_tokens(issued, args.output)
        print("issued {} new token(s){}; the server keeps only their hashes, so hand them out now".format(
            len(issued), " (added to {})".format(args.output) if args.output else ""), file=sys.stderr)
        if kept:
            print("{} student(s) already hold a live token, kept: {} (--rotate ID replaces one)".format(
                len(kept), ", ".join(kept)), file=sys.stderr)
    finally:
        engine.dispose()
    return 0


def _write_tokens(rows, output):
    """student,token rows: appended to ``output`` (created private, with a header) or printed."""
    import csv

    if not output:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows([("student", "token")] + rows)
        return
    fd = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        if out.tell() == 0:
            writer.writerow(("student", "token"))
        writer.writerows(rows)


def cmd_submit(args):
    from .client import run_submit

    return run_submit(args)


def cmd_config(args):
    from .course.records.resubmission import POLICIES, policy
    from .course.base.settings import KNOWN, safe_url, write_setting

    if args.key == "certificates":
        return _certificates(args)
    if args.unset:
        write_setting(_course(args), KNOWN[args.unset], None)
    elif args.key == "db-url":
        if args.value is not None:  # /proc/PID/cmdline and shell history are readable to others
            print("error: the database URL may hold a password: give it at the prompt, on stdin "
                  "(`grader config db-url < url.txt`) or with --from-env (GRADER_DB_URL), never on the "
                  "command line", file=sys.stderr)
            return 2
        url = _secret_url(args.from_env)
        if not url:
            print("error: no database URL given", file=sys.stderr)
            return 2
        write_setting(_course(args), KNOWN[args.key], url)
    elif args.key:
        if args.value is None or (args.key == "resubmission" and args.value not in POLICIES):
            print("error: give a value for {} (or --unset {}){}".format(args.key, args.key, "; one of: " + ", ".join(
                POLICIES) if args.key == "resubmission" else ""), file=sys.stderr)
            return 2
        write_setting(_course(args), KNOWN[args.key], args.value)
    course = _course(args)  # as written
    print("gradebook: {}".format(safe_url(course.db_url)))
    print("scheduler: {}".format(course.settings.get("scheduler") or "none (grade on this machine)"))
    print("resubmission: {}: {}".format(policy(course), POLICIES[policy(course)]))
    return 0


def cmd_extend(args):
    from .course.records import extensions
    from .course.records.gradebook import open_gradebook

    with open_gradebook(_course(args)) as gb:
        if args.student and args.remove:
            extensions.remove(gb, args.student)
            print("{}: no extension; due with the class".format(args.student))
        elif args.student and args.until:
            given = extensions.grant(gb, args.student, args.until)
            print("{}: due {} UTC".format(given.student, given.until.strftime("%Y-%m-%d %H:%M")))
        elif args.student:
            print("error: give --until TIME or --remove", file=sys.stderr)
            return 2
        for given in extensions.listed(gb.db) if args.list or not args.student else ():
            print("{}  due {} UTC".format(given.student, given.until.strftime("%Y-%m-%d %H:%M")))
    return 0


def _secret_url(from_env):
    """The database URL from $GRADER_DB_URL, a hidden prompt on a terminal, else the first line of stdin."""
    if from_env:
        return os.environ.get("GRADER_DB_URL", "").strip()
    if sys.stdin.isatty():
        import getpass

        return getpass.getpass("database URL (postgresql://user:password@host/db): ").strip()
    return sys.stdin.readline().strip()


def _certificates(args):
    from .course.base.settings import certificates_folder
    from .workers.certificates import Certificates, create, role_options

    folder = certificates_folder(args.course)
    existed = Certificates(folder).complete()
    files = create(folder, force=args.force)
    print("{} the course's certificates in {} (the authority's key ca-key.pem stays here; --force replaces "
          "them all)".format("kept" if existed and not args.force else "created", files.folder))
    print("copy ca.pem and the role's two files to each machine, then start the cluster with TLS, each role's "
          "certificate good for that role only (the guard), the dashboards on the loopback:")
    print("  dask scheduler --host HOST --port 8786 " + " ".join(role_options(folder, "scheduler")))
    print("  dask worker tls://HOST:8786 --nthreads 2 " + " ".join(role_options(folder, "worker")))
    print("  grader config scheduler tls://HOST:8786")
    return 0


def _add_limits(parser):
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds one answer cell, and all calls of one function, may take (default: 10)")
    parser.add_argument("--memory-mb", type=int, default=1024,
                        help="address-space limit of the sandboxed student process (default: 1024)")


def build_parser():
    parser = argparse.ArgumentParser(
        prog="grader", description="Autograder for the lab 'Создание Глубокой нейронной сети: Шаг за шагом'.")
    sub = parser.add_subparsers(dest="command", required=True)
    scores = sub.add_parser("scores", help="print every student's per-function scores from the gradebook")
    scores.add_argument("--course", default=".", help="course directory holding gradebook.db (default: .)")
    scores.set_defaults(run=cmd_scores)

    check = sub.add_parser("check", help="grade one notebook without a gradebook (for students and CI)",
                           description="Grade one submission in the sealed engine. Exit status: 0 graded, "
                                       "1 score below --fail-under, 2 the notebook cannot be graded.")
    check.add_argument("notebook", help="path to the submitted .ipynb")
    check.add_argument("--json", metavar="OUT", help="also write the result as JSON to OUT")
    check.add_argument("--fail-under", type=float, metavar="SCORE",
                       help="exit with status 1 when the score is below SCORE")
    check.add_argument("--course", help="the course whose lab it is, owned by you or root and writable by no one "
                                        "else (default: the lab installed with this grader; a course around the "
                                        "current folder is never used unnamed)")
    _add_limits(check)
    check.set_defaults(run=cmd_check)

    auto = sub.add_parser("autograde", help="grade every submitted/<student>/dnn_step_by_step/ into the gradebook",
                          description="Grade the class in the sealed engine and record per-cell grades in the "
                                      "course's nbgrader gradebook (formgrader and `nbgrader export` see them). "
                                      "Students with complete grades are skipped unless --force.")
    auto.add_argument("--course", default=".", help="course directory (default: .)")
    auto.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                      help="submissions graded at once (default: number of CPUs)")
    auto.add_argument("--student", action="append", metavar="ID",
                      help="grade only this student (repeatable)")
    auto.add_argument("--force", action="store_true", help="regrade students already graded")
    auto.add_argument("--scheduler", metavar="tls://HOST:PORT",
                      help="grade on this Dask scheduler's workers (default: `grader config scheduler`, "
                           "else this machine's processes)")
    _add_limits(auto)
    auto.set_defaults(run=cmd_autograde)

    serve = sub.add_parser("serve", help="run the grading service: students and CI submit over HTTP",
                           description="Serve the course: an HTTP API and a page where students submit with "
                                       "their token (grader tokens), graded in the sealed engine into the "
                                       "course's gradebook. Put it behind a TLS reverse proxy.")
    serve.add_argument("--course", default=".", help="course directory (default: .)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                       help="grading processes on this machine (default: number of CPUs)")
    serve.add_argument("--scheduler", metavar="tls://HOST:PORT",
                       help="grade on this Dask scheduler's workers (default: `grader config scheduler`)")
    serve.add_argument("--max-mb", type=float, default=20, help="largest upload, in MB (default: 20)")
    serve.add_argument("--per-minute", type=int, default=10,
                       help="submissions one student may make in a minute (default: 10)")
    serve.add_argument("--max-queue", type=int, default=1000,
                       help="submissions waiting at most, the whole class together; more are told to retry "
                            "(503, default: 1000)")
    serve.add_argument("--keep-days", type=float, default=30,
                       help="days an upload is kept after its verdict (the latest is also the student's "
                            "submitted/ notebook; default: 30)")
    serve.add_argument("--max-per-student", type=int, default=20,
                       help="submissions one student may have waiting (queued or being graded); more are told "
                            "to retry (429, default: 20)")
    serve.add_argument("--student-disk-mb", type=float, default=200,
                       help="disk one student's kept uploads may take; graded ones give way first, oldest "
                            "first; an upload that still does not fit is refused (429, default: 200)")
    serve.add_argument("--disk-mb", type=float, default=10240,
                       help="disk the whole class's kept uploads may take, the same way (503, default: 10240)")
    serve.add_argument("--parse-workers", type=int, default=2,
                       help="uploads parsed at once, each in a process of its own, off the web server "
                            "(default: 2)")
    serve.add_argument("--parse-memory-mb", type=float, default=512,
                       help="address space of a parsing process: an upload costlier to parse is refused "
                            "(400, default: 512)")
    serve.add_argument("--get-per-minute", type=int, default=120,
                       help="GET requests a minute per token, per client address without one (429; "
                            "default: 120; the health check is not counted)")
    serve.add_argument("--uploads-at-once", type=int, default=2,
                       help="uploads of one student arriving or being parsed at once: a stalled body keeps its "
                            "partial file on disk (429 past it; default: 2)")
    _add_limits(serve)
    serve.set_defaults(run=cmd_serve)

    tokens = sub.add_parser("tokens", help="issue (or revoke) students' personal tokens for the service, as CSV",
                            description="Issue a token to every gradebook student (or those given) who has no live "
                                        "one, as student,token rows; run it again after adding students and only "
                                        "they get one. A live token is never replaced unless --rotate. Only hashes "
                                        "are stored.")
    tokens.add_argument("--course", default=".", help="course directory (default: .)")
    tokens.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    tokens.add_argument("--output", metavar="CSV", help="append the new rows to this file (created readable by you "
                                                        "only) instead of printing them")
    tokens.add_argument("--rotate", action="append", metavar="ID",
                        help="replace this student's token: the old one stops working (repeatable)")
    tokens.add_argument("--revoke", action="append", metavar="ID", help="revoke this student's token (repeatable)")
    tokens.set_defaults(run=cmd_tokens)

    from .client import add_submit_arguments

    submit = sub.add_parser("submit", help="submit a notebook to the course's grading server (token in "
                                           "GRADER_TOKEN) and print the verdict",
                            description="Exit status: 0 graded, 1 score below --fail-under, 2 not graded.")
    add_submit_arguments(submit)
    submit.set_defaults(run=cmd_submit)

    config = sub.add_parser("config", help="show or set where this course's gradebook and Dask cluster are",
                            description="Settings live in the course's grader_settings.json, which its "
                                        "nbgrader_config.py reads, so nbgrader's commands see them too. "
                                        "GRADER_DB_URL and GRADER_SCHEDULER in the environment override them.")
    config.add_argument("--course", default=".", help="course directory (default: .)")
    config.add_argument("key", nargs="?", choices=["db-url", "scheduler", "resubmission", "certificates"],
                        help="db-url: a SQLAlchemy URL (postgresql://user:password@host/db), read from a hidden "
                             "prompt, stdin or --from-env, never from the command line; "
                             "scheduler: a Dask scheduler address (tls://host:8786); resubmission: which of a "
                             "student's graded submissions counts -- on-time-latest (default: a late one never "
                             "replaces an on-time one), latest, or best (after late penalties); certificates: create "
                             "the course's TLS certificates for its Dask scheduler, workers and grader")
    config.add_argument("value", nargs="?", help="the new value")
    config.add_argument("--unset", choices=["db-url", "scheduler", "resubmission"], help="back to the default")
    config.add_argument("--force", action="store_true", help="with certificates: replace existing ones")
    config.add_argument("--from-env", action="store_true",
                        help="with db-url: take the URL from GRADER_DB_URL (else a hidden prompt, or stdin)")
    config.set_defaults(run=cmd_config)

    extend = sub.add_parser("extend", help="give one student a later due date (nbgrader's extension), or list them",
                            description="Writes nbgrader's own extension, which every grading path, the service, "
                                        "export and feedback read when they decide what is late.")
    extend.add_argument("student", nargs="?", help="a student id of the gradebook")
    extend.add_argument("--until", metavar="TIME", help='the student\'s own due date, e.g. "2026-03-08 23:59 '
                                                        'Europe/Moscow" (no zone: UTC)')
    extend.add_argument("--remove", action="store_true", help="take the student's extension away")
    extend.add_argument("--list", action="store_true", help="list every extension (the default without STUDENT)")
    extend.add_argument("--course", default=".", help="course directory (default: .)")
    extend.set_defaults(run=cmd_extend)

    feedback = sub.add_parser("feedback", help="write one HTML feedback page per graded student under feedback/")
    feedback.add_argument("--course", default=".", help="course directory (default: .)")
    feedback.add_argument("--student", action="append", metavar="ID", help="only this student (repeatable)")
    feedback.set_defaults(run=cmd_feedback)

    export = sub.add_parser("export", help="per-function grades as CSV and/or JSON, students in natural order")
    export.add_argument("--course", default=".", help="course directory (default: .)")
    export.add_argument("--csv", metavar="PATH", help="write CSV here")
    export.add_argument("--json", metavar="PATH", help="write JSON here")
    export.add_argument("--moodle", metavar="PATH",
                        help="write Moodle's CSV grade import here (identify users by 'ID number' or 'Email address')")
    export.add_argument("--canvas", metavar="PATH",
                        help="write Canvas's gradebook import CSV here (matched by the roster's lms_user_id, then id)")
    export.add_argument("--lms-column", metavar="NAME", 
                        help="the grade column's name in --moodle/--canvas files; for Canvas, 'Name (ID)' of an "
                             "existing assignment updates it (default: the assignment's id)")
    export.set_defaults(run=cmd_export)

    similar = sub.add_parser("similarity", help="find copied work: students against each other and known sources",
                             description="Compare the latest submission of every student with every other and "
                                         "with known sources (public solutions, last term's submitted/), function "
                                         "by function: code after undoing the usual disguises, and identical wrong "
                                         "results on the hidden cases, weighted by how rare they are. Writes an "
                                         "HTML page (and JSON) with the flagged pairs and their evidence.")
    similar.add_argument("--course", default=".", help="course directory (default: .)")
    similar.add_argument("--against", action="extend", nargs="+", default=[], metavar="PATH",
                         help="known sources: .ipynb (nbformat 3 or 4), .py and .md files, or folders searched "
                              "recursively (repeatable)")
    similar.add_argument("--json", metavar="OUT", help="also write the pairs as JSON to OUT")
    similar.add_argument("--html", metavar="OUT",
                         help="where to write the page (default: the course's reports/similarity.html, beside the "
                              "class report, which links to it)")
    from .similarity import THRESHOLD

    similar.add_argument("--threshold", type=float, default=THRESHOLD,
                         help="flag pairs scoring at least this (default: {:g}; see README)".format(THRESHOLD))
    similar.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                         help="processes on this machine (default: number of CPUs)")
    similar.add_argument("--scheduler", metavar="tls://HOST:PORT",
                         help="work on this Dask scheduler's workers (default: `grader config scheduler`)")
    similar.add_argument("--code-only", action="store_true",
                         help="never grade again: students whose wrong results the grading run did not store, "
                              "and known sources, are compared by code only")
    _add_limits(similar)
    similar.set_defaults(run=cmd_similarity)

    roster = sub.add_parser("roster", help="add or update the class from a roster CSV (a spreadsheet's, with "
                                           "commas or semicolons): columns id, first_name, last_name, email, "
                                           "lms_user_id")
    roster.add_argument("file", help="the roster CSV")
    roster.add_argument("--course", default=".", help="course directory (default: .)")
    roster.set_defaults(run=cmd_roster)

    report = sub.add_parser("report", help="write a self-contained HTML report about the class")
    report.add_argument("--course", default=".", help="course directory (default: .)")
    report.add_argument("--output",
                        help="where to write the page (default: the course's reports/class_report.html)")
    report.set_defaults(run=cmd_report)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return _run(args)
    except Exception as error:
        refusals = tuple(getattr(sys.modules[m], name) for m, name in REFUSALS if m in sys.modules)
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            from .course.base.files import disk_full_message

            error = disk_full_message(error)
        elif not isinstance(error, refusals):
            raise
        print("error: {}".format(error), file=sys.stderr)
        return 2


def _run(args):
    # jsonschema (imported by nbformat, which nbgrader imports) loads the optional
    # rfc3987-syntax package for IRI formats, compiling a grammar for ~1.5 s at every
    # start. No notebook schema uses those formats: leave that package unloaded.
    sys.modules.setdefault("rfc3987_syntax", None)
    os.umask(0o077)  # grades, verdicts, students' work: everything written here is the instructor's alone
    if getattr(args, "course", None):
        from .course.base.settings import warn_if_open

        warn_if_open(args.course)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
