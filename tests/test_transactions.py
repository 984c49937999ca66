"""once_per_transaction: work asked for by many rows runs once, after the commit, with them all."""

import pytest
from django.db import transaction

from newsroom.transactions import once_per_transaction

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_calls_in_one_transaction_run_once_after_the_commit_with_every_item():
    runs = []
    with transaction.atomic():
        once_per_transaction(runs.append, [3, 1])
        once_per_transaction(runs.append, [2, 3])
        assert runs == []

    assert runs == [[1, 2, 3]]


def test_outside_a_transaction_it_runs_at_once():
    runs = []
    once_per_transaction(runs.append, [2, None, 1])
    once_per_transaction(runs.append, [None])

    assert runs == [[1, 2]]


def test_a_rolled_back_savepoint_takes_its_items_with_it_and_later_calls_still_run():
    runs = []
    with transaction.atomic():
        try:
            with transaction.atomic():
                once_per_transaction(runs.append, ["rolled back"])
                raise RuntimeError
        except RuntimeError:
            pass
        once_per_transaction(runs.append, ["kept"])

    assert runs == [["kept"]]


def test_a_failing_run_does_not_undo_the_commit_it_follows(caplog):
    def fail(items):
        raise OSError("the cache is down")

    with transaction.atomic():
        once_per_transaction(fail, [1])

    assert "the cache is down" in caplog.text
