"""Settings come from the environment as the contract's configuration table says."""

import os
import subprocess
import sys

from django.conf import settings

PRODUCTION = {
    "SECRET_KEY": "a-production-secret-" + "x" * 50,
    "SITE_URL": "https://news.example.com",
    "ALLOWED_HOSTS": "news.example.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


CONFIGURATION = {
    "DATABASE_URL", "REDIS_URL", "DJANGO_DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL",
    "TIME_ZONE", "MEDIA_ROOT", "MEDIA_URL", "FRONT_CACHE_URLS", "STAFF_2FA", "EMAIL_URL",
    "FRONT_CACHE_SECRET",
}  # fmt: skip


def manage(*args, **env) -> subprocess.CompletedProcess:
    clean_env = {k: v for k, v in os.environ.items() if k not in CONFIGURATION}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env={**clean_env, "DJANGO_SETTINGS_MODULE": "newsroom.settings", **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_deploy_checks_pass_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_settings_are_read_from_the_environment():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.TIME_ZONE, s.SITE_URL, s.ALLOWED_HOSTS, s.CACHES['default']['BACKEND'], "
        "s.DATABASES['default']['ENGINE'], s.MEDIA_ROOT)"
    )
    result = manage(
        "shell", "--verbosity", "0", "-c", code,
        DJANGO_DEBUG="1", TIME_ZONE="Europe/Oslo", SITE_URL="https://n.example/",
        ALLOWED_HOSTS="a.example, b.example", REDIS_URL="redis://127.0.0.1:6379/3",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/x", MEDIA_ROOT="/srv/media",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True", "Europe/Oslo", "https://n.example", "['a.example',", "'b.example']",
        "newsroom.redis_cache.RedisCache", "newsroom.postgresql",
        "/srv/media",
    ]  # fmt: skip


def test_defaults_are_safe_sqlite_and_a_cache_shared_by_the_machine():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.DATABASES['default']['ENGINE'], s.CACHES['default']['BACKEND'])"
    )
    result = manage("shell", "--verbosity", "0", "-c", code, SECRET_KEY="k")
    assert result.stdout.split() == [
        "False",
        "django.db.backends.sqlite3",
        "newsroom.disk_cache.DiskCache",
    ]


def test_passwords_refuse_the_sites_own_name_and_short_or_common_words():
    import pytest
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ["newsroom", "Newsroom2026!", "TheNewsroom", "n3wsroom", "password123", "short"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("harbour-ferry-lantern-47")


def test_front_caches_are_a_comma_separated_list():
    code = "from django.conf import settings as s; print(s.FRONT_CACHE_URLS)"
    none = manage("shell", "--verbosity", "0", "-c", code, DJANGO_DEBUG="1")
    two = manage(
        "shell", "--verbosity", "0", "-c", code, DJANGO_DEBUG="1",
        FRONT_CACHE_URLS="http://10.0.0.5:6081, http://10.0.0.6:6081,",
        FRONT_CACHE_SECRET="a-purge-secret",
    )  # fmt: skip

    assert none.stdout.strip() == "[]", none.stderr
    assert two.stdout.strip() == "['http://10.0.0.5:6081', 'http://10.0.0.6:6081']", two.stderr


def test_front_caches_without_the_purge_secret_are_refused_by_name():
    result = manage("check", DJANGO_DEBUG="1", FRONT_CACHE_URLS="http://10.0.0.5:6081")

    assert result.returncode != 0
    assert "FRONT_CACHE_URLS is set but FRONT_CACHE_SECRET is not" in result.stderr


def test_commands_that_sign_nothing_run_without_a_secret_key():
    # migrate and check run before a deployment has its secrets; nothing may sign at import.
    result = manage("check", **{k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"})

    assert result.returncode == 0, result.stderr


_EMAIL = (
    "from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND.rsplit('.', 2)[1], s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_HOST_USER, "
    "s.EMAIL_HOST_PASSWORD, s.EMAIL_USE_TLS, s.EMAIL_USE_SSL, s.EMAIL_TIMEOUT, "
    "s.DEFAULT_FROM_EMAIL)"
)


def test_emails_are_printed_to_the_console_without_email_url():
    result = manage("shell", "--verbosity", "0", "-c", _EMAIL, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "console"
    assert result.stdout.split()[-1] == "newsroom@news.example.com"


def test_email_url_names_the_smtp_server_its_account_and_encryption():
    shown = {
        "smtp://desk%40news.example.com:p%40ss@mail.example.org:587/?tls=True": (
            "smtp mail.example.org 587 desk@news.example.com p@ss True False 5 "
            "newsroom@news.example.com"
        ),
        "smtp://mail.example.org/?ssl=True&from=desk@news.example.com": (
            "smtp mail.example.org 465 False True 5 desk@news.example.com"
        ),
    }
    for url, expected in shown.items():
        result = manage("shell", "--verbosity", "0", "-c", _EMAIL, **PRODUCTION, EMAIL_URL=url)
        assert result.returncode == 0, result.stderr
        assert result.stdout.split() == expected.split(), url


def test_a_malformed_email_url_stops_the_start_naming_the_variable():
    for url in ["mail.example.org", "smtp://mail.example.org:port/", "smtp://h/?tls=1&ssl=1",
                "smtp://h/?tsl=True"]:  # fmt: skip
        result = manage("check", **PRODUCTION, EMAIL_URL=url)
        assert result.returncode != 0, url
        assert "ImproperlyConfigured: EMAIL_URL" in result.stderr, url


def test_a_reader_process_on_sqlite_loads_no_client_of_a_server_it_does_not_use():
    """psycopg, redis-py and the 2FA page's QR library cost a worker memory (about 12 MiB for
    psycopg): a site on SQLite without REDIS_URL serves every page without them."""
    script = (
        "import sys\n"
        "from newsroom.wsgi import application\n"
        "from django.urls import get_resolver\n"
        "get_resolver().resolve('/')\n"
        "import newsroom.urls\n"
        "print(sorted({'psycopg', 'redis', 'segno'} & set(sys.modules)))"
    )

    result = manage("shell", "--no-imports", "-c", script, **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
