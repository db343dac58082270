"""Tokens issued before expiry existed expire counted from when they were made: personal
tokens after 90 days, a canteen scanner's terminal token (label "scanner: ...",
canteen.scanner.TERMINAL_LABEL) after a year."""

import datetime as dt

from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    ApiToken = apps.get_model("accounts", "ApiToken")
    terminals = ApiToken.objects.filter(label__startswith="scanner: ")
    terminals.update(expires_at=F("created_at") + dt.timedelta(days=365))
    ApiToken.objects.exclude(label__startswith="scanner: ").update(
        expires_at=F("created_at") + dt.timedelta(days=90)
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_token_expiry")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
