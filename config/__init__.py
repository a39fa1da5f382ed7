"""Project package.

The design card calls this package ``platform/``; a top-level package of that name
shadows the standard library's ``platform`` module (imported by ``uuid`` while Django
starts), so the project package is ``config/``.
"""

from .celery import app as celery_app

__all__ = ("celery_app",)
