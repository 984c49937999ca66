"""Two-factor authentication for staff: who must enrol, and what a half-signed-in session sees.

A password alone signs a staff member in, but the admin stays shut until the second step:
- someone with an authenticator app enrolled gives a code from it (or a backup code);
- with STAFF_2FA=required, an editor or superuser without one enrols first;
- anyone else (writers, or everyone with STAFF_2FA=optional) may choose to enrol.

The codes themselves are django-otp's: a TOTP device (the app) and a static device holding
the one-time backup codes. Both throttle wrong codes with a growing delay.
"""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

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
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


# --- Devices ----------------------------------------------------------------------------------


def pending_app(user) -> TOTPDevice:
    """The app being set up: kept between the page showing its key and the code confirming it."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name=APP_NAME, confirmed=False)


def confirm_app(user, device: TOTPDevice) -> list[str]:
    """Make `device` the one app of `user`, with a fresh set of backup codes (returned)."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
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


def remove_all(user) -> int:
    """Turn two-factor authentication off for `user`; returns how many devices went."""
    with transaction.atomic():
        removed = 0
        for model in (TOTPDevice, StaticDevice):
            devices = model.objects.filter(user=user)
            removed += devices.filter(confirmed=True).count()
            devices.delete()
    log.info("two-factor: devices of %s removed (%d)", user.get_username(), removed)
    return removed


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in raw.lower() if ch.isalnum())


def device_for(user, code: str):
    """The device a code is meant for: six digits come from the app, the rest are backup codes."""
    kind = TOTPDevice if code.isdigit() and len(code) == 6 else StaticDevice
    return next((d for d in devices_for_user(user) if isinstance(d, kind)), None)
