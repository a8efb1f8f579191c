from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "openlab.accounts"
    label = "accounts"
    verbose_name = "アカウント"

    def ready(self):
        from allauth.account.signals import user_signed_up

        from openlab.accounts import partner_access
        from openlab.accounts.services import ensure_profile

        partner_access.connect_signals()
        partner_access.register_page_policy()
        user_signed_up.connect(ensure_profile, dispatch_uid="accounts_ensure_profile")
