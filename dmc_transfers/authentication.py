"""API keys: ``Authorization: Token <key>``, stored as a digest only (django-rest-knox)."""
import binascii
import functools
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions

from dmc_transfers.permissions import API_ROLES
from dmc_transfers.sql import QUERY_CACHE_HINT, column, fetch_all, model_read, table


class KeyLookup:
    """One statement: the keys sharing a key prefix, each with its user and that user's API roles.

    Knox reads the key with its user, then the permission check reads the
    user's groups: two statements on every request, where one does. A row
    per group the user is in (none: one row of NULLs).
    """

    def __init__(self):
        user_model, token_model = get_user_model(), get_token_model()
        memberships = user_model.groups.through
        self.keys, self.users = model_read(token_model), model_read(user_model)
        self.sql = (
            f"SELECT {QUERY_CACHE_HINT}{self.keys.columns('k')}, {self.users.columns('u')}, {column(Group, 'name', 'g')} "
            f"FROM {table(token_model)} k JOIN {table(user_model)} u "
            f"ON {column(user_model, 'pk', 'u')} = {column(token_model, 'user', 'k')} "
            f"LEFT JOIN {table(memberships)} m ON {column(memberships, 'user', 'm')} = {column(user_model, 'pk', 'u')} "
            f"LEFT JOIN {table(Group)} g ON {column(Group, 'id', 'g')} = {column(memberships, 'group', 'm')} "
            f"WHERE {column(token_model, 'token_key', 'k')} = %s"
        )

    def __call__(self, token_key):
        """The keys with that prefix, each with its ``.user`` attached, the user's ``_api_roles`` already known."""
        width = len(self.keys.fields)
        found, roles = {}, {}
        for row in fetch_all(self.sql, [token_key]):
            key_values, group = row[:width], row[-1]
            if key_values not in found:
                key = self.keys.instance(key_values)
                key.user = self.users.instance(row[width:-1])
                found[key_values], roles[key_values] = key, set()
            if group in API_ROLES:
                roles[key_values].add(group)
        for key_values, key in found.items():
            key.user._api_roles = frozenset(roles[key_values])
        return list(found.values())


@functools.cache
def key_lookup():
    return KeyLookup()


class ApiKeyAuthentication(TokenAuthentication):
    """Knox's token authentication in one statement, refusing undecodable header bytes with 401."""

    def authenticate_credentials(self, token):
        invalid = exceptions.AuthenticationFailed("Invalid token.")
        try:
            token = token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise invalid from exc
        for key in key_lookup()(token[: CONSTANTS.TOKEN_KEY_LENGTH]):
            if self._cleanup_token(key):
                continue
            try:
                digest = hash_token(token)
            except (TypeError, binascii.Error) as exc:
                raise invalid from exc
            if compare_digest(digest, key.digest):
                return self.validate_user(key)
        raise invalid

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
