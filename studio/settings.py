"""Image Studio settings: everything that differs between machines comes from the environment."""
from pathlib import Path

import os
from datetime import timedelta

from .env import cache, database, envbool, envint, envlist, proxy_ssl_header, secret_key, storage

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("STUDIO_DATA_DIR") or BASE_DIR / "var").resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)  # SQLite creates its file, not its folder

DEBUG = envbool("STUDIO_DEBUG", False)
SECRET_KEY = secret_key(DATA_DIR)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "django_q",
    "providers",
    "gallery",
    "studio",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "studio.poll.JobCardNotModifiedMiddleware",  # an unchanged job-card poll: 304 before sessions and auth
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "studio.urls"
WSGI_APPLICATION = "studio.wsgi.application"

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
            ],
        },
    },
]

DATABASES = {"default": database(os.environ.get("DATABASE_URL"), DATA_DIR / "studio.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "compose"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Static files are served by WhiteNoise straight from the source folders; a
# collected copy (for a CDN or a front proxy) is opt-in.
COLLECTSTATIC = envbool("STUDIO_COLLECTSTATIC", False)
STATIC_ROOT = DATA_DIR / "static" if COLLECTSTATIC else None
# Image files are never public: they are served by gallery.views.image_file,
# which checks access. MEDIA_URL is deliberately unused by any URL pattern.
MEDIA_ROOT = Path(os.environ.get("STUDIO_MEDIA_ROOT") or DATA_DIR / "media")
# Originals, thumbnails and input images: the media root, or an S3-compatible
# bucket shared by every host (STUDIO_STORAGE_URL=s3://bucket?endpoint_url=…).
STORAGE_URL = os.environ.get("STUDIO_STORAGE_URL") or None
STORAGES = {
    "default": storage(STORAGE_URL),
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if COLLECTSTATIC
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

CACHES = {"default": cache(os.environ.get("REDIS_URL"), DATA_DIR)}
# A job card polls every second: its session is read from the cache, not the
# database (written through to the database, so a cleared cache logs no one out).
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- security: login throttling, Content-Security-Policy, HTTPS ------------------
# (README "Security"). Kept in one block: the rest of this file is other concerns.
INSTALLED_APPS += ["axes"]
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
                  "csp.middleware.CSPMiddleware")
MIDDLEWARE += ["axes.middleware.AxesMiddleware"]  # last, as django-axes asks
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account or address first
    "django.contrib.auth.backends.ModelBackend",
]
# A login is refused after this many failures for one username, or from one
# address, within the cool-off; staff unlock early in the admin (Access attempts).
AXES_FAILURE_LIMIT = envint("STUDIO_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("STUDIO_LOGIN_COOLOFF_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "studio.login_throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "studio.login_throttle.client_ip"
# How many proxies in front append to X-Forwarded-For; 0 trusts only the socket.
STUDIO_TRUSTED_PROXIES = envint("STUDIO_TRUSTED_PROXIES", 0)

# No inline script or style anywhere: scripts live in static/js, and htmx is told
# not to inject its indicator <style> or evaluate attributes (base.html).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Pico's form icons are data: SVGs
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# STUDIO_HTTPS=1 says the site is only reached over HTTPS: redirect, HSTS and
# secure cookies all follow; each can still be set on its own.
STUDIO_HTTPS = envbool("STUDIO_HTTPS", False)
SECURE_SSL_REDIRECT = envbool("STUDIO_SSL_REDIRECT", STUDIO_HTTPS)
SECURE_HSTS_SECONDS = envint("STUDIO_HSTS_SECONDS", 365 * 24 * 3600 if STUDIO_HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("STUDIO_HSTS_INCLUDE_SUBDOMAINS", STUDIO_HTTPS)
SECURE_HSTS_PRELOAD = envbool("STUDIO_HSTS_PRELOAD", STUDIO_HTTPS)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
SECURE_PROXY_SSL_HEADER = proxy_ssl_header(os.environ.get("STUDIO_PROXY_SSL_HEADER"))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = envbool("STUDIO_SECURE_COOKIES", STUDIO_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# --- end of security ---------------------------------------------------------

# --- generation -------------------------------------------------------------
# Longest a single job may run (provider waits included) before django-q
# kills it; `retry` must exceed it or a slow task is delivered twice.
STUDIO_JOB_TIMEOUT = envint("STUDIO_JOB_TIMEOUT", 900)
STUDIO_MAX_DOWNLOAD_BYTES = envint("STUDIO_MAX_DOWNLOAD_BYTES", 50 * 1024 * 1024)
STUDIO_MAX_RESPONSE_BYTES = envint("STUDIO_MAX_RESPONSE_BYTES", 64 * 1024 * 1024)  # JSON/text answers
# Input images (references, edit images, masks, uploads) one person may keep; 0: no limit.
STUDIO_INPUT_QUOTA_MB = envint("STUDIO_INPUT_QUOTA_MB", 500)
STUDIO_INPUT_RATE_MB_PER_HOUR = envint("STUDIO_INPUT_RATE_MB_PER_HOUR", 500)
# Provider calls wait on the network, so each worker process runs its jobs
# in this many threads instead of one job per process. A waiting call holds
# no database connection, so this does not multiply connections (docs/jobs.md).
STUDIO_JOB_THREADS = envint("STUDIO_JOB_THREADS", 16)
# Database connections the job threads of one worker process share; a thread
# takes one for each burst of queries and closes it after (docs/jobs.md).
STUDIO_DB_CONNECTIONS = envint("STUDIO_DB_CONNECTIONS", 4)
# Default attempts for new connections (each connection has its own setting);
# backoff doubles from the base, with jitter, up to the cap.
STUDIO_MAX_ATTEMPTS = envint("STUDIO_MAX_ATTEMPTS", 3)
STUDIO_RETRY_BASE_SECONDS = float(os.environ.get("STUDIO_RETRY_BASE_SECONDS") or 2.0)
STUDIO_RETRY_MAX_SECONDS = float(os.environ.get("STUDIO_RETRY_MAX_SECONDS") or 60.0)
# A running job's process writes a heartbeat this often; one silent for the
# stale time was lost with its worker and is retried or failed.
STUDIO_HEARTBEAT_SECONDS = float(os.environ.get("STUDIO_HEARTBEAT_SECONDS") or 5.0)
STUDIO_STALE_SECONDS = float(os.environ.get("STUDIO_STALE_SECONDS") or 60.0)
# A queued job whose task was sent this long ago and never claimed is sent
# again (the Redis broker loses tasks a killed worker had fetched).
STUDIO_REQUEUE_AFTER_SECONDS = float(os.environ.get("STUDIO_REQUEUE_AFTER_SECONDS") or 180.0)
# Longest a job waits in the queue for a free call slot on its connection.
STUDIO_SLOT_WAIT_SECONDS = float(os.environ.get("STUDIO_SLOT_WAIT_SECONDS") or 1800.0)
# On SIGTERM a worker lets running calls finish this long, then requeues them.
STUDIO_DRAIN_SECONDS = float(os.environ.get("STUDIO_DRAIN_SECONDS") or 20.0)
# How long a finished provider call's result waits for a restarting database.
STUDIO_DB_RETRY_SECONDS = float(os.environ.get("STUDIO_DB_RETRY_SECONDS") or 30.0)

# The API (api/): how long a call waits for its job before answering 202 with
# the job's id, how often it looks, how long a signed image link works, and
# each token's default limits (staff may set others per token).
STUDIO_API_WAIT_SECONDS = float(os.environ.get("STUDIO_API_WAIT_SECONDS") or 120)
STUDIO_API_POLL_SECONDS = float(os.environ.get("STUDIO_API_POLL_SECONDS") or 0.25)
STUDIO_API_LINK_SECONDS = envint("STUDIO_API_LINK_SECONDS", 3600)
STUDIO_API_RATE_PER_MINUTE = envint("STUDIO_API_RATE_PER_MINUTE", 60)
STUDIO_API_MAX_IN_FLIGHT = envint("STUDIO_API_MAX_IN_FLIGHT", 8)

# Run tasks in the calling process instead of queueing them (unit tests only).
STUDIO_TASKS_INLINE = False

_redis_url = os.environ.get("REDIS_URL")
Q_CLUSTER = {
    "name": "studio",
    "workers": envint("STUDIO_WORKERS", 2),
    "timeout": STUDIO_JOB_TIMEOUT,
    "retry": STUDIO_JOB_TIMEOUT + 120,
    "max_attempts": 1,
    # Job state lives in our own rows, so successes are not kept (-1); with
    # the default (250), once 250 results are stored every save prunes the
    # table inside a transaction, and under SQLite's lock the ORM broker
    # loses results (measured: 311 of 1000).
    "save_limit": -1,
    "ack_failures": True,
    "catch_up": False,
    # How often an idle ORM broker looks for a task (one cheap read). At 0.2 s
    # the wait for pickup took most of an 8-model compare's margin over the
    # provider's latency.
    "poll": 0.05,
    # Jobs run in threads that outlive their task; recycling a worker process
    # would cut them off, so recycle rarely (a lost job is recovered anyway).
    "recycle": 100_000,
    "label": "Task queue",
}
if _redis_url:
    Q_CLUSTER["redis"] = _redis_url
else:
    Q_CLUSTER["orm"] = "default"

# Error reports (the DEBUG 500 page, ADMINS e-mails) hide secret-named POST
# fields and locals, and any local holding this request's token, DEBUG or not.
DEFAULT_EXCEPTION_REPORTER_FILTER = "studio.reporting.StudioExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # httpx logs every request URL at INFO; keep the noise (and any query
        # string a provider might echo) out of the logs.
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
    },
}
