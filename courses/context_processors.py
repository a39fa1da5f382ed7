"""The visitor's own courses and cart for every template: ``owned_courses`` (slug ->
completion percent), ``cart_slugs`` and ``cart_count`` (the header's badge). Lazy: each is
one query, made only on pages that show it."""

from django.utils.functional import SimpleLazyObject

from .buying import cart_slugs as read_cart_slugs
from .learning.selectors import owned_course_progress


def learning(request):
    user = getattr(request, "user", None)
    slugs = SimpleLazyObject(lambda: read_cart_slugs(request))
    return {
        "owned_courses": SimpleLazyObject(lambda: owned_course_progress(user=user)),
        "cart_slugs": slugs,
        "cart_count": SimpleLazyObject(lambda: len(slugs)),
    }
