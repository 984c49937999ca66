"""gunicorn for newsroom: `gunicorn -c deploy/gunicorn.conf.py newsroom.wsgi`.

Each app server runs this behind Varnish (deploy/varnish/default.vcl), all sharing one
PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL).
"""

import multiprocessing
import os
import threading
import time

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # Varnish's backend
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = 2  # front-cache purges go out from a thread of their own in each worker
# A request past this is a bug: the database's answers are bounded below it (newsroom/postgresql).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
max_requests = 5000  # recycle workers now and then (their pages stay in Redis)
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


# Threaded workers tell the arbiter they are alive from their main loop, so gunicorn's own
# `timeout` never fires for a request stuck in one of their threads. This watchdog does: a
# request whose answer takes longer than `timeout` to start (the view, not the sending of a
# large file to a slow reader) is logged and its worker exits; the arbiter starts a new one,
# as it would for a stuck sync worker.
def post_worker_init(worker):
    running = {}  # thread -> (when its request began, what it asked)
    app = worker.wsgi

    def timed(environ, start_response):
        asked = f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}"
        running[threading.get_ident()] = (time.monotonic(), asked)
        try:
            return app(environ, start_response)
        finally:
            running.pop(threading.get_ident(), None)

    def watch():
        while True:
            time.sleep(1)
            now = time.monotonic()
            for began, asked in list(running.values()):
                if now - began > worker.cfg.timeout:
                    worker.log.critical("%s ran past %d s; restarting the worker", asked,
                                        worker.cfg.timeout)  # fmt: skip
                    os._exit(1)  # the stuck thread would hold a clean exit for ever

    worker.wsgi = timed
    threading.Thread(target=watch, name="request-watchdog", daemon=True).start()
