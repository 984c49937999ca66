"""Work an answer must not wait for (purges to front caches, emails), done by one background
thread per process and kind, in order.

A request only queues the work; a process about to exit (a command, a worker being recycled)
waits for its queue, at most `EXIT_WAIT` seconds, so what it queued is not lost. Whatever
still fails is the caller's to retry (front caches expire their pages; emails are retried by
`send_notifications`).
"""

import atexit
import logging
import queue
import threading
import time
from collections.abc import Callable

from django.db import connections

logger = logging.getLogger("newsroom.background")

EXIT_WAIT = 10.0


class Worker:
    def __init__(self, name: str):
        self.name = name
        self._queue: queue.Queue = queue.Queue()
        self._thread = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], object]) -> None:
        self._start()
        self._queue.put(job)

    def wait(self, timeout: float = EXIT_WAIT) -> bool:
        """Until every queued job is done; False if time ran out first."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.01)
        if self._queue.unfinished_tasks:
            logger.warning("%s: %d job(s) not done after %.0f s", self.name,
                           self._queue.unfinished_tasks, timeout)  # fmt: skip
        return not self._queue.unfinished_tasks

    def _start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                if self._thread is None:
                    atexit.register(self.wait)
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                job()
            except Exception:
                logger.exception("%s: a background job failed", self.name)
            finally:
                connections.close_all()  # this thread's own, opened by the job
                self._queue.task_done()


# Every email the site sends staff, after the commit that called for it: a slow or silent mail
# server holds no request, nor the thread serving it.
mail = Worker("email")
