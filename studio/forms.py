"""The compose form: its parameter fields follow the chosen model's rules."""
from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from gallery.presets import PRESET_CHOICES, apply_preset
from providers.rules import SEED_MAX, ModelSpec, Param, SizeRange, label
from providers.services import ModelChoice, model_choice, model_choices, model_key_redirect

from .edits_form import EDIT_FIELDS, edit_fields_add, edit_values_clean

MAX_INPUT_IMAGE_BYTES = 20 * 2**20
# Fields that stay when the model changes; the rest are swapped by htmx.
FIXED_FIELDS = ("prompt", "model", "preset", *EDIT_FIELDS)


def _param_field(name: str, param: Param) -> forms.Field:
    attrs = {}
    if param.min is not None:
        attrs["min"] = param.min
    if param.max is not None:
        attrs["max"] = param.max
    help_text = param.help or (f"{param.min:g}–{param.max:g}" if param.type in ("int", "float")
                               and param.min is not None and param.max is not None else "")
    common = {"label": label(name), "required": False, "help_text": help_text}
    if name == "seed":  # the range is the model's (ComfyUI's goes to 2**64 - 1)
        low, high = param.min if param.min is not None else 0, param.max if param.max is not None else SEED_MAX
        return forms.IntegerField(**common | {"help_text": "Blank picks a random seed; reuse a seed to repeat a picture."},
                                  min_value=low, max_value=high,
                                  widget=forms.NumberInput(attrs={"min": low, "max": high}))
    if param.type == "int":
        return forms.IntegerField(**common, widget=forms.NumberInput(attrs=attrs))
    if param.type == "float":
        return forms.FloatField(**common, widget=forms.NumberInput(attrs=attrs | {"step": "any"}))
    if param.type == "choice":
        return forms.ChoiceField(**common, choices=[("", "Default")] + [(c, c) for c in param.choices])
    if param.type == "bool":
        return forms.BooleanField(**common)
    widget = forms.Textarea(attrs={"rows": 2}) if name == "negative_prompt" else forms.TextInput
    return forms.CharField(**common, widget=widget, strip=True)


class GenerateForm(forms.Form):
    prompt = forms.CharField(label="Prompt", widget=forms.Textarea(attrs={"rows": 4}), strip=True,
                             error_messages={"required": "Prompt is required"})
    preset = forms.ChoiceField(
        label="Preset", choices=PRESET_CHOICES, required=False,
        help_text="Adds style keywords, or uses the model's own style preset where it has one.")
    model = forms.ChoiceField(label="Model", error_messages={
        "invalid_choice": "Choose one of the available models.", "required": "Choose a model."})

    def __init__(self, data=None, files=None, *, initial=None, **kwargs):
        # Reuse, Vary, saved prompts and restored files may name a model that
        # has since been shut down: select its replacement and say so.
        initial, self.lifecycle_note = model_key_redirect(initial)
        super().__init__(data, files, initial=initial, **kwargs)
        self.choices = self.available_choices()
        self.fields["model"].choices = [(c.key, c.label) for c in self.choices]
        source = data if data is not None else (initial or {})
        self.choice: ModelChoice | None = (model_choice(source.get("model"))
                                           or (self.choices[0] if self.choices else None))
        if self.choice and not self.is_bound:
            self.initial.setdefault("model", self.choice.key)
        if self.choice:
            self._add_model_fields(self.choice.spec)
        edit_fields_add(self)

    def available_choices(self) -> list[ModelChoice]:
        """The models to offer (the edit form offers only those that can do its operation)."""
        return model_choices()

    @property
    def spec(self) -> ModelSpec | None:
        return self.choice.spec if self.choice else None

    def _add_model_fields(self, spec: ModelSpec) -> None:
        f = self.fields
        if "negative_prompt" in spec.params:
            f["negative_prompt"] = _param_field("negative_prompt", spec.params["negative_prompt"])
        spec.size.add_form_fields(f, self.initial)
        f["n"] = forms.IntegerField(label="Number of images",
                                    help_text="1" if spec.max_n == 1 else f"1–{spec.max_n}",
                                    widget=forms.NumberInput(attrs={"min": 1, "max": spec.max_n}))
        self.initial.setdefault("n", 1)
        for name, param in spec.params.items():
            if name == "negative_prompt":
                continue
            f[name] = _param_field(name, param)
            if param.default is not None:
                self.initial.setdefault(name, param.default)
        if spec.needs_image:
            f["input_image"] = forms.ImageField(label="Input image", required=False,
                                                help_text="This model transforms an image you upload.")

    def clean_input_image(self):
        upload = self.cleaned_data.get("input_image")
        if upload and upload.size > MAX_INPUT_IMAGE_BYTES:
            raise ValidationError(f"The input image must be at most {MAX_INPUT_IMAGE_BYTES // 2**20} MB",
                                  code="file_size")
        return upload

    def param_fields(self):
        return [self[name] for name in self.fields if name not in FIXED_FIELDS]

    def clean_model(self):
        if self.choice is None or self.choice.key != self.cleaned_data["model"]:
            raise ValidationError("Choose one of the available models.", code="invalid_choice")
        return self.cleaned_data["model"]

    def clean(self):
        cleaned = super().clean()
        self.notes: list[str] = []
        if self.spec is None:
            return cleaned
        values = dict(cleaned)
        if values.get("preset") and values.get("prompt"):
            values["prompt"], update, note = apply_preset(
                values["preset"], values["prompt"], self.spec, chosen_style_preset=values.get("style_preset"))
            values.update(update)
            if note:
                self.notes.append(note)
        if (isinstance(self.spec.size, SizeRange) and self.spec.size.auto
                and values.get("width") is None and values.get("height") is None):
            values["size"] = "auto"  # both blank: the provider picks
        if values.get("size") and "x" in values["size"]:
            values["width"], _, values["height"] = values["size"].partition("x")
            values["width"], values["height"] = int(values["width"]), int(values["height"])
        values = edit_values_clean(values)
        for v in self.spec.check(values):
            if v.field in self.errors:  # already has its own error, e.g. "Enter a whole number."
                continue
            self.add_error(v.field if v.field in self.fields else None, ValidationError(v.message, code=v.code))
        self.values = values
        return cleaned
