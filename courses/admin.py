"""Staff admin of the catalog and of learning (enrollments, progress, reviews).

Translated models use modeltranslation's tabbed admin (a tab per language). Writes that
keep counters, seats or the search column right go through ``courses.services``; the
learning records are read-only here because their counters are kept by those services."""

from django.contrib import admin, messages
from django.db.models import Count, Prefetch, Q
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from modeltranslation.admin import TabbedTranslationAdmin, TranslationStackedInline, TranslationTabularInline
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from courses.models import (
    Category,
    Choice,
    Course,
    Enrollment,
    Instructor,
    Lesson,
    LessonProgress,
    LiveSession,
    Price,
    Question,
    Quiz,
    QuizAttempt,
    Review,
    Section,
    Tag,
    WishlistItem,
)
from courses.services import course_index_search_text, course_reindex, course_set_published


def _in_every_language(field: str) -> list[str]:
    """``name_en``, ``name_zh_hans``... for every content language, so a language added to
    the settings is searched without editing each admin."""
    return [build_localized_fieldname(field, language) for language in AVAILABLE_LANGUAGES]


class ReadOnlyAdminMixin:
    """Records written by services: staff may look, not edit, add or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def _names_changed(form) -> bool:
    return any(field == "name" or field.startswith("name_") for field in form.changed_data)


@admin.register(Category)
class CategoryAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "parent", "position", "course_count"]
    list_select_related = ["parent"]
    list_filter = [("parent", admin.EmptyFieldListFilter)]
    search_fields = ["slug", *_in_every_language("name")]
    ordering = ["parent__position", "position", "slug"]
    autocomplete_fields = ["parent"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(course_total=Count("courses"))

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Category names (of the category and of its parent) are searched with every
        # course under them.
        if change and _names_changed(form):
            course_reindex(courses=Course.objects.filter(Q(category=obj) | Q(category__parent=obj)))

    @admin.display(description=_("courses"), ordering="course_total")
    def course_count(self, obj):
        return obj.course_total


@admin.register(Tag)
class TagAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug"]
    search_fields = ["slug", *_in_every_language("name")]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and _names_changed(form):
            course_reindex(courses=obj.courses.all())


@admin.register(Instructor)
class InstructorAdmin(TabbedTranslationAdmin):
    list_display = ["name", "slug", "headline", "revenue_share", "user"]
    list_select_related = ["user"]
    search_fields = ["slug", *_in_every_language("name")]
    raw_id_fields = ["user"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and _names_changed(form):
            course_reindex(courses=obj.courses.all())


class SectionInline(TranslationTabularInline):
    model = Section
    fields = ["position", "title", "release_after_days", "release_at"]
    extra = 0
    # Lessons are edited on the section's own page (its change link), one level at a time.
    show_change_link = True


class PriceInline(admin.TabularInline):
    model = Price
    fields = ["currency", "amount"]
    extra = 0


class LiveSessionInline(admin.TabularInline):
    model = LiveSession
    fields = ["starts_at", "duration_minutes", "capacity", "seats_taken"]
    # Seats move only through the reservation services.
    readonly_fields = ["seats_taken"]
    extra = 0


@admin.register(Course)
class CourseAdmin(TabbedTranslationAdmin):
    list_display = [
        "title",
        "slug",
        "category",
        "instructor",
        "format",
        "level",
        "language",
        "is_published",
        "price_summary",
        "enrollment_count",
        "rating_average",
    ]
    list_select_related = ["category", "instructor"]
    list_filter = ["format", "level", "language", "category", "is_published"]
    # search_text holds every language's title, subtitle, description, tags and names.
    search_fields = ["slug", "search_text"]
    autocomplete_fields = ["category", "instructor", "tags"]
    readonly_fields = [
        "public_id",
        "is_published",
        "published_at",
        "enrollment_count",
        "rating_count",
        "rating_sum",
        "rating_average",
        "created_at",
        "updated_at",
    ]
    inlines = [SectionInline, PriceInline, LiveSessionInline]
    actions = ["publish", "unpublish"]
    list_per_page = 50

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("prices", queryset=Price.objects.order_by("currency")))
        )

    @admin.display(description=_("prices"))
    def price_summary(self, obj):
        return " · ".join(f"{price.currency} {price.amount}" for price in obj.prices.all()) or "—"

    def get_urls(self):
        from .translation_views import course_translation_export_view, course_translations, translation_index

        view = self.admin_site.admin_view
        return [
            path("translations/", view(translation_index), name="courses_course_translation_index"),
            path("<int:pk>/translations/", view(course_translations), name="courses_course_translations"),
            path(
                "<int:pk>/translations/export/",
                view(course_translation_export_view),
                name="courses_course_translation_export",
            ),
            *super().get_urls(),
        ]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Tags, category and instructor names feed the search column: refresh it after
        # the many-to-many rows are saved.
        course_index_search_text(courses=[form.instance])

    @admin.action(description=_("Publish selected courses"), permissions=["change"])
    def publish(self, request, queryset):
        count = course_set_published(courses=queryset, published=True)
        self.message_user(
            request,
            ngettext("%(count)d course published.", "%(count)d courses published.", count) % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Unpublish selected courses"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = course_set_published(courses=queryset, published=False)
        self.message_user(
            request,
            ngettext("%(count)d course unpublished.", "%(count)d courses unpublished.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class LessonInline(TranslationStackedInline):
    model = Lesson
    fields = [
        "position",
        "title",
        "body",
        "media_file",
        "media_kind",
        "media_seconds",
        "media_url",
        "duration_minutes",
        "is_preview",
    ]
    extra = 0


@admin.register(Section)
class SectionAdmin(TabbedTranslationAdmin):
    list_display = ["title", "course", "position"]
    list_select_related = ["course"]
    search_fields = ["course__slug", *_in_every_language("title")]
    autocomplete_fields = ["course"]
    inlines = [LessonInline]
    fields = ["course", "position", "title", "release_after_days", "release_at"]


class QuestionInline(TranslationStackedInline):
    model = Question
    fields = ["position", "text"]
    extra = 0
    # Choices are edited on the question's own page (its change link).
    show_change_link = True


class ChoiceInline(TranslationTabularInline):
    model = Choice
    fields = ["position", "text", "is_correct"]
    extra = 3


@admin.register(Quiz)
class QuizAdmin(TabbedTranslationAdmin):
    list_display = ["title", "course", "section", "pass_mark", "required_for_certificate"]
    list_select_related = ["course", "section"]
    list_filter = ["required_for_certificate"]
    search_fields = ["course__slug", *_in_every_language("title")]
    autocomplete_fields = ["course"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(TabbedTranslationAdmin):
    list_display = ["__str__", "quiz", "position"]
    list_select_related = ["quiz"]
    search_fields = ["quiz__course__slug", *_in_every_language("text")]
    autocomplete_fields = ["quiz"]
    inlines = [ChoiceInline]


@admin.register(QuizAttempt)
class QuizAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "quiz", "score", "passed", "created_at"]
    list_select_related = ["user", "quiz"]
    list_filter = ["passed"]
    search_fields = ["user__username", "quiz__course__slug"]
    date_hierarchy = "created_at"


@admin.register(LiveSession)
class LiveSessionAdmin(admin.ModelAdmin):
    list_display = ["course", "starts_at", "duration_minutes", "capacity", "seats_taken", "seats_left"]
    list_select_related = ["course"]
    list_filter = ["starts_at"]
    search_fields = ["course__slug"]
    autocomplete_fields = ["course"]
    readonly_fields = ["seats_taken"]
    date_hierarchy = "starts_at"

    @admin.display(description=_("seats left"))
    def seats_left(self, obj):
        return obj.seats_left


@admin.register(Enrollment)
class EnrollmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "user",
        "course",
        "live_session",
        "source",
        "is_active",
        "completed_lessons",
        "created_at",
    ]
    list_select_related = ["user", "course", "live_session"]
    list_filter = ["source", "is_active", "created_at"]
    search_fields = ["user__username", "user__email", "course__slug"]
    date_hierarchy = "created_at"


@admin.register(WishlistItem)
class WishlistItemAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """What learners save: read-only, it is theirs to change."""

    list_display = ["course", "user", "created_at"]
    list_select_related = ["course", "user"]
    search_fields = ["course__slug", "user__username"]
    date_hierarchy = "created_at"


@admin.register(LessonProgress)
class LessonProgressAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["user", "lesson", "completed", "completed_at"]
    list_select_related = ["user", "lesson"]
    list_filter = ["completed"]
    search_fields = ["user__username", "lesson__section__course__slug"]


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["course", "user", "rating", "language", "created_at"]
    list_select_related = ["course", "user"]
    list_filter = ["rating", "language"]
    search_fields = ["course__slug", "user__username", "text"]
    date_hierarchy = "created_at"
