"""The period filter, opening a survey round and answering it."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enplan.core.forms import SaneDatesMixin
from enplan.organisations.models import Organisation

from .models import ITEMS
from .movements import MONTH_CHOICES
from .scope import Period

MAX_DAYS = 5 * 366


class PeriodForm(SaneDatesMixin, forms.Form):
    start = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    months = forms.TypedChoiceField(
        label=gettext_lazy("Movements after"),
        choices=[(m, gettext_lazy("latest state") if m == 0 else f"{m}") for m in MONTH_CHOICES],
        coerce=int,
        required=False,
        empty_value=0,
    )

    def clean(self):
        data = super().clean()
        default = Period.default()
        start = data.get("start") or default.start
        end = data.get("end") or default.end
        if not self.errors:
            if end < start:
                self.add_error("end", _("The end of the period must be after its start."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("start", _("Choose a period of at most five years."))
            elif start > timezone.localdate() + datetime.timedelta(days=366):
                self.add_error("start", _("Choose a period that has begun."))
        data["period"] = Period(start, end)
        return data


class RoundForm(SaneDatesMixin, forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    organisations = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Partner organisations"),
        queryset=Organisation.objects.all(),
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
    )
    closes_on = forms.DateField(
        label=gettext_lazy("Closes on"), widget=forms.DateInput(attrs={"type": "date"})
    )


SCORE_CHOICES = [("", "–")] + [(str(i), str(i)) for i in range(1, 6)]


class AnswerForm(forms.Form):
    """Seven items per group, all or none: a group the respondent does not work with is left
    blank."""

    def __init__(self, *args, groups=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.groups = list(groups)
        for g in self.groups:
            for key, label in ITEMS:
                self.fields[f"{g.key}__{key}"] = forms.ChoiceField(
                    label=label, choices=SCORE_CHOICES, required=False
                )

    def rows(self):
        """(group, [bound fields]) for the template."""
        return [(g, [self[f"{g.key}__{k}"] for k, _l in ITEMS]) for g in self.groups]

    def clean(self):
        data = super().clean()
        scores = {}
        for g in self.groups:
            values = {k: data.get(f"{g.key}__{k}") for k, _l in ITEMS}
            given = [v for v in values.values() if v]
            if not given:
                continue
            if len(given) != len(ITEMS):
                self.add_error(
                    f"{g.key}__{ITEMS[0][0]}",
                    _("Answer all seven items about %(group)s, or none.") % {"group": g.label},
                )
                continue
            scores[g.key] = {k: int(v) for k, v in values.items()}
        if not scores and not self.errors:
            raise forms.ValidationError(_("Answer about at least one group."))
        data["scores"] = scores
        return data
