"""Reads an installation for test_backup.py: every table's rows, every file under
MEDIA_ROOT, and whether signatures made before the backup still verify and can be made again.

The test calls these functions on the installation it backs up, and runs this module as a
program (`python -m qamqor.core.tests.backup_probe '<json>'`) with the environment of the
installation it restored into, so the two sides are read by the same code.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import sys
import uuid
from pathlib import Path
from typing import Any


def canonical(value: Any) -> Any:
    """A JSON value that compares equal exactly when the database values are equal."""
    if isinstance(value, memoryview | bytes | bytearray):
        return {"bytes": bytes(value).hex()}
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        return {type(value).__name__: str(value)}
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return {type(value).__name__: str(value)}
    if isinstance(value, dict | list):
        return {"json": json.dumps(value, sort_keys=True, ensure_ascii=False)}
    return value


def dump_tables() -> dict[str, dict[str, Any]]:
    """Every table of the database (Django's introspection: the models' tables, the m2m
    tables, django_migrations, whatever a migration made), its columns and all its rows
    in a stable order."""
    from django.db import connection

    quote = connection.ops.quote_name
    tables = {}
    with connection.cursor() as cursor:
        for table in sorted(connection.introspection.table_names()):
            cursor.execute(f"SELECT * FROM {quote(table)}")  # noqa: S608 -- introspected names
            columns = [column[0] for column in cursor.description]
            rows = sorted(
                json.dumps([canonical(v) for v in row], ensure_ascii=False, sort_keys=True)
                for row in cursor.fetchall()
            )
            tables[table] = {"columns": columns, "rows": rows}
    return tables


def media_files(root: Path) -> dict[str, str]:
    """Every file under `root`, by relative path, its bytes in hex."""
    return {
        str(path.relative_to(root)): path.read_bytes().hex()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def check_signing(signatures: list[dict[str, Any]], tokens: list[dict[str, Any]]) -> dict:
    """Each raw signature verifies with its key and is made again, byte for byte, by the
    unsealed private key (Ed25519 is deterministic); each meal QR token verifies."""
    from qamqor.core import signing
    from qamqor.core.models import SigningKey
    from qamqor.meals.tokens import verify_token

    result: dict[str, Any] = {"signatures": [], "tokens": []}
    for item in signatures:
        message, signature = bytes.fromhex(item["message"]), bytes.fromhex(item["signature"])
        row = SigningKey.objects.get(kid=item["kid"])
        seed = signing.unseal(bytes(row.sealed_private_key), row.purpose, row.kid)
        public = signing.public_key(item["kid"])
        result["signatures"].append(
            {
                "kid": item["kid"],
                "verifies": public is not None and public.verify(message, signature),
                "signs_again": signing.Signer(
                    kid=row.kid,
                    school_id=row.school_id,
                    purpose=row.purpose,
                    public_key=bytes(row.public_key),
                    seed=seed,
                ).sign(message)
                == signature,
            }
        )
    for item in tokens:
        claims = verify_token(item["text"], dt.datetime.fromisoformat(item["issued_at"]))
        result["tokens"].append({"kid": claims.kid, "voucher": claims.voucher_id})
    return result


def new_row_pks() -> dict[str, int]:
    """Rows inserted after the restore get new keys (PostgreSQL's sequences came back)."""
    from qamqor.registry.models import Region

    return {"region": Region.objects.create(name_kk="Жаңа", name_ru="Новая").pk}


def main(argv: list[str]) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qamqor.settings")
    django.setup()
    from django.conf import settings

    request = json.loads(argv[1])
    answer = {
        "tables": dump_tables(),
        "files": media_files(Path(settings.MEDIA_ROOT)),
        "signing": check_signing(request["signatures"], request["tokens"]),
    }
    answer["new_pks"] = new_row_pks()  # last: it writes
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv)
