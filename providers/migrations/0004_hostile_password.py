"""The A1111 basic-auth password moves out of ``options`` into an encrypted field."""
from django.db import migrations, models


def encrypt_passwords(apps, schema_editor):
    from providers import crypto

    ProviderConnection = apps.get_model("providers", "ProviderConnection")
    for conn in ProviderConnection.objects.all():
        options = conn.options if isinstance(conn.options, dict) else {}
        if "password" not in options:
            continue
        conn.password_encrypted = crypto.encrypt(str(options.pop("password") or ""))
        conn.options = options
        conn.save(update_fields=["options", "password_encrypted"])


def decrypt_passwords(apps, schema_editor):
    from providers import crypto

    ProviderConnection = apps.get_model("providers", "ProviderConnection")
    for conn in ProviderConnection.objects.exclude(password_encrypted=""):
        conn.options = {**(conn.options or {}), "password": crypto.decrypt(conn.password_encrypted)}
        conn.save(update_fields=["options"])


class Migration(migrations.Migration):
    dependencies = [("providers", "0003_connection_prices_pricing")]
    operations = [
        migrations.AddField(
            model_name="providerconnection", name="password_encrypted",
            field=models.TextField(blank=True, editable=False)),
        migrations.RunPython(encrypt_passwords, decrypt_passwords),
    ]
