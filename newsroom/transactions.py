"""Work done once per transaction, after it commits, however many rows asked for it."""

from collections.abc import Callable, Iterable

from django.db import transaction


class _Gathered:
    def __init__(self, run: Callable[[list], object]):
        self.run = run
        self.__qualname__ = run.__qualname__  # what Django's log of a failing callback names
        self.items: set = set()
        self.done = False

    def __call__(self):
        self.done = True
        self.run(sorted(self.items))


def once_per_transaction(run: Callable[[list], object], items: Iterable) -> None:
    """Call `run(items)` after the commit, once with every item asked for in the transaction
    (a story saved with 500 tags is indexed and purged once, not 500 times); at once outside
    one. A failing `run` is logged, not raised: the change it follows has committed."""
    items = {item for item in items if item is not None}
    if not items:
        return
    db = transaction.get_connection()
    if not db.in_atomic_block:
        run(sorted(items))
        return
    waiting = db.__dict__.setdefault("once_per_transaction", {})
    gathered = waiting.get(run)
    # Django drops the callbacks of a rolled-back savepoint; a test may run them itself and
    # leave them listed. Either way that one takes nothing more.
    if (
        gathered is None
        or gathered.done
        or not any(entry[1] is gathered for entry in db.run_on_commit)
    ):
        gathered = waiting[run] = _Gathered(run)
        transaction.on_commit(gathered, robust=True)
    gathered.items.update(items)
