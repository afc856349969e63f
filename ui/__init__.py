"""Streamlit-only helpers of the jobbus app: i18n, formatting, maps, charts, cached loaders,
session and login glue. Pages in ``app_pages/`` stay thin and call these and
``planner.services``; nothing under ``planner/`` imports this package."""
