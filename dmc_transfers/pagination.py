"""Page-number pagination of API.md: page_size 100 by default, capped at 1000.

DRF quietly falls back to the default for a bad ``page_size``, answers a
bad ``page`` with 404 and takes ``page=last``; the contract wants a 400
naming the parameter for anything but a positive number, and a 404 only for
a page past the end.
"""
from django.core.paginator import InvalidPage, Paginator
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError

# No page starts further in than a BIGINT counts (a longer offset could not be bound).
MAX_OFFSET = 2**63 - 1


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
        return positive_int_param(request, self.page_query_param) or 1

    def paginate_read(self, request, read_page):
        """A page read with its total in one statement: ``read_page(offset, limit) -> (rows, total)``.

        The page and its links are DRF's, as ``paginate_queryset`` makes them.
        """
        self.request = request
        size = self.get_page_size(request)
        number = self.get_page_number(request, None)
        offset = (number - 1) * size
        rows, total = read_page(offset, size) if offset <= MAX_OFFSET else ([], 0)
        try:
            self.page = Paginator(range(total), size).page(number)
        except InvalidPage as exc:
            raise NotFound(self.invalid_page_message.format(page_number=number, message=str(exc))) from exc
        return rows
