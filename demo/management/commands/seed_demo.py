"""``seed_demo``: idempotent, deterministic demo data in every language (CONTRACTS.md)."""

import random
import time
from importlib import import_module

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from courses.models import (
    Category,
    Course,
    Enrollment,
    Instructor,
    Lesson,
    LessonProgress,
    LiveSession,
    Review,
)
from demo.accounts import DEMO_ACCOUNTS
from demo.content import COURSES
from demo.steps import STEPS


class Command(BaseCommand):
    help = (
        "Load the demo catalog, learners, interactions and demo accounts. Idempotent: a rerun "
        "with the same options changes nothing; --seed makes the random parts reproducible."
    )

    def add_arguments(self, parser):
        parser.add_argument("--learners", type=int, default=300, help="generated learners (default 300)")
        parser.add_argument(
            "--courses",
            type=int,
            default=len(COURSES),
            help=f"courses (default {len(COURSES)}, the hand-written catalog; more are generated variants)",
        )
        parser.add_argument(
            "--interactions",
            type=int,
            default=3000,
            help="enrollments spread over the learners (default 3000)",
        )
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument(
            "--history-days",
            type=int,
            default=60,
            help="days of campaign history before today (default 60; 0 = none)",
        )
        parser.add_argument(
            "--history-scale",
            type=float,
            default=1.0,
            help="traffic of the campaign history (default 1: partners' groups clear the privacy minimum)",
        )

    def handle(self, *args, **options):
        for name in ("learners", "courses", "interactions", "history_days"):
            if options[name] < 0:
                raise CommandError(f"--{name} must be zero or more")
        if not options["history_scale"] >= 0:
            raise CommandError("--history-scale must be zero or more")
        if options["courses"] < 1:
            raise CommandError("--courses must be at least 1")
        settings = {
            "learners": options["learners"],
            "courses": options["courses"],
            "interactions": options["interactions"],
            "seed": options["seed"],
            "history_days": options["history_days"],
            "history_scale": options["history_scale"],
            "verbosity": options["verbosity"],
        }
        started = time.monotonic()
        for name, path in STEPS:
            step_started = time.monotonic()
            step = import_module(path)
            # One generator per step, seeded by name: steps cannot disturb each other's draws.
            rng = random.Random(f"{settings['seed']}:{name}")
            with transaction.atomic():
                step.run(rng=rng, options=settings, stdout=self.stdout)
            if settings["verbosity"] > 1:
                self.stdout.write(f"  {name}: {time.monotonic() - step_started:.1f}s")
        self._summary(time.monotonic() - started)

    def _summary(self, seconds: float) -> None:
        counts = [
            ("categories", Category.objects.count()),
            ("instructors", Instructor.objects.count()),
            ("courses", Course.objects.count()),
            ("published courses", Course.objects.filter(is_published=True).count()),
            ("lessons", Lesson.objects.count()),
            ("live sessions", LiveSession.objects.count()),
            ("users", get_user_model().objects.count()),
            ("enrollments", Enrollment.objects.count()),
            ("lesson progress", LessonProgress.objects.count()),
            ("reviews", Review.objects.count()),
        ]
        self.stdout.write(self.style.SUCCESS(f"Demo data ready in {seconds:.1f}s"))
        self.stdout.write("  " + ", ".join(f"{label}: {count}" for label, count in counts))
        self.stdout.write("")
        self.stdout.write("Demo accounts")
        width = max(len(account.username) for account in DEMO_ACCOUNTS) + 2
        self.stdout.write(f"  {'login':<{width}}{'password':<{width}}role")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.username:<{width}}{account.password:<{width}}{account.role}")
