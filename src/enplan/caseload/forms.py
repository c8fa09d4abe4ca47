from django import forms
from django.utils.translation import gettext_lazy as _

from enplan.citizens.forms import CitizenForm
from enplan.network.models import NetworkRole


class NewCitizenForm(CitizenForm):
    my_role = forms.ChoiceField(
        label=_("Your role in the citizen's network"),
        choices=NetworkRole.choices,
        initial=NetworkRole.COORDINATOR,
    )
