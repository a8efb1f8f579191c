"""Wagtail's API v2 at /api/v2/: read-only, live public pages, safe fields only.

The fields each page type exposes are declared here, beside the open data sets,
so the whole public-data policy is in one place. A model that declares its own
`api_fields` keeps them (tests/opendata checks that no private field leaks).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from rest_framework import serializers
from wagtail.api import APIField
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet

from openlab.querystring import positive_int


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


class PublicPagesAPIViewSet(PagesAPIViewSet):
    """Live, public pages of the site only (Wagtail's base queryset), GET only.

    Wagtail checks the type of integer and boolean filters only: a date, a number or an
    id that does not parse (`?start=garbage`, `?latitude=abc`, `find/?id=abc`) reached
    the database as a 500. Here each is a 400 that names the parameter.
    """

    http_method_names = ["get", "head", "options"]

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
