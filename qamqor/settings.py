"""Qamqor settings: one module, typed environment helpers, secure defaults.

Runs with no configuration on SQLite under var/. Production sets DATABASE_URL (PostgreSQL),
SECRET_KEY and ALLOWED_HOSTS; DEBUG is off unless `qamqor demo` or the tests turn it on.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("QAMQOR_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


TESTING = "pytest" in sys.modules or env_bool("QAMQOR_TESTING")
DEBUG = env_bool("DEBUG", False)


def _installation_secret(path: Path) -> str:
    """A random key made once per installation and kept in var/ (mode 0600).

    No secret ships with the code; a production deployment may still set SECRET_KEY.
    """
    import secrets

    try:
        return path.read_text().strip()
    except FileNotFoundError:
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(key)
        return key


# The file SECRET_KEY was read from, or None when it comes from the environment: `qamqor
# backup` copies the file (the signing keys do not open without it) and `qamqor restore`
# puts it back.
SECRET_KEY_FILE: Path | None = None if env_str("SECRET_KEY") else VAR_DIR / "secret_key"
SECRET_KEY = env_str("SECRET_KEY") or _installation_secret(VAR_DIR / "secret_key")


ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "qamqor.core",
    "qamqor.audit",
    "qamqor.registry",
    "qamqor.accounts",
    "qamqor.eligibility",
    "qamqor.applications",
    "qamqor.aid",
    "qamqor.meals",
    "qamqor.canteen",
    "qamqor.reports",
    "qamqor.sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qamqor.core.middleware.SecurityHeadersMiddleware",
    "qamqor.core.middleware.NoStoreMiddleware",
    "qamqor.audit.middleware.RequestContextMiddleware",
]

ROOT_URLCONF = "qamqor.urls"
WSGI_APPLICATION = "qamqor.wsgi.application"

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
                "django.template.context_processors.i18n",
                "qamqor.accounts.context.navigation",
            ],
        },
    }
]

# Databases: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.
DEFAULT_SQLITE = f"sqlite:///{VAR_DIR / 'qamqor.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", DEFAULT_SQLITE),
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    # Keep connections: closing the last one makes SQLite checkpoint its WAL on every
    # request (a write went from 2 ms to 16 ms in bench/redeem.py).
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["qamqor.accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests that check the hasher ask for it explicitly.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Sign-in throttling (accounts/throttle.py; docs/decisions.md, "Login throttling"): failures
# within the window, per (address, account) and per address strictly; per account softly
# (a short wait between attempts from addresses that never signed in to it).
LOGIN_THROTTLE_WINDOW_MINUTES = env_int("LOGIN_THROTTLE_WINDOW_MINUTES", 15)
LOGIN_LIMIT_PER_ADDRESS_ACCOUNT = env_int("LOGIN_LIMIT_PER_ADDRESS_ACCOUNT", 5)
LOGIN_LIMIT_PER_ADDRESS = env_int("LOGIN_LIMIT_PER_ADDRESS", 50)
LOGIN_LIMIT_PER_ACCOUNT = env_int("LOGIN_LIMIT_PER_ACCOUNT", 20)
LOGIN_ACCOUNT_BACKOFF_SECONDS = env_int("LOGIN_ACCOUNT_BACKOFF_SECONDS", 10)

# Mail: password-reset links. With no mail server configured (the demo, development) the
# letters, links included, are printed to the console.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Qamqor <noreply@localhost>")
PASSWORD_RESET_TIMEOUT = 3 * 24 * 3600

LANGUAGE_CODE = "kk"
FORMAT_MODULE_PATH = ["qamqor.formats"]
LANGUAGES = [("kk", _("Kazakh")), ("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Almaty"
USE_I18N = True
USE_TZ = True
LANGUAGE_COOKIE_NAME = "qamqor_language"
LANGUAGE_COOKIE_SECURE = not DEBUG and not TESTING and env_bool("HTTPS", True)
LANGUAGE_COOKIE_SAMESITE = "Lax"

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
if TESTING and not os.environ.get("MEDIA_ROOT"):
    # Tests upload files: keep them out of the demo's media and remove them afterwards.
    import atexit
    import shutil
    import tempfile

    MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="qamqor-test-media-"))
    atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Limits on every file the project reads (core.limits; docs/decisions.md, "Upload limits"):
# the size sent, what an XLSX unpacks to, the rows, cells and text of a sheet, an image's pixels.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_UNPACKED_BYTES = env_int("UPLOAD_MAX_UNPACKED_BYTES", 64 * 1024 * 1024)
UPLOAD_MAX_ARCHIVE_MEMBERS = env_int("UPLOAD_MAX_ARCHIVE_MEMBERS", 200)
TABLE_MAX_ROWS = env_int("TABLE_MAX_ROWS", 20_000)
TABLE_MAX_COLUMNS = env_int("TABLE_MAX_COLUMNS", 100)
TABLE_MAX_CELL_CHARS = env_int("TABLE_MAX_CELL_CHARS", 2_000)
TABLE_MAX_TEXT_CHARS = env_int("TABLE_MAX_TEXT_CHARS", 16_000_000)
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 30 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Security: secure by default; the demo and tests serve plain HTTP on loopback.
HTTPS = env_bool("HTTPS", not (DEBUG or TESTING or env_bool("QAMQOR_DEMO")))
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 3600
SECURE_SSL_REDIRECT = HTTPS and env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = 31536000 if HTTPS else 0
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if env_bool("BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: django-tasks with the ORM backend; `qamqor worker` runs it.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        )
    }
}

# No personal data in logs: requests are not logged with bodies or query strings, and every
# record goes through core.logredact (exception texts withheld: a database error quotes the
# row). `django` is configured here so that Django's own default handlers, which would write
# the unfiltered traceback, are not used; SQL with its parameters is never logged.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "qamqor.core.logredact.RedactPersonalData"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "django.db.backends": {"level": "INFO"},
    },
}

# External state systems: sandbox implementations that ship with the project.
QAMQOR_CIVIL_REGISTRY = "qamqor.sandbox.civil.SandboxCivilRegistry"
QAMQOR_ELIGIBILITY_VERIFIER = "qamqor.sandbox.sdu.SandboxSdu"
QAMQOR_SMS_GATEWAY = "qamqor.sandbox.sms.SandboxSms"
# The site's address as a parent's phone reaches it: the links an SMS carries (core.sms).
QAMQOR_PUBLIC_URL = env_str("QAMQOR_PUBLIC_URL") or "http://127.0.0.1:8000"

# Pagination of lists.
PAGE_SIZE = 50
