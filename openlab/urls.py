from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from openlab import views
from openlab.chat import urls as chat_urls
from openlab.opendata.api import api_router

handler500 = "openlab.views.server_error"

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("lang/<str:code>/", views.switch_language, name="switch_language"),
    path("sdgs/", views.sdg_index, name="sdg_index"),
    path("sdgs/<str:number>/", views.sdg_detail, name="sdg_detail"),
    path("admin/login/", views.site_login, name="admin_login"),
    # Wagtail's own view, plus a message saying what was approved or sent back.
    path(
        "admin/pages/workflow/action/<int:page_id>/<slug:action_name>/<int:task_state_id>/",
        views.workflow_action,
    ),
    path("django-admin/login/", views.django_admin_login, name="django_admin_login"),
    # Every other door that takes a password leads to allauth's forms and their limits
    # (tests/reliability/crawl_table.py CREDENTIAL_ROUTES lists them all).
    path("admin/password_reset/", views.password_reset, name="admin_password_reset"),
    path("django-admin/password_change/", views.password_change, name="django_password_change"),
    path("_util/login/", views.frontend_login, name="frontend_login"),
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    path("", include("openlab.notifications.urls")),
    path("opendata/", include("openlab.opendata.urls")),
    path("dashboard/", include("openlab.dashboard.urls")),
    path("api/v2/", api_router.urls),
    path("accounts/", include("openlab.accounts.urls")),
    path("mypage/", include("openlab.mypage.urls")),
    path("accounts/", include("allauth.urls")),
    path("events/", include("events.urls")),
    path("reports/", include("projects.urls")),
    path("chat/", include("openlab.chat.urls")),
    path("api/chat/", include(chat_urls.api_urlpatterns)),
    path("matches/", include("openlab.matching.urls")),
    path("", include("search.urls")),
]

if settings.OPENLAB_BENCH_ENDPOINTS:
    urlpatterns.append(path("bench/trivial/", views.trivial))

if settings.DEBUG or settings.OPENLAB_SERVE_MEDIA:
    # Django's static() adds nothing when DEBUG is off: `make run` serves media with DEBUG off.
    from django.urls import re_path
    from django.views.static import serve

    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(rf"^{media_prefix}(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

urlpatterns.append(path("", include(wagtail_urls)))
