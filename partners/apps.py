from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


def owner_requires_mfa(user) -> bool:
    """Partner owners issue API keys and see partner figures: with
    ``MFA_REQUIRED_FOR_PARTNER_OWNERS`` they sign in with a second factor."""
    if not settings.MFA_REQUIRED_FOR_PARTNER_OWNERS:
        return False
    from partners.models import PartnerMember

    return PartnerMember.objects.filter(user=user, role=PartnerMember.Role.OWNER).exists()


class PartnersConfig(AppConfig):
    name = "partners"
    verbose_name = _("Partners")

    def ready(self) -> None:
        # Registers the Api-Key security scheme with drf-spectacular.
        from accounts.mfa import register_mfa_requirement

        # Registers the onboarding e-mails' outbox handlers in web and worker processes.
        from partners import services, webhooks  # noqa: F401
        from partners.api import schema  # noqa: F401

        register_mfa_requirement(owner_requires_mfa)
