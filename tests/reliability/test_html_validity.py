"""Every HTML page of the site passes the Nu Html Checker (vnu.jar) with no error.

The pages are those of the permission crawl's table (tests/reliability/crawl_table.py),
requested as every role with the crawl's world, so a page added to the site (which must be
added to the table) is checked too. Every answer in HTML is checked, the site's 403 and 404
pages included; the Wagtail and Django admins are not ours and are left out. The checker
runs once over all of them: the JVM is slow to start.

Needs Java and vnu.jar (`bash deploy/browser.sh` installs it from npm into .cache/vnu-jar);
skipped locally without them, required under REQUIRE_SERVICES=1 (CI).
"""

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.test import Client, RequestFactory

from openlab import views
from tests.accounts.conftest import roles  # noqa: F401 - the shared role fixture
from tests.reliability import crawl_table as table
from tests.reliability.crawl_table import ROLES
from tests.reliability.test_permission_crawl import (  # noqa: F401 - world: the crawl's fixture
    Crawler,
    body_of,
    fill,
    world,
)

VNU_JAR = Path(__file__).parents[2] / ".cache/vnu-jar/node_modules/vnu-jar/build/dist/vnu.jar"
NOT_OURS = ("/admin/", "/django-admin/")
# Listings with their filters and messages showing.
FILTERED = [
    "/stakeholders/?sdg=11&kind=npo&q=A",
    "/stakeholders/?sdg=99",
    "/reports/?furigana=1",
    "/search/?q=zzzz-nothing",
]


def checker_command():
    from tests.conftest import require_service

    java = shutil.which("java")
    if java is None:
        require_service("Java", "the Nu Html Checker needs a Java runtime (17 or later)")
    if not VNU_JAR.exists():
        require_service("vnu.jar", f"{VNU_JAR} is missing (bash deploy/browser.sh)")
    return [java, "-Xss8m", "-jar", str(VNU_JAR)]


def urls_to_check(ids):
    """The crawl table's URLs, and every live Wagtail page (its index pages and the pages of
    each type are not URL patterns of their own)."""
    from wagtail.models import Page

    urls = [fill(case.url, ids) for cases in table.TABLE.values() for case in cases]
    urls += [page.url for page in Page.objects.live().filter(depth__gt=1)]
    urls += FILTERED
    return [url for url in dict.fromkeys(urls) if not url.startswith(NOT_OURS)]


def html_pages(crawl_world):
    """{sha256 of the body: (body, [(role, url), ...])} of every HTML answer of the crawl."""
    ids, people = crawl_world
    urls = urls_to_check(ids)
    pages = {}

    def keep(body, role, url):
        if body:
            pages.setdefault(hashlib.sha256(body).hexdigest(), (body, []))[1].append((role, url))

    for role in ROLES:
        crawler = Crawler(role, people.get(role))
        for url in urls:
            response, error = crawler("get", url)
            if error is None and response.get("Content-Type", "").startswith("text/html"):
                keep(body_of(response), role, url)
    # The error pages no crawl answer shows: a refused form (CSRF) and the 500 page.
    refused = Client(enforce_csrf_checks=True).post("/accounts/login/", {"login": "x"})
    keep(refused.content, "anonymous", "POST /accounts/login/ without its CSRF token")
    keep(views.server_error(RequestFactory().get("/")).content, "anonymous", "the 500 page")
    return pages


def run_checker(command, files):
    """The checker's messages for all files, from one JVM."""
    result = subprocess.run(
        [*command, "--format", "json", "--stdout", "--exit-zero-always", *map(str, files)],
        capture_output=True,
        timeout=600,
        check=True,
    )
    return json.loads(result.stdout)["messages"]


@pytest.mark.django_db
def test_every_page_of_every_role_is_valid_html(world, tmp_path):  # noqa: F811
    command = checker_command()
    pages = html_pages(world)
    assert len(pages) > 60, f"only {len(pages)} HTML pages: too few to be the whole site"
    files, where = [], {}
    for number, (body, seen_as) in enumerate(pages.values()):
        path = tmp_path / f"page-{number:03}.html"
        path.write_bytes(body)
        files.append(path)
        where[path.name] = seen_as
    # A page known to be invalid: the checker really ran and read every file.
    canary = tmp_path / "canary.html"
    canary.write_text('<!DOCTYPE html><html lang="ja"><title>x</title><form action=""></form>')
    messages = run_checker(command, [*files, canary])
    assert any(m["type"] == "error" and m.get("url", "").endswith("/canary.html") for m in messages)
    messages = [m for m in messages if not m.get("url", "").endswith("/canary.html")]
    errors = [
        f"{where.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))[:3]} "
        f"line {m.get('lastLine')}: "
        f"{m['message']} [{m.get('extract', '').strip()[:120]}]"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert not errors, f"{len(errors)} HTML errors:\n" + "\n".join(errors)
