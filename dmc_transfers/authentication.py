"""API keys: ``Authorization: Token <key>``, stored as a digest only (django-rest-knox)."""
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from rest_framework import exceptions


class ApiKeyAuthentication(TokenAuthentication):
    """Knox's token authentication, refusing undecodable header bytes with 401 instead of a 500."""

    def authenticate_credentials(self, token):
        try:
            token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)

    def _cleanup_token(self, auth_token):
        """Refuse (and remove) this key if it has expired; knox's own version also
        sweeps all the user's other keys for expired ones, a query on every
        request. Keys here are issued without expiry (TOKEN_TTL None), so there
        is nothing for that sweep to find."""
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            auth_token.delete()
            return True
        return False


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """How the schema describes the key, so Swagger UI's "Authorize" sends it."""

    target_class = ApiKeyAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: the key printed by `python manage.py create_api_client`.",
        }
