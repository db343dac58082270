"""Pages of the applications app, one module per area (see urls.py)."""
