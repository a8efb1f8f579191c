"""`make run` is what a city officer trying OpenLab sees: DEBUG off (the site's own error
pages, never Django's debug page with every URL pattern), static files and media served,
and a secret key of this install's own (a key in the repository let anyone forge the
signed cancel and unsubscribe links of every copy). `make dev` keeps DEBUG on."""

import json
import os
import re
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The embedded defaults: none of the services the test run may point at.
SERVICE_VARIABLES = (
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ELASTICSEARCH_URL",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
)


def embedded_env(var_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in SERVICE_VARIABLES}
    env.update(OPENLAB_VAR_DIR=str(var_dir), MEDIA_ROOT=str(var_dir / "media"), **extra)
    return env


def settings_of(module, var_dir):
    """DEBUG and SECRET_KEY of a settings module as a fresh process imports it."""
    code = (
        "import importlib, json; "
        f"m = importlib.import_module({module!r}); "
        "print(json.dumps({'DEBUG': m.DEBUG, 'SECRET_KEY': m.SECRET_KEY}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=embedded_env(var_dir),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def default_settings_module(path):
    """The module manage.py or asgi.py uses when DJANGO_SETTINGS_MODULE is not set."""
    found = re.search(
        r'setdefault\("DJANGO_SETTINGS_MODULE", "([\w.]+)"\)', (ROOT / path).read_text()
    )
    return found.group(1)


def test_run_settings_have_debug_off_and_a_per_install_key(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    # What `make run` uses: manage.py's and the ASGI application's default.
    assert default_settings_module("manage.py") == "openlab.settings.local"
    assert default_settings_module("openlab/asgi.py") == "openlab.settings.local"
    run = settings_of("openlab.settings.local", first)
    assert run["DEBUG"] is False
    key_file = first / "secret_key"
    assert run["SECRET_KEY"] == key_file.read_text().strip()
    assert len(run["SECRET_KEY"]) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    # The same install keeps its key; another install has another.
    assert settings_of("openlab.settings.local", first)["SECRET_KEY"] == run["SECRET_KEY"]
    assert settings_of("openlab.settings.local", second)["SECRET_KEY"] != run["SECRET_KEY"]
    dev = settings_of("openlab.settings.dev", first)
    assert dev["DEBUG"] is True and dev["SECRET_KEY"] == run["SECRET_KEY"]
    assert settings_of("openlab.settings.bench", first)["SECRET_KEY"] == run["SECRET_KEY"]


def test_no_secret_key_is_committed():
    """Only the test settings keep a fixed key (test-only); no settings module, benchmark or
    deploy script falls back to a literal one."""
    literal = re.compile(r"SECRET_KEY\b[^\n]*(?:or|=|,)\s*[\"'][^\"'\s$]{6,}[\"']")
    tracked = subprocess.run(
        ["git", "ls-files", "openlab/settings", "bench", "deploy", ".ci", "Makefile"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    found = [
        f"{name}: {match.group(0)}"
        for name in tracked
        if name != "openlab/settings/test.py" and (ROOT / name).is_file()
        for match in literal.finditer((ROOT / name).read_text(errors="replace"))
    ]
    assert not found, found


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_make_runs_server_answers_with_debug_off(tmp_path):
    """What `make run` does after installing (migrate, then deploy/run-dev.sh), on the
    embedded defaults in a fresh var directory; seed_demo is left out for time."""
    env = embedded_env(tmp_path)
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    (tmp_path / "media").mkdir(exist_ok=True)
    (tmp_path / "media" / "probe.txt").write_text("media served")

    port = free_port()
    server = subprocess.Popen(
        ["bash", "deploy/run-dev.sh"],
        cwd=ROOT, env={**env, "PORT": str(port)}, start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                status, _body = fetch(base + "/healthz")
                break
            except OSError:
                assert server.poll() is None, "run-dev.sh ended before serving"
                assert time.monotonic() < deadline, "the site did not answer within 120 s"
                time.sleep(0.5)

        status, body = fetch(base + "/no-such-page-for-the-officer/")
        assert status == 404
        assert 'class="site-header"' in body  # the site's own page
        for debug_text in ("URLconf", "urlpatterns", "DEBUG = True", "Page not found at"):
            assert debug_text not in body, debug_text
        status, body = fetch(base + "/static/css/site.css")
        assert status == 200 and body.strip()
        assert fetch(base + "/media/probe.txt") == (200, "media served")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # run-dev.sh's trap stops its two children
        try:
            output, _ = server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            output, _ = server.communicate()
    assert "DEBUG off" in output, output[-2000:]
