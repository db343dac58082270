"""НОБД exchange: import of pupils, families and guardians from a flat sheet, and export.

Modules: `columns` (the file format), `reader` (XLSX/CSV to rows), `validation` (one row),
`plan` (the whole file against the registry), `services` (apply and the job's life),
`export` (registry and error report to XLSX), `sample` (synthetic files for tests and bench).
"""
