"""HTML pages come from Jinja2 templates with autoescaping (a wing's ``templates/`` folder)."""

from functools import lru_cache


@lru_cache(maxsize=None)
def environment(package):
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader(package, "templates"), autoescape=True,
                              undefined=jinja2.StrictUndefined)


def render(name, package="grader.course.pages", **context):
    """Render ``<package>/templates/<name>`` with every value HTML-escaped unless marked safe."""
    return environment(package).get_template(name).render(**context)
