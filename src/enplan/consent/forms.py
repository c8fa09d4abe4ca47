from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enplan.core.forms import SaneDatesMixin
from enplan.organisations.models import Organisation

from .models import MAX_DATE, MIN_DATE, Category, Consent
from .services import check_document

SEARCH_SHOWN = 8


def _find_organisation(text: str) -> Organisation:
    """The one organisation whose SOR code is `text` or whose name contains it."""
    text = text.strip()
    if text.isdigit():
        found = list(Organisation.objects.filter(sor_code=text)[:2])
    else:
        found = list(
            Organisation.objects.filter(name__icontains=text).order_by("name")[: SEARCH_SHOWN + 1]
        )
        exact = [o for o in found if o.name.casefold() == text.casefold()]
        found = exact or found
    if not found:
        raise ValidationError(_("No organisation matches “%(text)s”.") % {"text": text})
    if len(found) > 1:
        names = ", ".join(o.name for o in found[:SEARCH_SHOWN])
        raise ValidationError(
            _("Several organisations match: %(names)s. Write the full name or the SOR code.")
            % {"names": names}
        )
    return found[0]


class _OrganisationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.name


class ConsentForm(SaneDatesMixin, forms.ModelForm):
    """The citizen allows information FROM an organisation (or sector) TO an organisation (or
    sector). Both lists offer the citizen's network first; any other organisation is found by
    a search (name or SOR code), so no test or far-away organisation is offered up front."""

    source_organisation = _OrganisationChoice(
        label=gettext_lazy("From organisation (discloses the information)"),
        queryset=Organisation.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label=gettext_lazy("– choose from the citizen's network –"),
    )
    source_search = forms.CharField(
        label=gettext_lazy("…or another organisation it comes from (name or SOR code)"),
        max_length=200,
        required=False,
    )
    recipient_organisation = _OrganisationChoice(
        label=gettext_lazy("To organisation (receives the information)"),
        queryset=Organisation.objects.none(),
        to_field_name="uuid",
        required=False,
        empty_label=gettext_lazy("– choose from the citizen's network –"),
    )
    recipient_search = forms.CharField(
        label=gettext_lazy("…or another recipient organisation (name or SOR code)"),
        max_length=200,
        required=False,
    )
    categories = forms.MultipleChoiceField(
        label=gettext_lazy("Information that may be shared"),
        choices=Category.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": gettext_lazy("Choose at least one kind of information."),
            "invalid_choice": gettext_lazy("Choose among the kinds of information listed."),
        },
    )
    document = forms.FileField(
        label=gettext_lazy("Signed or scanned consent (PDF, JPEG or PNG, optional)"),
        required=False,
    )

    class Meta:
        model = Consent
        fields = [
            "source_organisation",
            "source_sector",
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
        error_messages = {
            "purpose": {"required": gettext_lazy("Write what the information may be used for.")},
            "valid_from": {
                "required": gettext_lazy("Enter the day the consent applies from."),
                "invalid": gettext_lazy("Enter a date, for example 24-12-2026."),
            },
            "valid_to": {"invalid": gettext_lazy("Enter a date, for example 24-12-2026.")},
            "given_how": {
                "required": gettext_lazy("Choose how the citizen gave the consent."),
                "invalid_choice": gettext_lazy("Choose how the citizen gave the consent."),
            },
            "source_sector": {"invalid_choice": gettext_lazy("Choose a sector from the list.")},
            "recipient_sector": {"invalid_choice": gettext_lazy("Choose a sector from the list.")},
        }

    def __init__(self, *args, citizen=None, user=None, anywhere: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        network = (
            Organisation.objects.filter(
                Q(memberships__citizen=citizen, memberships__ended_at__isnull=True)
                if citizen is not None
                else Q(pk__in=[])
            )
            .distinct()
            .order_by("name")
        )
        for name in ("source_organisation", "recipient_organisation"):
            # The API names organisations by id; it has no list to offer first.
            self.fields[name].queryset = Organisation.objects.all() if anywhere else network
            self.fields[name].error_messages["invalid_choice"] = _(
                "Choose an organisation from the list, or search for another one."
            )
        self.fields["valid_from"].initial = timezone.localdate()
        professional = getattr(user, "professional_or_none", None)
        if professional is not None and not self.is_bound:
            # Usually the one recording is the side that discloses.
            self.fields["source_organisation"].initial = professional.organisation.uuid
        self.fields["given_how"].choices = [
            ("", _("– choose –")),
            *Consent._meta.get_field("given_how").choices,
        ]

    def _side(self, data: dict, org: str, search: str, sector: str, what: str) -> None:
        if data.get(search):
            if data.get(org):
                self.add_error(search, _("Choose from the list or search, not both."))
                return
            try:
                data[org] = _find_organisation(data[search])
            except ValidationError as e:
                self.add_error(search, e)
                return
        if org in self.errors or search in self.errors or sector in self.errors:
            return
        if bool(data.get(org)) == bool(data.get(sector)):
            self.add_error(
                org,
                _("Choose the organisation %(what)s, or a whole sector – one of the two.")
                % {"what": what},
            )

    def clean_document(self):
        upload = self.cleaned_data.get("document")
        if not upload:
            return None
        content = upload.read()
        try:
            check_document(content, upload.name)
        except ValidationError as e:
            raise ValidationError(e.message_dict["document"]) from None
        return (content, upload.name)

    def clean(self):
        data = super().clean()
        self._side(
            data,
            "source_organisation",
            "source_search",
            "source_sector",
            _("the information comes from"),
        )
        self._side(
            data,
            "recipient_organisation",
            "recipient_search",
            "recipient_sector",
            _("that receives it"),
        )
        src, dst = data.get("source_organisation"), data.get("recipient_organisation")
        if src and dst and src == dst:
            self.add_error(
                "recipient_organisation",
                _(
                    "The recipient must be another organisation than the one the "
                    "information comes from."
                ),
            )
        start, end = data.get("valid_from"), data.get("valid_to")
        today = timezone.localdate()
        for name, value in (("valid_from", start), ("valid_to", end)):
            if value and not (MIN_DATE <= value <= MAX_DATE):
                self.add_error(name, _("Enter a date between 2000 and 2100."))
        if start and start < today and "valid_from" not in self.errors:
            self.add_error(
                "valid_from", _("A consent applies from the day it is recorded, not earlier.")
            )
        if start and end and end < start and "valid_to" not in self.errors:
            self.add_error("valid_to", _("The end date cannot be before the start date."))
        return data

    def _post_clean(self):
        # Field-level messages above say what is missing; the model's own cross-field checks
        # would repeat them as one message without a field.
        super()._post_clean()
        for name in ("recipient_organisation", "source_organisation", "valid_to", "valid_from"):
            if name in self.errors and len(self.errors[name]) > 1:
                self._errors[name] = self.error_class(self._errors[name][:1])


class WithdrawForm(forms.Form):
    note = forms.CharField(label=gettext_lazy("Note (optional)"), max_length=300, required=False)
