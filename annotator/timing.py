"""``Server-Timing: app;dur=3.2, cpu;dur=1.1`` on every response (W3C Server
Timing): milliseconds spent in the app for that request, and how much of that
its thread spent on a CPU (the rest is waiting: for the disk, for a lock, for
its turn at the GIL). Shown by the browser's devtools; read by
``bench/bench_save.py`` to tell server time from the network's.

Measured around the whole Flask app as WSGI middleware, so the figure
includes opening the session cookie, loading the user, the CSRF check and
every after_request hook, up to the moment the headers are sent. It leaves out
the time the request waited in waitress's queue for a free thread.
"""

import time


class ServerTiming:
    """WSGI middleware adding the ``app`` and ``cpu`` Server-Timing metrics to each response."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        started, cpu_started = time.perf_counter(), time.thread_time()

        def timed_start_response(status, headers, exc_info=None):
            elapsed_ms = (time.perf_counter() - started) * 1000
            cpu_ms = (time.thread_time() - cpu_started) * 1000
            headers = [*headers, ("Server-Timing", f"app;dur={elapsed_ms:.2f}, cpu;dur={cpu_ms:.2f}")]
            return start_response(status, headers, exc_info)

        return self.wsgi_app(environ, timed_start_response)


def init_app(app):
    app.wsgi_app = ServerTiming(app.wsgi_app)
