"""Moderation: staff hide or show questions and answers, and work through reports."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services
from .models import Answer, Question, Report


class AnswerInline(admin.TabularInline):
    model = Answer
    fields = ["author", "body", "upvote_count", "is_hidden", "created_at"]
    readonly_fields = ["author", "upvote_count", "created_at"]
    extra = 0
    show_change_link = True


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["title", "course", "lesson", "author", "is_hidden", "created_at"]
    list_filter = ["is_hidden", "created_at"]
    search_fields = ["title", "body", "author__username"]
    list_select_related = ["course", "lesson", "author"]
    raw_id_fields = ["lesson", "course", "author", "best_answer"]
    inlines = [AnswerInline]
    actions = ["hide", "show"]

    @admin.action(description=_("Hide the selected questions"))
    def hide(self, request, queryset):
        count = services.questions_set_hidden(question_ids=queryset.values_list("pk", flat=True), hidden=True)
        self.message_user(request, ngettext("%d question hidden.", "%d questions hidden.", count) % count)

    @admin.action(description=_("Show the selected questions again"))
    def show(self, request, queryset):
        count = services.questions_set_hidden(
            question_ids=queryset.values_list("pk", flat=True), hidden=False
        )
        self.message_user(request, ngettext("%d question shown.", "%d questions shown.", count) % count)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin):
    list_display = ["__str__", "question", "author", "upvote_count", "is_hidden", "created_at"]
    list_filter = ["is_hidden"]
    search_fields = ["body", "author__username"]
    list_select_related = ["question", "author"]
    raw_id_fields = ["question", "author"]
    readonly_fields = ["upvote_count"]
    actions = ["hide", "show"]

    @admin.action(description=_("Hide the selected answers"))
    def hide(self, request, queryset):
        count = services.answers_set_hidden(answer_ids=queryset.values_list("pk", flat=True), hidden=True)
        self.message_user(request, ngettext("%d answer hidden.", "%d answers hidden.", count) % count)

    @admin.action(description=_("Show the selected answers again"))
    def show(self, request, queryset):
        count = services.answers_set_hidden(answer_ids=queryset.values_list("pk", flat=True), hidden=False)
        self.message_user(request, ngettext("%d answer shown.", "%d answers shown.", count) % count)


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "reason", "question", "answer", "reporter", "created_at", "resolved_at"]
    list_filter = ["reason", ("resolved_at", admin.EmptyFieldListFilter)]
    list_select_related = ["question", "answer", "reporter"]
    raw_id_fields = ["question", "answer", "reporter"]
    actions = ["hide_and_resolve", "resolve"]

    @admin.action(description=_("Hide the reported items and resolve the reports"))
    def hide_and_resolve(self, request, queryset):
        reports = list(queryset.values_list("pk", "question_id", "answer_id"))
        services.questions_set_hidden(question_ids=[q for _pk, q, _a in reports if q], hidden=True)
        services.answers_set_hidden(answer_ids=[a for _pk, _q, a in reports if a], hidden=True)
        count = services.reports_resolve(report_ids=[pk for pk, _q, _a in reports])
        self.message_user(request, ngettext("%d report resolved.", "%d reports resolved.", count) % count)

    @admin.action(description=_("Resolve the reports without hiding anything"))
    def resolve(self, request, queryset):
        count = services.reports_resolve(report_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request, ngettext("%d report resolved.", "%d reports resolved.", count) % count, messages.INFO
        )
