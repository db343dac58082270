"""Backup and restore of one installation: `qamqor backup DIR`, `qamqor restore DIR`.

A backup is a directory (mode 0700, its files 0600: it holds personal data and the secret):

    manifest.json      when, which Qamqor, which database engine, the last applied migration
                       of each app, and the size and SHA-256 of every other file
    database.pgdump    PostgreSQL: `pg_dump --format=custom`
    database.sqlite3   SQLite: a copy made with the online backup API
    media.tar          MEDIA_ROOT: uploaded evidence, receipts, photos, imports
    secret_key         the file SECRET_KEY is read from (absent when SECRET_KEY comes from
                       the environment: the manifest says so)

Both database copies are consistent snapshots taken while the server runs. The database is
copied before the files: a service stores an upload before it commits the row that names it,
so every file a copied row names is already on disk when the files are packed (only a file
deleted between the two can be missing).

The signing keys' private halves are sealed with a key derived from SECRET_KEY
(core/signing.py), so a database restored without its secret key cannot sign a meal QR.

Restore checks everything it can before it changes anything: the manifest, every file's size
and SHA-256, the database engine, the PostgreSQL archive's table of contents, that the
database has no tables and MEDIA_ROOT no files (unless `force`), and it unpacks the files
beside MEDIA_ROOT's contents. Only then does it replace the database, move the files into
place and write the secret key; last it compares the restored schema with this code's
migrations and checks that the signing keys open.

Nothing printed names a person: messages carry counts, sizes and the backup's own file names;
PostgreSQL's DETAIL and CONTEXT lines (which quote rows) are withheld.
"""

# The commands' entry points; the file names and checks are in `common`, `make`, `restore`.
from .common import BackupError, Report
from .make import make_backup
from .restore import restore_backup

__all__ = ["BackupError", "Report", "make_backup", "restore_backup"]
