from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    """``?page=`` and ``?page_size=`` (capped at 100). A page size outside 1..100 falls
    back to the default or the cap instead of erroring; a bad page number is a 404 with
    code ``not_found`` from the exception handler."""

    page_size_query_param = "page_size"
    max_page_size = 100
