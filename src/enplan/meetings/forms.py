"""Forms for meetings: the one validation layer the pages and the API share (the domain
rules themselves are in `services`, whose errors the views put back on these forms)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enplan.core.forms import SaneDatesMixin
from enplan.network.models import NetworkMembership
from enplan.organisations.models import Professional
from enplan.plans.forms import DateInput, DateTimeInput
from enplan.plans.models import ConversationArea, LegalBasis, TrackKind

from .models import CooperationMeeting, Decision, Meeting, Minutes, ParticipantRole

OUTSIDE_ROLES = [("", "–")] + [
    (v, label) for v, label in ParticipantRole.choices if v != ParticipantRole.PROFESSIONAL
]


class MemberChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, m: NetworkMembership) -> str:
        who = m.professional.name if m.professional else m.organisation.name
        return f"{who} – {m.get_role_display()} ({m.organisation.name})"


class MeetingForm(SaneDatesMixin, forms.ModelForm):
    members = MemberChoice(
        queryset=NetworkMembership.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Invite from the network"),
        help_text=_("The coordinating caseworker is always invited."),
    )
    override_reason = forms.CharField(
        label=_("Reason to keep the day anyway"),
        max_length=300,
        required=False,
        help_text=_("Only needed if the citizen already has something that day."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)
    online_link = forms.URLField(
        label=_("link to the online meeting"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Meeting
        fields = [
            "kind",
            "purpose",
            "working_question",
            "starts_at",
            "ends_at",
            "requested_on",
            "place_kind",
            "place_detail",
            "online_link",
            "preferred_time_of_day",
            "max_per_day",
            "practical_notes",
            "chair",
            "minute_taker",
            "interpreter_booked_by",
            "interpreter_status",
        ]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "working_question": forms.Textarea(attrs={"rows": 2}),
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
            "requested_on": DateInput(),
        }

    def __init__(self, *args, citizen=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Required is the services' rule, so that one message explains it (and the API too).
        for name in ("purpose", "working_question", "ends_at"):
            self.fields[name].required = False
        self.fields["ends_at"].help_text = _("Empty: the kind's usual length.")
        self.fields["kind"].choices = [
            (v, label) for v, label in self.fields["kind"].choices if v != "cooperation"
        ]
        members = (
            NetworkMembership.objects.active()
            .filter(citizen=citizen)
            .select_related("professional", "organisation")
        )
        self.fields["members"].queryset = members
        professionals = Professional.objects.filter(
            memberships__citizen=citizen, memberships__ended_at__isnull=True
        ).distinct()
        for name in ("chair", "minute_taker", "interpreter_booked_by"):
            self.fields[name].queryset = professionals
        if citizen is not None and not citizen.needs_interpreter:
            self.fields["interpreter_status"].help_text = _(
                "The citizen's record says no interpreter is needed."
            )
        elif citizen is not None:
            language = citizen.get_interpreter_language_display()
            dialect = f" ({citizen.interpreter_dialect})" if citizen.interpreter_dialect else ""
            self.fields["interpreter_status"].help_text = _(
                "From the citizen's record: %(language)s"
            ) % {"language": f"{language}{dialect}"}

    def validate_constraints(self) -> None:
        """The services check start and end (with a field error); not twice."""

    def data_for_service(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    def put_errors(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


class OutsideParticipantForm(SaneDatesMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=OUTSIDE_ROLES, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("role"):
            self.add_error(
                "role",
                _("Choose a role for %(who)s (e.g. relative, bisidder, interpreter).")
                % {"who": data["name"]},
            )
        if not data.get("name") and (data.get("role") or data.get("email") or data.get("phone")):
            self.add_error("name", _("Give the participant's name."))
        return data


OutsideFormSet = forms.formset_factory(OutsideParticipantForm, extra=2, max_num=10)


class CancelForm(SaneDatesMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class AgendaItemForm(SaneDatesMixin, forms.Form):
    title = forms.CharField(label=_("Agenda item"), max_length=300)
    area = forms.TypedChoiceField(
        label=_("Conversation area"),
        choices=[("", "–"), *ConversationArea.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )


CHECK_CHOICES = [("", "–"), *[(i, str(i)) for i in range(1, 6)]]


class MinutesForm(SaneDatesMixin, forms.ModelForm):
    attended = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False, label=_("Who came")
    )

    class Meta:
        model = Minutes
        fields = [
            "summary",
            "check_overview",
            "check_meeting",
            "check_agreed",
            "check_optimism",
            "next_meeting_at",
            "next_meeting_place",
            "next_meeting_with",
            "next_followup_on",
            "correction_note",
        ]
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "next_meeting_at": DateTimeInput(),
            "next_followup_on": DateInput(),
            **{
                name: forms.Select(choices=CHECK_CHOICES)
                for name in ("check_overview", "check_meeting", "check_agreed", "check_optimism")
            },
        }

    def __init__(self, *args, meeting=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attended"].queryset = meeting.participants.all() if meeting else None
        self.fields["attended"].initial = [p.pk for p in meeting.participants.all() if p.attended]
        if self.instance.number == 1:
            del self.fields["correction_note"]


class DecisionForm(SaneDatesMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["topic", "agreed", "who", "responsible", "due_on"]
        widgets = {"agreed": forms.Textarea(attrs={"rows": 2}), "due_on": DateInput()}

    def __init__(self, *args, citizen=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = (
            NetworkMembership.objects.active()
            .filter(citizen=citizen)
            .select_related("professional", "organisation")
        )


class ToPlanForm(SaneDatesMixin, forms.Form):
    AS = [("activity", _("Plan activity")), ("goal", _("Sub-goal"))]
    plan_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    make = forms.ChoiceField(label=_("Add to the plan as"), choices=AS, initial="activity")
    legal_basis = forms.ChoiceField(
        label=_("legal basis"), choices=LegalBasis.choices, initial=LegalBasis.VOLUNTARY
    )
    track = forms.ChoiceField(
        label=_("track"), choices=[("", "–"), *TrackKind.choices], required=False
    )


class CooperationForm(SaneDatesMixin, forms.ModelForm):
    partners = forms.ModelMultipleChoiceField(
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        label=_("With"),
        required=False,
    )

    class Meta:
        model = CooperationMeeting
        fields = ["purpose", "starts_at", "ends_at", "place"]
        widgets = {
            "purpose": forms.Textarea(attrs={"rows": 2}),
            "starts_at": DateTimeInput(),
            "ends_at": DateTimeInput(),
        }

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partners"].queryset = partners
        self.fields["purpose"].required = False
        self.fields["ends_at"].required = False
        self.fields["ends_at"].help_text = _("Empty: the kind's usual length.")

    def validate_constraints(self) -> None:
        """The services check the rules, with one clear message each."""
