"""``compute_campaign_metrics [--date YYYY-MM-DD]``: the nightly metrics job for one local day
(default: each campaign's yesterday in its reporting time zone), run synchronously (the Celery
task fans the same service out per campaign)."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError

from analytics.metrics import campaign_metrics_compute, campaign_metrics_compute_last_days


def parse_day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{option} must be a date as YYYY-MM-DD, not {value!r}") from exc


class Command(BaseCommand):
    help = "Compute the campaign metric rows of one day (default: yesterday). Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--date", help="YYYY-MM-DD; default: yesterday in each campaign's reporting time zone"
        )

    def handle(self, *args, **options):
        if options.get("date"):
            results = [campaign_metrics_compute(day=parse_day(options["date"], "--date"))]
        else:
            results = campaign_metrics_compute_last_days()
        for result in results:
            self.stdout.write(
                f"{result.day.isoformat()}: {result.campaigns} campaigns, {result.daily_rows} daily rows, "
                f"{result.market_rows} market rows"
            )
