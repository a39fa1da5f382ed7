# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Health and sports: the sports partner's shelf."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "your-first-5k",
        "running-fitness",
        "tanaka-kenji",
        ("Your First 5 km", "你的第一个 5 公里", "はじめての 5 km", "Tus primeros 5 km"),
        (
            "From the sofa to a steady run in eight weeks",
            "八周，从沙发到稳定慢跑",
            "8 週間でソファから安定したランへ",
            "Del sofá a correr con soltura en ocho semanas",
        ),
        (
            "Walk-run intervals, easy pace and rest days, with a plan that fits three evenings a week. "
            "Kenji explains shoes, warm-ups and how to tell good soreness from a warning sign.",
            "走跑交替、轻松配速与休息日，每周三个晚上就能完成的计划。健二还会讲跑鞋、热身，以及如何分辨正常酸痛和危险信号。",
            "ウォーク＆ランのインターバル、楽なペース、休養日。週 3 回の夜でこなせるプランです。シューズ、ウォームアップ、よい筋肉痛と危険信号の見分け方も解説します。",
            "Intervalos de caminar y correr, ritmo suave y días de descanso, con un plan de tres tardes por semana. "
            "Kenji explica zapatillas, calentamiento y cómo distinguir las agujetas normales de una señal de alarma.",
        ),
        level="beginner",
        language="ja",
        tier=2,
        tags=("running", "fitness"),
    ),
    C(
        "half-marathon-coaching-live",
        "running-fitness",
        "tanaka-kenji",
        (
            "Half Marathon Coaching",
            "半程马拉松训练营",
            "ハーフマラソン・コーチング",
            "Entrenamiento para media maratón",
        ),
        (
            "Live group coaching for your first 21.1 km",
            "直播小组指导，完成你的第一个 21.1 公里",
            "初めての 21.1 km に向けたライブのグループ指導",
            "Entrenamiento en grupo y en directo para tus primeros 21,1 km",
        ),
        (
            "Weekly live check-ins review your training log, adjust the plan and answer questions about pacing and fuel. "
            "Small groups keep it personal.",
            "每周直播复盘你的训练日志、调整计划，并解答配速与补给问题。小班制，保证个性化指导。",
            "毎週のライブで練習記録を振り返り、プランを調整し、ペース配分や補給の質問に答えます。少人数制なので一人ひとりに向き合えます。",
            "Cada semana, en directo, revisamos tu diario de entrenamiento, ajustamos el plan y resolvemos dudas de ritmo y avituallamiento. "
            "Los grupos pequeños lo hacen personal.",
        ),
        format="live",
        level="intermediate",
        language="ja",
        tier=4,
        tags=("running", "fitness"),
    ),
    C(
        "strength-for-runners",
        "running-fitness",
        "tanaka-kenji",
        (
            "Strength Training for Runners",
            "跑者的力量训练",
            "ランナーのための筋力トレーニング",
            "Fuerza para corredores",
        ),
        (
            "Twenty minutes twice a week to run further without injury",
            "每周两次、每次二十分钟，跑得更远、更少受伤",
            "週 2 回 20 分で、ケガなく遠くまで",
            "Veinte minutos, dos veces por semana, para correr más sin lesiones",
        ),
        (
            "Hips, calves and core decide how well you hold your form late in a run. "
            "Learn a short routine with no gym needed, and how to progress it safely.",
            "臀部、小腿和核心，决定了你在跑步后程能否保持动作。学习一套无需健身房的短训练，以及如何安全地逐步进阶。",
            "レース後半のフォームを保てるかは、お尻、ふくらはぎ、体幹しだい。ジム不要の短いルーティンと、安全な負荷の上げ方を学びます。",
            "Caderas, gemelos y core deciden si mantienes la técnica al final de la carrera. "
            "Aprende una rutina corta sin gimnasio y cómo progresar con seguridad.",
        ),
        level="intermediate",
        language="en",
        tier=3,
        tags=("running", "fitness"),
    ),
    C(
        "yoga-for-desk-workers",
        "mind-body",
        "maya-patel",
        (
            "Yoga for Desk Workers",
            "写给上班族的瑜伽",
            "デスクワーカーのためのヨガ",
            "Yoga para quien trabaja sentado",
        ),
        (
            "Short sessions for necks, backs and wrists that sit all day",
            "专为久坐的颈、背和手腕设计的短时练习",
            "一日中座っている首・背中・手首のための短いセッション",
            "Sesiones cortas para cuellos, espaldas y muñecas que pasan el día sentados",
        ),
        (
            "Ten- to fifteen-minute practices you can do beside your desk or before bed. "
            "Maya shows safe options for stiff bodies and explains what each pose is for.",
            "十到十五分钟的练习，可以在工位旁或睡前完成。玛雅为身体僵硬的人提供安全的替代动作，并解释每个体式的作用。",
            "デスクの横や寝る前にできる 10〜15 分の練習です。体が硬い人のための安全な選択肢を示し、各ポーズの目的を説明します。",
            "Prácticas de diez a quince minutos junto a tu escritorio o antes de dormir. "
            "Maya muestra opciones seguras para cuerpos rígidos y explica para qué sirve cada postura.",
        ),
        level="beginner",
        language="en",
        tier=2,
        tags=("yoga", "fitness"),
    ),
    C(
        "morning-yoga-live",
        "mind-body",
        "maya-patel",
        ("Morning Yoga, Live", "晨间瑜伽直播课", "朝ヨガ・ライブ", "Yoga matinal en directo"),
        (
            "Start the day with a small live class and a teacher who sees you",
            "用一节小班直播课开启一天，老师看得见你",
            "少人数のライブで一日を始めよう。先生がちゃんと見ています",
            "Empieza el día con una clase pequeña en directo y una profesora que te ve",
        ),
        (
            "Forty-five minutes of breathing, movement and rest, with corrections in real time. "
            "Classes stay small so Maya can adjust the practice to the people in the room.",
            "四十五分钟的呼吸、动作与放松，实时纠正动作。小班教学，玛雅能根据在场的每个人调整练习。",
            "呼吸、動き、休息の 45 分。リアルタイムでポーズを修正します。少人数なので、参加者に合わせて練習を調整できます。",
            "Cuarenta y cinco minutos de respiración, movimiento y descanso, con correcciones en tiempo real. "
            "Las clases son pequeñas para que Maya adapte la práctica a quienes asisten.",
        ),
        format="live",
        level="beginner",
        language="en",
        tier=3,
        tags=("yoga", "mindfulness"),
    ),
    C(
        "eat-well-on-busy-days",
        "mind-body",
        "maya-patel",
        (
            "Eat Well on Busy Days",
            "忙碌日子里好好吃饭",
            "忙しい日でもきちんと食べる",
            "Comer bien en días ajetreados",
        ),
        (
            "An e-book of simple nutrition rules and fifteen-minute meals",
            "一本电子书：简单营养原则与十五分钟快手餐",
            "シンプルな栄養ルールと 15 分ごはんの電子書籍",
            "Un libro electrónico de reglas sencillas de nutrición y comidas en quince minutos",
        ),
        (
            "A dietitian's guide to plates that keep energy steady, without counting every calorie. "
            "Includes shopping lists and meals from Chinese, Japanese, Spanish and Indian kitchens.",
            "营养师写的指南，教你搭配让精力平稳的一餐，而不必计算每一卡路里。附购物清单，以及中餐、日料、西班牙菜和印度菜的快手餐。",
            "カロリーを細かく数えなくても、エネルギーが安定する食事の組み立て方を管理栄養士が解説します。買い物リストと、中華・和食・スペイン料理・インド料理のレシピつき。",
            "La guía de una dietista para platos que mantienen la energía estable sin contar cada caloría. "
            "Incluye listas de la compra y comidas de las cocinas china, japonesa, española e india.",
        ),
        format="ebook",
        level="beginner",
        language="en",
        tier=1,
        tags=("nutrition", "cooking"),
    ),
    C(
        "sleep-better-audio",
        "mind-body",
        "maya-patel",
        ("Sleep Better", "睡个好觉", "ぐっすり眠る", "Duerme mejor"),
        (
            "A free audio course on evening routines and calm breathing",
            "免费音频课：睡前习惯与平静呼吸",
            "夜の習慣と穏やかな呼吸についての無料音声コース",
            "Curso en audio gratuito sobre rutinas nocturnas y respiración tranquila",
        ),
        (
            "Short evening episodes explain what helps sleep, from light and caffeine to worry. "
            "Each ends with a guided breathing exercise to fall asleep to.",
            "短小的晚间单集讲解哪些因素有助睡眠，从光线、咖啡因到焦虑。每集都以一段引导式呼吸练习结尾，伴你入睡。",
            "光やカフェインから心配ごとまで、眠りを助けるものを夜の短いエピソードで解説します。最後はガイドつきの呼吸法で、そのまま眠りにつけます。",
            "Episodios nocturnos breves explican qué ayuda a dormir, de la luz y la cafeína a las preocupaciones. "
            "Cada uno termina con una respiración guiada para quedarte dormido.",
        ),
        format="audio",
        level="beginner",
        language="en",
        tier=0,
        tags=("sleep", "mindfulness"),
    ),
]
