from django import forms
from django.utils.translation import gettext_lazy as _

from enplan.consent.models import Category
from enplan.core.forms import SaneDatesMixin
from enplan.organisations.models import Organisation, Professional

from .models import Agreement, Contact, Offer
from .services import ContactSpec


class AgreementForm(SaneDatesMixin, forms.ModelForm):
    parties = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="uuid",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Your own organisation is a party already."),
    )
    shared_categories = forms.MultipleChoiceField(
        label=_("Information shared (with the citizen's consent)"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Agreement
        fields = [
            "title",
            "parties",
            "responsibilities",
            "shared_categories",
            "legal_basis",
            "channel",
            "valid_from",
            "valid_to",
            "certificate_answer_days",
            "callback_working_days",
            "discharge_conference_working_days",
            "cooperation_meetings_per_year",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_to": forms.DateInput(attrs={"type": "date"}),
            "responsibilities": forms.Textarea(attrs={"rows": 4}),
            "legal_basis": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, own=None, **kwargs):
        super().__init__(*args, **kwargs)
        if own is not None:
            self.fields["parties"].queryset = Organisation.objects.exclude(pk=own.pk).order_by(
                "name"
            )

    def data_for_service(self) -> dict:
        d = self.cleaned_data
        return {n: d[n] for n in self.Meta.fields if n != "parties"}


class ContactForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=Organisation.objects.order_by("name"), required=False
    )

    class Meta:
        model = Contact
        fields = ["organisation", "name", "role", "phone", "phone_hours", "email"]

    def spec(self) -> ContactSpec | None:
        d = self.cleaned_data
        if not d.get("name") or not d.get("organisation"):
            return None
        return ContactSpec(
            organisation=d["organisation"],
            name=d["name"],
            role=d.get("role", ""),
            phone=d.get("phone", ""),
            phone_hours=d.get("phone_hours", ""),
            email=d.get("email", ""),
        )


ContactFormSet = forms.formset_factory(ContactForm, extra=2)


class CallbackForm(SaneDatesMixin, forms.Form):
    to_organisation = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organisation.objects.order_by("name"),
        to_field_name="uuid",
    )
    to_professional = forms.ModelChoiceField(
        label=_("Person (optional)"),
        queryset=Professional.objects.select_related("organisation").order_by("name"),
        to_field_name="uuid",
        required=False,
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=300,
        help_text=_("What the call is about. No CPR number or health details."),
    )
    deadline = forms.DateField(
        label=_("Call back by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    caller_phone = forms.CharField(
        label=_("Call back on"),
        max_length=30,
        required=False,
        help_text=_("Empty: your own direct phone."),
    )


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = [
            "title",
            "target_group",
            "criteria",
            "legal_basis",
            "decided_by",
            "how_to_refer",
            "contact",
        ]
        widgets = {
            "target_group": forms.Textarea(attrs={"rows": 2}),
            "criteria": forms.Textarea(attrs={"rows": 3}),
            "how_to_refer": forms.Textarea(attrs={"rows": 2}),
        }


class OfferChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Offer) -> str:
        return f"{obj.title} – {obj.organisation.name}"


class ActivityOfferForm(forms.Form):
    """Point a plan activity at an offer in the catalogue (or at none)."""

    offer = OfferChoiceField(
        label=_("Offer in the catalogue"),
        queryset=Offer.objects.filter(active=True).select_related("organisation"),
        to_field_name="uuid",
        required=False,
        empty_label=_("No offer"),
        help_text=_("Choose “No offer” to take the link away."),
    )
    note = forms.CharField(
        label=_("Note on the referral"),
        max_length=300,
        required=False,
        help_text=_("For example when the referral was sent, or what the unit answered."),
    )
