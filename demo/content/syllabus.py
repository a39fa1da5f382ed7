# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Translated templates for sections and lessons, and the variants that turn a written
course into extra generated ones (``--courses`` above the hand-written catalog)."""

from .arabic import REVIEW_TEXTS as ARABIC_REVIEW_TEXTS
from .base import Text

# "Part {n} · {theme}"
SECTION_LABEL: Text = (
    "Part {n} · {theme}",
    "第{n}部分 · {theme}",
    "第{n}部 · {theme}",
    "Parte {n} · {theme}",
)

SECTION_THEMES: list[Text] = [
    ("Getting started", "入门准备", "はじめに", "Primeros pasos"),
    ("Foundations", "基础知识", "基礎", "Fundamentos"),
    ("Core techniques", "核心方法", "中核となる技法", "Técnicas clave"),
    ("Practice", "实践练习", "実践", "Práctica"),
    ("Going deeper", "深入探索", "さらに深く", "Profundizar"),
    ("Real cases", "真实案例", "実例", "Casos reales"),
    ("Putting it together", "融会贯通", "総まとめ", "Ponerlo todo junto"),
    ("Next steps", "下一步", "次のステップ", "Próximos pasos"),
]

# The word for one unit depends on the format: a lesson, a chapter, an episode, a class.
UNIT_LABEL: dict[str, Text] = {
    "video": ("Lesson {n}: {topic}", "第{n}课：{topic}", "レッスン{n}：{topic}", "Lección {n}: {topic}"),
    "ebook": ("Chapter {n}: {topic}", "第{n}章：{topic}", "第{n}章：{topic}", "Capítulo {n}: {topic}"),
    "audio": ("Episode {n}: {topic}", "第{n}集：{topic}", "第{n}回：{topic}", "Episodio {n}: {topic}"),
    "live": ("Class {n}: {topic}", "第{n}讲：{topic}", "第{n}回講義：{topic}", "Clase {n}: {topic}"),
}

LESSON_TOPICS: list[Text] = [
    ("Welcome and course map", "欢迎与课程地图", "ようこそ：コースの全体像", "Bienvenida y mapa del curso"),
    (
        "Key ideas in plain words",
        "用大白话讲核心概念",
        "やさしい言葉で学ぶ基本の考え方",
        "Las ideas clave en palabras sencillas",
    ),
    ("A first worked example", "第一个完整示例", "最初の例題", "Un primer ejemplo resuelto"),
    ("Tools and materials", "工具与材料", "道具と材料", "Herramientas y materiales"),
    (
        "Common mistakes and how to fix them",
        "常见错误及纠正方法",
        "よくある間違いと直し方",
        "Errores frecuentes y cómo corregirlos",
    ),
    ("A guided exercise", "引导式练习", "ガイドつき練習", "Un ejercicio guiado"),
    ("Reading the details", "读懂细节", "細部を読み解く", "Leer los detalles"),
    ("A case study", "案例分析", "ケーススタディ", "Un caso práctico"),
    (
        "Questions learners ask",
        "学员常问的问题",
        "受講者からのよくある質問",
        "Preguntas frecuentes de los estudiantes",
    ),
    ("Building a routine", "建立日常习惯", "習慣をつくる", "Crear una rutina"),
    ("Comparing approaches", "比较不同方法", "アプローチを比べる", "Comparar enfoques"),
    ("A look at history", "回顾历史", "歴史をふりかえる", "Una mirada a la historia"),
    (
        "Your own small project",
        "你自己的小项目",
        "自分だけの小さなプロジェクト",
        "Tu propio pequeño proyecto",
    ),
    ("Checking your progress", "检查你的进步", "上達を確かめる", "Comprobar tu progreso"),
    ("Going further on your own", "自主深入学习", "自分でさらに進むために", "Seguir avanzando por tu cuenta"),
    ("Review and recap", "复习与总结", "ふりかえりとまとめ", "Repaso y resumen"),
    ("Putting it into practice", "付诸实践", "実際にやってみる", "Llevarlo a la práctica"),
    ("Final project", "结业作品", "最終課題", "Proyecto final"),
]

LESSON_BODY: Text = (
    '"{topic}" belongs to part {section} of "{course}". Go at your own pace and try the short exercise at the end before you move on.',
    "「{topic}」是《{course}》第{section}部分的内容。按你自己的节奏学习，完成末尾的小练习后再继续。",
    "「{topic}」は「{course}」第{section}部の内容です。自分のペースで学び、最後の短い練習をしてから次へ進みましょう。",
    "«{topic}» pertenece a la parte {section} de «{course}». Avanza a tu ritmo y haz el breve ejercicio final antes de continuar.",
)

# A generated course is a written one plus a variant: "<title> — <variant>".
VARIANT_TITLE: Text = ("{title}: {variant}", "{title}：{variant}", "{title}：{variant}", "{title}: {variant}")

VARIANTS: list[tuple[str, Text, Text]] = [
    (
        "workbook",
        ("Workbook", "练习册", "ワークブック", "Cuaderno de ejercicios"),
        (
            "This edition adds a workbook with an exercise for every lesson.",
            "本版本附带练习册，每节课都配有一道练习。",
            "この版では、各レッスンに練習問題がつくワークブックが加わります。",
            "Esta edición añade un cuaderno con un ejercicio para cada lección.",
        ),
    ),
    (
        "weekend-intensive",
        ("Weekend Intensive", "周末集训", "週末集中講座", "Intensivo de fin de semana"),
        (
            "The same material, condensed into two focused weekend days.",
            "同样的内容，浓缩为两个专注的周末学习日。",
            "同じ内容を、集中した週末の 2 日間に凝縮しました。",
            "El mismo material, condensado en dos días intensos de fin de semana.",
        ),
    ),
    (
        "case-studies",
        ("Case Studies", "案例精讲", "ケーススタディ編", "Casos prácticos"),
        (
            "This edition works through real cases from learners around the world.",
            "本版本通过来自世界各地学员的真实案例展开讲解。",
            "この版では、世界各地の受講者の実例を一つずつ検討します。",
            "Esta edición trabaja sobre casos reales de estudiantes de todo el mundo.",
        ),
    ),
    (
        "second-level",
        ("Level Two", "进阶篇", "ステップ 2", "Segundo nivel"),
        (
            "A follow-up for learners who finished the first course and want more practice.",
            "为已完成第一门课、想要更多练习的学员准备的进阶内容。",
            "最初のコースを終え、さらに練習したい受講者のための続編です。",
            "Una continuación para quienes terminaron el primer curso y quieren practicar más.",
        ),
    ),
    (
        "family-edition",
        ("Family Edition", "家庭版", "ファミリー版", "Edición familiar"),
        (
            "Adapted so that parents and teenagers can learn it together.",
            "经过改编，适合父母与青少年一起学习。",
            "親子でいっしょに学べるように構成し直しました。",
            "Adaptado para que madres, padres y adolescentes aprendan juntos.",
        ),
    ),
    (
        "quick-start",
        ("Quick Start", "快速上手", "クイックスタート", "Inicio rápido"),
        (
            "The essentials in short lessons for people with very little time.",
            "用短小的课时讲透要点，适合时间紧张的人。",
            "時間がない人のために、要点を短いレッスンにまとめました。",
            "Lo esencial en lecciones cortas para quien tiene muy poco tiempo.",
        ),
    ),
]

# Reviews learners leave, by rating band, in each content language.
REVIEW_TEXTS: dict[str, dict[int, list[str]]] = {
    "en": {
        5: [
            "Clear, practical and well paced. I used it the same week.",
            "One of the best courses I have taken.",
        ],
        4: ["Very useful; a few lessons could be shorter.", "Good examples and a friendly teacher."],
        3: ["Solid basics, but I wanted more depth.", "Fine overall, some parts felt slow."],
        2: ["Not what I expected from the description.", "Too basic for me."],
        1: ["I could not follow the lessons.", ""],
    },
    "zh_hans": {
        5: ["讲得清楚又实用，当周就用上了。", "上过的最好的课程之一。"],
        4: ["很有用，个别课时可以再短一点。", "例子好，老师也很亲切。"],
        3: ["基础扎实，但希望更深入一些。", "整体还行，部分内容节奏偏慢。"],
        2: ["和简介描述的不太一样。", "对我来说太基础了。"],
        1: ["课程内容跟不上。", ""],
    },
    "ja": {
        5: [
            "わかりやすく実用的で、その週のうちに役立ちました。",
            "これまで受けた中でも最高のコースのひとつです。",
        ],
        4: [
            "とても役に立ちました。いくつかのレッスンはもう少し短くてもよいかも。",
            "例がよく、先生も親しみやすいです。",
        ],
        3: [
            "基礎はしっかりしていますが、もう少し深さがほしかったです。",
            "全体的には良いですが、少しテンポが遅い部分も。",
        ],
        2: ["説明文から期待した内容とは違いました。", "私には基本的すぎました。"],
        1: ["レッスンについていけませんでした。", ""],
    },
    "es": {
        5: [
            "Claro, práctico y con buen ritmo. Lo apliqué esa misma semana.",
            "De los mejores cursos que he hecho.",
        ],
        4: ["Muy útil; algunas lecciones podrían ser más cortas.", "Buenos ejemplos y un profesor cercano."],
        3: ["Buena base, pero esperaba más profundidad.", "Bien en general, algunas partes se hacen lentas."],
        2: ["No era lo que esperaba por la descripción.", "Demasiado básico para mí."],
        1: ["No pude seguir las lecciones.", ""],
    },
    "ar": ARABIC_REVIEW_TEXTS,
}
