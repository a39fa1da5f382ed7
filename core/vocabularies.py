"""Named vocabularies that one app owns and a sibling checks values against without
importing it (siblings on a floor never import each other, see ARCHITECTURE.md). The owner
registers a provider in its ``AppConfig.ready``; the checker asks ``known``.

Example: partners validate a pushed customer's ``interests`` against the catalog's category
slugs, which the courses app provides as ``INTERESTS``."""

from collections.abc import Callable, Iterable

from django.core.exceptions import ImproperlyConfigured

INTERESTS = "interests"

_providers: dict[str, Callable[[set[str]], set[str]]] = {}
_choice_providers: dict[str, Callable[[], list]] = {}


def register(name: str, provider: Callable[[set[str]], set[str]]) -> None:
    """``provider(values)`` returns the subset of ``values`` that exists."""
    _providers[name] = provider


def register_choices(name: str, provider: Callable[[], list]) -> None:
    """``provider()`` returns the vocabulary as form choices (grouped as Django allows)."""
    _choice_providers[name] = provider


def choices(name: str) -> list:
    provider = _choice_providers.get(name)
    if provider is None:
        raise ImproperlyConfigured(f"no app provides the choices of {name!r}")
    return provider()


def known(name: str, values: Iterable[str]) -> set[str]:
    wanted = set(values)
    if not wanted:
        return set()
    try:
        provider = _providers[name]
    except KeyError as exc:
        raise ImproperlyConfigured(f"no app provides the vocabulary {name!r}") from exc
    return provider(wanted)
