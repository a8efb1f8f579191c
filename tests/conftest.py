"""Shared fixtures. Real services only: a test that needs Redis or Elasticsearch
uses the real one, skips with a reason when it is absent, and fails instead when
REQUIRE_SERVICES=1 (CI)."""

import os
import shutil

import pytest
from django.conf import settings

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def require_service(name, reason):
    """Skip (locally) or fail (CI) a test whose service is missing."""
    message = f"{name} is not available: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)")
    pytest.skip(message)


@pytest.fixture
def redis_url():
    url = os.environ.get("REDIS_URL")
    if not url:
        require_service("Redis", "REDIS_URL is not set")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        require_service("Redis", f"{url} does not answer ({error})")
    return url


@pytest.fixture
def postgres_url():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        require_service("PostgreSQL", "DATABASE_URL does not name a PostgreSQL server")
    import psycopg

    try:
        psycopg.connect(url, connect_timeout=2).close()
    except psycopg.Error as error:
        require_service("PostgreSQL", f"{url} does not answer ({error})")
    return url


@pytest.fixture
def elasticsearch_url():
    url = os.environ.get("ELASTICSEARCH_URL")
    if not url:
        require_service("Elasticsearch", "ELASTICSEARCH_URL is not set")
    from elasticsearch import Elasticsearch

    try:
        Elasticsearch(url, request_timeout=5).cluster.health()
    except Exception as error:
        require_service("Elasticsearch", f"{url} does not answer ({error})")
    return url


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium")
    if not path:
        require_service("chromium", "Debian's chromium is not installed (bash deploy/browser.sh)")
    return path


@pytest.fixture
def site_tree(db):
    from openlab.setup import ensure_site_structure

    return ensure_site_structure()


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def pytest_report_header(config):
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    return (
        f"openlab: database={database} redis={'yes' if os.environ.get('REDIS_URL') else 'no'} "
        f"elasticsearch={'yes' if os.environ.get('ELASTICSEARCH_URL') else 'no'} "
        f"require_services={REQUIRE_SERVICES}"
    )
