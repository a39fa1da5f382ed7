"""The inbox link with its unread count for the site header (``base.html``). The count is
a column of the signed-in user's row, which every request loads already: no query."""

from django import template

register = template.Library()


@register.inclusion_tag("notifications/_header_link.html", takes_context=True)
def notifications_link(context):
    user = context.get("user")
    return {"unread": getattr(user, "unread_notifications", 0) if user is not None else 0}
