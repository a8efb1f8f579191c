"""Production settings: refuse to start without secrets; `check --deploy` clean."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]


# Addresses only: `check` connects to neither.
SERVICES = {
    "DATABASE_URL": "postgres://openlab:openlab@127.0.0.1:5432/openlab",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}
SECRETS = {"DJANGO_SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "openlab.example.jp"}


def _manage(*args, **env):
    unset = ("DJANGO_SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE", *SERVICES)
    clean = {k: v for k, v in os.environ.items() if k not in unset}
    clean.update(DJANGO_SETTINGS_MODULE="openlab.settings.production", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "x" * 60}, "ALLOWED_HOSTS"),
        (SECRETS, "DATABASE_URL"),
        ({**SECRETS, "DATABASE_URL": SERVICES["DATABASE_URL"]}, "REDIS_URL"),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, missing):
    result = _manage("check", **env)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert missing in lines[0]
    assert "Traceback" not in result.stderr


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="openlab.example.jp",
        **SERVICES,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_security_headers_on_public_pages(client, site_tree):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
