from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from enplan.core.forms import SaneDatesMixin
from enplan.messaging import fhir
from enplan.messaging.forms import AttachmentsField, uploads
from enplan.organisations.models import Organisation
from enplan.plans.models import OPEN_ACTIVITY_STATUSES, Activity

from .models import CertificateKind, TimingConsulted
from .services import RequestSpec


class RequestForm(SaneDatesMixin, forms.Form):
    kind = forms.ModelChoiceField(
        label=_("Kind of certificate"),
        queryset=CertificateKind.objects.filter(active=True),
    )
    recipient = forms.ModelChoiceField(
        label=_("To"), queryset=Organisation.objects.none(), to_field_name="uuid"
    )
    purpose = forms.CharField(
        label=_("What will the answer be used for?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    activities = forms.ModelMultipleChoiceField(
        label=_("Activities being considered"),
        queryset=Activity.objects.none(),
        to_field_name="uuid",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    questions = forms.CharField(
        label=_("Specific questions"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        help_text=_("One question per line. Ask about health and function, not work capacity."),
    )
    wanted_by = forms.DateField(
        label=_("Answer wanted by"), widget=forms.DateInput(attrs={"type": "date"})
    )
    duplicate_reason = forms.CharField(
        label=_("Why is a new request needed?"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )
    timing_consulted = forms.ChoiceField(
        label=_("Was the clinic consulted about the timing?"),
        choices=TimingConsulted.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    timing_note = forms.CharField(
        label=_("Note on the phone call"),
        max_length=500,
        required=False,
        help_text=_("For example: who you spoke to and what was agreed."),
    )
    attachments = AttachmentsField(
        label=_("Information to forward"),
        required=False,
        help_text=_(
            "Statements from specialists or psychologists the jobcenter already holds: "
            "PDF or image, at most 10 MB each."
        ),
    )

    def __init__(self, *args, recipients=None, activities=None, **kwargs):
        super().__init__(*args, **kwargs)
        if recipients is not None:
            self.fields["recipient"].queryset = recipients
        if activities is not None:
            self.fields["activities"].queryset = activities.filter(
                status__in=OPEN_ACTIVITY_STATUSES
            )

    def clean_attachments(self):
        files = self.cleaned_data.get("attachments") or []
        for f in files:
            content = f.read()
            f.seek(0)
            try:
                fhir.check_attachment(f.content_type or "", content, f.name, strict=True)
            except fhir.MessageError as exc:
                raise ValidationError(exc.reason) from exc
        return files

    def spec(self) -> RequestSpec:
        d = self.cleaned_data
        return RequestSpec(
            kind=d["kind"],
            recipient=d["recipient"],
            purpose=d["purpose"],
            questions=[q for q in d.get("questions", "").splitlines() if q.strip()],
            wanted_by=d["wanted_by"],
            activities=list(d.get("activities") or []),
            duplicate_reason=d.get("duplicate_reason", ""),
            timing_consulted=d.get("timing_consulted", ""),
            timing_note=d.get("timing_note", ""),
            uploads=uploads(d.get("attachments")),
        )


class AnswerForm(forms.Form):
    health_assessment = forms.CharField(
        label=_("Assessment of health and function"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=20000,
    )
    work_capacity_comment = forms.CharField(
        label=_("Comment on work capacity (kept apart)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        required=False,
    )


class CloseForm(forms.Form):
    used_note = forms.CharField(
        label=_("How was the answer used in the case?"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
