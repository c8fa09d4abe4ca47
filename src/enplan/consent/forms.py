from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enplan.core.forms import SaneDatesMixin
from enplan.organisations.models import Organisation

from .models import Category, Consent


class ConsentForm(SaneDatesMixin, forms.ModelForm):
    recipient_organisation = forms.ModelChoiceField(
        label=_("Recipient organisation"),
        queryset=Organisation.objects.all(),
        to_field_name="uuid",
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=_("Information that may be shared"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Consent
        fields = [
            "recipient_organisation",
            "recipient_sector",
            "categories",
            "purpose",
            "valid_from",
            "valid_to",
            "given_how",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_from"].initial = timezone.localdate()

    def clean(self):
        data = super().clean()
        if bool(data.get("recipient_organisation")) == bool(data.get("recipient_sector")):
            raise forms.ValidationError(
                _("Choose either one recipient organisation or one sector, not both.")
            )
        return data


class WithdrawForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=300, required=False)
