from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enplan.core.cpr import parse_cpr
from enplan.core.forms import SaneDatesMixin
from enplan.network.models import NetworkRole
from enplan.organisations.models import Sector

from .models import Citizen, Contact


class CitizenForm(SaneDatesMixin, forms.ModelForm):
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


class NewCitizenForm(CitizenForm):
    """Register a citizen. It answers the same whether or not enplan knows the CPR number:
    a known number becomes a request to join the network (`existing` is then set), decided
    by the coordinating caseworker, and nothing about the citizen is revealed."""

    my_role = forms.ChoiceField(
        label=_("Your role in the citizen's network"),
        choices=NetworkRole.choices,
        initial=NetworkRole.COORDINATOR,
    )
    note = forms.CharField(
        label=_("Why you need to be in the network (optional)"),
        max_length=300,
        required=False,
        help_text=_(
            "If enplan already knows the citizen, the coordinating caseworker reads this "
            "when deciding your request to join."
        ),
    )
    field_order = [*CitizenForm.Meta.fields, "my_role", "note"]

    def __init__(self, *args, professional=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.professional = professional
        self.existing: Citizen | None = None

    def clean_cpr(self) -> str:
        cpr, born = parse_cpr(self.cleaned_data["cpr"])
        self.instance.birth_date = born
        self.existing = Citizen.objects.filter(cpr=cpr).first()
        return cpr

    def validate_unique(self) -> None:
        # A known CPR number is not an error here (see the class docstring); uniqueness is
        # still enforced by the database and by register_citizen.
        pass

    def clean(self):
        data = super().clean()
        # Checked here, before the known/unknown branch, so both answer alike.
        if data.get("my_role") == NetworkRole.COORDINATOR and self.professional is not None:
            if self.professional.organisation.sector != Sector.JOBCENTER:
                self.add_error(
                    "my_role", _("The coordinating caseworker must work at a jobcenter.")
                )
        return data


class ContactForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["at", "kind", "summary"]
        widgets = {
            "at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
        }
