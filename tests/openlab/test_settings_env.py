"""The settings' environment getters: good values read, bad ones named (openlab/settings/env.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from openlab.settings.env import env_bool, env_float, env_int, env_list, env_str, required

ROOT = Path(__file__).parents[2]


def test_env_str(monkeypatch):
    monkeypatch.delenv("OPENLAB_T", raising=False)
    assert env_str("OPENLAB_T", "fallback") == "fallback"
    monkeypatch.setenv("OPENLAB_T", " kept as written ")
    assert env_str("OPENLAB_T", "fallback") == " kept as written "


def test_env_int_reads_whole_numbers_and_defaults_when_unset_or_blank(monkeypatch):
    monkeypatch.delenv("OPENLAB_T", raising=False)
    assert env_int("OPENLAB_T", 10) == 10
    monkeypatch.setenv("OPENLAB_T", " ")
    assert env_int("OPENLAB_T", 10) == 10
    monkeypatch.setenv("OPENLAB_T", " 25 ")
    assert env_int("OPENLAB_T", 10, minimum=1, maximum=65535) == 25


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "OPENLAB_T must be a whole number, got 'abc'"),
        ("1.5", "OPENLAB_T must be a whole number, got '1.5'"),
        ("0", "OPENLAB_T must be at least 1, got '0'"),
        ("70000", "OPENLAB_T must be at most 65535, got '70000'"),
    ],
)
def test_env_int_names_the_variable_and_value_when_bad(monkeypatch, value, message):
    monkeypatch.setenv("OPENLAB_T", value)
    with pytest.raises(ImproperlyConfigured) as error:
        env_int("OPENLAB_T", 10, minimum=1, maximum=65535)
    assert str(error.value).startswith(message)


def test_env_float_reads_numbers(monkeypatch):
    monkeypatch.delenv("OPENLAB_T", raising=False)
    assert env_float("OPENLAB_T", 1.5) == 1.5
    monkeypatch.setenv("OPENLAB_T", "0.25")
    assert env_float("OPENLAB_T", 1.5, minimum=0.1) == 0.25
    monkeypatch.setenv("OPENLAB_T", "20")
    assert env_float("OPENLAB_T", 1.5) == 20.0


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("y", "OPENLAB_T must be a number, got 'y'"),
        ("nan", "OPENLAB_T must be a finite number, got 'nan'"),
        ("inf", "OPENLAB_T must be a finite number, got 'inf'"),
        ("0", "OPENLAB_T must be at least 0.1, got '0'"),
    ],
)
def test_env_float_names_the_variable_and_value_when_bad(monkeypatch, value, message):
    monkeypatch.setenv("OPENLAB_T", value)
    with pytest.raises(ImproperlyConfigured) as error:
        env_float("OPENLAB_T", 1.5, minimum=0.1)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), (" Yes ", True), ("ON", True)]
    + [("0", False), ("false", False), ("no", False), ("off", False), ("", False)],
)
def test_env_bool_reads_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("OPENLAB_T", value)
    assert env_bool("OPENLAB_T", default=not expected) is expected


def test_env_bool_default_when_unset_and_names_a_bad_word(monkeypatch):
    monkeypatch.delenv("OPENLAB_T", raising=False)
    assert env_bool("OPENLAB_T", True) is True
    monkeypatch.setenv("OPENLAB_T", "treu")
    with pytest.raises(ImproperlyConfigured, match="OPENLAB_T must be one of .*got 'treu'"):
        env_bool("OPENLAB_T", True)


def test_env_list(monkeypatch):
    monkeypatch.delenv("OPENLAB_T", raising=False)
    assert env_list("OPENLAB_T") == []
    assert env_list("OPENLAB_T", "a,b") == ["a", "b"]
    monkeypatch.setenv("OPENLAB_T", " a.example.jp, ,b.example.jp ,")
    assert env_list("OPENLAB_T") == ["a.example.jp", "b.example.jp"]


def test_required(monkeypatch, capsys):
    monkeypatch.setenv("OPENLAB_T", " value ")
    assert required("OPENLAB_T") == "value"
    monkeypatch.setenv("OPENLAB_T", "  ")
    with pytest.raises(SystemExit) as exit_:
        required("OPENLAB_T")
    assert exit_.value.code == 1
    assert "missing environment variable OPENLAB_T" in capsys.readouterr().err


def _start_django(module, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(DJANGO_SETTINGS_MODULE=module, **env)
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"EMAIL_PORT": "x"}, "EMAIL_PORT must be a whole number, got 'x'"),
        ({"Q_WORKERS": "z"}, "Q_WORKERS must be a whole number, got 'z'"),
        ({"ELASTICSEARCH_TIMEOUT": "y"}, "ELASTICSEARCH_TIMEOUT must be a number, got 'y'"),
        ({"CHAT_HEARTBEAT_SECONDS": "soon"}, "CHAT_HEARTBEAT_SECONDS must be a number"),
    ],
)
def test_starting_django_with_a_bad_value_names_the_variable(env, message):
    result = _start_django("openlab.settings.test", **env)
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(f"django.core.exceptions.ImproperlyConfigured: {message}"), (
        result.stderr
    )


def test_a_bad_pool_size_names_the_variable(postgres_url):
    # Only read for PostgreSQL: the real server's address, as CI gives it.
    result = _start_django(
        "openlab.settings.test", DATABASE_URL=postgres_url, DATABASE_POOL_SIZE="abc"
    )
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith(
        "django.core.exceptions.ImproperlyConfigured: "
        "DATABASE_POOL_SIZE must be a whole number, got 'abc'"
    ), result.stderr


def test_production_with_a_bad_proxy_count_names_the_variable(postgres_url, redis_url):
    result = _start_django(
        "openlab.settings.production",
        DJANGO_SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="openlab.example.jp",
        DATABASE_URL=postgres_url,
        REDIS_URL=redis_url,
        TRUSTED_PROXY_COUNT="one",
    )
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT must be a whole number, got 'one'" in result.stderr
