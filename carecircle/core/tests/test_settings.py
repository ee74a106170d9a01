"""Settings: refuse to start without production secrets; production hashes with Argon2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[3]
SECRETS = {
    "CARECIRCLE_SECRET_KEY": "a-long-random-production-secret-key-0123456789abcdef",
    "CARECIRCLE_FIELD_KEYS": "ZW1iZWRkZWQtZGV2ZWxvcG1lbnQta2V5LTAxMjM0NTY=",
    "CARECIRCLE_ALLOWED_HOSTS": "care.example.org",
    "CARECIRCLE_SITE_URL": "https://care.example.org",
}
PROBE = (
    "import django; django.setup(); "
    "from django.conf import settings; "
    "from django.contrib.auth.hashers import make_password; "
    "print(settings.PASSWORD_HASHERS[0]); print(make_password('a test password').split('$')[0]); "
    "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS)"
)


def start(extra_env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    """Import the settings in a fresh interpreter, as a server process would."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("CARECIRCLE_")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        CARECIRCLE_VAR_DIR=str(tmp_path),
        CARECIRCLE_DEBUG="false",
        **extra_env,
    )
    return subprocess.run(  # noqa: S603 - our own interpreter and a fixed program
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_debug_off_without_secrets_refuses_to_start_and_names_all_of_them(tmp_path):
    result = start({}, tmp_path)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert (
        "CareCircle will not start with debug off while required settings are missing: "
        "CARECIRCLE_SECRET_KEY, CARECIRCLE_FIELD_KEYS, CARECIRCLE_ALLOWED_HOSTS, "
        "CARECIRCLE_SITE_URL. "
        "See docs/deploy.md."
    ) in result.stderr


def test_debug_off_names_only_what_is_missing(tmp_path):
    result = start({"CARECIRCLE_SECRET_KEY": SECRETS["CARECIRCLE_SECRET_KEY"]}, tmp_path)

    assert result.returncode != 0
    assert (
        "required settings are missing: CARECIRCLE_FIELD_KEYS, CARECIRCLE_ALLOWED_HOSTS, "
        "CARECIRCLE_SITE_URL."
    ) in result.stderr
    assert "CARECIRCLE_SECRET_KEY" not in result.stderr


def test_production_starts_with_every_secret_and_hashes_passwords_with_argon2(tmp_path):
    result = start(SECRETS, tmp_path)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "argon2",
        "False True 31536000",
    ]


def test_tests_only_put_a_fast_hasher_in_front_of_argon2():
    assert settings.PASSWORD_HASHERS == [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.mark.django_db
def test_an_argon2_hash_from_production_still_verifies(patient):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    patient.password = Argon2PasswordHasher().encode("an old password", "somesaltvalue123")
    patient.save()
    patient.refresh_from_db()
    assert patient.check_password("an old password") is True
    assert patient.check_password("a wrong password") is False


def test_sessions_live_in_the_database_so_a_redis_outage_signs_no_one_out():
    from importlib import import_module

    from django.contrib.sessions.backends.db import SessionStore as DatabaseStore

    store = import_module(settings.SESSION_ENGINE).SessionStore
    assert issubclass(store, DatabaseStore)
