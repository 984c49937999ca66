"""The production settings with debug off, as the tests run them; speed, secrets and 2FA differ."""

import atexit
import os
import shutil
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
# Without Redis, a cache folder of this test run's own, which the servers and commands it
# starts inherit: a run never meets `make run`'s pages, nor another run's.
if "NEWSROOM_TEST_CACHE_DIR" not in os.environ:
    os.environ["NEWSROOM_TEST_CACHE_DIR"] = tempfile.mkdtemp(prefix="newsroom-test-cache-")
    atexit.register(shutil.rmtree, os.environ["NEWSROOM_TEST_CACHE_DIR"], True)
os.environ["CACHE_DIR"] = os.environ["NEWSROOM_TEST_CACHE_DIR"]

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
