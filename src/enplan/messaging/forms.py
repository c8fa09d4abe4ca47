from django import forms
from django.utils.translation import gettext_lazy as _

from enplan.organisations.models import Organisation

from .models import MedComCategory, NotificationKind
from .sending import Upload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(AttachmentsField, self).clean(f, initial) for f in files]


def uploads(files) -> list[Upload]:
    return [Upload(f.name, f.content_type or "", f.read()) for f in files or []]


class _TextForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
        help_text=_("Your name, role and phone number are added as the signature."),
    )
    attachments = AttachmentsField(
        label=_("Attachments"),
        required=False,
        help_text=_("PDF or image (JPEG, PNG, GIF, TIFF, BMP), at most 10 MB each."),
    )


class ComposeForm(_TextForm):
    partner = forms.ModelChoiceField(
        label=_("To"), queryset=Organisation.objects.none(), to_field_name="uuid"
    )
    # No category preselected: the first one (Akut ambulant) would mark a message urgent.
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("Choose a category"))] + MedComCategory.choices
    )
    topic = forms.CharField(
        label=_("Topic"),
        max_length=60,
        required=False,
        help_text=_("Required for category 'Andet'."),
    )

    field_order = ["partner", "category", "topic", "text", "attachments"]

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = (
            partners if partners is not None else Organisation.objects.none()
        )

    def clean(self):
        data = super().clean()
        if data.get("category") == MedComCategory.OTHER and not data.get("topic"):
            self.add_error("topic", _("A message in category 'Andet' needs a topic."))
        return data


class ReplyForm(_TextForm):
    pass


class ForwardForm(forms.Form):
    """Rendered on the thread page next to the reply form: its own ids (the names stay)."""

    partner = forms.ModelChoiceField(
        label=_("Forward to"), queryset=Organisation.objects.none(), to_field_name="uuid"
    )
    text = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000
    )

    def __init__(self, *args, partners=None, **kwargs):
        kwargs.setdefault("auto_id", "forward_%s")
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = (
            partners if partners is not None else Organisation.objects.none()
        )


class AttachForm(forms.Form):
    cpr = forms.CharField(
        label=_("CPR number of the citizen"),
        max_length=11,
        help_text=_("A citizen in one of your networks."),
    )
    remember = forms.BooleanField(
        label=_("Remember the identifier in the message for this citizen"),
        required=False,
        initial=True,
        help_text=_("Later messages with the same (replacement) number are then attached."),
    )


class NotificationSettingsForm(forms.Form):
    """One checkbox per partner and kind of systematic notification."""

    def __init__(self, *args, partners=(), enabled=None, **kwargs):
        super().__init__(*args, **kwargs)
        enabled = enabled or {}
        self.partners = list(partners)
        for partner in self.partners:
            for kind, label in NotificationKind.choices:
                self.fields[f"{partner.pk}:{kind}"] = forms.BooleanField(
                    label=label,
                    required=False,
                    initial=enabled.get((partner.pk, kind), True),
                )

    def groups(self) -> list[tuple]:
        """(partner, its checkboxes) pairs: the page shows one fieldset per partner."""
        return [
            (partner, [self[f"{partner.pk}:{kind}"] for kind in NotificationKind.values])
            for partner in self.partners
        ]
