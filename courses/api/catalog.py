"""Storefront catalog endpoints: categories, the course list and the course page.

Everything is read through ``courses.selectors``; texts come back in the request's language
(``?lang=`` or Accept-Language) with modeltranslation's fallback, prices in the requested
currency (``?currency=``, else the language's currency)."""

import copy
from collections import defaultdict

from django.conf import settings
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import generics, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.caching import SharedCacheMixin
from core.api.negotiation import QueryFormatIsAFilter
from core.api.pagination import PageNumberPagination
from core.api.schema import CURRENCY_PARAMETER, LANG_PARAMETER
from core.money import currency_for_request

from .. import buying
from ..exceptions import CourseNotFound, InstructorNotFound
from ..filters import CourseFilter
from ..models import Category, Course, Instructor, Lesson, LiveSession, Price, Section, Tag
from ..search import COUNT_CAP, highlight
from ..selectors import (
    category_list,
    course_detail,
    course_list,
    instructor_detail,
    instructor_rating,
)
from .cards import SLUG_MARKER, CardBuilder, CardPages, highlighter, money


class MoneySerializer(serializers.Serializer):
    amount = serializers.CharField(help_text='Decimal amount as a string, e.g. "199.00" or "4200" (yen).')
    currency = serializers.ChoiceField(choices=settings.CURRENCIES)


class RatingSerializer(serializers.Serializer):
    average = serializers.DecimalField(max_digits=3, decimal_places=2)
    count = serializers.IntegerField()


# --- Categories -------------------------------------------------------------------------


class SubcategorySerializer(serializers.ModelSerializer):
    course_count = serializers.IntegerField(help_text="Published courses in this subcategory.")

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "course_count"]


class CategorySerializer(serializers.ModelSerializer):
    course_count = serializers.IntegerField(
        source="tree_course_count", help_text="Published courses in this category and its subcategories."
    )
    children = SubcategorySerializer(source="subcategories", many=True)

    class Meta:
        model = Category
        fields = ["slug", "name", "description", "course_count", "children"]


def _category_tree(categories: list[Category]) -> list[Category]:
    """Top categories, each carrying its subcategories and the published courses of both."""
    children: dict[int, list[Category]] = defaultdict(list)
    for category in categories:
        if category.parent_id is not None:
            children[category.parent_id].append(category)
    tops = [category for category in categories if category.parent_id is None]
    for top in tops:
        top.subcategories = children[top.pk]
        top.tree_course_count = top.course_count + sum(child.course_count for child in top.subcategories)
    return tops


@extend_schema(tags=["catalog"], parameters=[LANG_PARAMETER])
class CategoryListView(SharedCacheMixin, generics.ListAPIView):
    """Top categories with their subcategories, names in the request's language."""

    permission_classes = [AllowAny]
    serializer_class = CategorySerializer
    queryset = Category.objects.none()  # tells the schema the model; rows come from the selector

    def list(self, request: Request, *args, **kwargs) -> Response:
        tops = _category_tree(list(category_list()))
        page = self.paginate_queryset(tops)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- Courses ----------------------------------------------------------------------------


class CategoryRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["slug", "name"]


class InstructorRefSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    name = serializers.CharField()


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["slug", "name"]


class BuyingSerializer(serializers.Serializer):
    state = serializers.ChoiceField(choices=[buying.OWNED, buying.IN_CART, buying.FREE, buying.AVAILABLE])
    progress = serializers.IntegerField(allow_null=True, help_text="completion percent when owned")


class HighlightSerializer(serializers.Serializer):
    """HTML: the text escaped, what the search matched in ``<mark>``."""

    title = serializers.CharField()
    subtitle = serializers.CharField()


class CourseListSerializer(serializers.ModelSerializer):
    format_label = serializers.CharField(source="get_format_display")
    level_label = serializers.CharField(source="get_level_display")
    category = CategoryRefSerializer()
    instructor = InstructorRefSerializer()
    tags = TagSerializer(many=True)
    price = serializers.SerializerMethodField()
    rating = serializers.SerializerMethodField()
    cover = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    web_url = serializers.SerializerMethodField()
    buying = serializers.SerializerMethodField()
    highlight = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            "slug",
            "title",
            "subtitle",
            "highlight",
            "format",
            "format_label",
            "level",
            "level_label",
            "language",
            "duration_minutes",
            "category",
            "instructor",
            "tags",
            "price",
            "rating",
            "enrollment_count",
            "cover",
            "cover_color",
            "url",
            "web_url",
            "buying",
        ]

    @extend_schema_field(BuyingSerializer)
    def get_buying(self, course: Course) -> dict:
        """``free`` or ``available`` in the shared (cached) answer; the view puts the
        caller's ``owned`` (with ``progress``) and ``in_cart`` over it."""
        return buying.state_of(
            course.slug, price_amount=course.price_amount, course_format=course.format, owned={}, in_cart=()
        )

    @extend_schema_field(HighlightSerializer(allow_null=True))
    def get_highlight(self, course: Course) -> dict | None:
        """With ``?q=``: the title and subtitle as HTML-escaped text with what the query
        matched in ``<mark>``; null otherwise."""
        request = self.context.get("request")
        query = request.query_params.get("q", "") if request is not None else ""
        if not query.strip():
            return None
        return {"title": highlight(course.title, query), "subtitle": highlight(course.subtitle, query)}

    @extend_schema_field(MoneySerializer(allow_null=True))
    def get_price(self, course: Course) -> dict | None:
        """The price in the requested currency; null when the course has none in it."""
        return money(course.price_amount, course.price_currency)

    @extend_schema_field(RatingSerializer())
    def get_rating(self, course: Course) -> dict:
        return {"average": f"{course.rating_average:.2f}", "count": course.rating_count}

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_cover(self, course: Course) -> str | None:
        """URL of the uploaded cover; null when the client should draw one in ``cover_color``."""
        if not course.cover:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(course.cover.url) if request else course.cover.url

    def _link(self, view_name: str, slug: str) -> str:
        # One reverse() per list instead of one per row: the URL is built once with a
        # marker for the slug (the list's children share this context) and filled per row.
        templates = self.context.setdefault("_url_templates", {})
        template = templates.get(view_name)
        if template is None:
            path = reverse(view_name, kwargs={"slug": SLUG_MARKER})
            request = self.context.get("request")
            template = templates[view_name] = request.build_absolute_uri(path) if request else path
        return template.replace(SLUG_MARKER, slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, course: Course) -> str:
        """This course in the API."""
        return self._link("api:course-detail", course.slug)

    @extend_schema_field(OpenApiTypes.URI)
    def get_web_url(self, course: Course) -> str:
        """The storefront page in the request's language."""
        return self._link("courses:detail", course.slug)


class LessonSerializer(serializers.ModelSerializer):
    body = serializers.SerializerMethodField()
    media_url = serializers.SerializerMethodField()

    class Meta:
        model = Lesson
        fields = ["id", "title", "duration_minutes", "is_preview", "body", "media_url"]

    # Only free previews show their content here; the rest is for enrolled learners.
    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_body(self, lesson: Lesson) -> str | None:
        return lesson.body if lesson.is_preview else None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_media_url(self, lesson: Lesson) -> str | None:
        return (lesson.media_url or None) if lesson.is_preview else None


class SectionSerializer(serializers.ModelSerializer):
    lessons = LessonSerializer(many=True)

    class Meta:
        model = Section
        fields = ["id", "title", "lessons"]


class LiveSessionSerializer(serializers.ModelSerializer):
    seats_left = serializers.IntegerField()

    class Meta:
        model = LiveSession
        fields = ["id", "starts_at", "duration_minutes", "capacity", "seats_left"]


class CourseDetailSerializer(CourseListSerializer):
    instructor = serializers.SerializerMethodField()
    sections = SectionSerializer(many=True)
    upcoming_sessions = LiveSessionSerializer(many=True)
    prices = serializers.SerializerMethodField()

    class Meta(CourseListSerializer.Meta):
        fields = [
            *CourseListSerializer.Meta.fields,
            "description",
            "published_at",
            "sections",
            "upcoming_sessions",
            "prices",
        ]

    @extend_schema_field(
        inline_serializer(
            name="InstructorDetail",
            fields={
                "slug": serializers.SlugField(),
                "name": serializers.CharField(),
                "headline": serializers.CharField(),
                "bio": serializers.CharField(),
            },
        )
    )
    def get_instructor(self, course: Course) -> dict:
        instructor = course.instructor
        return {
            "slug": instructor.slug,
            "name": instructor.name,
            "headline": instructor.headline or "",
            "bio": instructor.bio or "",
        }

    @extend_schema_field(MoneySerializer(many=True))
    def get_prices(self, course: Course) -> list[dict]:
        prices: list[Price] = list(course.prices.all())
        return [money(price.amount, price.currency) for price in prices]


class CurrencyQuerySerializer(serializers.Serializer):
    currency = serializers.ChoiceField(choices=settings.CURRENCIES, required=False)


class CourseListPagination(PageNumberPagination):
    """Adds ``count_capped``: a search counts at most ``COUNT_CAP`` matches (every match
    is ranked, but counting them all would cost more than the page), so its ``count``
    stops there."""

    def get_paginated_response(self, data) -> Response:
        response = super().get_paginated_response(data)
        capped = bool(self.request.query_params.get("q")) and self.page.paginator.count >= COUNT_CAP
        response.data["count_capped"] = capped
        return response

    def get_paginated_response_schema(self, schema: dict) -> dict:
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["count_capped"] = {"type": "boolean"}
        return paginated


class VisitorBuyingStatesMixin:
    """The answer is shared by every caller (cached); the caller's own states (owned with
    progress, in the cart) are laid over each course's ``buying`` afterwards, at a fixed
    two queries for a signed-in caller."""

    def get(self, request: Request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        data = getattr(response, "data", None)
        if response.status_code != 200 or not isinstance(data, dict):
            return response
        owned, in_cart = buying.visitor_states(request)
        if not (owned or in_cart):
            return response
        data = copy.deepcopy(data)  # the cached answer is shared: never change it in place
        items = data.get("results") if "results" in data else [data]
        changed = False
        for item in items or []:
            slug = item.get("slug")
            if slug in owned or slug in in_cart:
                item["buying"] = buying.state_of(
                    slug, price_amount=None, course_format="", owned=owned, in_cart=in_cart
                )
                changed = True
        return Response(data) if changed else response


@extend_schema(tags=["catalog"], parameters=[LANG_PARAMETER])
class CourseListView(VisitorBuyingStatesMixin, SharedCacheMixin, generics.ListAPIView):
    """Published courses, filtered, ordered and paginated; texts in the request's language.
    Pages are cached per filter, language and currency, searches (``?q=``) too: a
    campaign's spike repeats a few searches, and an entry lives ``CATALOG_CACHE_SECONDS``
    at most (any catalog edit makes it stale at once). A search's ranked ids are cached
    apart (``courses.selectors``), so its other pages, languages and currencies skip the
    ranking, and so are the course cards (``courses.api.cards``), so a page under a new
    URL builds only the cards of courses no answer showed since the last edit."""

    permission_classes = [AllowAny]
    content_negotiation_class = QueryFormatIsAFilter
    serializer_class = CourseListSerializer
    pagination_class = CourseListPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CourseFilter
    # Only names the model for django-filter; CourseFilter builds the real query with
    # courses.selectors.course_list.
    queryset = Course.objects.none()

    def list(self, request: Request, *args, **kwargs) -> Response:
        # The cards as CourseListSerializer writes them, from plain rows and the per-course
        # cache (courses.api.cards). The currency as CourseFilter chose it (a bad one was
        # a 400 there).
        queryset = self.filter_queryset(self.get_queryset())
        currency = request.query_params.get("currency") or currency_for_request(request)
        pages = CardPages(
            queryset, CardBuilder(request, currency), highlighter(request.query_params.get("q", ""))
        )
        return self.get_paginated_response(self.paginate_queryset(pages))


@extend_schema(tags=["catalog"], parameters=[LANG_PARAMETER, CURRENCY_PARAMETER])
class CourseDetailView(VisitorBuyingStatesMixin, SharedCacheMixin, generics.RetrieveAPIView):
    """One published course with its syllabus, upcoming live sessions and every price."""

    permission_classes = [AllowAny]
    serializer_class = CourseDetailSerializer
    queryset = Course.objects.none()
    lookup_field = "slug"

    def get_object(self) -> Course:
        query = CurrencyQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        currency = query.validated_data.get("currency") or currency_for_request(self.request)
        try:
            return course_detail(slug=self.kwargs["slug"], currency=currency)
        except Course.DoesNotExist:
            raise CourseNotFound() from None


# --- Instructors ------------------------------------------------------------------------


class InstructorSerializer(serializers.ModelSerializer):
    course_count = serializers.IntegerField(help_text="Published courses.")
    learner_count = serializers.IntegerField(help_text="Enrollments over the published courses.")
    rating = serializers.SerializerMethodField()
    courses = serializers.SerializerMethodField()

    class Meta:
        model = Instructor
        fields = ["slug", "name", "headline", "bio", "course_count", "learner_count", "rating", "courses"]

    @extend_schema_field(RatingSerializer(allow_null=True))
    def get_rating(self, instructor: Instructor) -> dict | None:
        average = instructor_rating(instructor)
        return None if average is None else {"average": f"{average:.2f}", "count": instructor.rating_count}

    @extend_schema_field(CourseListSerializer(many=True))
    def get_courses(self, instructor: Instructor) -> list:
        return CourseListSerializer(self.context["courses"], many=True, context=self.context).data


@extend_schema(tags=["catalog"], parameters=[LANG_PARAMETER, CURRENCY_PARAMETER])
class InstructorDetailView(SharedCacheMixin, generics.RetrieveAPIView):
    """An instructor with their published courses (most popular first) and totals."""

    permission_classes = [AllowAny]
    serializer_class = InstructorSerializer
    queryset = Instructor.objects.none()

    def retrieve(self, request: Request, *args, **kwargs) -> Response:
        query = CurrencyQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        currency = query.validated_data.get("currency") or currency_for_request(request)
        try:
            instructor = instructor_detail(slug=kwargs["slug"])
        except Instructor.DoesNotExist:
            raise InstructorNotFound() from None
        context = {
            **self.get_serializer_context(),
            "courses": course_list(currency=currency).filter(instructor=instructor),
        }
        return Response(InstructorSerializer(instructor, context=context).data)
