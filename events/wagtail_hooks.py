"""Admin: a link from an event's page menu to its registrations (organisers and facilitators)."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin import widgets


def _registrations_button(page, user, priority):
    from events.models import EventPage
    from events.services import can_manage_registrations

    if page.specific_class is None or not issubclass(page.specific_class, EventPage):
        return
    if not page.live:
        return
    if can_manage_registrations(user, page):
        yield widgets.Button(
            _("申込者"),
            url=f"{page.url}registrations/",
            icon_name="group",
            priority=priority,
        )


@hooks.register("register_page_listing_more_buttons")
def registrations_listing_button(page, user, next_url=None):
    yield from _registrations_button(page, user, priority=60)


@hooks.register("register_page_header_buttons")
def registrations_header_button(page, user, view_name, next_url=None):
    yield from _registrations_button(page, user, priority=60)
