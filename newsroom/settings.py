"""The one settings file. Every environment variable is read in the block below."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django_prose_editor.config import html_tags
from js_asset import static_lazy

from articles.block_markup import ATTRIBUTES as BODY_BLOCK_ATTRIBUTES
from articles.embeds import FRAME_ORIGINS as EMBED_FRAME_ORIGINS

BASE_DIR = Path(__file__).resolve().parent.parent


def _flag(name: str, default: str = "") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


# --- Environment ---------------------------------------------------------------------------
DEBUG = _flag("DJANGO_DEBUG")
SECRET_KEY = os.environ.get("SECRET_KEY", "")
DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
REDIS_URL = os.environ.get("REDIS_URL", "")
CACHE_DIR = Path(os.environ.get("CACHE_DIR", BASE_DIR / "cache"))  # without REDIS_URL
ALLOWED_HOSTS = [
    h.strip()
    for h in os.environ.get("ALLOWED_HOSTS", "localhost,127.0.0.1").split(",")
    if h.strip()
]
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000").rstrip("/")
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
SITE_NAME = os.environ.get("SITE_NAME", "The Newsroom")
SITE_LANGUAGE = os.environ.get("SITE_LANGUAGE", "en")
FRONT_CACHE_URLS = [
    url.strip() for url in os.environ.get("FRONT_CACHE_URLS", "").split(",") if url.strip()
]
FRONT_CACHE_SECRET = os.environ.get("FRONT_CACHE_SECRET", "").strip()
STAFF_2FA = os.environ.get("STAFF_2FA", "optional" if DEBUG else "required").strip().lower()
EMAIL_URL = os.environ.get("EMAIL_URL", "").strip()
# -------------------------------------------------------------------------------------------

if not SECRET_KEY and DEBUG:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
# With debug off and no SECRET_KEY, the web server refuses to start (newsroom/wsgi.py) and
# Django refuses anything that signs; commands that sign nothing (migrate, check) still run.

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.humanize",
    "newsroom",  # the site's machinery: pending purges (newsroom/models.py)
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "taggit",
    "django_prose_editor",
    "photos",
    "articles",
    "planning",
]

# The story editor's body blocks (static/articles/admin/body_blocks.js), loaded by
# django-prose-editor's "configurable" preset. The processors only describe their markup:
# articles/sanitise.py stays the one authority on what a stored body may hold.
_BODY_BLOCK = html_tags(["figure"], {"figure": list(BODY_BLOCK_ATTRIBUTES)})
DJANGO_PROSE_EDITOR_EXTENSIONS = [
    {
        "js": [static_lazy("articles/admin/body_blocks.js")],
        "extensions": {
            **dict.fromkeys(
                ["BodyPicture", "BodyEmbed", "BodyPullQuote", "BodyKeyFacts"], _BODY_BLOCK
            ),
            "BodyBlockGuard": html_tags([], {}),  # keys only: it stores no markup
        },
    }
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Cache hits for anonymous readers leave here, before everything below.
    "newsroom.page_cache.Middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.two_factor.Middleware",  # staff pass the second step before the admin
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "newsroom.csp.Middleware",  # django-csp's, with the admin's one exception
    "axes.middleware.AxesMiddleware",  # last, as django-axes asks
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django's, with a time limit on every answer: a database that stops answering fails a
    # request in seconds instead of hanging it.
    DATABASES["default"]["ENGINE"] = "newsroom.postgresql"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # One machine, several writers: readers never wait for a writer (WAL), and a transaction
    # that will write takes the lock when it starts, so two saves queue (up to `timeout`
    # seconds) instead of one failing with "database is locked" halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
if DATABASES["default"]["ENGINE"] == "newsroom.postgresql":
    # Only here: the app loads psycopg (about 12 MiB a process) that SQLite never uses.
    INSTALLED_APPS.append("django.contrib.postgres")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
SERIALIZATION_MODULES = {"json": "newsroom.serializers"}  # times to the microsecond

if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            # A cache that stops answering costs a request a second, not a hang.
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
else:
    # One SQLite file in CACHE_DIR, shared by the web server's workers and every command.
    CACHES = {
        "default": {
            "BACKEND": "newsroom.disk_cache.DiskCache",
            "LOCATION": str(CACHE_DIR),
            "SHARDS": 1,  # a purge's keys and clock in one file, so in one transaction
        }
    }

# A Content-Security-Policy on every response (django-csp): scripts only from this site, so no
# inline script runs anywhere (JSON-LD is data, not script). Style attributes stay allowed:
# the admin's widgets and the rich-text editor set them. /media/ sends a stricter one of its own.
_MEDIA_ORIGIN = MEDIA_URL.split("/", 3)[:3] if MEDIA_URL.startswith("http") else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", *(["/".join(_MEDIA_ORIGIN)] if _MEDIA_ORIGIN else [])],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # Embeds' players (articles/embeds.py), loaded only when a reader asks for one.
        "frame-src": [SELF, *EMBED_FRAME_ORIGINS],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}


# Staff notifications by email (planning/notifications.py): printed to the console unless
# EMAIL_URL names an SMTP server, e.g. smtp://user:password@mail.example.org:587/?tls=True
# (or ?ssl=True for port 465; &from=desk@example.org for the sender). A short timeout: a mail
# server that does not answer costs a send seconds, and the command retries it.
def _email_settings(url: str) -> dict:
    if not url:
        return {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    try:
        parts = urlsplit(url)
        port = parts.port
        query = {
            k: v[-1] for k, v in parse_qs(parts.query, strict_parsing=bool(parts.query)).items()
        }
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid URL: {error}") from None
    if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
        raise ImproperlyConfigured(
            "EMAIL_URL must look like smtp://user:password@host:port/?tls=True"
        )
    unknown = set(query) - {"tls", "ssl", "from"}
    flags = {k: query.get(k, "").lower() in {"1", "true", "yes", "on"} for k in ("tls", "ssl")}
    if unknown or (flags["tls"] and flags["ssl"]):
        raise ImproperlyConfigured(
            "EMAIL_URL takes ?tls=True or ?ssl=True (not both) and &from=address only"
        )
    ssl = flags["ssl"] or parts.scheme == "smtps"
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname,
        "EMAIL_PORT": port or (465 if ssl else 587 if flags["tls"] else 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_TLS": flags["tls"],
        "EMAIL_USE_SSL": ssl,
        **({"DEFAULT_FROM_EMAIL": query["from"]} if "from" in query else {}),
    }


_EMAIL = _email_settings(EMAIL_URL)
EMAIL_BACKEND = _EMAIL["EMAIL_BACKEND"]
EMAIL_HOST = _EMAIL.get("EMAIL_HOST", "localhost")
EMAIL_PORT = _EMAIL.get("EMAIL_PORT", 25)
EMAIL_HOST_USER = _EMAIL.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _EMAIL.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _EMAIL.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _EMAIL.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = 5
DEFAULT_FROM_EMAIL = _EMAIL.get(
    "DEFAULT_FROM_EMAIL", f"newsroom@{urlsplit(SITE_URL).hostname or 'localhost'}"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Staff sign-in is throttled per account (django-axes): after 10 failures within 15 minutes the
# account is refused, even with the right password, until 15 minutes pass without a failure
# (or `manage.py axes_reset_username NAME`). Every success and failure is logged.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 10
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_SENSITIVE_PARAMETERS = []  # the log says which account and address (never a password)
# axes.W006 wants the IP address in the lockout too; a newsroom's staff share an office's
# address, and one person's typos must not lock out the whole newsroom.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Two-factor authentication (django-otp): an authenticator app (TOTP) with one-time backup
# codes. The rule for who must enrol and what an unverified session may reach is in
# accounts/two_factor.py.
if FRONT_CACHE_URLS and not FRONT_CACHE_SECRET:
    # The shipped VCL refuses a purge without it: pages would go stale for SHARED_MAX_AGE.
    raise ImproperlyConfigured(
        "FRONT_CACHE_URLS is set but FRONT_CACHE_SECRET is not: set the same secret here and "
        "in each front cache's environment (deploy/varnish/default.vcl)."
    )
if STAFF_2FA not in {"required", "optional"}:
    raise ImproperlyConfigured(f"STAFF_2FA must be 'required' or 'optional', not {STAFF_2FA!r}")
OTP_TOTP_ISSUER = SITE_NAME

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.passwords.SiteNameValidator"},
]

LANGUAGE_CODE = "en-gb"
# 24-hour times in the admin, not Django en-gb's "2:30 p.m." (newsroom/formats/).
FORMAT_MODULE_PATH = ["newsroom.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Production hardening; everything here is relaxed only by DJANGO_DEBUG.
HTTPS = not DEBUG and SITE_URL.startswith("https://")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 0 if DEBUG else 60 * 60 * 24 * 365
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
CSRF_TRUSTED_ORIGINS = [SITE_URL] if SITE_URL.startswith("https://") else []
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    # The newsroom's own trail (every workflow move: who, what, from, to) and every staff
    # sign-in, successful or not (django-axes), are kept at INFO.
    "loggers": {"newsroom": {"level": "INFO"}, "axes.handlers": {"level": "INFO"}},
}

TAGGIT_CASE_INSENSITIVE = True
