"""Input images count in the estimate where the price depends on them (FLUX.2: every input MP)."""
from decimal import Decimal

import pytest

from providers.catalog import spec_for
from providers.models import ProviderConnection
from providers.services import ModelChoice
from studio.budgets import job_estimate

pytestmark = pytest.mark.django_db


def test_flux_2_references_add_their_megapixels_to_the_estimate():
    conn = ProviderConnection.objects.create(kind="bfl", name="BFL", enabled=True)
    choice = ModelChoice(conn, spec_for("bfl", "flux-2-pro"))
    values = {"width": 1024, "height": 1024, "n": 1}
    alone = job_estimate(choice=choice, values=values).cost
    with_two = job_estimate(choice=choice, values={**values, "input_sizes": [(1000, 1000)] * 2}).cost
    # FLUX.2 [pro]: 1.5 credits ($0.015) per input megapixel.
    assert with_two - alone == Decimal("0.030")
