"""``{{ value|zoned }}``: a date and time in the visitor's time zone, the zone named, so a
learner in Shanghai and one in Madrid each read the start of a live class in their own hours
and know which hours they are ("20:00 (Asia/Shanghai)")."""

from django import template
from django.utils import timezone
from django.utils.html import format_html

from core.cldr import format_datetime

register = template.Library()


@register.filter
def zoned(value, format_name: str = "DATETIME_FORMAT"):
    if not value:
        return ""
    local = timezone.localtime(value)
    zone = timezone.get_current_timezone_name()
    # The Django format names the templates pass map onto CLDR's lengths.
    shown = format_datetime(local, "short" if format_name.startswith("SHORT") else "medium")
    return format_html('<time datetime="{}">{} ({})</time>', local.isoformat(), shown, zone)
