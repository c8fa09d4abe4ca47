from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enplan.core.cpr import parse_cpr

from .models import Citizen, Contact


class CitizenForm(forms.ModelForm):
    cpr = forms.CharField(
        label=_("CPR number"),
        max_length=11,
        help_text=_("DDMMYY-SSSS"),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = Citizen
        fields = [
            "cpr",
            "given_name",
            "family_name",
            "municipality_code",
            "phone",
            "preferred_language",
            "needs_interpreter",
            "interpreter_language",
            "interpreter_dialect",
            "communication_preferences",
        ]
        widgets = {"communication_preferences": forms.Textarea(attrs={"rows": 2})}

    def clean_cpr(self) -> str:
        cpr, born = parse_cpr(self.cleaned_data["cpr"])
        self.instance.birth_date = born
        clash = Citizen.objects.filter(cpr=cpr).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(
                _(
                    "This citizen is already registered in enplan. Ask the coordinating "
                    "caseworker to add you to the citizen's network."
                )
            )
        return cpr

    def clean(self):
        data = super().clean()
        if data.get("needs_interpreter") and not data.get("interpreter_language"):
            self.add_error(
                "interpreter_language", _("Which language should the interpreter speak?")
            )
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["at", "kind", "summary"]
        widgets = {
            "at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }
