"""Form building blocks shared by every app."""

from django import forms

from .validators import validate_sane_date


class SaneDatesMixin:
    """Put `validate_sane_date` on every date and date-time field of the form, declared or
    generated from the model, so that no form accepts year 9999 (or 0001).

    `class MyForm(SaneDatesMixin, forms.ModelForm)`; a test checks every form in enplan."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, forms.DateField | forms.DateTimeField):
                if validate_sane_date not in field.validators:
                    field.validators.append(validate_sane_date)
