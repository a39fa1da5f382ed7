from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    name = "courses"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from core import vocabularies

        from . import catalog_cache
        from .selectors import category_interest_choices, category_slugs_existing

        catalog_cache.connect()
        # Partners check pushed customers' interests, and accounts offer learners their
        # interests, from our categories without importing us (ARCHITECTURE.md floors).
        vocabularies.register(vocabularies.INTERESTS, category_slugs_existing)
        vocabularies.register_choices(vocabularies.INTERESTS, category_interest_choices)
