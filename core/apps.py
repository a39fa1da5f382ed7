from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Floor 0: the shared kernel every app may import (errors, base models, API plumbing)."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from .pg_loaders import timestamptz_loader_fast

        connection_created.connect(timestamptz_loader_fast, dispatch_uid="core.timestamptz_loader_fast")
