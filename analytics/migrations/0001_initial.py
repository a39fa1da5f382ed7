import django.db.models.deletion
import django.db.models.functions.comparison
from decimal import Decimal
from django.db import migrations, models


MOVED = ("audienceoverlap", "campaigndailymetric", "campaignmarketmetric")


def _content_types(apps, schema_editor, old: str, new: str) -> None:
    """Permissions and admin log entries follow the models: their content types change app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    taken = ContentType.objects.filter(app_label=new, model__in=MOVED).values_list("model", flat=True)
    ContentType.objects.filter(app_label=old, model__in=MOVED).exclude(model__in=list(taken)).update(
        app_label=new
    )


def forwards(apps, schema_editor):
    _content_types(apps, schema_editor, "campaigns", "analytics")


def backwards(apps, schema_editor):
    _content_types(apps, schema_editor, "analytics", "campaigns")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("campaigns", "0002_analytics_metrics"),
        ("partners", "0002_brand_colour_validation"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # The tables already exist (created under ``campaigns`` by its migrations 0001-0002,
    # which every database has run before this one): take them over in the state only.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AudienceOverlap",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField()),
                        ("pushed_customers", models.PositiveIntegerField(default=0)),
                        ("linked_learners", models.PositiveIntegerField(default=0)),
                        ("overlap", models.PositiveIntegerField(default=0)),
                        ("computed_at", models.DateTimeField(auto_now=True)),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="partners.partner",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "audience overlap",
                        "verbose_name_plural": "audience overlaps",
                        "db_table": "campaigns_audienceoverlap",
                        "ordering": ["partner_id", "date"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("partner", "date"), name="audience_overlap_unique_day"
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CampaignDailyMetric",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField()),
                        ("language", models.CharField(blank=True, max_length=10, null=True)),
                        (
                            "currency",
                            models.CharField(
                                choices=[("CNY", "CNY"), ("USD", "USD"), ("JPY", "JPY"), ("EUR", "EUR")],
                                default="USD",
                                max_length=3,
                            ),
                        ),
                        ("unique_visitors", models.PositiveIntegerField(default=0)),
                        ("landing_views", models.PositiveIntegerField(default=0)),
                        ("clicks", models.PositiveIntegerField(default=0)),
                        ("signups", models.PositiveIntegerField(default=0)),
                        ("orders", models.PositiveIntegerField(default=0)),
                        (
                            "revenue",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        (
                            "refunds",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        (
                            "discount_cost",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        ("spend", models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14)),
                        ("holdout_visitors", models.PositiveIntegerField(default=0)),
                        ("holdout_orders", models.PositiveIntegerField(default=0)),
                        ("clicks_email", models.PositiveIntegerField(default=0)),
                        ("clicks_social", models.PositiveIntegerField(default=0)),
                        ("clicks_sms", models.PositiveIntegerField(default=0)),
                        ("clicks_partner_app", models.PositiveIntegerField(default=0)),
                        ("clicks_offline_qr", models.PositiveIntegerField(default=0)),
                        ("clicks_other", models.PositiveIntegerField(default=0)),
                        ("conversions", models.PositiveIntegerField(default=0)),
                        ("new_customers", models.PositiveIntegerField(default=0)),
                        ("returning_customers", models.PositiveIntegerField(default=0)),
                        (
                            "net_revenue",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        (
                            "partner_shares",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        ("reviews", models.PositiveIntegerField(default=0)),
                        ("positive_reviews", models.PositiveIntegerField(default=0)),
                        ("enrollments", models.PositiveIntegerField(default=0)),
                        ("completions", models.PositiveIntegerField(default=0)),
                        ("computed_at", models.DateTimeField(auto_now=True)),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="daily_metrics",
                                to="campaigns.campaign",
                            ),
                        ),
                        (
                            "variant",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="campaigns.variant",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "daily campaign metric",
                        "verbose_name_plural": "daily campaign metrics",
                        "db_table": "campaigns_campaigndailymetric",
                        "ordering": ["campaign_id", "date", "id"],
                        "indexes": [
                            models.Index(fields=["campaign", "date"], name="campaigns_c_campaig_69d3a6_idx")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                models.F("campaign"),
                                django.db.models.functions.comparison.Coalesce(
                                    models.F("variant"), models.Value(0)
                                ),
                                models.F("date"),
                                django.db.models.functions.comparison.Coalesce(
                                    models.F("language"), models.Value("")
                                ),
                                name="daily_metric_unique_row",
                            )
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="CampaignMarketMetric",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("date", models.DateField()),
                        ("language", models.CharField(max_length=10)),
                        ("country", models.CharField(max_length=2)),
                        (
                            "currency",
                            models.CharField(
                                choices=[("CNY", "CNY"), ("USD", "USD"), ("JPY", "JPY"), ("EUR", "EUR")],
                                default="USD",
                                max_length=3,
                            ),
                        ),
                        ("unique_visitors", models.PositiveIntegerField(default=0)),
                        ("orders", models.PositiveIntegerField(default=0)),
                        (
                            "net_revenue",
                            models.DecimalField(decimal_places=2, default=Decimal("0"), max_digits=14),
                        ),
                        ("reviews", models.PositiveIntegerField(default=0)),
                        ("positive_reviews", models.PositiveIntegerField(default=0)),
                        ("enrollments", models.PositiveIntegerField(default=0)),
                        ("completions", models.PositiveIntegerField(default=0)),
                        ("computed_at", models.DateTimeField(auto_now=True)),
                        (
                            "campaign",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="market_metrics",
                                to="campaigns.campaign",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "campaign market metric",
                        "verbose_name_plural": "campaign market metrics",
                        "db_table": "campaigns_campaignmarketmetric",
                        "ordering": ["campaign_id", "date", "language", "country"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("campaign", "date", "language", "country"),
                                name="market_metric_unique_row",
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]
