"""django-otp's own device admin stays out: it would show each person's secret key to every
superuser. Staff manage their own devices at /admin/2fa/; a lost one is reset with
`manage.py reset_2fa USERNAME`."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
