"""Model activation changes every similar-courses rail and every stored list: it bumps the
shared catalog cache (``core.caching`` namespace ``catalog``)."""

from django.db import transaction
from django.db.models.signals import post_delete, post_save

from core.caching import namespace_bump

from .models import ModelVersion

CATALOG = "catalog"  # courses.catalog_cache.CATALOG


def _on_version_change(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    namespace_bump(CATALOG)
    transaction.on_commit(lambda: namespace_bump(CATALOG))


def connect() -> None:
    uid = "recommender-catalog-cache"
    post_save.connect(_on_version_change, sender=ModelVersion, dispatch_uid=f"{uid}-save")
    post_delete.connect(_on_version_change, sender=ModelVersion, dispatch_uid=f"{uid}-delete")
