from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.mfa import on_user_logged_in
        from accounts.services import on_user_logged_in_time_zone

        user_logged_in.connect(on_user_logged_in, dispatch_uid="accounts.mfa.on_user_logged_in")
        user_logged_in.connect(on_user_logged_in_time_zone, dispatch_uid="accounts.services.time_zone")
