"""Dash multi-page app over the published Parquet snapshot: `python -m dashboards` serves it."""
