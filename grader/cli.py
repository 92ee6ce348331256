"""The ``grader`` command line: grading and reports for the lab's course."""

import argparse
import sys
from pathlib import Path

from .functions import BY_NAME, NAMES
from .report import points


def _db_url(course):
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


def cmd_scores(args):
    from .gradebook import read_scores

    db = Path(args.course) / "gradebook.db"
    if not db.exists():
        print("error: no gradebook at {} (run `nbgrader generate_assignment` first)".format(db),
              file=sys.stderr)
        return 2
    rows = read_scores(_db_url(args.course))
    print(scores_table(rows))
    return 0


def scores_table(rows):
    """Per-student table: one column per function, then the total."""
    headers = ["student"] + [BY_NAME[n].short for n in NAMES] + ["total"]
    body = []
    for row in rows:
        cells = ["-" if row.functions[n] is None else points(row.functions[n]) for n in NAMES]
        total = points(row.total) if row.submitted else "not submitted"
        body.append([row.student] + cells + [total])
    widths = [max(len(str(r[i])) for r in [headers] + body) for i in range(len(headers))]
    lines = ["  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths))) for r in [headers] + body]
    lines.insert(1, "-" * len(lines[0]))
    lines.append("max: {} points; {} students".format(sum(BY_NAME[n].points for n in NAMES), len(rows)))
    return "\n".join(lines)


def build_parser():
    parser = argparse.ArgumentParser(
        prog="grader", description="Autograder for the lab 'Создание Глубокой нейронной сети: Шаг за шагом'.")
    sub = parser.add_subparsers(dest="command", required=True)
    scores = sub.add_parser("scores", help="print every student's per-function scores from the gradebook")
    scores.add_argument("--course", default=".", help="course directory holding gradebook.db (default: .)")
    scores.set_defaults(run=cmd_scores)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
