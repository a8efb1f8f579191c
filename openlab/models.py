"""The lab's shared reference data (goals, targets, towns) and the home page."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalManyToManyField
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index

from openlab import sdgs


class Goal(models.Model):
    """One of the 17 SDGs; rows mirror openlab.sdgs and are created by a migration."""

    number = models.PositiveSmallIntegerField(primary_key=True)
    name_ja = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80)
    colour = models.CharField(max_length=7)

    class Meta:
        ordering = ["number"]
        verbose_name = _("SDGs目標")
        verbose_name_plural = _("SDGs目標")

    def __str__(self):
        return f"{self.number}. {self.name_ja}"

    @property
    def name(self):
        return sdgs.name_in_language(self)

    @property
    def reference(self):
        return sdgs.GOALS_BY_NUMBER[self.number]


class Target(models.Model):
    """One of the 169 SDG targets, such as 11.2 or 1.a."""

    code = models.CharField(max_length=5, primary_key=True)
    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="target_set")
    position = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["position"]
        verbose_name = _("SDGsターゲット")
        verbose_name_plural = _("SDGsターゲット")

    def __str__(self):
        return self.code


class Town(models.Model):
    """A town (町) of Higashimurayama, or "outside the city"; a controlled vocabulary."""

    slug = models.SlugField(unique=True)
    name = models.CharField(_("町名"), max_length=40, unique=True)
    position = models.PositiveSmallIntegerField(default=0)

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("position")]

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("町")
        verbose_name_plural = _("町")

    def __str__(self):
        return self.name


class SDGTaggedPage(Page):
    """A page tagged with SDG goals, optional targets and the towns it concerns."""

    goals = ParentalManyToManyField(Goal, blank=True, related_name="+", verbose_name=_("SDGs目標"))
    targets = ParentalManyToManyField(
        Target, blank=True, related_name="+", verbose_name=_("SDGsターゲット")
    )
    towns = ParentalManyToManyField(Town, blank=True, related_name="+", verbose_name=_("町"))

    sdg_panels = [
        FieldPanel("goals", widget=forms.CheckboxSelectMultiple),
        FieldPanel("targets"),
        FieldPanel("towns", widget=forms.CheckboxSelectMultiple),
    ]

    class Meta:
        abstract = True

    def goal_list(self):
        """Goals as reference objects, in number order, from the prefetched relation."""
        return [sdgs.GOALS_BY_NUMBER[goal.pk] for goal in self.goals.all()]

    def search_admin_terms(self):
        """Pre-segmented Japanese for Wagtail's admin search (see search/japanese.py)."""
        from search.documents import admin_search_terms

        return admin_search_terms(self)


class HomePage(Page):
    intro = RichTextField(_("ラボの紹介"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    parent_page_types = ["wagtailcore.Page"]
    max_count = 1

    class Meta:
        verbose_name = _("ホームページ")

    def get_context(self, request, *args, **kwargs):
        from openlab.services import home_page_sections

        context = super().get_context(request, *args, **kwargs)
        context.update(home_page_sections())
        return context
