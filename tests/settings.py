"""The production settings with debug off, as the tests run them; speed, secrets and 2FA differ."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")

from newsroom.settings import *  # noqa: E402, F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True  # serve from the finders; no collectstatic before tests
# Staff signed in with force_login have passed no second step; tests/test_two_factor.py turns
# the production default (required) back on where it is what is being tested.
STAFF_2FA = "optional"
