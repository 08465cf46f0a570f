"""Every studio starts with the offline renderer, so it works with no key."""
from django.db import migrations


def create(apps, schema_editor):
    ProviderConnection = apps.get_model("providers", "ProviderConnection")
    if not ProviderConnection.objects.filter(kind="local").exists():
        ProviderConnection.objects.create(kind="local", name="Offline renderer", enabled=True)


class Migration(migrations.Migration):
    dependencies = [("providers", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
