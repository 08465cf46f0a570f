"""The periodic check that finds jobs whose worker died (a django-q2 schedule)."""
from django.db import migrations


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.update_or_create(
        name="Recover stalled jobs",
        defaults={"func": "studio.tasks.recover_jobs", "schedule_type": "I", "minutes": 1, "repeats": -1},
    )


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name="Recover stalled jobs").delete()


class Migration(migrations.Migration):
    dependencies = [("studio", "0003_reliability_usage_budgets"), ("django_q", "0001_initial")]
    operations = [migrations.RunPython(create, remove)]
