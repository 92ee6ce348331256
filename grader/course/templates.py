"""The course's HTML pages come from Jinja2 templates with autoescaping (``templates/``)."""

from functools import lru_cache


@lru_cache(maxsize=None)
def environment():
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("grader.course", "templates"),
                              autoescape=True, trim_blocks=False, undefined=jinja2.StrictUndefined)


def render(name, **context):
    """Render ``templates/<name>`` with every value HTML-escaped unless marked safe."""
    return environment().get_template(name).render(**context)
