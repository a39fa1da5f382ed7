"""``compute_campaign_metrics [--date YYYY-MM-DD]``: the nightly metrics job for one day,
run synchronously (the Celery task fans the same service out per campaign)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analytics.metrics import campaign_metrics_compute


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Compute the campaign metric rows of one day (default: yesterday). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument("--date", help="YYYY-MM-DD; default yesterday in TIME_ZONE")

    def handle(self, *args, **options):
        day = (
            parse_day(options["date"], "--date")
            if options.get("date")
            else timezone.localdate() - timedelta(days=1)
        )
        result = campaign_metrics_compute(day=day)
        self.stdout.write(
            f"{result.day.isoformat()}: {result.campaigns} campaigns, {result.daily_rows} daily rows, "
            f"{result.market_rows} market rows"
        )
