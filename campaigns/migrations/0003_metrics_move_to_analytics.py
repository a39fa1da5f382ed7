from django.db import migrations


class Migration(migrations.Migration):
    """The nightly metric models moved to the ``analytics`` app. Only Django's model state
    changes here: the tables stay where they are, under their old names, with their data
    (``analytics`` 0001 takes them over with ``db_table``)."""

    dependencies = [
        ("campaigns", "0002_analytics_metrics"),
        ("analytics", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="campaigndailymetric",
                    name="campaign",
                ),
                migrations.RemoveField(
                    model_name="campaigndailymetric",
                    name="variant",
                ),
                migrations.RemoveField(
                    model_name="campaignmarketmetric",
                    name="campaign",
                ),
                migrations.DeleteModel(
                    name="AudienceOverlap",
                ),
                migrations.DeleteModel(
                    name="CampaignDailyMetric",
                ),
                migrations.DeleteModel(
                    name="CampaignMarketMetric",
                ),
            ],
            database_operations=[],
        ),
    ]
