"""More review texts per language and rating, so the sentiment model (culture) has varied
sentences to learn from: the syllabus' two per rating plus these. Keys are language codes
with ``_`` (``zh_hans``); a language missing here uses the syllabus' texts only, and one
missing there too falls back to English."""

from .syllabus import REVIEW_TEXTS

EXTRA_REVIEW_TEXTS: dict[str, dict[int, list[str]]] = {
    "en": {
        5: [
            "Wonderful teacher, every lesson was worth it.",
            "Excellent structure and beautiful examples, I loved it.",
            "Inspiring and clear; I recommend it to everyone.",
            "Brilliant course, I finally understand the topic.",
        ],
        4: [
            "Really helpful and well explained, worth the price.",
            "Great content, I enjoyed the practical exercises.",
            "Useful and friendly, I learned a lot.",
        ],
        2: [
            "Disappointing, the lessons felt rushed and confusing.",
            "Poor audio and boring slides, not worth the money.",
            "Too slow and repetitive, I lost interest.",
        ],
        1: [
            "A waste of money, I asked for a refund.",
            "Terrible explanations, nothing worked for me.",
            "Boring, confusing and badly organised.",
            "Awful experience, I would not recommend it.",
        ],
    },
    "zh_hans": {
        5: [
            "老师讲得太好了，每一课都值得。",
            "结构清晰，例子精彩，非常喜欢。",
            "很有启发，推荐给所有人。",
            "非常棒的课程，终于弄懂了。",
        ],
        4: [
            "很实用，讲解清楚，物有所值。",
            "内容很好，练习很实用，我很喜欢。",
            "有帮助，老师亲切，学到很多。",
        ],
        2: ["有点失望，节奏太赶，内容混乱。", "音质差，课件无聊，不值这个价。", "太慢又重复，听着没兴趣。"],
        1: [
            "浪费钱，已经申请退款。",
            "讲解很糟糕，完全没用。",
            "无聊、混乱、组织得很差。",
            "体验很差，不推荐。",
        ],
    },
    "ja": {
        5: [
            "先生が素晴らしく、どのレッスンも価値がありました。",
            "構成が見事で例も美しく、大好きです。",
            "刺激的でわかりやすく、みんなにおすすめします。",
            "最高のコースで、やっと理解できました。",
        ],
        4: [
            "とても役に立ち、説明も丁寧で値段に見合います。",
            "内容が良く、実践的な練習が楽しかったです。",
            "親しみやすく、たくさん学べました。",
        ],
        2: [
            "期待はずれで、レッスンが急ぎすぎて混乱しました。",
            "音声が悪く、スライドも退屈で、お金の価値はありません。",
            "遅くて繰り返しが多く、興味を失いました。",
        ],
        1: [
            "お金の無駄でした。返金を申請しました。",
            "説明がひどく、まったく役に立ちませんでした。",
            "退屈でわかりにくく、構成もひどいです。",
            "最悪の体験で、おすすめしません。",
        ],
    },
    "es": {
        5: [
            "Un profesor maravilloso, cada lección valió la pena.",
            "Estructura excelente y ejemplos preciosos, me encantó.",
            "Inspirador y claro; se lo recomiendo a todo el mundo.",
            "Un curso brillante, por fin entiendo el tema.",
        ],
        4: [
            "Muy útil y bien explicado, vale lo que cuesta.",
            "Buen contenido, disfruté los ejercicios prácticos.",
            "Útil y cercano, aprendí mucho.",
        ],
        2: [
            "Decepcionante, las lecciones iban con prisa y eran confusas.",
            "Audio malo y diapositivas aburridas, no vale el dinero.",
            "Demasiado lento y repetitivo, perdí el interés.",
        ],
        1: [
            "Una pérdida de dinero, pedí el reembolso.",
            "Explicaciones terribles, nada me sirvió.",
            "Aburrido, confuso y mal organizado.",
            "Una experiencia horrible, no lo recomiendo.",
        ],
    },
    "ar": {
        5: [
            "معلم رائع، كل درس كان يستحق.",
            "تنظيم ممتاز وأمثلة جميلة، أحببته كثيرا.",
            "ملهم وواضح، أنصح به الجميع.",
            "دورة رائعة، فهمت الموضوع أخيرا.",
        ],
        4: [
            "مفيد جدا وشرح واضح، يستحق السعر.",
            "محتوى جيد واستمتعت بالتمارين العملية.",
            "مفيد وودود، تعلمت الكثير.",
        ],
        3: ["أساس جيد، لكنني أردت عمقا أكثر.", "مقبول بشكل عام، بعض الأجزاء بطيئة."],
        2: [
            "مخيب للآمال، الدروس سريعة ومربكة.",
            "صوت سيئ وشرائح مملة، لا يستحق المال.",
            "بطيء جدا ومكرر، فقدت الاهتمام.",
        ],
        1: [
            "مضيعة للمال، طلبت استرداد المبلغ.",
            "شرح سيئ جدا، لم يفدني شيء.",
            "ممل ومربك وسيئ التنظيم.",
            "تجربة سيئة، لا أنصح بها.",
        ],
    },
}


def review_texts(language: str, rating: int) -> list[str]:
    """Every demo review text for a language (``zh-hans`` or ``zh_hans``) and a rating."""
    key = language.replace("-", "_")
    base = REVIEW_TEXTS.get(key) or ({} if key in EXTRA_REVIEW_TEXTS else REVIEW_TEXTS["en"])
    return [*base.get(rating, []), *EXTRA_REVIEW_TEXTS.get(key, {}).get(rating, [])]
