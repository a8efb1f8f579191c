"""Rooms follow partnerships and projects. Done at once (on commit), not queued: a person
whose partnership ended must lose the room's history now, and the work is a few queries."""

from django.db import transaction


def partnership_changed(sender, instance, **kwargs):
    from openlab.chat.services import sync_rooms_of_stakeholder

    stakeholder_id = instance.stakeholder_id
    transaction.on_commit(lambda: sync_rooms_of_stakeholder(stakeholder_id))


def project_published(sender, instance, **kwargs):
    from projects.models import ProjectPage

    if not isinstance(instance, ProjectPage):
        return
    project_pk = instance.pk

    def sync():
        from openlab.chat.services import room_for_project

        project = ProjectPage.objects.filter(pk=project_pk).first()
        if project is not None:
            room_for_project(project)

    transaction.on_commit(sync)


def connect():
    from django.db.models.signals import post_delete, post_save
    from wagtail.signals import page_published

    from openlab.accounts.models import PartnerMembership

    post_save.connect(partnership_changed, sender=PartnerMembership, dispatch_uid="chat_partner")
    post_delete.connect(
        partnership_changed, sender=PartnerMembership, dispatch_uid="chat_partner_deleted"
    )
    page_published.connect(project_published, dispatch_uid="chat_project_published")
