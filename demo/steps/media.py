"""Demo lesson media, made here at seed time (nothing downloaded, no binaries in git): a
short synthetic WAV tone (the standard library's ``wave``) for an audio course, a short
WebM clip (VP8 through PyAV) for a video course, each on a free-preview lesson and on a
paid one; a drip-released last section and a quiz required for the certificate on the
first video course. Reruns keep the files already attached."""

import io
import math
import random
import struct
import wave
from fractions import Fraction

from django.core.files.base import ContentFile
from django.db.models import Q

from courses.models import Choice, Course, Lesson, Question, Quiz, Section
from demo.content import arabic

AUDIO_SECONDS = 8
VIDEO_SECONDS = 4
VIDEO_SIZE = (320, 180)
VIDEO_FPS = 12


def tone_wav(*, seconds: int = AUDIO_SECONDS, rate: int = 8000) -> bytes:
    """A soft two-note chime, mono 16-bit PCM."""
    frames = bytearray()
    for index in range(seconds * rate):
        t = index / rate
        pitch = 440.0 if int(t) % 2 == 0 else 554.37
        fade = min(1.0, (t % 1.0) * 20, (1.0 - t % 1.0) * 20)
        frames += struct.pack("<h", int(9000 * fade * math.sin(2 * math.pi * pitch * t)))
    out = io.BytesIO()
    with wave.open(out, "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(rate)
        file.writeframes(bytes(frames))
    return out.getvalue()


def color_clip_webm(*, seconds: int = VIDEO_SECONDS) -> bytes:
    """A small VP8 clip of sliding colour bands (a frame counter you can see seek)."""
    import av  # only the seed needs the encoder
    import numpy as np

    width, height = VIDEO_SIZE
    out = io.BytesIO()
    with av.open(out, mode="w", format="webm") as container:
        stream = container.add_stream("libvpx", rate=VIDEO_FPS)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = Fraction(1, VIDEO_FPS)
        stream.options = {"deadline": "realtime", "cpu-used": "8"}
        columns = np.arange(width)
        for index in range(seconds * VIDEO_FPS):
            shift = index * 6
            frame = np.zeros((height, width, 3), dtype=np.uint8)
            frame[:, :, 0] = ((columns + shift) % 256).astype(np.uint8)
            frame[:, :, 1] = 111
            frame[:, :, 2] = ((255 - columns + shift) % 256).astype(np.uint8)
            video_frame = av.VideoFrame.from_ndarray(frame, format="rgb24")
            video_frame.pts = index
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def _attach(lesson: Lesson, *, kind: str, name: str, content: bytes, seconds: int) -> None:
    if lesson.media_file and lesson.media_file.storage.exists(lesson.media_file.name):
        return
    lesson.media_kind, lesson.media_seconds = kind, seconds
    lesson.media_file.save(name, ContentFile(content), save=False)
    lesson.save(update_fields=["media_file", "media_kind", "media_seconds", "updated_at"])


def _lessons(course: Course) -> tuple[Lesson | None, Lesson | None]:
    """The course's first preview lesson and its first paid lesson."""
    lessons = Lesson.objects.filter(section__course=course).order_by("section__position", "position", "id")
    return lessons.filter(is_preview=True).first(), lessons.filter(is_preview=False).first()


def _quiz(course: Course) -> None:
    section = Section.objects.filter(course=course).order_by("-position", "-id").first()
    quiz, created = Quiz.objects.get_or_create(
        course=course,
        position=1,
        defaults={
            "section": section,
            "title_en": "Check what you learned",
            "title_zh_hans": "学习检测",
            "title_ja": "理解度チェック",
            "title_es": "Comprueba lo aprendido",
            "title_ar": arabic.QUIZ_TITLE,
            "pass_mark": 60,
        },
    )
    if not created:
        # A quiz seeded before Arabic gets its Arabic title and questions.
        if not quiz.title_ar:
            quiz.title_ar = arabic.QUIZ_TITLE
            quiz.save(update_fields=["title_ar", "updated_at"])
        for question in quiz.questions.filter(text_ar=""):
            question.text_ar = arabic.QUIZ_QUESTIONS.get(question.text_en, "")
            question.save(update_fields=["text_ar", "updated_at"])
        return
    questions = [
        (
            (
                "How fast can the player play a lesson?",
                "播放器最快能以几倍速播放课时？",
                "プレーヤーの最速再生速度は？",
                "¿A qué velocidad máxima reproduce el reproductor?",
            ),
            [("2×", True), ("10×", False), ("1×", False)],
        ),
        (
            (
                "When does a lesson complete itself?",
                "课时何时自动完成？",
                "レッスンはいつ自動で完了しますか？",
                "¿Cuándo se completa sola una lección?",
            ),
            [("90 %", True), ("10 %", False)],
        ),
    ]
    for position, (texts, choices) in enumerate(questions, start=1):
        question = Question.objects.create(
            quiz=quiz,
            position=position,
            **{f"text_{lang}": text for lang, text in zip(("en", "zh_hans", "ja", "es"), texts, strict=True)},
            text_ar=arabic.QUIZ_QUESTIONS[texts[0]],
        )
        Choice.objects.bulk_create(
            [
                Choice(question=question, position=n, text=text, text_en=text, is_correct=correct)
                for n, (text, correct) in enumerate(choices, start=1)
            ]
        )


def run(*, rng: random.Random, options: dict, stdout) -> None:
    published = Course.objects.filter(is_published=True).order_by("pk")
    audio_course = published.filter(format="audio").first()
    video_course = published.filter(Q(format="video")).first()
    if audio_course is not None:
        wav = tone_wav()
        for index, lesson in enumerate(_lessons(audio_course)):
            if lesson is not None:
                _attach(lesson, kind="audio", name=f"tone-{index}.wav", content=wav, seconds=AUDIO_SECONDS)
    if video_course is not None:
        clip = None
        for index, lesson in enumerate(_lessons(video_course)):
            if lesson is None or (
                lesson.media_file and lesson.media_file.storage.exists(lesson.media_file.name)
            ):
                continue
            clip = clip or color_clip_webm()
            _attach(lesson, kind="video", name=f"clip-{index}.webm", content=clip, seconds=VIDEO_SECONDS)
        last = Section.objects.filter(course=video_course).order_by("-position", "-id").first()
        if last is not None and last.release_after_days is None:
            last.release_after_days = 7
            last.save(update_fields=["release_after_days", "updated_at"])
        _quiz(video_course)
