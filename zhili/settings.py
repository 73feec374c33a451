"""The one settings module of Zhili.

Every setting an operator may change is read here from the environment, once,
through the small typed helpers below.  A malformed value stops the process
with a message naming the variable instead of being silently replaced by a
default.  The defaults run locally on SQLite with no further configuration.
"""

from __future__ import annotations

import os
from datetime import time
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    # An empty value means "not set": shells and .env files often export NAME=.
    return value if value not in (None, "") else None


def env_str(name: str, default: str) -> str:
    return _raw(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    low = raw.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (true/false/1/0), got {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = _raw(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be >= {minimum}, got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_time(name: str, default: str) -> time:
    raw = env_str(name, default)
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time HH:MM, got {raw!r}") from None


# --- core -------------------------------------------------------------------
DEBUG = env_bool("ZHILI_DEBUG", False)
DATA_DIR = Path(env_str("ZHILI_DATA_DIR", str(Path.cwd() / "var"))).resolve()
SECRET_KEY = _raw("ZHILI_SECRET_KEY") or ""
if not SECRET_KEY:
    # Development and demo: a key kept in the data directory, so sessions
    # survive restarts without anyone pasting a secret into a shell.
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = DATA_DIR / "secret_key"
    if not _key_file.exists():
        import secrets

        _key_file.write_text(secrets.token_urlsafe(50))
    SECRET_KEY = _key_file.read_text().strip()

ALLOWED_HOSTS = env_list("ZHILI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("ZHILI_CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("ZHILI_SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "drf_spectacular",
    # Zhili's own apps; dependencies point down this list, never up.
    "zhili.core",
    "zhili.workcal",
    "zhili.accounts",
    "zhili.places",
    "zhili.cases",
    "zhili.open311",
    "zhili.plans",
    "zhili.access",
    "zhili.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "zhili.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Must be last: it turns lockout signals into the lockout response.
    "axes.middleware.AxesMiddleware",
]

# Benchmarks add a bare view beside the real URLs in their own WSGI module (bench/bare_wsgi.py).
ROOT_URLCONF = "zhili.urls"
WSGI_APPLICATION = "zhili.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "zhili.core.context_processors.zhili",
            ],
        },
    },
]

# --- database ---------------------------------------------------------------
def database_config(url: str, *, conn_max_age: int, prepare_threshold: int) -> dict:
    """Django's settings for one database, from its URL."""
    try:
        db = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except Exception as exc:  # dj-database-url raises several types
        raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from None
    if db["ENGINE"] == "django.db.backends.sqlite3":
        Path(db["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while the task worker writes; the busy
        # timeout turns brief writer contention into a wait instead of an error.
        db["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        db["TEST"] = {"NAME": None}
    elif db["ENGINE"] == "django.db.backends.postgresql":
        # Parameters bound by the server, and each statement prepared once it
        # has run this many times on a connection: PostgreSQL then skips
        # parsing and planning, and the worker skips quoting every value into
        # the SQL text.  Together they cut intake's CPU by a fifth
        # (bench/open311_post.py).  0 turns both off, for a PgBouncer in
        # transaction mode older than 1.21, which cannot carry prepared
        # statements across its server connections.
        db["OPTIONS"] = {
            "server_side_binding": prepare_threshold > 0,
            "prepare_threshold": prepare_threshold or None,
        }
    return db


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{DATA_DIR / 'zhili.sqlite3'}")
DATABASES = {
    "default": database_config(
        DATABASE_URL,
        conn_max_age=env_int("ZHILI_DB_CONN_MAX_AGE", 0),
        prepare_threshold=env_int("ZHILI_PG_PREPARE_THRESHOLD", 2, minimum=0),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- accounts and security -------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Lockout after repeated failures: on by default (等保 2.0 asks for it).
AXES_ENABLED = env_bool("ZHILI_LOCKOUT_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("ZHILI_LOCKOUT_FAILURES", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("ZHILI_LOCKOUT_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Session timeout: idle sessions end after this many minutes.
SESSION_COOKIE_AGE = env_int("ZHILI_SESSION_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("ZHILI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- language and time -----------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

# --- files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
import xstatic.pkg.leaflet as _leaflet  # noqa: E402  (Leaflet served by Zhili itself: no CDN)

STATICFILES_DIRS = [BASE_DIR / "static", ("vendor/leaflet", _leaflet.BASE_DIR)]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("ZHILI_MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Serve from the app/static finders without collectstatic (demo, tests).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- background work -------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env_str("ZHILI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# --- REST API ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # DRF's token check, with the user's roles in the same query.
        "zhili.cases.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    # JSON only: no browsable HTML API (another surface to secure and to
    # translate) and no form posts.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    # Every error in one documented format (zhili/cases/api/errors.py).
    "EXCEPTION_HANDLER": "zhili.cases.api.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Zhili API",
    "DESCRIPTION": (
        "Cases, actions, categories, grids and evaluation of the Zhili platform, for government staff "
        "and connected systems. The same permission rules apply as on the pages.\n\n"
        "Authentication: send `Authorization: Token <key>`. An administrator issues a key with "
        "`zhili cases api-token USERNAME` (and revokes it with `--revoke`). Logged-in browsers may use "
        "their session (with the CSRF token for writes).\n\n"
        "Errors: every error answers `{\"error\": {\"code\": ..., \"message\": ..., \"fields\": {...}}}`. "
        "`code` is stable (validation 400, not_authenticated 401, forbidden 403, not_found 404, "
        "illegal_transition and stale 409, calendar_missing 503); `message` is for people, in the "
        "interface language; `fields` lists problems per input field. Cases that do not exist and "
        "cases you may not see give the same 404.\n\n"
        "Concurrency: every case has a `version`; actions that change its state take "
        "`expected_version` and answer 409 stale if the case changed since.\n\n"
        "Coordinates are WGS84/CGCS2000 longitude and latitude; reports and lookups may send GCJ-02 "
        "or BD-09 with `datum`."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {"TimeUnitEnum": "zhili.cases.catalogue.TimeUnit"},
    "TAGS": [
        {"name": "cases", "description": "Reports, case lists, timelines and actions."},
        {"name": "categories", "description": "The catalogue of components and events, with time limits."},
        {"name": "places", "description": "Unit grids and point lookup."},
        {"name": "evaluation", "description": "Comprehensive evaluation (综合评价)."},
    ],
}

# --- case media --------------------------------------------------------------------
ZHILI_MEDIA_MAX_FILES = env_int("ZHILI_MEDIA_MAX_FILES", 9, minimum=1)
ZHILI_MEDIA_MAX_PHOTO_MB = env_int("ZHILI_MEDIA_MAX_PHOTO_MB", 10, minimum=1)
ZHILI_MEDIA_MAX_VIDEO_MB = env_int("ZHILI_MEDIA_MAX_VIDEO_MB", 50, minimum=1)
ZHILI_MEDIA_MAX_MEGAPIXELS = env_int("ZHILI_MEDIA_MAX_MEGAPIXELS", 50, minimum=1)
# Uploads larger than this go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- public reporting (Open311) -------------------------------------------------
# media_url is fetched only from these hosts (comma-separated host names).
ZHILI_OPEN311_MEDIA_HOSTS = env_list("ZHILI_OPEN311_MEDIA_HOSTS", [])
ZHILI_OPEN311_MEDIA_TIMEOUT = env_int("ZHILI_OPEN311_MEDIA_TIMEOUT", 10, minimum=1)
ZHILI_OPEN311_REOPEN_DAYS = env_int("ZHILI_OPEN311_REOPEN_DAYS", 30, minimum=0)
ZHILI_OPEN311_READS_PER_MINUTE = env_int("ZHILI_OPEN311_READS_PER_MINUTE", 600, minimum=1)
ZHILI_OPEN311_MAX_PHOTOS = env_int("ZHILI_OPEN311_MAX_PHOTOS", 6, minimum=0)
# Resident report page: reports per hour from one IP address / one device.
ZHILI_REPORTS_PER_HOUR_IP = env_int("ZHILI_REPORTS_PER_HOUR_IP", 20, minimum=1)
ZHILI_REPORTS_PER_HOUR_DEVICE = env_int("ZHILI_REPORTS_PER_HOUR_DEVICE", 5, minimum=1)
ZHILI_OPEN311_CONTACT = env_str("ZHILI_OPEN311_CONTACT", "城市治理办 12345")
ZHILI_OPEN311_KEY_SERVICE = env_str("ZHILI_OPEN311_KEY_SERVICE", "Ask the governance office for an API key.")

# --- service circles ---------------------------------------------------------
# A running service-circle analysis whose worker has been silent this long
# was lost with it (zhili tick marks it failed).
ZHILI_ACCESS_STALE_MINUTES = env_int("ZHILI_ACCESS_STALE_MINUTES", 30, minimum=1)

# --- maps ------------------------------------------------------------------
# No basemap by default: government intranets often have no internet.  Set a
# tile URL template ({z}/{x}/{y}) served inside the network to show one.
ZHILI_BASEMAP_URL = env_str("ZHILI_BASEMAP_URL", "")
ZHILI_BASEMAP_ATTRIBUTION = env_str("ZHILI_BASEMAP_ATTRIBUTION", "")

# --- working calendar ------------------------------------------------------
ZHILI_OFFICE_HOURS = [
    (env_time("ZHILI_AM_START", "08:30"), env_time("ZHILI_AM_END", "12:00")),
    (env_time("ZHILI_PM_START", "14:00"), env_time("ZHILI_PM_END", "17:30")),
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("ZHILI_LOG_LEVEL", "WARNING")},
}
