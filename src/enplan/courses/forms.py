from django import forms

from enplan.core.forms import SaneDatesMixin

from .models import Course


class CourseForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = Course
        fields = [
            "target_group",
            "starts_on",
            "ends_on",
            "state",
            "employment_outcome",
            "substance_outcome",
            "outcome_note",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "outcome_note": forms.Textarea(attrs={"rows": 3}),
        }
