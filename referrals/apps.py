from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("Learner referrals")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from commerce.sale_parties import register_sale_party_source

        from . import receivers  # noqa: F401
        from .services import referral_sale_parties

        # commerce sits on a lower floor: it asks for our ledger parties through its
        # registry instead of importing us (ARCHITECTURE.md floors).
        register_sale_party_source(referral_sale_parties)
