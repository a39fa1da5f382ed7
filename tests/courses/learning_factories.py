"""Builders for the learning tests: a course with a syllabus, enrolled learners and
reviews, made through the real services where a service exists."""

from courses.models import Course, Lesson, Review
from courses.services import enrollment_grant
from tests.factories import CourseFactory, LessonFactory, SectionFactory, UserFactory


def course_with_lessons(*, lessons: int = 3, sections: int = 1, preview_first: bool = False, **course_kwargs):
    """A published course with ``lessons`` lessons spread over ``sections`` sections, in
    syllabus order; returns ``(course, [lessons])``."""
    course = CourseFactory(**course_kwargs)
    built: list[Lesson] = []
    section_rows = [SectionFactory(course=course, position=index) for index in range(sections)]
    for index in range(lessons):
        section = section_rows[index * sections // lessons] if lessons else section_rows[0]
        built.append(LessonFactory(section=section, position=index, is_preview=preview_first and index == 0))
    return course, built


def enrolled_learner(course: Course, **user_kwargs):
    user = UserFactory(**user_kwargs)
    enrollment_grant(user=user, course=course)
    return user


def review_rows(course: Course, count: int, rating: int = 4) -> list[Review]:
    """Reviews written straight to the table (for list sizes); aggregates are set to match."""
    users = [UserFactory() for _ in range(count)]
    rows = Review.objects.bulk_create(
        [Review(user=user, course=course, rating=rating, text=f"Review {i}") for i, user in enumerate(users)]
    )
    Course.objects.filter(pk=course.pk).update(
        rating_count=count, rating_sum=count * rating, rating_average=rating if count else 0
    )
    return rows
