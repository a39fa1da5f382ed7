from django import forms

from .models import BODY_MAX, TITLE_MAX, Report


class QuestionForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX)
    body = forms.CharField(max_length=BODY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    body = forms.CharField(max_length=BODY_MAX, widget=forms.Textarea(attrs={"rows": 3}))


class ReportForm(forms.Form):
    reason = forms.ChoiceField(choices=Report.Reason.choices)
    note = forms.CharField(max_length=500, required=False)
