"""The gallery's filters. They travel in the URL, so a filtered view can be shared."""
from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe

from providers.registry import KIND_CHOICES

from .selectors import model_options, people_options


# Days a filter may name: whole days are turned into datetimes in the site's
# time zone, and date.max + 1 day (or year 1 moved to UTC) overflows.
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def _day_in_range(day: date) -> None:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(f"Choose a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}.", code="date_range")


class OptionsSelect(forms.Select):
    """A select drawn here rather than by templates: Django's draws one template
    per option and one for its attributes, and the gallery's filters draw about
    fifty options on every page, which was a third of drawing the page. The
    options are flat (no groups) and carry no attribute but ``selected``; as in
    Django's select, only the first option with the value is selected."""

    def render(self, name, value, attrs=None, renderer=None):
        wanted, found, options = self.format_value(value), False, []
        for choice, label in self.choices:
            text = "" if choice is None else str(choice)
            selected = not found and text in wanted
            found |= selected
            mark = " selected" if selected else ""
            options.append(f'<option value="{escape(text)}"{mark}>{conditional_escape(label)}</option>')
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attributes}>\n{"".join(options)}\n</select>')


class GalleryFilterForm(forms.Form):
    SCOPES = [("", "Everything"), ("mine", "Mine"), ("team", "Shared with the team"),
              ("favourites", "My favourites")]

    scope = forms.ChoiceField(label="Show", choices=SCOPES, required=False, widget=OptionsSelect)
    q = forms.CharField(label="Search prompts", required=False, strip=True, max_length=200,
                        widget=forms.SearchInput(attrs={"placeholder": "Search prompts"}))
    model = forms.ChoiceField(label="Model", required=False, widget=OptionsSelect)
    provider = forms.ChoiceField(label="Provider", choices=[("", "Any provider")] + KIND_CHOICES,
                                 required=False, widget=OptionsSelect)
    person = forms.ChoiceField(label="Person", required=False, widget=OptionsSelect)
    date_from = forms.DateField(label="From", required=False, validators=[_day_in_range],
                                widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="To", required=False, validators=[_day_in_range],
                              widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        # Built when first needed (the page's select, or checking a chosen model),
        # so the tiles an htmx scroll asks for never compute them.
        self.fields["model"].choices = lambda: [("", "Any model")] + model_options(user)
        self.fields["person"].choices = lambda: [("", "Anyone")] + [(name, label)
                                                                    for name, label, _ in people_options()]

    def clean_person(self) -> int | None:
        """The chosen person's id (the URL names them by username)."""
        username = self.cleaned_data.get("person")
        return next((pk for name, _, pk in people_options() if name == username), None) if username else None

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            raise ValidationError("The start date must not be after the end date.", code="date_order")
        return cleaned

    @property
    def filters(self) -> dict:
        """The valid filters: a stale or mistyped one in a shared URL is dropped, not fatal."""
        self.is_valid()
        return self.cleaned_data

    @property
    def is_filtered(self) -> bool:
        return any(self.filters.get(name) for name in self.fields)

    @property
    def active_count(self) -> int:
        """How many filters are set: the count on the phone's collapsed "Filters" button."""
        return sum(1 for name in self.fields if self.filters.get(name))

