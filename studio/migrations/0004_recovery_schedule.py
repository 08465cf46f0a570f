"""Formerly created the recovery schedule; it is now made in code at start-up
(``studio.jobs.recovery.schedule_ensure``), so this migration does nothing.

Kept so databases that applied it keep a consistent migration history; the
schedule row it made there is found by name and corrected in place.
"""
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("studio", "0003_reliability_usage_budgets"), ("django_q", "0001_initial")]
    operations = []
