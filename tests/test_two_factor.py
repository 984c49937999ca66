"""Two-factor authentication for staff: enrolment, the second step, backup codes, resets."""

import re
import socket
from base64 import b32decode
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import two_factor
from newsroom import background
from tests.browser import BROWSER_TEST
from tests.factories import make_article, make_staff, make_user
from tests.test_settings import PRODUCTION, manage

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password"
LOGIN = "/admin/login/?next=/admin/"
SETUP = "/admin/2fa/"
VERIFY = "/admin/2fa/verify/"


@pytest.fixture
def required(settings):
    settings.STAFF_2FA = "required"


def _sign_in(client, username):
    response = client.post(LOGIN, {"username": username, "password": PASSWORD})
    assert response.status_code == 302, "the password step itself failed"
    return response


def _code(device) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _wrong(device) -> str:
    return f"{(int(_code(device)) + 1) % 1_000_000:06d}"


def _enrol(user) -> tuple[TOTPDevice, list[str]]:
    device = TOTPDevice.objects.create(user=user, name="app", confirmed=False)
    return device, two_factor.confirm_app(user, device)


def _verify(client, code, next_url="/admin/"):
    return client.post(f"{VERIFY}?next={next_url}", {"code": code, "next": next_url})


def _shown_key(client) -> TOTPDevice:
    """The key the setup page shows this client, as an (unsaved) device that makes its codes."""
    html = client.get(SETUP).content.decode()
    key = re.search(r"Key: <code>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    return TOTPDevice(key=b32decode(key).hex())


def _session_key(client) -> str:
    return client.cookies["sessionid"].value


class Inbox:
    """What a real SMTP server (aiosmtpd, on a port of its own) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=email_policy)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


# --- Enrolment --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["Editor", "superuser"])
def test_with_2fa_required_editors_and_superusers_enrol_at_their_next_sign_in(
    client, required, role
):
    if role == "superuser":
        make_user("ana", is_staff=True, is_superuser=True)
    else:
        make_staff(role, "ana")
    _sign_in(client, "ana")

    gate = client.get("/admin/articles/article/")
    assert gate.status_code == 302
    assert gate["Location"] == f"{SETUP}?next=%2Fadmin%2Farticles%2Farticle%2F"

    page = client.get(gate["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert "Set up two-factor authentication" in html
    assert "<svg" in html and "QR code for the app" in html
    device = TOTPDevice.objects.get(user__username="ana", confirmed=False)
    key = re.search(r"Key: <code>([A-Z2-7 ]+)</code>", html).group(1).replace(" ", "")
    assert len(key) == 32  # the 20-byte secret, base32, for typing in by hand

    wrong = client.post(gate["Location"], {"code": _wrong(device), "next": "/admin/"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(confirmed=True).exists()

    device.refresh_from_db()
    device.throttle_reset()
    done = client.post(gate["Location"], {"code": _code(device), "next": "/admin/"})
    html = done.content.decode()
    assert done.status_code == 200
    assert "no-store" in done["Cache-Control"]
    shown = re.findall(r"<li><code>([a-z2-7]+)</code></li>", html)
    stored = StaticToken.objects.filter(device__user__username="ana")
    assert len(shown) == 10 and set(shown) == {t.token for t in stored}
    assert 'href="/admin/"' in html
    assert client.get("/admin/articles/article/").status_code == 200  # verified by enrolling


def test_writers_may_choose_even_when_editors_must(client, required):
    make_staff("Writer", "wes")
    _sign_in(client, "wes")

    assert client.get("/admin/").status_code == 200
    setup = client.get(SETUP)
    assert setup.status_code == 200
    assert "Add a second step at sign-in" in setup.content.decode()


def test_with_2fa_optional_the_demo_sign_ins_need_no_code(client, settings):
    settings.STAFF_2FA = "optional"
    make_staff("Editor", "editor")
    _sign_in(client, "editor")

    assert client.get("/admin/").status_code == 200


def test_a_half_signed_in_member_cannot_enrol_a_new_app_to_skip_the_code(client):
    user = make_staff("Writer", "wes")
    _enrol(user)
    _sign_in(client, "wes")

    assert client.get(SETUP)["Location"].startswith(VERIFY)
    post = client.post(SETUP, {"code": "123456"})
    assert post.status_code == 302 and post["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_each_session_sets_up_a_key_of_its_own_and_the_first_to_confirm_wins(required):
    """Someone who has the password and opens the setup page first must not learn the key the
    owner later enrols with."""
    editor = make_staff("Editor", "ana")
    intruder, owner = Client(), Client()
    _sign_in(intruder, "ana")
    _sign_in(owner, "ana")

    seen_by_intruder, seen_by_owner = _shown_key(intruder), _shown_key(owner)
    assert seen_by_intruder.key != seen_by_owner.key
    assert _shown_key(intruder).key == seen_by_intruder.key  # kept until it is confirmed

    crossed = owner.post(SETUP, {"code": _code(seen_by_intruder), "next": "/admin/"})
    assert crossed.status_code == 200 and "That code is not right" in crossed.content.decode()
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    TOTPDevice.objects.filter(user=editor).update(throttling_failure_count=0)
    enrolled = owner.post(SETUP, {"code": _code(seen_by_owner), "next": "/admin/"})
    assert enrolled.status_code == 200 and "Your backup codes" in enrolled.content.decode()
    app = TOTPDevice.objects.get(user=editor)
    assert app.confirmed and app.key == seen_by_owner.key

    late = intruder.post(SETUP, {"code": _code(seen_by_intruder), "next": "/admin/"})
    assert late.status_code == 302 and late["Location"].startswith(VERIFY)
    assert _verify(intruder, _code(seen_by_intruder)).status_code == 200  # refused
    assert intruder.get("/admin/").status_code == 302
    assert list(TOTPDevice.objects.filter(user=editor)) == [app]

    again = Client()
    _sign_in(again, "ana")
    assert _verify(again, _code(seen_by_intruder)).status_code == 200
    assert again.get("/admin/").status_code == 302


def test_a_session_whose_key_was_overtaken_is_asked_for_the_code(required):
    """Both sessions typed a right code; the second to arrive finds the account enrolled."""
    editor = make_staff("Editor", "ana")
    first, second = Client(), Client()
    _sign_in(first, "ana")
    _sign_in(second, "ana")
    key_first, key_second = _shown_key(first), _shown_key(second)
    assert first.post(SETUP, {"code": _code(key_first)}).status_code == 200
    # As if the second had passed the code check just before the first committed.
    pending = TOTPDevice.objects.create(user=editor, key=key_second.key, confirmed=False)

    assert two_factor.confirm_app(editor, pending) is None
    assert TOTPDevice.objects.get(user=editor, confirmed=True).key == key_first.key


def test_keys_of_sessions_long_expired_are_deleted(client, settings):
    user = make_staff("Writer", "wes")
    old = TOTPDevice.objects.create(user=user, confirmed=False)
    recent = TOTPDevice.objects.create(user=user, confirmed=False)
    TOTPDevice.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE + 60)
    )
    _sign_in(client, "wes")

    mine = _shown_key(client)

    keys = set(TOTPDevice.objects.filter(user=user).values_list("key", flat=True))
    assert keys == {recent.key, mine.key}


# --- Telling the owner ------------------------------------------------------------------------


def _mail_to(inbox, address):
    assert [to for to, _ in inbox.messages] == [[address]]
    return inbox.messages.pop()[1]


def test_the_owner_is_emailed_when_an_app_is_added_turned_off_or_reset(
    client, settings, smtp_server, django_capture_on_commit_callbacks
):
    settings.STAFF_2FA = "optional"
    make_staff("Writer", "wes", email="wes@example.org")
    _sign_in(client, "wes")
    key = _shown_key(client)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(SETUP, {"code": _code(key)}).status_code == 200
    background.mail.wait()
    added = _mail_to(smtp_server, "wes@example.org")
    assert added["Subject"].endswith("A new authenticator app was added to your account")
    body = added.get_content()
    assert "wes" in body and "Not you?" in body and "/admin/password_change/" in body

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/admin/2fa/turn-off/").status_code == 302
    background.mail.wait()
    off = _mail_to(smtp_server, "wes@example.org")
    assert off["Subject"].endswith("Two-factor authentication was turned off for your account")
    assert "Not you?" in off.get_content()

    _enrol(get_user_model().objects.get(username="wes"))
    smtp_server.messages.clear()  # the helper enrols outside a request, told like any other
    with django_capture_on_commit_callbacks(execute=True):
        call_command("reset_2fa", "wes", stdout=StringIO())
    background.mail.wait()
    reset = _mail_to(smtp_server, "wes@example.org")
    assert reset["Subject"].endswith("Two-factor authentication was reset for your account")
    assert "Did you not ask for this?" in reset.get_content()


def test_no_email_is_sent_when_nothing_changed(smtp_server, django_capture_on_commit_callbacks):
    make_staff("Writer", "wes", email="wes@example.org")

    with django_capture_on_commit_callbacks(execute=True):
        call_command("reset_2fa", "wes", stdout=StringIO())
    background.mail.wait()

    assert smtp_server.messages == []


def test_a_mail_server_that_is_down_does_not_undo_the_change(
    client, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    user = make_staff("Editor", "ana", email="ana@example.org")
    _sign_in(client, "ana")
    key = _shown_key(client)

    with caplog.at_level("INFO", logger="newsroom.accounts"):
        with django_capture_on_commit_callbacks(execute=True):
            enrolled = client.post(SETUP, {"code": _code(key)})
        background.mail.wait()

    assert enrolled.status_code == 200 and "Your backup codes" in enrolled.content.decode()
    assert TOTPDevice.objects.get(user=user).confirmed
    assert any("could not email ana" in r.getMessage() for r in caplog.records)


# --- The second step --------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["required", "optional"])
def test_an_enrolled_member_gives_a_code_after_the_password(client, settings, mode, caplog):
    settings.STAFF_2FA = mode
    user = make_staff("Writer", "wes")
    article = make_article(authors=[], created_by=user)
    device, _ = _enrol(user)
    _sign_in(client, "wes")

    change = f"/admin/articles/article/{article.pk}/change/"
    for path in ("/admin/", change, "/admin/photos/image/add/"):
        gate = client.get(path)
        assert gate.status_code == 302 and gate["Location"].startswith(VERIFY), path
    saved = client.post(change, {"headline": "Changed without a code"})
    assert saved.status_code == 302 and saved["Location"].startswith(VERIFY)
    article.refresh_from_db()
    assert article.headline != "Changed without a code"

    with caplog.at_level("INFO", logger="newsroom.accounts"):
        wrong = _verify(client, _wrong(device), change)
        assert wrong.status_code == 200
        assert "That code is not right" in wrong.content.decode()
        assert client.get(change).status_code == 302

        device.refresh_from_db()
        device.throttle_reset()
        right = _verify(client, _code(device), change)
    assert right.status_code == 302 and right["Location"] == change
    assert client.get(change).status_code == 200
    messages = [r.getMessage() for r in caplog.records]
    assert any("wrong code for wes" in m for m in messages)
    assert any("wes verified" in m for m in messages)


def test_wrong_codes_are_throttled_even_before_the_right_one(client):
    user = make_staff("Editor", "ana")
    device, _ = _enrol(user)
    _sign_in(client, "ana")
    for _ in range(4):
        _verify(client, _wrong(device))

    refused = _verify(client, _code(device))

    assert refused.status_code == 200
    assert "Too many wrong codes in a row: wait" in refused.content.decode()
    assert client.get("/admin/").status_code == 302


def test_a_backup_code_signs_in_once(client):
    user = make_staff("Editor", "ana")
    _, codes = _enrol(user)
    _sign_in(client, "ana")

    used = _verify(client, codes[0].upper()[:4] + "-" + codes[0][4:])  # as people type them
    assert used.status_code == 302
    assert "9 left" in client.get("/admin/").content.decode()

    client.post("/admin/logout/")
    _sign_in(client, "ana")
    again = _verify(client, codes[0])
    assert again.status_code == 200
    assert client.get("/admin/").status_code == 302
    StaticDevice.objects.get(user=user).throttle_reset()  # the refusal counted as a failure
    assert _verify(client, codes[1]).status_code == 302


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example", "/\\evil.example", "abc", ""]
)
def test_next_is_a_path_on_this_site_or_the_admin_index(client, next_url):
    user = make_staff("Editor", "ana")
    device, _ = _enrol(user)
    _sign_in(client, "ana")

    response = _verify(client, _code(device), next_url)

    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200  # verified: the code was not wasted


def test_the_session_key_changes_at_each_factor(client, required):
    make_staff("Editor", "ana")
    _sign_in(client, "ana")  # Django's sign-in gives the session a new key of its own
    after_password = _session_key(client)
    key = _shown_key(client)
    assert client.post(SETUP, {"code": _code(key)}).status_code == 200
    after_enrolling = _session_key(client)
    assert after_enrolling != after_password

    client.post("/admin/logout/")
    TOTPDevice.objects.update(last_t=-1)  # as if the app showed its next code
    _sign_in(client, "ana")
    password_only = _session_key(client)
    assert _verify(client, _code(key)).status_code == 302
    assert _session_key(client) != password_only

    stale = Client()
    stale.cookies["sessionid"] = password_only
    assert stale.get("/admin/")["Location"].startswith("/admin/login/")


def test_new_backup_codes_replace_the_old_ones(client):
    user = make_staff("Editor", "ana")
    device, old = _enrol(user)
    _sign_in(client, "ana")
    _verify(client, _code(device))

    page = client.post("/admin/2fa/backup-codes/")

    new = re.findall(r"<li><code>([a-z2-7]+)</code></li>", page.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)


def test_the_status_page_and_turning_it_off(client, required):
    writer = make_staff("Writer", "wes")
    device, _ = _enrol(writer)
    _sign_in(client, "wes")
    _verify(client, _code(device))

    status = client.get(SETUP).content.decode()
    assert "is <strong>on</strong>" in status
    assert "<strong>10</strong> unused backup codes" in status
    assert client.post("/admin/2fa/turn-off/").status_code == 302
    assert not TOTPDevice.objects.exists() and not StaticDevice.objects.exists()


def test_a_role_that_requires_it_cannot_turn_it_off(client, required):
    editor = make_staff("Editor", "ana")
    device, _ = _enrol(editor)
    _sign_in(client, "ana")
    _verify(client, _code(device))

    assert "stays on" in client.get(SETUP).content.decode()
    assert client.post("/admin/2fa/turn-off/").status_code == 403
    assert TOTPDevice.objects.filter(user=editor, confirmed=True).exists()


# --- Resetting a lost device ------------------------------------------------------------------


def test_reset_2fa_removes_the_devices_and_the_next_sign_in_enrols_again(client, required, capsys):
    editor = make_staff("Editor", "ana")
    _enrol(editor)

    call_command("reset_2fa", "ana")

    out = capsys.readouterr().out
    assert "Two-factor authentication reset for ana" in out and "no email address" in out
    assert not TOTPDevice.objects.filter(user=editor).exists()
    assert not StaticDevice.objects.filter(user=editor).exists()
    _sign_in(client, "ana")
    assert client.get("/admin/")["Location"].startswith(SETUP)


def test_reset_2fa_names_an_unknown_account():
    with pytest.raises(CommandError, match="No account is called 'nobody'"):
        call_command("reset_2fa", "nobody")


# --- Configuration ----------------------------------------------------------------------------


def test_staff_2fa_defaults_to_required_with_debug_off_and_optional_with_debug_on():
    code = "from django.conf import settings as s; print(s.STAFF_2FA)"
    production = manage("shell", "--verbosity", "0", "-c", code, **PRODUCTION)
    development = manage("shell", "--verbosity", "0", "-c", code, DJANGO_DEBUG="1")
    chosen = manage("shell", "--verbosity", "0", "-c", code, STAFF_2FA="optional", **PRODUCTION)
    wrong = manage("check", STAFF_2FA="sometimes", **PRODUCTION)

    assert production.stdout.strip() == "required", production.stderr
    assert development.stdout.strip() == "optional", development.stderr
    assert chosen.stdout.strip() == "optional", chosen.stderr
    assert wrong.returncode != 0 and "STAFF_2FA must be 'required' or 'optional'" in wrong.stderr


# --- In a browser -----------------------------------------------------------------------------


class TestInChromium:
    pytestmark = BROWSER_TEST

    def test_an_editor_enrols_with_the_key_on_the_page(self, browser, live_server, settings):
        settings.STAFF_2FA = "required"
        make_staff("Editor", "ana")
        page = browser.new_context().new_page()
        blocked = []
        page.on("console", lambda m: "Security Policy" in m.text and blocked.append(m.text))

        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.fill("#id_username", "ana")
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(re.compile(r"/admin/2fa/\?next="))
        assert page.locator("figure.two-factor-qr svg").is_visible()

        device = TOTPDevice.objects.get(user__username="ana", confirmed=False)
        page.get_by_label("Code from the app").fill(_code(device))
        page.get_by_role("button", name="Turn on two-factor authentication").click()
        assert page.locator("ul.backup-codes li").count() == 10
        page.get_by_role("link", name="I have saved them: continue").click()
        page.wait_for_url(f"{live_server.url}/admin/")

        assert page.get_by_role("link", name="Two-factor authentication").is_visible()
        assert blocked == []  # the QR code and the forms work under the admin's policy
