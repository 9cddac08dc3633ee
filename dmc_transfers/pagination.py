"""Page-number pagination of API.md: page_size 100 by default, capped at 1000.

DRF quietly falls back to the default for a bad ``page_size`` and answers a
bad ``page`` with 404; the contract wants a 400 naming the parameter, and a
404 only for a page past the end.
"""
from rest_framework import pagination
from rest_framework.exceptions import ValidationError


def positive_int_param(request, name):
    raw = request.query_params.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise ValidationError({name: [f"{name} must be a positive integer."]})
    return int(raw)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        size = positive_int_param(request, self.page_size_query_param)
        return self.page_size if size is None else min(size, self.max_page_size)

    def get_page_number(self, request, paginator):
        if request.query_params.get(self.page_query_param) in self.last_page_strings:
            return paginator.num_pages
        return positive_int_param(request, self.page_query_param) or 1
