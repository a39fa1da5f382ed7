# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Languages: Chinese, Japanese, Spanish and English."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "mandarin-tones-first",
        "languages",
        "zhang-lan",
        (
            "Mandarin: Tones First",
            "中文入门：先练声调",
            "中国語入門：まず声調から",
            "Mandarín: primero los tonos",
        ),
        (
            "Pronunciation and your first hundred phrases",
            "发音与最初的一百句话",
            "発音と最初の 100 フレーズ",
            "Pronunciación y tus primeras cien frases",
        ),
        (
            "Learn pinyin and the four tones with your ears before your eyes, then use them in greetings, numbers and ordering food. "
            "Short daily drills make the sounds stick.",
            "先用耳朵、再用眼睛学习拼音和四个声调，然后在问候、数字和点餐中运用它们。每天的短练习让发音真正记住。",
            "ピンインと四声を、目より先に耳で覚え、あいさつ、数字、料理の注文で使います。毎日の短いドリルで音が定着します。",
            "Aprende el pinyin y los cuatro tonos primero con el oído y luego con la vista, y úsalos para saludar, contar y pedir comida. "
            "Ejercicios diarios breves fijan los sonidos.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("chinese-language",),
    ),
    C(
        "everyday-mandarin-live",
        "languages",
        "zhang-lan",
        ("Everyday Mandarin, Live", "日常中文直播课", "日常中国語ライブ", "Mandarín cotidiano en directo"),
        (
            "Speak from the first class in a group of at most eight",
            "最多八人的小班，第一节课就开口说",
            "最大 8 人のクラスで、初回から話す",
            "Habla desde la primera clase en grupos de ocho como máximo",
        ),
        (
            "Role-plays of real situations, from shopping to small talk with colleagues, with instant feedback on tones. "
            "Each live class ends with a short recording to practise until the next one.",
            "从购物到与同事闲聊，演练真实场景，声调问题当场纠正。每节直播课结束时都有一段短录音，供你练习到下一节课。",
            "買い物から同僚との雑談まで、実際の場面をロールプレイし、声調をその場で直します。毎回、次回まで練習できる短い音声で終わります。",
            "Simulaciones de situaciones reales, de ir de compras a charlar con compañeros, con corrección inmediata de los tonos. "
            "Cada clase en directo termina con una grabación breve para practicar hasta la siguiente.",
        ),
        format="live",
        level="beginner",
        language="en",
        tier=4,
        tags=("chinese-language",),
    ),
    C(
        "japanese-for-your-first-day",
        "languages",
        "nakamura-aoi",
        (
            "Japanese for Your First Day",
            "到日本第一天就用得上的日语",
            "日本に着いた日の日本語",
            "Japonés para tu primer día",
        ),
        (
            "Hiragana, polite phrases and the words on every sign",
            "平假名、礼貌用语，以及每块指示牌上的词",
            "ひらがな、ていねいな表現、そして看板のことば",
            "Hiragana, frases de cortesía y las palabras de todos los carteles",
        ),
        (
            "Read hiragana in two weeks and handle stations, shops and restaurants politely. "
            "Aoi teaches with photos of real signs and menus.",
            "两周读懂平假名，在车站、商店和餐厅里礼貌应对。葵老师用真实的指示牌和菜单照片来教学。",
            "2 週間でひらがなを読めるようにし、駅、店、飲食店でていねいにやりとりできるようになります。本物の看板やメニューの写真で教えます。",
            "Lee hiragana en dos semanas y desenvuélvete con cortesía en estaciones, tiendas y restaurantes. "
            "Aoi enseña con fotos de carteles y menús reales.",
        ),
        level="beginner",
        language="en",
        tier=2,
        tags=("japanese-language", "travel"),
    ),
    C(
        "japanese-conversation-live",
        "languages",
        "nakamura-aoi",
        (
            "Japanese Conversation Circle",
            "日语会话小组",
            "日本語会話サークル",
            "Círculo de conversación en japonés",
        ),
        (
            "Live practice for learners who know the basics",
            "面向已有基础学员的直播练习",
            "基礎を終えた人のためのライブ練習",
            "Práctica en directo para quien ya sabe lo básico",
        ),
        (
            "Each live session picks one everyday topic and gets everyone talking in pairs and as a group. "
            "Aoi collects your mistakes and turns them into a short review sheet.",
            "每场直播选一个日常话题，让大家两人一组或全组一起开口。葵老师会收集你的错误，整理成一页简短的复习单。",
            "毎回ひとつの身近なテーマを選び、ペアや全員で話します。間違いを集めて、短い復習シートにまとめます。",
            "Cada sesión en directo elige un tema cotidiano y hace hablar a todos en parejas y en grupo. "
            "Aoi recoge tus errores y los convierte en una breve hoja de repaso.",
        ),
        format="live",
        level="intermediate",
        language="ja",
        tier=4,
        tags=("japanese-language",),
    ),
    C(
        "spanish-for-travellers",
        "languages",
        "elena-ruiz",
        ("Spanish for Travellers", "旅行西班牙语", "旅のスペイン語", "Español para viajeros"),
        (
            "An audio course for ordering, asking and chatting in Spain and Latin America",
            "音频课：在西班牙和拉丁美洲点餐、问路和聊天",
            "スペインと中南米で注文・質問・おしゃべりをするための音声コース",
            "Curso en audio para pedir, preguntar y charlar en España y Latinoamérica",
        ),
        (
            "Listen, repeat and answer in short episodes built around real trips. "
            "You will also hear how the same phrase sounds in Madrid, Mexico City and Buenos Aires.",
            "围绕真实旅程设计的短小单集：听、跟读、回答。你还会听到同一句话在马德里、墨西哥城和布宜诺斯艾利斯的不同说法。",
            "実際の旅をもとにした短いエピソードで、聞いて、くり返して、答えます。同じ表現がマドリード、メキシコシティ、ブエノスアイレスでどう聞こえるかもわかります。",
            "Escucha, repite y responde en episodios breves basados en viajes reales. "
            "También oirás cómo suena la misma frase en Madrid, Ciudad de México y Buenos Aires.",
        ),
        format="audio",
        level="beginner",
        language="es",
        tier=1,
        tags=("spanish-language", "travel"),
    ),
    C(
        "english-for-international-work",
        "languages",
        "daniel-brooks",
        (
            "English for International Work",
            "国际职场英语",
            "国際ビジネスの英語",
            "Inglés para el trabajo internacional",
        ),
        (
            "Emails, meetings and calls with colleagues around the world",
            "与全球同事的邮件、会议与电话沟通",
            "世界中の同僚とのメール、会議、電話",
            "Correos, reuniones y llamadas con colegas de todo el mundo",
        ),
        (
            "Write short, clear emails, run a meeting and disagree politely in English. "
            "Examples come from teams in Shanghai, Madrid, Tokyo and London.",
            "用英语写简短清晰的邮件、主持会议，并礼貌地表达不同意见。例子来自上海、马德里、东京和伦敦的团队。",
            "短くわかりやすいメールを書き、会議を進行し、ていねいに反対意見を伝える英語を学びます。例は上海、マドリード、東京、ロンドンのチームから。",
            "Escribe correos breves y claros, dirige una reunión y discrepa con educación en inglés. "
            "Los ejemplos vienen de equipos de Shanghái, Madrid, Tokio y Londres.",
        ),
        level="intermediate",
        language="en",
        tier=3,
        tags=("english-language", "communication"),
    ),
    C(
        "hundred-characters",
        "languages",
        "zhang-lan",
        (
            "100 Characters That Open Chinese",
            "打开中文的 100 个汉字",
            "中国語の扉をひらく 100 の漢字",
            "100 caracteres que abren el chino",
        ),
        (
            "An e-book of the most useful characters and the pictures inside them",
            "一本电子书：最常用的汉字，以及藏在其中的图画",
            "最も役に立つ漢字と、その中に隠れた絵を紹介する電子書籍",
            "Un libro electrónico con los caracteres más útiles y los dibujos que esconden",
        ),
        (
            "Each character comes with its story, its stroke order and three words you can use today. "
            "Together they cover about a third of everyday written Chinese.",
            "每个汉字都附有它的来历、笔顺和三个今天就能用的词。这些字加起来，覆盖了日常中文书面语的大约三分之一。",
            "各漢字に成り立ち、筆順、今日から使える 3 つの語を添えました。合わせると、日常的な中国語の文章の約 3 分の 1 をカバーします。",
            "Cada carácter viene con su historia, su orden de trazos y tres palabras que puedes usar hoy. "
            "Juntos cubren cerca de un tercio del chino escrito cotidiano.",
        ),
        format="ebook",
        level="beginner",
        language="en",
        tier=1,
        tags=("chinese-language", "calligraphy"),
    ),
]
