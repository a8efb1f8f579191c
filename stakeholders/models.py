"""Stakeholders: the lab's register of who works on what, offers what and needs what."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.contrib.taggit import ClusterTaggableManager
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from taggit.models import TaggedItemBase
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail.snippets.models import register_snippet

from openlab.blocks import BodyBlock
from openlab.models import SDGTaggedPage


class StakeholderKind(models.TextChoices):
    CITY = "city", _("市役所の部署")
    COMPANY = "company", _("企業")
    NPO = "npo", _("NPO・市民団体")
    SCHOOL = "school", _("学校")
    UNIVERSITY = "university", _("大学")
    CITIZEN = "citizen", _("市民")
    AMBASSADOR = "ambassador", _("こどもSDGs大使")


@register_snippet
class OfferNeedTerm(models.Model):
    """A term of the controlled vocabulary of what stakeholders offer (できること) and need."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("名前"), max_length=40, unique=True)
    name_en = models.CharField(_("英語名"), max_length=60, blank=True)

    panels = [FieldPanel("name"), FieldPanel("name_en"), FieldPanel("slug")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("できること・求めること")
        verbose_name_plural = _("できること・求めること")

    def __str__(self):
        return self.name


class StakeholderIndexPage(Page):
    intro = models.TextField(_("紹介文"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["openlab.HomePage"]
    subpage_types = ["stakeholders.StakeholderPage"]
    max_count = 1

    class Meta:
        verbose_name = _("ステークホルダー一覧")

    def get_context(self, request, *args, **kwargs):
        from stakeholders.services import directory_context

        context = super().get_context(request, *args, **kwargs)
        context.update(directory_context(self, request))
        return context


# How stakeholders are listed by name everywhere: 50音 order of their reading.
NAME_ORDER = ("name_reading", "title", "pk")


class StakeholderTag(TaggedItemBase):
    content_object = ParentalKey(
        "stakeholders.StakeholderPage", on_delete=models.CASCADE, related_name="tagged_items"
    )


class StakeholderPage(SDGTaggedPage):
    kind = models.CharField(_("種別"), max_length=20, choices=StakeholderKind.choices)
    summary = models.CharField(_("ひとこと紹介"), max_length=200, blank=True)
    description = StreamField(BodyBlock(), verbose_name=_("紹介"), blank=True)
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("ロゴ"),
    )
    offers = ParentalManyToManyField(
        OfferNeedTerm, blank=True, related_name="+", verbose_name=_("できること")
    )
    needs = ParentalManyToManyField(
        OfferNeedTerm, blank=True, related_name="+", verbose_name=_("求めること")
    )
    tags = ClusterTaggableManager(through=StakeholderTag, blank=True, verbose_name=_("タグ"))
    website = models.URLField(_("ウェブサイト"), blank=True)
    email = models.EmailField(_("連絡先メール"), blank=True)
    email_public = models.BooleanField(
        _("メールアドレスを公開する"),
        default=False,
        help_text=_("オンにすると、メールアドレスがこのページに表示されます。"),
    )
    joined = models.DateField(_("ラボ参加日"), null=True, blank=True)
    # 50音 order: the name's reading without its legal form (stakeholders/reading.py),
    # computed from the live title whenever it is saved.
    name_reading = models.CharField(
        _("よみ（並び順）"), max_length=255, blank=True, editable=False, db_index=True
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("logo"),
        FieldPanel("description"),
        MultiFieldPanel(SDGTaggedPage.sdg_panels, heading=_("SDGsと地域")),
        MultiFieldPanel(
            [FieldPanel("offers"), FieldPanel("needs"), FieldPanel("tags")],
            heading=_("できること・求めること"),
        ),
        MultiFieldPanel(
            [FieldPanel("website"), FieldPanel("email"), FieldPanel("email_public")],
            heading=_("連絡先"),
        ),
        FieldPanel("joined"),
    ]
    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("description"),
        index.FilterField("kind"),
        index.AutocompleteField("search_admin_terms"),
    ]

    parent_page_types = ["stakeholders.StakeholderIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("ステークホルダー")
        verbose_name_plural = _("ステークホルダー")

    def save(self, *args, **kwargs):
        from stakeholders.reading import name_reading

        update_fields = kwargs.get("update_fields")
        if update_fields is None or "title" in update_fields:
            self.name_reading = name_reading(self.title)
            if update_fields is not None:
                kwargs["update_fields"] = {*update_fields, "name_reading"}
        return super().save(*args, **kwargs)

    @property
    def public_email(self):
        return self.email if self.email_public else ""

    def get_context(self, request, *args, **kwargs):
        from stakeholders.services import stakeholder_page_context

        context = super().get_context(request, *args, **kwargs)
        context.update(stakeholder_page_context(self))
        return context
