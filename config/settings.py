"""CareCircle settings: one module, safe embedded defaults, production from CARECIRCLE_*."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP  # type: ignore[import-not-found,unused-ignore]
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CARECIRCLE_VAR_DIR", BASE_DIR / "var"))


def env(name: str, default: str = "") -> str:
    return os.environ.get(f"CARECIRCLE_{name}", default)


def env_bool(name: str, default: bool = False) -> bool:
    value = env(name)
    if not value:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", default=True)
TESTING = "pytest" in sys.modules or env_bool("TESTING")

# With debug off, refuse to start while any required secret is missing, naming all of them.
# SITE_URL too: emails link to it and passkeys are bound to its host name.
REQUIRED_IN_PRODUCTION = ["SECRET_KEY", "FIELD_KEYS", "ALLOWED_HOSTS", "SITE_URL"]
if not DEBUG:
    missing = [f"CARECIRCLE_{name}" for name in REQUIRED_IN_PRODUCTION if not env(name)]
    if missing:
        raise ImproperlyConfigured(
            "CareCircle will not start with debug off while required settings are missing: "
            + ", ".join(missing)
            + ". See docs/deploy.md."
        )

SECRET_KEY = env("SECRET_KEY", "embedded-development-key-not-for-production-use-0123456789")

# Keys for sensitive fields (health profile fields, private messages, journal entries):
# comma-separated Fernet keys, newest first; kept apart from SECRET_KEY. See core/crypto.py.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_KEYS")
if not FIELD_ENCRYPTION_KEYS:
    if TESTING:
        FIELD_ENCRYPTION_KEYS = ["dGVzdC1vbmx5LWZpZWxkLWVuY3J5cHRpb24ta2V5ISE="]
    else:
        # Embedded mode: a key generated on first run and kept beside the database. Losing this
        # file loses every encrypted value, so it is announced and belongs in every backup.
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file = VAR_DIR / "field-keys"
        if not key_file.exists():
            from cryptography.fernet import Fernet

            key_file.write_text(Fernet.generate_key().decode() + "\n")
            key_file.chmod(0o600)
            print(
                f"CareCircle generated a field encryption key in {key_file}. Back it up with "
                "the database: without it, encrypted profile fields cannot be read.",
                file=sys.stderr,
            )
        FIELD_ENCRYPTION_KEYS = [k for k in key_file.read_text().split() if k]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("SITE_NAME", "CareCircle")
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "channels",
    "django_htmx",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    # Always installed (tables and URLs exist), so hospital single sign-on is switched on by
    # configuration alone; with no provider configured there is no button anywhere.
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "carecircle.core",
    "carecircle.accounts",
    "carecircle.communities",
    "carecircle.discussions",
    "carecircle.privacy",
    "carecircle.signin",
    "carecircle.caregivers",
    "carecircle.messaging",
    "carecircle.moderation",
    "carecircle.notifications",
    "carecircle.engagement",
    "carecircle.search",
    "carecircle.journal",
    "carecircle.uploads",
    "carecircle.polls",
    "carecircle.bookmarks",
    "carecircle.resources",
    "carecircle.api",
]

MIDDLEWARE = [
    "carecircle.core.connections.ReleaseConnectionsMiddleware",
    "carecircle.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "carecircle.core.middleware.NulCharacterMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "carecircle.privacy.middleware.PolicyUpdateMiddleware",
    "carecircle.core.middleware.MemberTimezoneMiddleware",
    # Idle and absolute session limits, and "last seen" for the member's list of sessions.
    "carecircle.signin.middleware.SessionSecurityMiddleware",
    "carecircle.journal.middleware.PrivateJournalMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = None

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "carecircle" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carecircle.core.context_processors.site",
                "carecircle.messaging.context_processors.messaging",
                "carecircle.moderation.context_processors.moderation",
                "carecircle.notifications.context_processors.notifications",
            ],
            "builtins": [
                "django.templatetags.i18n",
                "django.templatetags.static",
                "carecircle.core.templatetags.carecircle",
            ],
        },
    }
]

# --- Database ----
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env("DATABASE_URL")
if DATABASE_URL:
    # Under ASGI each request runs in a thread of its own, so persistent per-thread connections
    # would never be reused (and would pile up): connections come from a pool instead.
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=0)}
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": int(env("DB_POOL_MIN", "2")),
        "max_size": int(env("DB_POOL_MAX", "10")),
        "timeout": 10,
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env("SQLITE_PATH", str(VAR_DIR / "carecircle.sqlite3")),
            # One connection per request: under ASGI requests run in threads of their own, so a
            # persistent connection would never be reused.
            "CONN_MAX_AGE": 0,
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;PRAGMA busy_timeout=20000;"
                    # Reads of the search index from the page cache, not through read() calls.
                    "PRAGMA mmap_size=268435456;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

# --- Cache, channels, sessions ----
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "carecircle.core.cache.TolerantRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "carecircle",
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [REDIS_URL], "prefix": "carecircle"},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# What the web process and the task worker must both see (the bell's unread count, written by
# the worker that delivers): Redis in scale mode. The embedded default's two processes share no
# memory, and a file cache is slow for 50,000 counts at once, so there the count is not cached
# (one indexed COUNT per page). Tests run in one process: memory.
if REDIS_URL:
    CACHES["shared"] = CACHES["default"]
elif TESTING:
    CACHES["shared"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
else:
    CACHES["shared"] = {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
# One process (the embedded default) delivers in memory. Tests do too, also in scale mode: they
# drive sockets from synchronous code, one event loop per step, and Redis's receive queues
# belong to the loop that made them. Delivery through Redis between real server processes has
# its own test (tests/test_realtime_processes.py), whose servers use the Redis layer.
if not REDIS_URL or (TESTING and not env_bool("TEST_REDIS_CHANNEL_LAYER")):
    CHANNEL_LAYERS = {"default": {"BACKEND": "carecircle.core.realtime.LocalChannelLayer"}}

# Real-time sockets (carecircle/core/consumers.py): the largest frame a client may send, its
# average frame rate and burst (a socket above them is closed), and how many streams one socket
# may follow at once.
CARECIRCLE_REALTIME_MAX_FRAME_BYTES = int(env("REALTIME_MAX_FRAME_BYTES", str(32 * 1024)))
CARECIRCLE_REALTIME_FRAMES_PER_SECOND = float(env("REALTIME_FRAMES_PER_SECOND", "5"))
CARECIRCLE_REALTIME_FRAME_BURST = float(env("REALTIME_FRAME_BURST", "30"))
CARECIRCLE_REALTIME_MAX_SUBSCRIPTIONS = int(env("REALTIME_MAX_SUBSCRIPTIONS", "50"))

# Sessions live in the database so a Redis outage never signs anyone out. The store keeps only
# a SHA-256 of each session key, so a copy of the database holds no usable session cookie, and
# it ties each session to the member's list of devices (carecircle/signin/sessions.py).
SESSION_ENGINE = "carecircle.signin.sessions"
# Members often share a family tablet or use a hospital kiosk: a session ends after this many
# minutes without any request, and in any case this many days after signing in.
CARECIRCLE_SESSION_IDLE_MINUTES = int(env("SESSION_IDLE_MINUTES", str(12 * 60)))
CARECIRCLE_SESSION_MAX_DAYS = int(env("SESSION_MAX_DAYS", "14"))
# "Last seen" is written at most this often per session, never on every request.
CARECIRCLE_SESSION_TOUCH_SECONDS = int(env("SESSION_TOUCH_SECONDS", "300"))
SESSION_COOKIE_AGE = 60 * 60 * 24 * CARECIRCLE_SESSION_MAX_DAYS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "carecircle.core.views.csrf_failure"

# --- Tasks ----
TASKS = {
    "default": {
        "BACKEND": (
            "django.tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}

# --- Accounts ----
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Hashing cost is not what tests measure.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_ADAPTER = "carecircle.accounts.adapters.AccountAdapter"
ACCOUNT_FORMS = {"signup": "carecircle.accounts.forms.SignupForm"}
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "send_email": "5/m/key",
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
    "confirm_email": "1/3m/key",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_TOTP_ISSUER = SITE_NAME
MFA_ADAPTER = "carecircle.signin.adapters.MFAAdapter"
# Passkeys: sign in with a fingerprint, face or device PIN instead of a password. Joining with a
# passkey alone stays off: every member first confirms an email address, which is also how an
# account is recovered when a phone is lost.
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_PASSKEY_SIGNUP_ENABLED = False
# The passkey "relying party" is the site's own host name, taken from SITE_URL (not from the
# request's Host header); CARECIRCLE_WEBAUTHN_RP_ID overrides it, e.g. to the parent domain.
CARECIRCLE_WEBAUTHN_RP_ID = env("WEBAUTHN_RP_ID")
# Browsers allow passkeys only over https, except on localhost; tests and development use http.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = env_bool("WEBAUTHN_ALLOW_INSECURE_ORIGIN", DEBUG or TESTING)

# --- Hospital single sign-on (OpenID Connect) ----
# CARECIRCLE_OIDC_PROVIDERS: a JSON list, one object per identity provider:
#   [{"id": "stmary", "name": "St Mary's Hospital", "server_url": "https://login.example/...",
#     "client_id": "...", "client_secret": "...", "trust_email": false}]
# or, for a single provider, CARECIRCLE_OIDC_SERVER_URL, _CLIENT_ID, _CLIENT_SECRET, _NAME,
# _ID and _TRUST_EMAIL. Nothing configured: no single sign-on button anywhere.
# See carecircle/signin/sso.py and docs/deploy.md "Hospital single sign-on".
from carecircle.signin.sso import openid_connect_settings  # noqa: E402

CARECIRCLE_OIDC_PROVIDERS = openid_connect_settings(os.environ)
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": CARECIRCLE_OIDC_PROVIDERS, "OAUTH_PKCE_ENABLED": True}
}
SOCIALACCOUNT_ADAPTER = "carecircle.signin.adapters.SocialAccountAdapter"
SOCIALACCOUNT_FORMS = {"signup": "carecircle.signin.forms.SingleSignOnSignupForm"}
# Always ask a new single sign-on member to choose a display name (see SocialAccountAdapter).
SOCIALACCOUNT_AUTO_SIGNUP = False
SOCIALACCOUNT_LOGIN_ON_GET = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
SOCIALACCOUNT_STORE_TOKENS = False

# --- Email ----
EMAIL_BACKEND = env("EMAIL_BACKEND", "carecircle.core.mail.ConsoleAndFileEmailBackend")
EMAIL_FILE_PATH = str(VAR_DIR / "mail")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "CareCircle <no-reply@carecircle.localhost>")

# --- i18n / time ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "UTC"

# --- Static and media ----
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "carecircle" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Tests build many handlers; scanning every static file for each would dominate their time.
WHITENOISE_AUTOREFRESH = DEBUG or TESTING
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))

# --- Security headers ----
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "connect-src": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
    "base-uri": [CSP.NONE],
    "object-src": [CSP.NONE],
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "31536000"))
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many proxies in front of the site add to X-Forwarded-For: with 1 (one reverse proxy) the
# member's own address is used for rate limits and their list of sessions, not the proxy's.
ALLAUTH_TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))

# --- Product policy ----
CARECIRCLE_PAGE_SIZE = 20
CARECIRCLE_MAX_PAGE_SIZE = 100
CARECIRCLE_POST_RATE = env("POST_RATE", "10/m")  # posts per member per minute
# The country whose helplines and phone-number formats moderation uses by default (ISO code).
# Notifications: an email waits this long so a member who is online reads the bell instead.
CARECIRCLE_NOTIFICATION_EMAIL_DELAY_MINUTES = int(env("NOTIFICATION_EMAIL_DELAY_MINUTES", "10"))
# Events reaching at most this many members are delivered by the process that caused them,
# right after commit: in the embedded default only that process can update the member's open
# pages (in-memory channel layer). With Redis the worker's live updates reach every process.
# (Tests run tasks at once anyway; they turn this on where they test it.)
_INLINE_DEFAULT = "0" if REDIS_URL or TESTING else "20"
CARECIRCLE_NOTIFICATION_INLINE_MAX = int(env("NOTIFICATION_INLINE_MAX", _INLINE_DEFAULT))
# Recipients per background task when one event reaches many members (a watched community).
CARECIRCLE_NOTIFICATION_FANOUT_CHUNK = int(env("NOTIFICATION_FANOUT_CHUNK", "1000"))
# Web push (VAPID). Unset: a key pair is generated on first use and kept in the database.
CARECIRCLE_VAPID_PUBLIC_KEY = env("VAPID_PUBLIC_KEY")
CARECIRCLE_VAPID_PRIVATE_KEY = env("VAPID_PRIVATE_KEY")
CARECIRCLE_VAPID_SUBJECT = env("VAPID_SUBJECT", "mailto:admin@carecircle.localhost")
# Digests go out at this hour of the member's local morning (weekly ones on Mondays).
CARECIRCLE_DIGEST_HOUR = int(env("DIGEST_HOUR", "8"))
# Members show a "new member" tag for this many days after joining.
CARECIRCLE_NEW_MEMBER_DAYS = int(env("NEW_MEMBER_DAYS", "21"))
CARECIRCLE_DEFAULT_REGION = env("DEFAULT_REGION", "GB").upper()
# How long a worker answers visitors (not signed in) from its copy of a busy public page;
# 0 turns this off. See carecircle/core/visitor_cache.py.
CARECIRCLE_VISITOR_CACHE_SECONDS = float(env("VISITOR_CACHE_SECONDS", "5"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Search (docs/search.md) ----
# Searches one member (or one address, for visitors) may run a minute, page and API together.
CARECIRCLE_SEARCH_RATE = env("SEARCH_RATE", "60/m")
# "Similar topics already exist" checks while a member types a new topic's title.
CARECIRCLE_SIMILAR_TOPICS_RATE = env("SIMILAR_TOPICS_RATE", "30/m")
# Threads the optional sentence model may use for its matrix products (one keeps a busy
# server's requests from fighting over the cores).
CARECIRCLE_EMBEDDING_THREADS = int(env("EMBEDDING_THREADS", "1"))

# --- Health journal (docs/journal.md) ----
# Community figures cover at least this many contributing members, and no figure, complement
# or difference between figures may describe fewer.
CARECIRCLE_JOURNAL_INSIGHTS_K = int(env("JOURNAL_INSIGHTS_K", "10"))
# Journal writes (entries, check-ins, imports) one member may make a minute, page and API
# together; generous for a person, a wall for a runaway script.
CARECIRCLE_JOURNAL_WRITE_RATE = env("JOURNAL_WRITE_RATE", "120/m")
# Only members who have belonged to the community (and had their account) this many days
# count in its figures: a crowd of new accounts cannot be made to outnumber one real member.
CARECIRCLE_JOURNAL_INSIGHTS_MIN_DAYS = int(env("JOURNAL_INSIGHTS_MIN_DAYS", "30"))
# Looks at "people like me" one member may take an hour, page and API together.
CARECIRCLE_JOURNAL_PEOPLE_LIKE_ME_RATE = env("JOURNAL_PEOPLE_LIKE_ME_RATE", "30/h")
# Members whose chart digest (daily sums of their values, never notes) one process keeps in its
# own memory for up to 5 minutes; 0 turns it off. Never put in the shared cache (docs/journal.md).
CARECIRCLE_JOURNAL_CHART_CACHE_MEMBERS = int(env("JOURNAL_CHART_CACHE_MEMBERS", "16"))

# --- Uploads (docs/uploads.md) ----
# Files members attach to posts, messages and library resources. They are stored processed
# (images re-encoded without metadata) and only ever served by the `upload_file` view, which
# checks who may read them on every request: the folder is never under MEDIA_ROOT/STATIC_ROOT
# and nothing serves it directly.
CARECIRCLE_UPLOAD_IMAGE_MAX_BYTES = int(env("UPLOAD_IMAGE_MAX_BYTES", str(15 * 1024 * 1024)))
CARECIRCLE_UPLOAD_VIDEO_MAX_BYTES = int(env("UPLOAD_VIDEO_MAX_BYTES", str(100 * 1024 * 1024)))
CARECIRCLE_UPLOAD_DOCUMENT_MAX_BYTES = int(env("UPLOAD_DOCUMENT_MAX_BYTES", str(20 * 1024 * 1024)))
# Types are what libmagic finds in the bytes, never what the name or the browser claims.
CARECIRCLE_UPLOAD_IMAGE_TYPES = env_list(
    "UPLOAD_IMAGE_TYPES", "image/jpeg,image/png,image/webp,image/gif"
)
CARECIRCLE_UPLOAD_VIDEO_TYPES = env_list(
    "UPLOAD_VIDEO_TYPES", "video/mp4,video/webm,video/quicktime"
)
CARECIRCLE_UPLOAD_DOCUMENT_TYPES = env_list("UPLOAD_DOCUMENT_TYPES", "application/pdf")
# Images larger than this many pixels are refused from their header, before any decoding (a
# small file can claim a huge picture and fill the memory once decoded).
CARECIRCLE_UPLOAD_MAX_PIXELS = int(env("UPLOAD_MAX_PIXELS", "40000000"))
# Debian's ffmpeg (ffprobe beside it) makes a video's poster and reads its duration; without it
# videos still upload and play, with neither.
CARECIRCLE_FFMPEG = env("FFMPEG", "/usr/bin/ffmpeg")
CARECIRCLE_FFMPEG_TIMEOUT = int(env("FFMPEG_TIMEOUT", "30"))
# Memory limit of each ffmpeg/ffprobe run (0: none); its CPU limit is the timeout above.
CARECIRCLE_FFMPEG_MEMORY_BYTES = int(env("FFMPEG_MEMORY_BYTES", str(1024 * 1024 * 1024)))
# Largest video frame (3840 × 2160): a poster of a bigger one would need gigabytes.
CARECIRCLE_UPLOAD_VIDEO_MAX_PIXELS = int(env("UPLOAD_VIDEO_MAX_PIXELS", str(3840 * 2160)))
# A picture's decoded size, checked from its header: a tiny file can decode to gigabytes.
CARECIRCLE_UPLOAD_MAX_DECODED_BYTES = int(env("UPLOAD_MAX_DECODED_BYTES", str(200 * 1024 * 1024)))
# Pictures or ffmpeg jobs worked on at once per process, and how long an upload waits for a
# turn (seconds) before it is refused as busy (503): bounded memory under a burst of uploads.
CARECIRCLE_UPLOAD_CONCURRENCY = int(env("UPLOAD_CONCURRENCY", "2"))
CARECIRCLE_UPLOAD_BUSY_WAIT = float(env("UPLOAD_BUSY_WAIT", "20"))
# Every stored byte of one member's uploads (copies and posters included).
CARECIRCLE_UPLOAD_QUOTA_BYTES = int(env("UPLOAD_QUOTA_BYTES", str(500 * 1024 * 1024)))
CARECIRCLE_UPLOAD_MAX_PER_POST = int(env("UPLOAD_MAX_PER_POST", "10"))
# The largest request body on any path other than the upload endpoints (whose limit is the
# largest file limit above plus 1 MB): posts, replies and messages sent without the script
# carry their files in the form. Refused (413) by config/asgi.py before Django reads it.
CARECIRCLE_UPLOAD_FORM_MAX_BYTES = int(env("UPLOAD_FORM_MAX_BYTES", str(120 * 1024 * 1024)))
# Uploads one member may make, page and API together.
CARECIRCLE_UPLOAD_RATE = env("UPLOAD_RATE", "60/h")
# An upload not attached to anything (never, or no longer) is removed after this many hours.
CARECIRCLE_UPLOAD_UNATTACHED_HOURS = int(env("UPLOAD_UNATTACHED_HOURS", "24"))
# How long a browser may keep a served file: private only, because who may read it can change.
CARECIRCLE_UPLOAD_CACHE_SECONDS = int(env("UPLOAD_CACHE_SECONDS", "300"))
# local: a folder beside the database; s3: any S3-compatible service through django-storages.
CARECIRCLE_STORAGE = env("STORAGE", "local")
CARECIRCLE_UPLOAD_ROOT = Path(env("UPLOAD_ROOT", str(VAR_DIR / "uploads")))
if CARECIRCLE_STORAGE == "s3":
    if not DEBUG:
        missing = [
            f"CARECIRCLE_{name}"
            for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
            if not env(name)
        ]
        if missing:
            raise ImproperlyConfigured(
                "CareCircle will not start with CARECIRCLE_STORAGE=s3 while these are missing: "
                + ", ".join(missing)
                + ". See docs/deploy.md."
            )
    UPLOADS_STORAGE: dict[str, Any] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET"),
            "endpoint_url": env("S3_ENDPOINT_URL") or None,
            "region_name": env("S3_REGION") or None,
            "access_key": env("S3_ACCESS_KEY_ID"),
            "secret_key": env("S3_SECRET_ACCESS_KEY"),
            # No ACL is sent: new AWS buckets have ACLs disabled (Object Ownership "bucket
            # owner enforced") and refuse any. Objects are private because the bucket is:
            # keep Block Public Access on and grant no public read (docs/deploy.md). The app
            # reads objects and serves them itself after its access check; no signed or
            # public URL is ever handed out.
            "default_acl": None,
            "querystring_auth": True,
            "file_overwrite": False,
            "location": env("S3_PREFIX", ""),
        },
    }
    # Server-side encryption of every object: "AES256" (keys managed by the service) or
    # "aws:kms" (with CARECIRCLE_S3_SSE_KMS_KEY_ID for a key of your own); empty leaves it
    # to the bucket's default encryption.
    CARECIRCLE_S3_SSE = env("S3_SSE", "")
    if CARECIRCLE_S3_SSE:
        sse: dict[str, str] = {"ServerSideEncryption": CARECIRCLE_S3_SSE}
        if env("S3_SSE_KMS_KEY_ID"):
            sse["SSEKMSKeyId"] = env("S3_SSE_KMS_KEY_ID")
        UPLOADS_STORAGE["OPTIONS"]["object_parameters"] = sse
else:
    UPLOADS_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # base_url None: the storage has no public address, `url()` is never used.
        "OPTIONS": {"location": str(CARECIRCLE_UPLOAD_ROOT), "base_url": None},
    }
STORAGES["uploads"] = UPLOADS_STORAGE

# --- Polls and the resource library ----
# Votes (and changes of vote) per member; the form and the API share the budget.
CARECIRCLE_POLL_VOTE_RATE = env("POLL_VOTE_RATE", "30/m")
# Suggestions a member may send to the libraries' review queues, and curators' writes.
CARECIRCLE_RESOURCE_SUGGEST_RATE = env("RESOURCE_SUGGEST_RATE", "10/h")
CARECIRCLE_RESOURCE_WRITE_RATE = env("RESOURCE_WRITE_RATE", "120/h")

# Link previews of library resources, fetched by a task. Only public addresses are ever
# contacted; ALLOWED_NETWORKS lets an operator (or the tests) name private ranges to allow.
CARECIRCLE_PREVIEW_ALLOWED_NETWORKS = env_list("PREVIEW_ALLOWED_NETWORKS", "")
CARECIRCLE_PREVIEW_ALLOWED_PORTS = [int(p) for p in env_list("PREVIEW_ALLOWED_PORTS", "80,443")]
CARECIRCLE_PREVIEW_CONNECT_TIMEOUT = float(env("PREVIEW_CONNECT_TIMEOUT", "5"))
CARECIRCLE_PREVIEW_READ_TIMEOUT = float(env("PREVIEW_READ_TIMEOUT", "5"))
CARECIRCLE_PREVIEW_TOTAL_TIMEOUT = float(env("PREVIEW_TOTAL_TIMEOUT", "10"))
CARECIRCLE_PREVIEW_MAX_BYTES = int(env("PREVIEW_MAX_BYTES", str(512 * 1024)))
CARECIRCLE_PREVIEW_MAX_REDIRECTS = int(env("PREVIEW_MAX_REDIRECTS", "3"))
