"""Staff accounts: sign-in is throttled per account and every attempt is logged."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from tests.factories import make_staff

pytestmark = pytest.mark.django_db
LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "a-long-test-password"


def _sign_in(client, username, password):
    return client.post(LOGIN, {"username": username, "password": password})


def test_ten_failures_lock_the_account_even_against_the_right_password(client, caplog):
    make_staff("Editor", "ana")
    make_staff("Editor", "ben")
    with caplog.at_level("INFO", logger="axes.handlers"):
        for _ in range(9):
            assert _sign_in(client, "ana", "wrong guess").status_code == 200
        assert _sign_in(client, "ana", "wrong guess").status_code == 429  # the tenth

        refused = _sign_in(client, "ana", PASSWORD)

    assert refused.status_code == 429
    assert "Too many failed sign-ins" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert _sign_in(client, "ben", PASSWORD).status_code == 302  # others are not locked out
    assert any("ana" in r.getMessage() and "fail" in r.getMessage().lower() for r in caplog.records)


def test_the_lock_lifts_after_the_cool_off(client):
    make_staff("Editor", "ana")
    for _ in range(10):
        _sign_in(client, "ana", "wrong guess")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert _sign_in(client, "ana", PASSWORD).status_code == 302


def test_a_success_is_logged_and_clears_earlier_failures(client, caplog):
    make_staff("Editor", "ana")
    for _ in range(9):
        _sign_in(client, "ana", "wrong guess")
    with caplog.at_level("INFO", logger="axes.handlers"):
        assert _sign_in(client, "ana", PASSWORD).status_code == 302

    assert any("Successful login" in r.getMessage() for r in caplog.records)
    client.logout()
    assert _sign_in(client, "ana", "one more typo").status_code == 200
    assert _sign_in(client, "ana", PASSWORD).status_code == 302
