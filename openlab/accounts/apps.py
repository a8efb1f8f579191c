from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openlab.accounts"
    label = "accounts"
    verbose_name = "アカウント"
