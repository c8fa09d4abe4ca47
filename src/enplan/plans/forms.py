"""Forms are the one validation layer for plan input: the pages and the REST API both feed
their data through these, so both obey exactly the same rules."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from enplan.core.forms import SaneDatesMixin
from enplan.network.models import NetworkMembership
from enplan.organisations.models import Organisation

from .models import Activity, Goal, Plan, Track
from .snapshots import ACTIVITY_FIELDS, GOAL_FIELDS, TRACK_FIELDS


class VersionedForm(SaneDatesMixin, forms.ModelForm):
    """A change to the plan carries the plan version it was made on."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def expected_version(self) -> int:
        return self.cleaned_data["version"]

    def changes(self) -> dict:
        """The submitted values of the fields this form shows (a field the viewer may not
        see is removed from the form, and so never changed). Line breaks are stored as LF,
        whichever way the browser sent them."""
        return {name: _lf(self.cleaned_data[name]) for name in self.fields if name != "version"}


def _lf(value):
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


def _rows(n: int) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": n})


class PlanGoalsForm(VersionedForm):
    """The citizen's final goal and the five conversation areas."""

    class Meta:
        model = Plan
        fields = [
            "final_goal",
            "area_future",
            "area_everyday",
            "area_health",
            "area_psychiatry",
            "area_jobcenter",
        ]
        widgets = {name: _rows(3) for name in fields}


class PlanFollowupForm(VersionedForm):
    """Mentor and support-contact roles, and the next follow-up."""

    class Meta:
        model = Plan
        fields = [
            "mentor_role",
            "support_contact_role",
            "followup_at",
            "followup_place",
            "followup_with",
        ]
        widgets = {
            "mentor_role": _rows(2),
            "support_contact_role": _rows(2),
            "followup_at": DateTimeInput(),
        }

    def clean(self):
        data = super().clean()
        if data.get("followup_at") and not data.get("followup_place"):
            self.add_error("followup_place", _("Say where the follow-up takes place."))
        return data


class GoalForm(VersionedForm):
    class Meta:
        model = Goal
        fields = list(GOAL_FIELDS)
        widgets = {"target_date": DateInput(), "evaluation": _rows(2)}


def _member_label(member: NetworkMembership) -> str:
    if member.ended_at is None:
        return str(member)
    return _("%(member)s (no longer in the network)") % {"member": member}


class ActivityForm(VersionedForm):
    class Meta:
        model = Activity
        fields = list(ACTIVITY_FIELDS)
        widgets = {
            "starts_on": DateInput(),
            "ends_on": DateInput(),
            "purpose": _rows(2),
            "evaluation": _rows(2),
        }

    def __init__(self, *args, plan: Plan, policy=None, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance
        goals = list(plan.goals.all()) if plan.pk else []  # an unsaved plan has none yet
        hidden = {g.pk for g in goals if policy and policy.withheld_item(g)}
        if not plan.pk:
            self.fields["goal"].queryset = Goal.objects.none()
        elif stored.goal_id in hidden:
            # The viewer cannot see the linked sub-goal, so cannot choose it either: without
            # the field, an unchanged save keeps the link instead of dropping it.
            del self.fields["goal"]
        else:
            self.fields["goal"].queryset = plan.goals.exclude(pk__in=hidden)
        members = NetworkMembership.objects.filter(citizen_id=plan.citizen_id)
        # Who has left the network cannot be chosen anew, but what is stored stays selectable
        # (marked as such), so that saving the activity unchanged keeps it.
        members = members.filter(Q(ended_at__isnull=True) | Q(pk=stored.responsible_id or 0))
        self.fields["responsible"].queryset = members.select_related(
            "professional", "organisation"
        ).order_by("ended_at", "started_at", "pk")
        self.fields["responsible"].label_from_instance = _member_label
        active_orgs = set(
            NetworkMembership.objects.active()
            .filter(citizen_id=plan.citizen_id)
            .values_list("organisation_id", flat=True)
        )
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=active_orgs | {stored.organisation_id or 0}
        ).order_by("name", "pk")
        self.fields["organisation"].label_from_instance = lambda org: (
            org.name
            if org.pk in active_orgs
            else _("%(name)s (no longer in the network)") % {"name": org.name}
        )
        self.fields["organisation"].help_text = _("Defaults to the responsible person's.")
        # Choices are sent by public id; the initial values a ModelForm takes from the
        # instance are primary keys, which match no option: give it the objects instead.
        for name in ("goal", "responsible", "organisation"):
            if name in self.fields:
                self.fields[name].to_field_name = "uuid"
                if not self.is_bound and getattr(stored, f"{name}_id", None):
                    self.initial[name] = getattr(stored, name)

    def clean(self):
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("The end date cannot be before the start date."))
        if data.get("responsible") and not data.get("organisation"):
            data["organisation"] = data["responsible"].organisation
        if not data.get("responsible") and not data.get("organisation"):
            self.add_error(
                "responsible", _("Name who is responsible: a person or an organisation.")
            )
        return data


class TrackForm(VersionedForm):
    class Meta:
        model = Track
        fields = list(TRACK_FIELDS)
        widgets = {"summary": _rows(2)}


class DeleteForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def expected_version(self) -> int:
        return self.cleaned_data["version"]
