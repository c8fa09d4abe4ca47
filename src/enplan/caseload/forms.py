from django import forms
from django.utils.translation import gettext_lazy as _

from enplan.citizens.forms import CitizenForm
from enplan.citizens.models import Citizen
from enplan.core.cpr import parse_cpr
from enplan.network.models import NetworkRole
from enplan.organisations.models import Sector


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
