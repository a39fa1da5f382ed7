from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommerceConfig(AppConfig):
    name = "commerce"
    verbose_name = _("Commerce")

    def ready(self) -> None:
        from courses.buying import register_cart_source

        from . import receivers  # noqa: F401
        from .selectors import cart_course_slugs

        # Course cards, the course page and the catalog API show "In cart" without
        # importing commerce (ARCHITECTURE.md floors).
        register_cart_source(cart_course_slugs)
