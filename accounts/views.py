"""The staff member's own two-factor pages, all in the admin: enrol, verify, new codes, turn off."""

import math
from base64 import b32encode

import django_otp
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from . import two_factor
from .two_factor import log


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=40,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def clean_code(self):
        code = two_factor.normalise_code(self.cleaned_data["code"])
        if not code:
            raise forms.ValidationError("Enter the code.")
        return code


class AppCodeForm(CodeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].label = "Code from the app"
        self.fields["code"].help_text = "The six digits the app shows now."
        self.fields["code"].widget.attrs["inputmode"] = "numeric"


def _render(request, template, title, **context):
    context = {
        **admin.site.each_context(request),
        # No list of the admin's pages before the second step: each would only send them back.
        "is_nav_sidebar_enabled": two_factor.next_step(request.user) is None,
        "title": title,
        "next": two_factor.safe_next(request, ""),
        **context,
    }
    return TemplateResponse(request, f"accounts/{template}", context)


@require_http_methods(["GET", "HEAD", "POST"])
def manage(request):
    """The status page once enrolled; before that, setting up the app."""
    user = request.user
    if two_factor.enrolled(user):
        if request.method == "POST":
            return redirect("two_factor")
        return _render(
            request,
            "status.html",
            "Two-factor authentication",
            codes_left=two_factor.backup_codes_left(user),
            may_turn_off=not two_factor.required_for(user),
        )

    device = two_factor.pending_app(request)
    form = AppCodeForm(request.POST or None)
    if form.is_valid():
        allowed, why = device.verify_is_allowed()
        if allowed and device.verify_token(form.cleaned_data["code"]):
            codes = two_factor.confirm_app(user, device)
            del request.session[two_factor.PENDING_APP]
            if codes is None:  # enrolled from another session first: its code is asked now
                return redirect("two_factor")
            two_factor.passed(request, device)
            return _backup_codes_page(request, codes, first=True)
        form.add_error("code", _wrong_code_message(why))
    return _render(
        request,
        "setup.html",
        "Set up two-factor authentication",
        form=form,
        qr=_qr_code(device.config_url),
        key=" ".join(_chunks(b32encode(device.bin_key).decode(), 4)),
        required=two_factor.required_for(user),
    )


@require_http_methods(["GET", "HEAD", "POST"])
def verify(request):
    """The second step of signing in: a code from the app, or one of the backup codes."""
    user = request.user
    done = two_factor.safe_next(request, reverse("admin:index"))
    if user.is_verified() or not two_factor.enrolled(user):
        return HttpResponseRedirect(done)
    form = CodeForm(request.POST or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        device = two_factor.device_for(user, code)
        allowed, why = device.verify_is_allowed() if device else (False, None)
        if allowed and django_otp.verify_token(user, device.persistent_id, code):
            two_factor.passed(request, device)
            log.info("two-factor: %s verified with %s", user.get_username(), device.name)
            if isinstance(device, StaticDevice):
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. "
                    "Make new ones on the two-factor page if you are running short.",
                )
            return HttpResponseRedirect(done)
        log.warning("two-factor: wrong code for %s", user.get_username())
        form.add_error("code", _wrong_code_message(why))
    return _render(request, "verify.html", "Enter your code", form=form)


@require_POST
def backup_codes(request):
    if not two_factor.enrolled(request.user):
        raise PermissionDenied("Set up the authenticator app first.")
    codes = two_factor.new_backup_codes(request.user)
    log.info("two-factor: %s made new backup codes", request.user.get_username())
    return _backup_codes_page(request, codes, first=False)


@require_POST
def turn_off(request):
    user = request.user
    if two_factor.required_for(user):
        raise PermissionDenied("Two-factor authentication is required for your role.")
    two_factor.remove_all(user, event=two_factor.TURNED_OFF)
    messages.success(request, "Two-factor authentication is off for your account.")
    return redirect("two_factor")


def _backup_codes_page(request, codes, *, first):
    # Shown once; the admin's never_cache keeps it out of every cache and the back button.
    return _render(request, "backup_codes.html", "Your backup codes", codes=codes, first=first)


def _wrong_code_message(throttled: dict | None) -> str:
    """`throttled` is django-otp's reason for refusing to check the code at all, if it did."""
    if throttled and throttled.get("locked_until"):
        wait = max(1, math.ceil((throttled["locked_until"] - timezone.now()).total_seconds()))
        return f"Too many wrong codes in a row: wait {wait} seconds, then enter the newest code."
    return "That code is not right. Check that your phone's clock is set automatically."


def _qr_code(url: str) -> str:
    import segno  # only this page draws one: no reader's process pays for the library

    # segno's SVG of our own URL, with a fixed title.
    return mark_safe(  # noqa: S308
        segno.make(url, error="m", micro=False).svg_inline(
            scale=4, border=2, dark="#000", light="#fff", title="QR code for the app"
        )
    )


def _chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
