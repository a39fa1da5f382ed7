"""Page-number pagination shared by every list endpoint."""

import pytest
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from core.api.pagination import PageNumberPagination


def paginate(query: dict, items: int = 250):
    request = Request(APIRequestFactory().get("/api/v1/things/", query))
    paginator = PageNumberPagination()
    page = paginator.paginate_queryset(list(range(items)), request)
    return paginator, page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, 20),
        ({"page_size": "5"}, 5),
        ({"page_size": "100"}, 100),
        ({"page_size": "101"}, 100),
        ({"page_size": "10000"}, 100),
        ({"page_size": "0"}, 20),
        ({"page_size": "-3"}, 20),
        ({"page_size": "abc"}, 20),
        ({"page_size": "1e3"}, 20),
    ],
)
def test_page_size_is_capped_and_bad_sizes_use_the_default(query, expected):
    _, page = paginate(query)

    assert len(page) == expected


def test_response_has_count_next_previous_results():
    paginator, page = paginate({"page": "2", "page_size": "100"})

    data = paginator.get_paginated_response(page).data

    assert list(data) == ["count", "next", "previous", "results"]
    assert data["count"] == 250
    assert data["next"] == "http://testserver/api/v1/things/?page=3&page_size=100"
    assert data["previous"] == "http://testserver/api/v1/things/?page_size=100"
    assert data["results"] == list(range(100, 200))


def test_last_page_has_no_next():
    paginator, page = paginate({"page": "last"})

    data = paginator.get_paginated_response(page).data

    assert data["next"] is None
    assert data["results"] == list(range(240, 250))


@pytest.mark.parametrize("page", ["abc", "0", "-1", "14", "1.5"])
def test_bad_page_numbers_are_not_found(page):
    with pytest.raises(exceptions.NotFound):
        paginate({"page": page})


def test_empty_list_is_one_empty_page():
    paginator, page = paginate({}, items=0)

    assert paginator.get_paginated_response(page).data == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [],
    }
