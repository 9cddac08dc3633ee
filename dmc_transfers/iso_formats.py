"""The exact shapes API.md gives dates and times in query parameters.

``strptime`` is lenient (``2026-12-1``, ``14:3`` and ``9:05`` all parse), so
values are matched against these before they are parsed.
"""
import re

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
ISO_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")
