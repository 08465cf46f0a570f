"""Staff's price overrides on a connection: "USD per image" lines, plus JSON for other shapes."""
from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from .pricing import price_errors

PER_IMAGE_HELP = ("One model a line, as “model-id: 0.04” (US dollars per image). These win over "
                  "the catalog's price. A model with no price is never counted as free: members "
                  "with a budget cannot use it until it has one.")
ADVANCED_HELP = ("Other price shapes, as JSON: {\"model-id\": {\"credits\": 6.5, \"usd_per_credit\": "
                 "\"0.01\"}}, per-megapixel, per-token or a quality × size table (see the README, "
                 "“Prices and budgets”). A model in both places takes the line above.")


class PricesFieldsMixin(forms.ModelForm):
    """Adds ``per_image_prices`` and ``advanced_prices`` and stores both in ``prices``."""

    per_image_prices = forms.CharField(label="Prices per image (USD)", required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}), help_text=PER_IMAGE_HELP)
    advanced_prices = forms.JSONField(label="Other prices (JSON)", required=False, help_text=ADVANCED_HELP)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        prices = self.instance.prices or {}
        self.initial.setdefault("per_image_prices", "\n".join(
            f"{model}: {price}" for model, price in prices.items() if not isinstance(price, dict)))
        self.initial.setdefault("advanced_prices", {m: p for m, p in prices.items() if isinstance(p, dict)} or None)

    def clean_per_image_prices(self) -> dict:
        prices = {}
        for number, line in enumerate((self.cleaned_data.get("per_image_prices") or "").splitlines(), 1):
            if not line.strip():
                continue
            model, sep, amount = line.rpartition(":")
            model, amount = model.strip(), amount.strip()
            if not sep or not model:
                raise ValidationError(f"Line {number}: write it as “model-id: 0.04”.", code="price_line")
            if errors := price_errors(amount):
                raise ValidationError(f"Line {number} ({model}): {errors[0]}", code="price")
            prices[model] = str(Decimal(amount))
        return prices

    def clean_advanced_prices(self) -> dict:
        prices = self.cleaned_data.get("advanced_prices") or {}
        if not isinstance(prices, dict):
            raise ValidationError("Write an object mapping model ids to prices.", code="price_json")
        for model, price in prices.items():
            if errors := price_errors(price):
                raise ValidationError(f"{model}: {errors[0]}", code="price")
        return prices

    def _post_clean(self):
        self.instance.prices = {**self.cleaned_data.get("advanced_prices", {}),
                                **self.cleaned_data.get("per_image_prices", {})}
        super()._post_clean()
