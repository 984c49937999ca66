"""Two-factor authentication for staff: who must enrol, and what a half-signed-in session sees.

A password alone signs a staff member in, but the admin stays shut until the second step:
- someone with an authenticator app enrolled gives a code from it (or a backup code);
- with STAFF_2FA=required, an editor or superuser without one enrols first;
- anyone else (writers, or everyone with STAFF_2FA=optional) may choose to enrol.

The codes themselves are django-otp's: a TOTP device (the app) and a static device holding
the one-time backup codes. Both throttle wrong codes with a growing delay.

The app being set up belongs to the session that asked for it: another session, even of the
same account, is shown a key of its own and cannot confirm this one. Every change to
someone's second factor (enrolled, turned off, reset) is emailed to them, so that whoever
holds their password cannot change it unseen.
"""

import logging
from datetime import timedelta
from smtplib import SMTPException
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from newsroom import background

from .roles import is_editor

log = logging.getLogger("newsroom.accounts")

BACKUP_CODES = 10
APP_NAME = "Authenticator app"
BACKUP_NAME = "Backup codes"


def required_for(user) -> bool:
    return settings.STAFF_2FA == "required" and (user.is_superuser or is_editor(user))


def enrolled(user) -> bool:
    return user_has_device(user, confirmed=True)


def next_step(user) -> str | None:
    """Where a signed-in staff member must go before the admin, or None when they may pass."""
    if not (user.is_authenticated and user.is_staff) or user.is_verified():
        return None
    if enrolled(user):
        return "two_factor_verify"
    if required_for(user):
        return "two_factor"
    return None


def signed_in_staff(user) -> bool:
    """A staff member past every sign-in step: what private files and pages outside the
    admin ask of whoever requests them."""
    return user.is_authenticated and user.is_active and user.is_staff and next_step(user) is None


class Middleware:
    """Send a staff member who has signed in with a password only to the step they still owe.

    Only the admin is guarded: every staff-only page and action lives under it, and the public
    site shows a signed-in editor nothing a reader would not see.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        step = self._step(request)
        if step is None:
            return self.get_response(request)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")

    @staticmethod
    def _step(request):
        if not request.path.startswith(reverse("admin:index")) or request.path in {
            reverse("admin:login"),
            reverse("admin:logout"),
        }:
            return None
        step = next_step(request.user)
        return None if step is None or request.path == reverse(step) else step


def safe_next(request, default: str) -> str:
    """`next=` if it is a path on this site, else `default`: never another site, and never a
    bare word, which a redirect would take for the name of a URL."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return target
    return default


def passed(request, device) -> None:
    """Mark the session as past its second step with `device`, under a new session key: a key
    seen before this step (the password step cycles it too) never reaches the admin."""
    django_otp.login(request, device)
    request.session.cycle_key()


# --- Devices ----------------------------------------------------------------------------------


PENDING_APP = "two_factor_pending_app"  # in the session: the pk of the app it is setting up


def pending_app(request) -> TOTPDevice:
    """The app this session is setting up, kept between the page showing its key and the code
    confirming it. Each session has its own: a key shown to one is never confirmed by another.
    """
    user = request.user
    pk = request.session.get(PENDING_APP)
    device = TOTPDevice.objects.filter(pk=pk, user=user, confirmed=False).first() if pk else None
    if device is None:
        # Keys of sessions that can no longer be alive are never needed again.
        expired = timezone.now() - timedelta(seconds=settings.SESSION_COOKIE_AGE)
        TOTPDevice.objects.filter(user=user, confirmed=False, created_at__lt=expired).delete()
        device = TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)
        request.session[PENDING_APP] = device.pk
    return device


def confirm_app(user, device: TOTPDevice) -> list[str] | None:
    """Make `device` the one app of `user`, with a fresh set of backup codes (returned).

    None when `user` enrolled meanwhile from another session: the first to confirm wins, and
    the other sessions' keys are gone with their devices.
    """
    with transaction.atomic():
        # One enrolment of an account at a time: the check below holds until the commit.
        get_user_model().objects.select_for_update().only("pk").get(pk=user.pk)
        others = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk)
        mine = TOTPDevice.objects.filter(pk=device.pk, user=user)
        if others.filter(confirmed=True).exists() or not mine.exists():
            return None
        others.delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
        tell_owner(user, ENROLLED)
    log.info("two-factor: %s enrolled an authenticator app", user.get_username())
    return codes


def new_backup_codes(user) -> list[str]:
    """Replace the user's backup codes; the old ones stop working."""
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def remove_all(user, *, event: str) -> int:
    """Turn two-factor authentication off for `user` (`event`: TURNED_OFF by themselves, or
    RESET by an administrator); returns how many devices went."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user)
            removed += devices.filter(confirmed=True).count()
            devices.delete()
        if removed:
            tell_owner(user, event)
    log.info("two-factor: devices of %s removed (%d)", user.get_username(), removed)
    return removed


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def device_for(user, code: str):
    """The device a code is meant for: six digits come from the app, the rest are backup codes."""
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return next((d for d in devices_for_user(user) if isinstance(d, kind)), None)


# --- Telling the owner ------------------------------------------------------------------------

ENROLLED, TURNED_OFF, RESET = "enrolled", "turned_off", "reset"
SUBJECTS = {
    ENROLLED: "A new authenticator app was added to your account",
    TURNED_OFF: "Two-factor authentication was turned off for your account",
    RESET: "Two-factor authentication was reset for your account",
}


def tell_owner(user, event: str) -> None:
    """Email `user` that their second factor changed, once the change is committed.

    Mail that fails is logged and not retried: the change itself stands either way.
    """
    if not user.email:
        log.warning("two-factor: %s has no email address to tell of %s", user.get_username(), event)
        return
    message = _notice(user, event)
    transaction.on_commit(
        lambda: background.mail.submit(lambda: _send(message, user, event)), robust=True
    )


def _notice(user, event: str) -> EmailMessage:
    subject = SUBJECTS[event]
    body = render_to_string(
        "accounts/email/two_factor_changed.txt",
        {
            "event": event,
            "required": required_for(user),
            "subject": subject,
            "username": user.get_username(),
            "when": timezone.localtime(),
            "site_name": settings.SITE_NAME,
            "two_factor_url": settings.SITE_URL + reverse("two_factor"),
            "password_url": settings.SITE_URL + reverse("admin:password_change"),
        },
    )
    return EmailMessage(f"[{settings.SITE_NAME}] {subject}", body, to=[user.email])


def _send(message: EmailMessage, user, event: str) -> None:
    try:
        message.send()
    except (SMTPException, OSError):
        log.exception("two-factor: could not email %s that %s", user.get_username(), event)
    else:
        log.info("two-factor: emailed %s that %s", user.get_username(), event)
