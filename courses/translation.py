from modeltranslation.translator import TranslationOptions, register

from .models import Category, Choice, Course, Instructor, Lesson, Question, Quiz, Section, Tag


@register(Category)
class CategoryTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("en",)


@register(Tag)
class TagTranslation(TranslationOptions):
    fields = ("name",)


@register(Instructor)
class InstructorTranslation(TranslationOptions):
    fields = ("name", "headline", "bio")


@register(Course)
class CourseTranslation(TranslationOptions):
    fields = ("title", "subtitle", "description")
    required_languages = ("en",)


@register(Section)
class SectionTranslation(TranslationOptions):
    fields = ("title",)


@register(Lesson)
class LessonTranslation(TranslationOptions):
    fields = ("title", "body")


@register(Quiz)
class QuizTranslation(TranslationOptions):
    fields = ("title",)


@register(Question)
class QuestionTranslation(TranslationOptions):
    fields = ("text",)


@register(Choice)
class ChoiceTranslation(TranslationOptions):
    fields = ("text",)
