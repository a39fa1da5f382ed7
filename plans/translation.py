from modeltranslation.translator import TranslationOptions, register

from .models import Bundle, Plan


@register(Bundle)
class BundleTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = ("en",)


@register(Plan)
class PlanTranslation(TranslationOptions):
    fields = ("title", "description")
    required_languages = ("en",)
