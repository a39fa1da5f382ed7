from modeltranslation.translator import TranslationOptions, register

from .models import Theme


@register(Theme)
class ThemeTranslation(TranslationOptions):
    fields = ("name",)
