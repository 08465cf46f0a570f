"""HTTPS settings from the environment, and `check --deploy` clean in a production-like one."""
import os
import secrets
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from studio.env import proxy_ssl_header
from tests.conftest import ROOT


def run_django(tmp_path, code_or_args, **env):
    """A fresh process with only the given environment (the settings read it at import)."""
    base = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "STUDIO_DATA_DIR": str(tmp_path / "data"),
            "DJANGO_SETTINGS_MODULE": "studio.settings", "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "studio.example.com"}
    return subprocess.run([sys.executable, *code_or_args], cwd=ROOT, env=base | env,
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_is_clean_in_a_production_like_environment(tmp_path):
    result = run_django(tmp_path, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                        STUDIO_HTTPS="1", STUDIO_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr.replace("axes.apps", "")


def test_without_https_check_deploy_names_what_is_missing(tmp_path):
    result = run_django(tmp_path, ["manage.py", "check", "--deploy"])
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in result.stderr, warning


def test_studio_https_turns_every_switch_on(tmp_path):
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
            "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)")
    on = run_django(tmp_path, ["-c", code], STUDIO_HTTPS="1", STUDIO_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert on.stdout.split("\n")[-2] == "True 31536000 True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    off = run_django(tmp_path, ["-c", code])
    assert off.stdout.split("\n")[-2] == "False 0 False False False False None"
    # One switch can still be turned back off on its own.
    some = run_django(tmp_path, ["-c", code], STUDIO_HTTPS="1", STUDIO_HSTS_PRELOAD="0")
    assert some.stdout.split("\n")[-2].split()[3] == "False"


@pytest.mark.parametrize("value,expected", [
    ("X-Forwarded-Proto", ("HTTP_X_FORWARDED_PROTO", "https")),
    ("X-Forwarded-Ssl: on", ("HTTP_X_FORWARDED_SSL", "on")),
    ("", None),
    (None, None),
])
def test_the_proxy_header_setting_reads_a_header_name(value, expected):
    assert proxy_ssl_header(value) == expected


def test_a_proxy_header_that_is_not_a_header_name_is_refused():
    with pytest.raises(ImproperlyConfigured, match="STUDIO_PROXY_SSL_HEADER"):
        proxy_ssl_header("HTTP X FORWARDED PROTO")


def test_behind_the_proxy_an_https_request_is_served_and_a_plain_one_redirected(client, settings, member):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    plain = client.get("/accounts/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
