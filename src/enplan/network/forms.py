from django import forms
from django.utils.translation import gettext_lazy as _

from enplan.organisations.models import Organisation, Professional, Sector

from .models import NetworkRole


class MemberForm(forms.Form):
    professional = forms.ModelChoiceField(
        label=_("Professional"),
        queryset=Professional.objects.select_related("organisation"),
        to_field_name="uuid",
        required=False,
    )
    organisation = forms.ModelChoiceField(
        label=_("…or an organisation without a named person"),
        queryset=Organisation.objects.all(),
        to_field_name="uuid",
        required=False,
    )
    # No role preselected: the first choice (koordinerende sagsbehandler) is never a safe guess.
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("Choose a role"))] + NetworkRole.choices
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("professional") and not data.get("organisation"):
            raise forms.ValidationError(_("Choose a professional or an organisation."))
        return data


class HandoverForm(forms.Form):
    to_professional = forms.ModelChoiceField(
        label=_("New coordinating caseworker"),
        queryset=Professional.objects.filter(
            organisation__sector=Sector.JOBCENTER, user__isnull=False
        ).select_related("organisation"),
        to_field_name="uuid",
    )
    note = forms.CharField(
        label=_("Handover note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the new caseworker must know: agreements, deadlines, what works."),
    )
