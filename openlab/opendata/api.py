"""Wagtail's API v2 at /api/v2/: read-only, live public pages, safe fields only.

The fields each page type exposes are declared here, beside the open data sets,
so the whole public-data policy is in one place. A model that declares its own
`api_fields` keeps them (tests/opendata checks that no private field leaks).
"""

import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import serializers
from wagtail.api import APIField
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.serializers import PageSerializer
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet

from openlab import dates
from openlab.querystring import positive_int

# A number the database can hold (signed 64 bits): at most 18 ASCII digits.
_INTEGER = re.compile(r"-?[0-9]{1,18}")
_COUNT = re.compile(r"[0-9]{1,18}")
# Wagtail's tree filters: a page id, or "root" where Wagtail allows it.
_TREE_PARAMETERS = {
    "child_of": True,
    "descendant_of": True,
    "translation_of": True,
    "ancestor_of": False,
}


class _WholePage(serializers.Field):
    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)


class GoalNumbers(_WholePage):
    def to_representation(self, page):
        return sorted(goal.pk for goal in page.goals.all())


class TownNames(_WholePage):
    def to_representation(self, page):
        return [town.name for town in page.towns.all()]


class LivePageRef(serializers.Field):
    """A related page as {id, title}, only when that page is live itself."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        if value is None or not value.live:
            return None
        return {"id": value.pk, "title": value.title}


class LivePageRefs(_WholePage):
    def __init__(self, relation, **kwargs):
        self.relation = relation
        super().__init__(**kwargs)

    def to_representation(self, page):
        return [
            {"id": p.pk, "title": p.title} for p in getattr(page, self.relation).all() if p.live
        ]


def _tagged():
    return [APIField("goals", serializer=GoalNumbers()), APIField("towns", serializer=TownNames())]


def api_field_policy():
    from events.models import EventIndexPage, EventPage
    from openlab.models import HomePage
    from projects.models import ProjectIndexPage, ProjectPage, ReportIndexPage, ReportPage
    from stakeholders.models import StakeholderIndexPage, StakeholderPage

    intro = [APIField("intro")]
    return {
        HomePage: intro,
        StakeholderIndexPage: intro,
        ProjectIndexPage: intro,
        EventIndexPage: intro,
        ReportIndexPage: intro,
        StakeholderPage: [
            APIField("kind"),
            APIField("summary"),
            APIField("description"),
            APIField("website"),
            APIField("public_email", serializer=serializers.CharField(read_only=True)),
            APIField("joined"),
            *_tagged(),
        ],
        ProjectPage: [
            APIField("summary"),
            APIField("body"),
            APIField("status"),
            APIField("start_date"),
            APIField("end_date"),
            APIField("lead", serializer=LivePageRef()),
            APIField("partners", serializer=LivePageRefs("partners")),
            *_tagged(),
        ],
        EventPage: [
            APIField("summary"),
            APIField("body"),
            APIField("start"),
            APIField("end"),
            APIField("all_day"),
            APIField("rrule"),
            APIField("venue_name"),
            APIField("venue_address"),
            APIField("latitude"),
            APIField("longitude"),
            APIField("attendance"),
            APIField("price"),
            APIField("kids_welcome"),
            APIField("barrier_free"),
            APIField("capacity"),
            APIField("registration"),
            APIField("organisers", serializer=LivePageRefs("organisers")),
            *_tagged(),
        ],
        ReportPage: [
            APIField("body"),
            APIField("nickname"),
            APIField("grade"),
            APIField("date"),
            APIField("ambassador_group", serializer=LivePageRef()),
            *_tagged(),
        ],
    }


def declare_api_fields():
    for model, fields in api_field_policy().items():
        if "api_fields" not in model.__dict__:
            model.api_fields = fields


class SiteHtmlUrlField(serializers.Field):
    """The page's address on the configured site (SITE_URL): Wagtail's own `html_url` is
    built from the Wagtail Site record, `http://localhost/` on an install made by setup."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, page):
        parts = page.get_url_parts()
        if parts is None:
            return None
        return site_url() + parts[2]


class RFC3339DateTimeField(serializers.DateTimeField):
    """Date-times as everywhere else the site writes them for machines (openlab.dates):
    Tokyo time in whole seconds; DRF's own wrote microseconds, or Z."""

    def to_representation(self, value):
        return dates.rfc3339(value)


class PublicPageSerializer(PageSerializer):
    html_url = SiteHtmlUrlField()
    serializer_field_mapping = {
        **PageSerializer.serializer_field_mapping,
        models.DateTimeField: RFC3339DateTimeField,
    }


def site_url():
    """The site's own base URL, as configured (SITE_URL), without a trailing slash."""
    return settings.WAGTAILAPI_BASE_URL.rstrip("/")


def _integer_key(model):
    """The model's primary key is a number (a page type's is a link to Page's id)."""
    key = model._meta.pk
    while key.is_relation:
        key = key.target_field
    return isinstance(key, models.IntegerField)


def check_parameters(request, model, available_fields):
    """A 400 for any number the database could not take or that is not a number: the
    paging, the tree filters and every integer or relation field filter (`goals`,
    `towns`, `lead`...). Wagtail passes them on as Python ints of any size (a 500 at
    offset=2**63 or goals=10**20), or, for a many-to-many field, as they are."""
    get = request.GET
    for name in ("offset", "limit"):
        if name in get and not _COUNT.fullmatch(get[name]):
            raise BadRequestError(
                _("%(name)s には0以上の整数（18桁まで）を指定してください。") % {"name": name}
            )
    for name, root_allowed in _TREE_PARAMETERS.items():
        value = get.get(name)
        if value is None or positive_int(value) is not None or (root_allowed and value == "root"):
            continue
        raise BadRequestError(
            _("%(name)s にはページのid（正の整数）を指定してください。") % {"name": name}
        )
    for name in set(get) & set(available_fields):
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if field.is_relation and field.related_model is not None:
            if _integer_key(field.related_model) and positive_int(get[name]) is None:
                raise BadRequestError(
                    _("%(name)s には正の整数のidを指定してください。") % {"name": name}
                )
        elif isinstance(field, models.IntegerField) and not _INTEGER.fullmatch(get[name]):
            raise BadRequestError(
                _("%(name)s には整数（18桁まで）を指定してください。") % {"name": name}
            )


class PublicPagesAPIViewSet(PagesAPIViewSet):
    """Live, public pages of the site only (Wagtail's base queryset), GET only.

    Wagtail checks the type of integer and boolean filters only: a date, a number or an
    id that does not parse (`?start=garbage`, `?latitude=abc`, `find/?id=abc`) reached
    the database as a 500. Here each is a 400 that names the parameter.
    """

    http_method_names = ["get", "head", "options"]
    base_serializer_class = PublicPageSerializer

    def check_query_parameters(self, queryset):
        super().check_query_parameters(queryset)
        check_parameters(
            self.request,
            queryset.model,
            self.get_available_fields(queryset.model, db_fields_only=True),
        )
        if "search" in self.request.GET:
            # Wagtail's search backend cannot read Japanese (子育て found nothing, the site's
            # search 14) and raised on `"` or a blank: refused, pointing to the site's search.
            query = urlencode({"q": self.request.GET["search"].strip()})
            raise BadRequestError(
                _(
                    "/api/v2/ では全文検索ができません。日本語に対応した検索API "
                    "%(url)s をお使いください。"
                )
                % {"url": f"{site_url()}/api/search/?{query}"}
            )

    def detail_view(self, request, pk):
        if positive_int(str(pk)) is None:  # 19 digits and more overflowed the database
            raise Http404(_("ページが見つかりません。"))
        return super().detail_view(request, pk)

    def filter_queryset(self, queryset):
        operator = self.request.GET.get("search_operator")
        if operator not in (None, "and", "or"):
            raise BadRequestError(_("search_operator は and か or です。"))
        try:
            return super().filter_queryset(queryset)
        except (ValueError, ValidationError) as error:
            raise BadRequestError(
                _("絞り込みの値が正しくありません: %(error)s") % {"error": _first_message(error)}
            ) from error

    def find_object(self, queryset, request):
        if "id" in request.GET and positive_int(request.GET["id"]) is None:
            raise BadRequestError(_("id には正の整数を指定してください。"))
        return super().find_object(queryset, request)


def _first_message(error):
    messages = getattr(error, "messages", None) or [str(error)]
    return str(messages[0])[:200]


api_router = WagtailAPIRouter("wagtailapi")
api_router.register_endpoint("pages", PublicPagesAPIViewSet)
