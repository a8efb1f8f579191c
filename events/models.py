"""Events: workshops, meetups and the monthly そらいち東村山 market."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index

from openlab.blocks import BodyBlock
from openlab.models import SDGTaggedPage


class RegistrationMode(models.TextChoices):
    CLOSED = "closed", _("申込なし")
    OPEN = "open", _("先着順")
    APPROVAL = "approval", _("主催者の承認制")


class AttendanceMode(models.TextChoices):
    ONSITE = "onsite", _("会場")
    ONLINE = "online", _("オンライン")
    HYBRID = "hybrid", _("会場とオンライン")


class EventIndexPage(Page):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["openlab.HomePage"]
    subpage_types = ["events.EventPage"]
    max_count = 1

    class Meta:
        verbose_name = _("イベント一覧")

    def get_context(self, request, *args, **kwargs):
        from events.services import upcoming_events

        context = super().get_context(request, *args, **kwargs)
        context["events"] = upcoming_events(limit=None)
        return context


class EventPage(SDGTaggedPage):
    summary = models.CharField(_("概要"), max_length=240, blank=True)
    body = StreamField(BodyBlock(), verbose_name=_("本文"), blank=True)
    organisers = ParentalManyToManyField(
        "stakeholders.StakeholderPage",
        blank=True,
        related_name="organised_events",
        verbose_name=_("主催"),
    )
    start = models.DateTimeField(_("開始"))
    end = models.DateTimeField(_("終了"))
    all_day = models.BooleanField(_("終日"), default=False)
    rrule = models.CharField(
        _("繰り返し（RRULE）"),
        max_length=200,
        blank=True,
        help_text=_("例: FREQ=MONTHLY;BYDAY=3SU（毎月第3日曜日）"),
    )
    venue_name = models.CharField(_("会場名"), max_length=120, blank=True)
    venue_address = models.CharField(_("住所"), max_length=200, blank=True)
    latitude = models.DecimalField(_("緯度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(
        _("経度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    attendance = models.CharField(
        _("参加方法"), max_length=10, choices=AttendanceMode.choices, default=AttendanceMode.ONSITE
    )
    online_url = models.URLField(_("オンライン参加URL"), blank=True)
    price = models.PositiveIntegerField(_("参加費（円）"), default=0)
    kids_welcome = models.BooleanField(_("子ども歓迎"), default=False)
    barrier_free = models.BooleanField(_("バリアフリー会場"), default=False)
    capacity = models.PositiveIntegerField(_("定員"), null=True, blank=True)
    registration = models.CharField(
        _("申込"), max_length=10, choices=RegistrationMode.choices, default=RegistrationMode.CLOSED
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        FieldPanel("organisers"),
        MultiFieldPanel(
            [FieldPanel("start"), FieldPanel("end"), FieldPanel("all_day"), FieldPanel("rrule")],
            heading=_("日時"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("attendance"),
                FieldPanel("venue_name"),
                FieldPanel("venue_address"),
                FieldPanel("latitude"),
                FieldPanel("longitude"),
                FieldPanel("online_url"),
            ],
            heading=_("会場"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("price"),
                FieldPanel("kids_welcome"),
                FieldPanel("barrier_free"),
                FieldPanel("capacity"),
                FieldPanel("registration"),
            ],
            heading=_("参加"),
        ),
        MultiFieldPanel(SDGTaggedPage.sdg_panels, heading=_("SDGsと地域")),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("body"),
        index.SearchField("venue_name"),
        index.FilterField("start"),
    ]
    parent_page_types = ["events.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("イベント")
        verbose_name_plural = _("イベント")
        indexes = [models.Index(fields=["start"])]

    @property
    def is_free(self):
        return self.price == 0
