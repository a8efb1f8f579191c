from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "openlab.notifications"
    label = "notifications"
    verbose_name = "お知らせ"
