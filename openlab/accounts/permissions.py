"""Who may change what: the rules every view, consumer and admin hook asks.

A partner speaks for the stakeholders whose membership a facilitator approved;
they may edit the pages those stakeholders own and nothing else. Facilitators
may change everything.
"""

from openlab.accounts.models import PartnerMembership, Role


def role_of(user):
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.FACILITATOR
    profile = getattr(user, "profile", None)
    return profile.role if profile else Role.CITIZEN


def is_facilitator(user):
    return role_of(user) == Role.FACILITATOR


def is_ambassador(user):
    return role_of(user) == Role.AMBASSADOR


def approved_stakeholder_ids(user):
    """Primary keys of the StakeholderPages `user` is an approved partner of."""
    if not user.is_authenticated:
        return set()
    return set(
        PartnerMembership.objects.filter(
            user=user, status=PartnerMembership.Status.APPROVED
        ).values_list("stakeholder_id", flat=True)
    )


def is_partner_of(user, stakeholder):
    return stakeholder.pk in approved_stakeholder_ids(user)


def owning_stakeholder_ids(page):
    """The stakeholders a page belongs to: itself, a project's lead and partners,
    an event's organisers, a report's ambassador group."""
    from events.models import EventPage
    from projects.models import ProjectPage, ReportPage
    from stakeholders.models import StakeholderPage

    page = page.specific
    if isinstance(page, StakeholderPage):
        return {page.pk}
    if isinstance(page, ProjectPage):
        # .all() (not values_list) also reads modelcluster's in-memory relations.
        return {page.lead_id, *(partner.pk for partner in page.partners.all())} - {None}
    if isinstance(page, EventPage):
        return {organiser.pk for organiser in page.organisers.all()}
    if isinstance(page, ReportPage):
        return {page.ambassador_group_id} - {None}
    return set()


def can_edit(user, page):
    if is_facilitator(user):
        return True
    return bool(owning_stakeholder_ids(page) & approved_stakeholder_ids(user))
