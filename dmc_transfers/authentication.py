"""API keys: ``Authorization: Token <key>``, stored as a digest only (django-rest-knox)."""
import binascii
import functools
from hmac import compare_digest

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import DEFAULT_DB_ALIAS
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import CONSTANTS
from rest_framework import exceptions

from dmc_transfers.permissions import API_ROLES
from dmc_transfers.sql import Converters, column, columns, fetch_all, table

KEY_FIELDS = ("digest", "token_key", "expiry")


class KeyLookup:
    """One statement: the keys sharing a key prefix, each with its user and that user's API roles.

    Knox reads the key with its user, then the permission check reads the
    user's groups: two statements on every request, where one does. A row
    per group the user is in (none: one row of NULLs).
    """

    def __init__(self):
        user_model, token_model = get_user_model(), get_token_model()
        memberships = user_model.groups.through
        self.user_fields = [field.attname for field in user_model._meta.concrete_fields]
        self.key = Converters(token_model, KEY_FIELDS)
        self.user = Converters(user_model, self.user_fields)
        self.sql = (
            f"SELECT {columns(token_model, KEY_FIELDS, 'k')}, {columns(user_model, self.user_fields, 'u')}, "
            f"{column(Group, 'name', 'g')} "
            f"FROM {table(token_model)} k JOIN {table(user_model)} u "
            f"ON {column(user_model, 'pk', 'u')} = {column(token_model, 'user', 'k')} "
            f"LEFT JOIN {table(memberships)} m ON {column(memberships, 'user', 'm')} = {column(user_model, 'pk', 'u')} "
            f"LEFT JOIN {table(Group)} g ON {column(Group, 'id', 'g')} = {column(memberships, 'group', 'm')} "
            f"WHERE {column(token_model, 'token_key', 'k')} = %s"
        )

    def __call__(self, token_key):
        """The keys with that prefix, each with its ``.user`` attached, the user's ``_api_roles`` already known."""
        found, roles = {}, {}
        for row in fetch_all(self.sql, [token_key]):
            key_values, group = row[: len(KEY_FIELDS)], row[-1]
            digest = key_values[0]
            if digest not in found:
                user_values = row[len(KEY_FIELDS) : -1]
                user = get_user_model().from_db(DEFAULT_DB_ALIAS, self.user_fields, self.user(user_values))
                key = get_token_model().from_db(DEFAULT_DB_ALIAS, KEY_FIELDS, self.key(key_values))
                key.user = user
                found[digest], roles[digest] = key, set()
            if group in API_ROLES:
                roles[digest].add(group)
        for digest, key in found.items():
            key.user._api_roles = frozenset(roles[digest])
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
