"""How much of the translated content exists in each language.

Reads only modeltranslation's registry, so the shared kernel stays free of app imports:
every model registered in any app's ``translation.py`` is counted, one query per model."""

from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db import models
from django.db.models import Count, Q
from modeltranslation import settings as mt_settings
from modeltranslation.translator import translator
from modeltranslation.utils import build_localized_fieldname

TEXT_FIELDS = (models.CharField, models.TextField, models.FileField)


@dataclass(frozen=True)
class TranslationCount:
    model: str
    field: str
    language: str
    translated: int
    total: int

    @property
    def share(self) -> Decimal:
        """Percent of rows with a value in this language, one decimal place."""
        if not self.total:
            return Decimal("0.0")
        return (Decimal(100) * self.translated / self.total).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    def as_dict(self) -> dict:
        return {**asdict(self), "share": float(self.share)}


def _has_value(model: type[models.Model], name: str) -> Q:
    condition = Q(**{f"{name}__isnull": False})
    if isinstance(model._meta.get_field(name), TEXT_FIELDS):
        condition &= ~Q(**{name: ""})
    return condition


def translation_report() -> list[TranslationCount]:
    """One row per registered model, translated field and language, ordered by model label,
    field and the configured language order. Blank and NULL values count as missing."""
    languages = list(mt_settings.AVAILABLE_LANGUAGES)
    registered = translator.get_registered_models(abstract=False)
    rows: list[TranslationCount] = []
    for model in sorted(registered, key=lambda m: m._meta.label):
        fields = sorted(translator.get_options_for_model(model).all_fields)
        aggregates = {"__total": Count("pk")}
        for field in fields:
            for language in languages:
                name = build_localized_fieldname(field, language)
                aggregates[name] = Count("pk", filter=_has_value(model, name))
        # The base manager: a plain count of every row, untouched by custom default managers.
        counts = model._base_manager.aggregate(**aggregates)
        for field in fields:
            for language in languages:
                rows.append(
                    TranslationCount(
                        model=model._meta.label,
                        field=field,
                        language=language,
                        translated=counts[build_localized_fieldname(field, language)],
                        total=counts["__total"],
                    )
                )
    return rows
