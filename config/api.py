"""API plumbing shared by every app: a safe JSON parser, the capped pagination and the input
check of the desk's hot endpoints."""

from __future__ import annotations

import functools
from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.fields import SkipField
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.parsers import JSONParser

MAX_PAGE_SIZE = 200
# Beyond this an offset or limit is not a page of anything (and PostgreSQL's bigint ends).
_MAX_INT = 2**31 - 1


class SafeJSONParser(JSONParser):
    """JSON bodies; nested too deeply (thousands of ``[``) is 400, not a RecursionError 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error: nested too deeply.")) from None


def parse_count(value: str | None, *, name: str, default: int, maximum: int | None = None) -> int:
    """A limit/offset parameter: a whole number ≥ 0, else 400; capped at ``maximum``."""
    if value in (None, ""):
        return default
    text = str(value).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 10 or int(text) > _MAX_INT:
        raise ValidationError({name: [_("limit and offset are numbers")]})
    number = int(text)
    return min(number, maximum) if maximum is not None else number


class Pagination(LimitOffsetPagination):
    """``?limit=&offset=``; at most MAX_PAGE_SIZE rows a page; a bad number is 400."""

    default_limit = settings.REST_FRAMEWORK.get("PAGE_SIZE", 50)
    max_limit = MAX_PAGE_SIZE

    def get_limit(self, request) -> int:
        limit = parse_count(
            request.query_params.get(self.limit_query_param),
            name=self.limit_query_param,
            default=self.default_limit,
            maximum=self.max_limit,
        )
        return limit or self.default_limit

    def get_offset(self, request) -> int:
        return parse_count(
            request.query_params.get(self.offset_query_param),
            name=self.offset_query_param,
            default=0,
        )


@functools.cache
def _bound_fields(serializer_class: type[serializers.Serializer], language: str | None) -> tuple:
    """The serializer's fields, built and bound once per process and language (a serializer
    instance copies every declared field on each use). Per language: a field formats some of
    its messages once (``max_length``'s is a ``lazy_format`` that keeps its first rendering)."""
    return tuple(serializer_class().fields.items())


def validated_input(serializer_class: type[serializers.Serializer], data) -> dict:
    """``serializer_class(data=data)``'s ``validated_data``, or the same ``ValidationError``
    (messages and structure) ``is_valid(raise_exception=True)`` raises, without building a
    serializer per request: for input serializers of plain fields with no ``validate``
    methods (the desk's check-out, check-in and renew bodies, one scan each)."""
    if not isinstance(data, Mapping):  # not an object: the serializer says what is wrong
        serializer_class(data=data).is_valid(raise_exception=True)
    values, errors = {}, {}
    for name, field in _bound_fields(serializer_class, translation.get_language()):
        try:
            value = field.run_validation(field.get_value(data))
        except SkipField:
            continue
        except ValidationError as error:
            errors[name] = error.detail
        else:
            values[name] = value
    if errors:
        raise ValidationError(errors)
    return values
