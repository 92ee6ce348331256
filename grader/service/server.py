"""``grader serve``: the web front and the grading loop in one process, until stopped.

On start, what was being graded when the server last stopped (however it
stopped) goes back to the queue; then uvicorn serves on ``host:port`` while the
dispatcher grades. SIGINT or SIGTERM stop both cleanly; SIGKILL loses nothing
acknowledged (see :mod:`.store`).
"""

import logging
import sys

from ..course.records.gradebook import open_gradebook
from . import store
from .access_log import log_to
from .app import Options, create_app
from .dispatcher import Dispatcher


def serve(course, host, port, limits, workers=2, scheduler=None, options=None, keep_days=30.0):
    """Serve ``course`` (a :class:`~grader.course.base.course.Course`) until stopped."""
    with open_gradebook(course):  # a clear error now rather than from the first upload
        pass
    course.lab  # so is a release others could have written (UntrustedCourse)
    engine = store.engine_for(course.db_url)
    uploads = course.root / ".grader" / "uploads"
    dispatcher = Dispatcher(course, engine, uploads, limits, workers, scheduler, keep_days)
    dispatcher.start()
    try:
        import uvicorn

        logging.getLogger("grader.service").setLevel(logging.INFO)
        log_to(sys.stderr)
        config = uvicorn.Config(create_app(engine, uploads, dispatcher, options or Options()), host=host, port=port,
                                log_level="warning", access_log=False)
        print("serving the course {} on http://{}:{} (Ctrl+C stops)".format(course, host, port), flush=True)
        uvicorn.Server(config).run()
    finally:
        dispatcher.stop()
        engine.dispose()
