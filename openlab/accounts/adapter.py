"""allauth's hooks for the site's roles."""

# allauth's stages module cannot be the first of allauth.account to load (its own import
# cycle through internal.flows); loading the flows first breaks it.
import allauth.account.internal.flows  # noqa: F401
from allauth.account import stages
from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from openlab.accounts.permissions import is_ambassador

ALLAUTH_EMAIL_STAGE = "allauth.account.stages.EmailVerificationStage"


class EmailVerificationStage(stages.EmailVerificationStage):
    """A child's account has no e-mail address (a facilitator made the ID and password):
    there is nothing to verify, so a child logging in with the adult form is let in as
    with the children's form, instead of being sent to 「メールアドレスの確認」."""

    def handle(self):
        user = self.login.user
        if is_ambassador(user) and not user.email:
            return None, True
        return super().handle()


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        """Children land on their own reports, whichever form they logged in with
        (a `next` in the request still wins: allauth asks here only without one)."""
        if is_ambassador(request.user):
            return reverse("reports_mine")
        return super().get_login_redirect_url(request)

    def get_login_stages(self):
        return [
            f"{__name__}.EmailVerificationStage" if path == ALLAUTH_EMAIL_STAGE else path
            for path in super().get_login_stages()
        ]
