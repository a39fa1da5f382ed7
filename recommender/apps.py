from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecommenderConfig(AppConfig):
    name = "recommender"
    verbose_name = _("Recommender")

    def ready(self) -> None:
        from . import audiences, signals

        signals.connect()
        # Campaigns (a floor below) check the segments a partner picks through this source.
        audiences.register()
