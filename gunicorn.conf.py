"""gunicorn's settings for Academy, used by ./scripts/serve, the container and the
benchmark (``gunicorn -c gunicorn.conf.py ...``; gunicorn also reads this file by itself
when started from the repository's folder). Address and worker count stay on the command
line of each.

- Logs: gunicorn's own lines go out as JSON through Academy's handler, like the app's,
  and there is no access log: the app writes one JSON line per request itself.
- Memory: once a worker has loaded the app, what it loaded (modules, mappers, schemas,
  the API document) is frozen out of the garbage collector's full collections, which
  would otherwise walk all of it every couple of thousand requests (a pause of about
  0.1 s each time).
- Metrics: the workers share their figures through files in
  ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary folder when it is unset). The folder
  is emptied when gunicorn starts, and a worker that exits is marked dead, so that its
  gauges stop counting.

This file reads the environment for gunicorn's sake only; the app's settings are read
in academy/config.py.
"""

import gc
import os
import shutil
import tempfile

from gunicorn.glogging import Logger

# Set before any worker starts: prometheus_client reads it when a worker imports it.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="academy-metrics-")
    _MADE_METRICS_FOLDER = True
else:
    _MADE_METRICS_FOLDER = False

# A request that outlives this is killed with its worker. Every wait for the database is
# bounded well below it (DB_TIMEOUT_SECONDS), so only a bug gets here.
timeout = 30
graceful_timeout = 20
# Workers' heartbeat files in memory: a container's disk may be slow or full.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# Recent gunicorns open a control socket at one path per user, which several servers on
# one host (replicas, the test suite's, the benchmark's) would fight over.
control_socket_disable = True
# gunicorn believes no proxy's headers (by default it takes X-Forwarded-Proto from
# 127.0.0.1): the app alone decides whom to trust (TRUSTED_PROXY_ADDRESSES).
forwarded_allow_ips = ""

logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"json": {"class": "academy.operations.logs.JsonHandler"}},
    # The root stays at WARNING (SQLAlchemy logs every statement at INFO).
    "root": {"level": "WARNING", "handlers": ["json"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": [], "propagate": True},
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}


class JsonLinesLogger(Logger):
    """gunicorn's logger, without its access log."""

    def access(self, *args, **kwargs):
        pass


logger_class = JsonLinesLogger


def on_starting(server):
    folder = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(folder, exist_ok=True)
    # The figures of an earlier run would be added to this one's.
    for name in os.listdir(folder):
        if name.endswith(".db"):
            os.remove(os.path.join(folder, name))


def post_worker_init(worker):
    # The app is loaded and lives as long as the worker: only what requests make is
    # left for the collector.
    gc.collect()
    gc.freeze()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    if _MADE_METRICS_FOLDER:
        shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
