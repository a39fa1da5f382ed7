"""The catalog (categories, courses, prices, syllabus, live sessions) and learning
(enrollments, lesson progress, reviews)."""

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.images import RasterImageField
from core.models import TimeStampedModel, index_where_set

CURRENCY_CHOICES = [(code, code) for code in settings.CURRENCIES]


class Category(TimeStampedModel):
    """Two levels: a top category (``parent`` empty) and its subcategories."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="category_not_own_parent")
        ]

    def __str__(self) -> str:
        return self.name or self.slug

    def clean(self) -> None:
        # The catalog, its filters and the API show two levels only: a third level would
        # silently drop out of every menu and filter.
        super().clean()
        if self.parent_id is None:
            return
        if self.parent_id == self.pk:
            raise ValidationError({"parent": _("A category cannot be its own parent.")})
        if self.parent.parent_id is not None:
            raise ValidationError({"parent": _("Choose a top category: categories have two levels.")})
        if self.pk and Category.objects.filter(parent_id=self.pk).exists():
            raise ValidationError(
                {"parent": _("This category has subcategories, so it must stay a top category.")}
            )


class Tag(TimeStampedModel):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=80)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name or self.slug


class Instructor(TimeStampedModel):
    slug = models.SlugField(unique=True, max_length=80)
    name = models.CharField(_("name"), max_length=120)
    headline = models.CharField(_("headline"), max_length=200, blank=True)
    bio = models.TextField(_("biography"), blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="instructor"
    )
    # The instructor's part of each paid line, as a fraction (0.3000 = 30%).
    revenue_share = models.DecimalField(
        _("revenue share"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.3000"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )

    class Meta:
        ordering = ["slug"]
        verbose_name = _("instructor")
        verbose_name_plural = _("instructors")
        constraints = [
            models.CheckConstraint(
                condition=Q(revenue_share__gte=0, revenue_share__lte=1), name="instructor_share_0_1"
            )
        ]

    def __str__(self) -> str:
        return self.name or self.slug


class Course(TimeStampedModel):
    class Format(models.TextChoices):
        VIDEO = "video", _("video course")
        LIVE = "live", _("live class")
        EBOOK = "ebook", _("e-book")
        AUDIO = "audio", _("audio course")

    class Level(models.TextChoices):
        BEGINNER = "beginner", _("beginner")
        INTERMEDIATE = "intermediate", _("intermediate")
        ADVANCED = "advanced", _("advanced")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(unique=True, max_length=120)
    title = models.CharField(_("title"), max_length=200)
    subtitle = models.CharField(_("subtitle"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="courses")
    instructor = models.ForeignKey(Instructor, on_delete=models.PROTECT, related_name="courses")
    tags = models.ManyToManyField(Tag, blank=True, related_name="courses")
    format = models.CharField(_("format"), max_length=10, choices=Format.choices, default=Format.VIDEO)
    level = models.CharField(_("level"), max_length=20, choices=Level.choices, default=Level.BEGINNER)
    language = models.CharField(
        _("instruction language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    cover = RasterImageField(_("cover image"), upload_to="covers/", blank=True)
    # Used for a generated cover when no image is uploaded.
    cover_color = models.CharField(max_length=7, default="#2f6f8f")
    is_published = models.BooleanField(_("published"), default=False, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Denormalized counters, updated by services (enrollments and reviews) with F().
    enrollment_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    rating_average = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    # Every language's title, subtitle, description, tags and instructor, lower-cased:
    # one column to search in any language (CJK has no spaces, so substring/trigram).
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["-published_at", "slug"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        indexes = [
            models.Index(fields=["is_published", "format"]),
            models.Index(fields=["-enrollment_count"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating_average__gte=0, rating_average__lte=5), name="course_rating_0_5"
            )
        ]

    def __str__(self) -> str:
        return self.title or self.slug


class Price(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="prices")
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["course_id", "currency"]
        verbose_name = _("price")
        verbose_name_plural = _("prices")
        constraints = [
            models.UniqueConstraint(fields=["course", "currency"], name="price_unique_currency"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


class Section(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="sections")
    title = models.CharField(_("title"), max_length=200)
    position = models.PositiveIntegerField(default=0)
    # Drip release: a section opens a number of days after the learner's enrollment, or on
    # a fixed date, whichever is later when both are set. Preview lessons are never locked.
    release_after_days = models.PositiveIntegerField(_("opens days after enrollment"), null=True, blank=True)
    release_at = models.DateTimeField(_("opens on"), null=True, blank=True)

    class Meta:
        ordering = ["course_id", "position", "id"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.title


def lesson_media_storage():
    # A storage of its own, never served under MEDIA_URL: paid media leaves only through
    # the signed lesson-media view (courses.learning.media).
    from django.core.files.storage import storages

    return storages["lesson_media"]


def lesson_media_upload_to(instance, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"lessons/{uuid.uuid4().hex}.{suffix[:8]}"


LESSON_MEDIA_EXTENSIONS = {
    "video": ("mp4", "webm", "m4v", "mov", "ogv"),
    "audio": ("mp3", "m4a", "ogg", "oga", "opus", "wav", "aac", "flac", "weba"),
}


class Lesson(TimeStampedModel):
    class MediaKind(models.TextChoices):
        NONE = "", _("text only")
        VIDEO = "video", _("video")
        AUDIO = "audio", _("audio")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="lessons")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    media_url = models.URLField(_("media URL"), blank=True)
    media_file = models.FileField(
        _("media file"),
        storage=lesson_media_storage,
        upload_to=lesson_media_upload_to,
        blank=True,
        max_length=200,
        validators=[
            FileExtensionValidator([ext for exts in LESSON_MEDIA_EXTENSIONS.values() for ext in exts])
        ],
    )
    media_kind = models.CharField(_("media kind"), max_length=5, choices=MediaKind.choices, blank=True)
    media_seconds = models.PositiveIntegerField(_("media length (seconds)"), default=0)
    position = models.PositiveIntegerField(default=0)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=0)
    is_preview = models.BooleanField(_("free preview"), default=False)

    class Meta:
        ordering = ["section__position", "position", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.media_file and not self.media_kind:
            suffix = self.media_file.name.rsplit(".", 1)[-1].lower()
            kinds = [kind for kind, exts in LESSON_MEDIA_EXTENSIONS.items() if suffix in exts]
            if not kinds:
                raise ValidationError({"media_kind": _("Choose whether the file is a video or audio.")})
            self.media_kind = kinds[0]
        if self.media_kind and not self.media_file:
            raise ValidationError({"media_file": _("Upload the media file, or clear the media kind.")})


class LiveSession(TimeStampedModel):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="live_sessions")
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    capacity = models.PositiveIntegerField(_("capacity"))
    seats_taken = models.PositiveIntegerField(_("seats taken"), default=0)

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(seats_taken__gte=0) & Q(seats_taken__lte=models.F("capacity")),
                name="live_session_seats_within_capacity",
            )
        ]

    @property
    def seats_left(self) -> int:
        return self.capacity - self.seats_taken

    def __str__(self) -> str:
        return f"{self.course_id} @ {self.starts_at:%Y-%m-%d %H:%M}"


class Enrollment(TimeStampedModel):
    class Source(models.TextChoices):
        PURCHASE = "purchase", _("purchase")
        FREE = "free", _("free")
        STAFF = "staff", _("granted by staff")
        # Given by a membership plan (the plans app): ends with the learner's entitlement.
        MEMBERSHIP = "membership", _("membership")

    # Indexed by the unique (user, course) constraint, whose first column it is.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments", db_index=False
    )
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="enrollments")
    live_session = models.ForeignKey(
        LiveSession,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enrollments",
        db_index=False,
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.PURCHASE)
    is_active = models.BooleanField(default=True)
    completed_lessons = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    last_lesson = models.ForeignKey(
        "Lesson", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        # Every sale inserts an enrollment: its empty columns are indexed only where set.
        indexes = [
            index_where_set("live_session", "enrollment_live_session_idx"),
            index_where_set("last_lesson", "enrollment_last_lesson_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="enrollment_unique_user_course")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} -> {self.course_id}"


class EnrollmentCountChange(models.Model):
    """A change of one course's learner count (``delta``: +1 for an enrollment that became
    active, -1 for one withdrawn) not yet added to ``Course.enrollment_count``.

    Every sale of a course used to update the course row in its paying transaction: the one
    row every buyer of a campaign's course writes, locked from that update to the commit, a
    wide row copied at each sale, and (its count being indexed) an entry in each of the
    course's ten indexes. A sale inserts this narrow row instead, in the same transaction,
    so no change is lost or counted twice; ``course_enrollment_counts_fold`` (every minute)
    adds them up into the courses and deletes them. The count the catalog shows lags by up
    to a minute, as its cached pages already did (README, issue 9)."""

    # No index but the primary key: the fold reads the whole (small) table, and every
    # index would be written at every sale.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+", db_index=False)
    delta = models.SmallIntegerField()

    def __str__(self) -> str:
        return f"{self.course_id}: {self.delta:+d}"


class LessonProgress(TimeStampedModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Where the player stands (resume) and how much of the media was really played: the
    # lesson completes itself at LESSON_COMPLETION_SHARE of its length.
    position_seconds = models.FloatField(default=0)
    watched_seconds = models.FloatField(default=0)
    media_seconds = models.FloatField(default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="progress_unique_user_lesson")]


class Review(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reviews")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(blank=True)
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="review_unique_user_course"),
            models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5"),
        ]


class CourseSearchDocument(models.Model):
    """A course's words for PostgreSQL full-text search (built in SQL by
    ``courses.search.documents_rebuild``). In its own table so that
    loading a course anywhere else never reads these columns; SQLite leaves it empty and
    searches ``Course.search_text`` instead."""

    course = models.OneToOneField(
        Course, primary_key=True, on_delete=models.CASCADE, related_name="search_document"
    )
    # Copies of the course's flags, so that finding the matches reads this table only:
    # ``is_published`` is kept exact by the publish service; ``popularity`` (enrollments)
    # is refreshed on every save and hourly.
    is_published = models.BooleanField(default=False)
    popularity = models.PositiveIntegerField(default=0)
    # Titles (A), tag and category names and pinyin (B), subtitles (C): small and inline,
    # ranked for every match.
    head = SearchVectorField(null=True)
    # Every searchable word; its GIN index answers which courses match.
    body = SearchVectorField(null=True)
    # Titles, tag and category names and their pinyin as plain text: the trigram index
    # behind typo tolerance.
    names = models.TextField(blank=True, default="")

    class Meta:
        # Not shown anywhere (no admin page), so no translated verbose names.
        ordering = ["course_id"]

    def __str__(self) -> str:
        return str(self.course_id)


class CourseSearchPosting(models.Model):
    """One word of a published course's search document (PostgreSQL; SQLite leaves it
    empty), written by ``courses.search_postings.postings_sync`` from the document. Its
    index ``(term, score DESC, popularity DESC, course_id)`` (migration 0011, with the
    column in the "C" collation so a word prefix is a range) lists a word's courses in
    rank order, so a first search of a common word reads its top rows instead of ranking
    every match."""

    pk = models.CompositePrimaryKey("course", "term")
    # The primary key (course, term) is the index of a course's rows. No database
    # constraint: a bulk fill writes 21 million rows at 100k courses, each of which it
    # would check; the rows come from documents of existing courses, and deleting a
    # course deletes them (the ORM's cascade, one statement).
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    term = models.TextField()
    # ts_rank of the document's head for this one word (0: the word is only in the body),
    # so that ORDER BY score is the ranking of a one-word query.
    score = models.FloatField()
    # The document's popularity, the tiebreak inside one score (refreshed with it).
    popularity = models.PositiveIntegerField(default=0)

    class Meta:
        # Not shown anywhere (no admin page), so no translated verbose names.
        ordering = ["course_id", "term"]

    def __str__(self) -> str:
        return f"{self.course_id} {self.term}"


# --- Quizzes -----------------------------------------------------------------------------


class Quiz(TimeStampedModel):
    """Questions with choices at the end of a section (or of the whole course when no
    section is set). A quiz that is required for the certificate must be passed before the
    course counts as completed."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="quizzes")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.CASCADE, related_name="quizzes"
    )
    title = models.CharField(_("title"), max_length=200)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=70, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    required_for_certificate = models.BooleanField(_("required for the certificate"), default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["course_id", "position", "id"]
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        constraints = [
            models.CheckConstraint(
                condition=Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark_1_100"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self):
        super().clean()
        if self.section_id and self.course_id and self.section.course_id != self.course_id:
            raise ValidationError({"section": _("The section must belong to the quiz's course.")})


class Question(TimeStampedModel):
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    text = models.TextField(_("question"))
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["quiz_id", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text[:80]


class Choice(TimeStampedModel):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("answer"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["question_id", "position", "id"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.text


class QuizAttempt(TimeStampedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    answers = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        indexes = [models.Index(fields=["user", "quiz", "passed"], name="quizattempt_user_quiz_passed")]


class WishlistItem(models.Model):
    """A course a learner saved for later. One row per learner and course, so saving twice
    (two tabs, a double tap) changes nothing."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wishlist_items"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="wishlist_items")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("wishlist item")
        verbose_name_plural = _("wishlist")
        constraints = [models.UniqueConstraint(fields=["user", "course"], name="wishlist_unique_user_course")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.course_id}"
