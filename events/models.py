"""Events: workshops, meetups and the monthly そらいち東村山 market."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path, re_path
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index

from events.forms import EventPageForm
from events.recurrence import local, normalise_rrule
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
        from events.listing import listing_context

        context = super().get_context(request, *args, **kwargs)
        context.update(listing_context(request, self.get_url(request)))
        return context


class EventPage(RoutablePageMixin, SDGTaggedPage):
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
    no_registration_note = models.CharField(
        _("申込不要のときの案内"),
        max_length=200,
        blank=True,
        help_text=_("申込を受け付けないときに表示します。空欄なら「申込不要・当日参加できます」。"),
    )
    image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("画像"),
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("image"),
        FieldPanel("body"),
        FieldPanel("organisers"),
        MultiFieldPanel(
            [FieldPanel("start"), FieldPanel("end"), FieldPanel("all_day"), FieldPanel("rrule")],
            heading=_("日時"),
        ),
        InlinePanel(
            "exceptions",
            heading=_("開催日ごとの変更（中止・日時変更）"),
            label=_("変更"),
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
                FieldPanel("no_registration_note"),
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
        index.AutocompleteField("search_admin_terms"),
    ]
    base_form_class = EventPageForm
    parent_page_types = ["events.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("イベント")
        verbose_name_plural = _("イベント")
        indexes = [models.Index(fields=["start"])]

    def clean(self):
        super().clean()
        errors = {}
        if self.start and self.end and self.end < self.start:
            errors["end"] = _("終了日時は開始日時より後にしてください。")
        try:
            self.rrule = normalise_rrule(self.rrule, self.start)
        except ValidationError as error:
            errors["rrule"] = error.messages
        if self.attendance != AttendanceMode.ONSITE and not self.online_url:
            errors["online_url"] = _(
                "オンラインで参加できるイベントには参加URLを入力してください。"
            )
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("緯度と経度は両方入力するか、両方とも空にしてください。")
        if errors:
            raise ValidationError(errors)

    @property
    def is_free(self):
        return self.price == 0

    @property
    def is_online(self):
        return self.attendance != AttendanceMode.ONSITE

    @property
    def takes_registrations(self):
        return self.registration != RegistrationMode.CLOSED

    # --- routes: the event, one date, registration, organiser's list ---------------
    @path("")
    def event_view(self, request):
        from events import views

        return views.event_page(request, self, None)

    @re_path(r"^(\d{4}-\d{2}-\d{2})/$", name="occurrence")
    def occurrence_view(self, request, day):
        from events import views

        return views.event_page(request, self, day)

    @re_path(r"^(\d{4}-\d{2}-\d{2})/register/$", name="register")
    def register_view(self, request, day):
        from events import views

        return views.register(request, self, day)

    @path("registrations/", name="registrations")
    def registrations_view(self, request):
        from events import views

        return views.registrations(request, self)

    def occurrence_url(self, occurrence):
        return self.url + self.reverse_subpage("occurrence", args=[occurrence.date.isoformat()])


class EventException(Orderable):
    """One date of an event cancelled or moved, with a note shown to visitors."""

    class Action(models.TextChoices):
        CANCEL = "cancel", _("中止")
        MOVE = "move", _("日時を変更")

    event = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="exceptions")
    date = models.DateField(_("対象の開催日"), help_text=_("繰り返しで決まる元の開催日"))
    action = models.CharField(
        _("変更内容"), max_length=10, choices=Action.choices, default=Action.CANCEL
    )
    new_start = models.DateTimeField(_("変更後の開始"), null=True, blank=True)
    new_end = models.DateTimeField(_("変更後の終了"), null=True, blank=True)
    note = models.CharField(_("お知らせ"), max_length=200, blank=True)

    panels = [
        FieldPanel("date"),
        FieldPanel("action"),
        FieldPanel("new_start"),
        FieldPanel("new_end"),
        FieldPanel("note"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("開催日ごとの変更")
        verbose_name_plural = _("開催日ごとの変更")


class OccurrenceQuerySet(models.QuerySet):
    def public(self):
        return self.filter(event__live=True)

    def upcoming(self, now):
        return self.filter(end__gte=now)

    def past(self, now):
        return self.filter(end__lt=now)


class Occurrence(models.Model):
    """One date of an event, materialised from its fields, rule and exceptions.

    Rows are kept in step by `events.services.sync_occurrences` (on publish and
    daily); registrations hang off them, so a row that has registrations is
    never deleted, only marked cancelled.
    """

    event = models.ForeignKey(EventPage, on_delete=models.CASCADE, related_name="occurrences")
    original_date = models.DateField(_("元の開催日"))
    date = models.DateField(_("開催日"), db_index=True)
    start = models.DateTimeField(_("開始"), db_index=True)
    end = models.DateTimeField(_("終了"))
    cancelled = models.BooleanField(_("中止"), default=False)
    moved = models.BooleanField(_("日時変更"), default=False)
    note = models.CharField(_("お知らせ"), max_length=200, blank=True)
    capacity = models.PositiveIntegerField(_("定員"), null=True, blank=True)

    objects = OccurrenceQuerySet.as_manager()

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "original_date"], name="one_occurrence_per_event_date"
            )
        ]
        indexes = [models.Index(fields=["event", "date"])]
        verbose_name = _("開催日")
        verbose_name_plural = _("開催日")

    def __str__(self):
        return f"{self.event.title} {self.date:%Y-%m-%d}"

    @property
    def local_start(self):
        return local(self.start)

    @property
    def local_end(self):
        return local(self.end)

    def is_past(self, now=None):
        from django.utils import timezone

        return self.start <= (now or timezone.now())

    def get_url(self):
        return self.event.occurrence_url(self)


class RegistrationStatus(models.TextChoices):
    UNCONFIRMED = "unconfirmed", _("メール確認待ち")
    PENDING = "pending", _("主催者の承認待ち")
    CONFIRMED = "confirmed", _("参加確定")
    WAITLISTED = "waitlisted", _("キャンセル待ち")
    CANCELLED = "cancelled", _("取消")
    REJECTED = "rejected", _("お断り")


ACTIVE_STATUSES = [
    RegistrationStatus.UNCONFIRMED,
    RegistrationStatus.PENDING,
    RegistrationStatus.CONFIRMED,
    RegistrationStatus.WAITLISTED,
]


class Registration(models.Model):
    occurrence = models.ForeignKey(
        Occurrence, on_delete=models.CASCADE, related_name="registrations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="event_registrations",
    )
    name = models.CharField(_("お名前"), max_length=80)
    email = models.EmailField(_("メールアドレス"))
    status = models.CharField(
        _("状態"), max_length=12, choices=RegistrationStatus.choices, db_index=True
    )
    created_at = models.DateTimeField(_("申込日時"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("確定日時"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消日時"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("リマインド送信日時"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            # One live registration per person and date; the database refuses a
            # double submit even when two requests race.
            models.UniqueConstraint(
                fields=["occurrence", "email"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="one_active_registration_per_email",
            ),
            models.UniqueConstraint(
                fields=["occurrence", "user"],
                condition=Q(status__in=ACTIVE_STATUSES, user__isnull=False),
                name="one_active_registration_per_user",
            ),
        ]
        indexes = [models.Index(fields=["occurrence", "status", "created_at"])]
        verbose_name = _("参加申込")
        verbose_name_plural = _("参加申込")

    def __str__(self):
        return f"{self.name} ({self.get_status_display()})"

    @property
    def is_active(self):
        return self.status in ACTIVE_STATUSES
