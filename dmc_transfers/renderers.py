"""JSON rendering with orjson: list pages of up to 1000 transfers are encoded a lot faster."""
import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_fallback = JSONEncoder()


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        # DRF's encoder covers what orjson does not know (lazy strings, Decimal, ...).
        return orjson.dumps(data, default=_fallback.default)
