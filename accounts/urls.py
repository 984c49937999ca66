"""Mounted at /admin/2fa/ (newsroom/urls.py): inside the admin, behind its sign-in."""

from django.contrib import admin
from django.urls import path

from . import views

urlpatterns = [
    path("", admin.site.admin_view(views.manage), name="two_factor"),
    path("verify/", admin.site.admin_view(views.verify), name="two_factor_verify"),
    path(
        "backup-codes/",
        admin.site.admin_view(views.backup_codes),
        name="two_factor_backup_codes",
    ),
    path("turn-off/", admin.site.admin_view(views.turn_off), name="two_factor_turn_off"),
]
