from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "プロジェクトとレポート"

    def ready(self):
        from django.db.models.signals import post_delete, pre_save
        from wagtail.images import get_image_model

        from projects.images import strip_image_on_save
        from projects.models import ReportPhoto
        from projects.services import report_photo_deleted

        # Every uploaded image is stored without metadata, whatever path it came by.
        pre_save.connect(
            strip_image_on_save, sender=get_image_model(), dispatch_uid="strip_image_metadata"
        )
        post_delete.connect(
            report_photo_deleted, sender=ReportPhoto, dispatch_uid="report_photo_files"
        )
