from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "openlab.chat"
    label = "chat"
    verbose_name = "チャット"

    def ready(self):
        from openlab.chat import signals

        signals.connect()
