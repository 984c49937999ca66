"""gunicorn for newsroom: `gunicorn -c deploy/gunicorn.conf.py newsroom.wsgi`.

Each app server runs this behind Varnish (deploy/varnish/default.vcl), all sharing one
PostgreSQL (DATABASE_URL) and one Redis (REDIS_URL).
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")  # Varnish's backend
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
threads = 2  # front-cache purges go out from a thread of their own in each worker
timeout = 30  # a request past this is a bug: the database's statement timeout is 30 s
graceful_timeout = 20
max_requests = 5000  # recycle workers now and then (their pages stay in Redis)
max_requests_jitter = 500
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
