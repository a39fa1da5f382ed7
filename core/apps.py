from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Floor 0: the shared kernel every app may import (errors, base models, API plumbing)."""

    name = "core"
    verbose_name = "Core"
