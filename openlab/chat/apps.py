from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "openlab.chat"
    label = "chat"
    verbose_name = "チャット"
