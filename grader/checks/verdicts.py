"""Russian text for students: one function's verdict, a whole submission's table."""

from .results import PASSED

_STATUS_RU = {"passed": "зачтено", "failed": "ошибка в результате", "error": "исключение",
              "timeout": "превышено время", "missing": "нет функции"}


def points(value):
    return "{:g}".format(round(value, 2))


def function_report(result):
    head = "{}: {} из {} баллов — {}".format(result.name, points(result.score),
                                             points(result.max_score), _STATUS_RU[result.status])
    if result.status == PASSED:
        return head + " ✔"
    return head + "\n" + result.message


def submission_table(results):
    """A fixed-width table of every function's score, then the total."""
    width = max(len(r.name) for r in results)
    lines = ["{:<{w}}  {:>6}  {}".format("функция", "баллы", "итог", w=width)]
    for r in results:
        lines.append("{:<{w}}  {:>6}  {}".format(
            r.name, "{}/{}".format(points(r.score), points(r.max_score)), _STATUS_RU[r.status], w=width))
    total = sum(r.score for r in results)
    maximum = sum(r.max_score for r in results)
    lines.append("{:<{w}}  {:>6}".format("всего", "{}/{}".format(points(total), points(maximum)), w=width))
    return "\n".join(lines)


def check_report(result):
    """What ``grader check`` prints: the table, then what went wrong, function by function."""
    parts = [submission_table(result.functions)]
    for function in result.functions:
        if function.status != PASSED:
            parts.append(function_report(function))
    parts.extend("Замечание: " + note for note in result.notes)
    return "\n\n".join(parts)


def markdown_summary(result, notebook):
    """A GitHub step summary: the score, a table per function, what to fix."""
    lines = ["## Проверка `{}`".format(notebook), ""]
    if result.error:
        return "\n".join(lines + ["Ноутбук не удалось проверить: " + result.error, ""])
    lines += ["**Итог: {} из {}**".format(points(result.score), points(result.max_score)), "",
              "| функция | баллы | итог |", "| --- | ---: | --- |"]
    for f in result.functions:
        lines.append("| `{}` | {}/{} | {} |".format(f.name, points(f.score), points(f.max_score),
                                                  _STATUS_RU[f.status] + (" ✔" if f.status == PASSED else "")))
    for f in result.functions:
        if f.status != PASSED:
            lines += ["", "<details><summary>{}</summary>".format(f.name), "", "```text", f.message, "```",
                      "", "</details>"]
    return "\n".join(lines) + "\n"
