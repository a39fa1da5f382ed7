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
    [({}, 20), ({"page_size": "5"}, 5), ({"page_size": "100"}, 100), ({"page_size": " 7 "}, 7)],
)
def test_page_size_from_one_to_a_hundred(query, expected):
    _, page = paginate(query)

    assert len(page) == expected


@pytest.mark.parametrize("size", ["101", "10000", "0", "-3", "abc", "1e3", "", "9" * 5000])
def test_page_size_outside_one_to_a_hundred_is_refused(size):
    with pytest.raises(exceptions.ValidationError) as error:
        paginate({"page_size": size})

    assert error.value.get_codes() == {"page_size": ["invalid"]}


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
