from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = "プロジェクトとレポート"

    def ready(self):
        from django.db.models.signals import post_delete

        from projects.models import ReportPhoto
        from projects.services import report_photo_deleted

        post_delete.connect(
            report_photo_deleted, sender=ReportPhoto, dispatch_uid="report_photo_files"
        )
