"""The compose form's editing fields: the operation, the input image ids (the
reference tray or the image being edited) and a painted mask.

``GenerateForm`` calls ``edit_fields_add`` once its model fields exist and
``edit_values_clean`` before the model's rules are checked, so the image-
inputs rule (``providers.image_inputs``) refuses too many images or a mask the
model cannot take before anything is queued.
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from providers.image_inputs import GENERATE, OPERATION_LABELS
from studio.numbers import parse_id

# Fields that stay when the model changes (kept out of the swapped parameter fields).
EDIT_FIELDS = ("operation", "references", "mask")
MAX_REFERENCES = 16  # the most any model takes (OpenAI's edits); the model's rule may allow fewer


class IdListField(forms.Field):
    """Repeated hidden inputs holding image ids, in order, without repeats."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        ids = []
        for item in value:
            number = parse_id(item)
            if number is None:
                raise ValidationError("Image ids must be whole numbers", code="invalid")
            if number not in ids:
                ids.append(number)
        if len(ids) > MAX_REFERENCES:
            raise ValidationError(f"At most {MAX_REFERENCES} images can be used at once",
                                  code="max_images")
        return ids


    def prepare_value(self, value):
        """A list of ids for the template, from a list or a "12,15" string (a URL's)."""
        if isinstance(value, str):
            value = value.replace(",", " ").split()
        return [n for n in map(parse_id, value or ()) if n is not None]


def edit_fields_add(form) -> None:
    f = form.fields
    f["operation"] = forms.ChoiceField(
        required=False, widget=forms.HiddenInput,
        choices=[(GENERATE, "Generate")] + list(OPERATION_LABELS.items()))
    f["references"] = IdListField(required=False, label="Images")
    f["mask"] = forms.FileField(required=False, label="Mask",
                                widget=forms.ClearableFileInput(attrs={"hidden": True,
                                                                        "accept": "image/png"}))
    if form.spec is not None:
        form.spec.image_inputs.add_form_fields(f, form.initial)


def edit_values_clean(values: dict) -> dict:
    """What the image-inputs rule reads: the operation, how many images, whether a mask."""
    references = values.get("references") or []
    operation = values.get("operation") or (("reference" if references else GENERATE))
    count = len(references) + (1 if values.get("input_image") else 0)
    return {**values, "operation": operation, "input_count": count,
            "mask": values.get("mask") or None}
