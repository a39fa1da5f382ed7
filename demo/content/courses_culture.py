# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Chinese culture: calligraphy, tea, traditional medicine and history."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "regular-script-calligraphy",
        "calligraphy",
        "zhou-shan",
        ("Regular Script Calligraphy", "楷书入门", "楷書入門", "Caligrafía en escritura regular"),
        (
            "Brush, ink and the eight basic strokes",
            "毛笔、墨与永字八法",
            "筆と墨、そして永字八法",
            "Pincel, tinta y los ocho trazos básicos",
        ),
        (
            "Set up a simple desk, hold the brush correctly and master the eight strokes of the character 永. "
            "By the last lesson you will write a four-character phrase worth hanging on a wall.",
            "布置一张简单的书桌，正确执笔，掌握“永”字八法。最后一课，你将写出一幅值得挂上墙的四字作品。",
            "シンプルな机を整え、筆を正しく持ち、「永」の字の八つの筆法を身につけます。最後のレッスンでは、壁に飾りたくなる四字句を書き上げます。",
            "Prepara un escritorio sencillo, sujeta bien el pincel y domina los ocho trazos del carácter 永. "
            "En la última lección escribirás una frase de cuatro caracteres digna de colgarse en la pared.",
        ),
        level="beginner",
        language="zh-hans",
        tier=3,
        tags=("calligraphy", "culture"),
    ),
    C(
        "running-script-live",
        "calligraphy",
        "zhou-shan",
        ("Running Script Studio", "行书工作室", "行書スタジオ", "Taller de escritura semicursiva"),
        (
            "Live classes with corrections on your own brushwork",
            "直播课，针对你自己的笔墨逐一点评",
            "自分の筆づかいを添削してもらえるライブ講座",
            "Clases en directo con correcciones sobre tu propio trazo",
        ),
        (
            "Move from careful regular script to the flowing running hand, copying classic models stroke by stroke. "
            "Hold up your work to the camera and get corrections on the spot.",
            "从端正的楷书走向流畅的行书，一笔一笔临摹经典法帖。把作品举到镜头前，当场得到点评。",
            "ていねいな楷書から流れるような行書へ。古典の手本を一画ずつ臨書します。作品をカメラに向ければ、その場で添削を受けられます。",
            "Pasa de la cuidadosa escritura regular a la fluida semicursiva copiando modelos clásicos trazo a trazo. "
            "Muestra tu trabajo a la cámara y recibe correcciones al momento.",
        ),
        format="live",
        level="intermediate",
        language="zh-hans",
        tier=5,
        tags=("calligraphy",),
    ),
    C(
        "six-families-of-chinese-tea",
        "tea",
        "zhou-shan",
        (
            "The Six Families of Chinese Tea",
            "中国六大茶类",
            "中国茶の六大分類",
            "Las seis familias del té chino",
        ),
        (
            "Green, white, yellow, oolong, black and dark teas, tasted side by side",
            "绿茶、白茶、黄茶、乌龙、红茶、黑茶，对比品饮",
            "緑茶、白茶、黄茶、烏龍茶、紅茶、黒茶を飲み比べる",
            "Té verde, blanco, amarillo, oolong, rojo y oscuro, probados uno junto a otro",
        ),
        (
            "See how one plant becomes six kinds of tea through picking, withering, rolling and firing. "
            "Then taste them in order and learn the words to describe what you notice.",
            "看同一种植物如何经过采摘、萎凋、揉捻和烘焙变成六类茶。再按顺序品饮，学会描述你感受到的滋味。",
            "同じ植物が摘採、萎凋、揉捻、乾燥を経て六種類の茶になる過程を見ます。順番に味わい、感じたことを言葉にする語彙を学びます。",
            "Descubre cómo una sola planta se convierte en seis tipos de té mediante la recolección, el marchitado, el enrollado y el secado. "
            "Después pruébalos en orden y aprende a describir lo que percibes.",
        ),
        level="beginner",
        language="zh-hans",
        tier=2,
        tags=("tea", "culture"),
    ),
    C(
        "gongfu-tea-at-home",
        "tea",
        "zhou-shan",
        ("Gongfu Tea at Home", "在家泡功夫茶", "家で楽しむ工夫茶", "Té gongfu en casa"),
        (
            "A small pot, many short infusions and a calm half hour",
            "一把小壶、多次短泡，和半小时的宁静",
            "小さな急須、短い抽出を何度も、そして静かな 30 分",
            "Una tetera pequeña, muchas infusiones cortas y media hora de calma",
        ),
        (
            "Choose a teapot or gaiwan, control water temperature and timing, and serve guests with simple, correct gestures. "
            "Written for beginners who want to start with the tea they already have.",
            "选择茶壶或盖碗，掌握水温和出汤时间，用简单而得体的动作为客人奉茶。写给想用手头现有的茶开始的初学者。",
            "急須か蓋碗を選び、湯温と抽出時間を整え、シンプルで正しい所作で客人にお茶を出します。手元にあるお茶から始めたい初心者向けです。",
            "Elige una tetera o un gaiwan, controla la temperatura del agua y los tiempos, y sirve a tus invitados con gestos sencillos y correctos. "
            "Pensado para principiantes que quieren empezar con el té que ya tienen.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("tea", "mindfulness"),
    ),
    C(
        "tcm-ideas-and-evidence",
        "traditional-medicine",
        "he-qing",
        (
            "Traditional Chinese Medicine: Ideas and Evidence",
            "中医：观念与证据",
            "中医学：考え方とエビデンス",
            "Medicina tradicional china: ideas y evidencia",
        ),
        (
            "Yin and yang, qi and the five phases, explained with care",
            "阴阳、气与五行，审慎地讲清楚",
            "陰陽、気、五行を丁寧に解説",
            "Yin y yang, qi y las cinco fases, explicados con rigor",
        ),
        (
            "Learn the core ideas of traditional Chinese medicine and how doctors use them, then look at what modern studies do and do not show. "
            "This course is education, not medical advice.",
            "学习中医的核心观念以及医生如何运用它们，再看看现代研究证明了什么、没有证明什么。本课程用于知识学习，不构成医疗建议。",
            "中医学の中核となる考え方と、医師がそれをどう使うかを学び、現代の研究が示していること・示していないことを確かめます。本コースは教養を目的としたもので、医療上の助言ではありません。",
            "Aprende las ideas centrales de la medicina tradicional china y cómo las usan los médicos, y después mira qué muestran y qué no los estudios modernos. "
            "Este curso es formativo y no sustituye el consejo médico.",
        ),
        level="beginner",
        language="zh-hans",
        tier=3,
        tags=("tcm", "culture", "history"),
    ),
    C(
        "seasonal-self-care",
        "traditional-medicine",
        "he-qing",
        ("Seasonal Self-Care", "四季养生", "四季の養生", "Autocuidado según las estaciones"),
        (
            "An audio course on eating, sleeping and moving with the seasons",
            "音频课：顺应四季的饮食、起居与运动",
            "季節に合わせた食事・睡眠・運動の音声コース",
            "Un curso en audio sobre comer, dormir y moverse según las estaciones",
        ),
        (
            "Traditional advice for spring, summer, autumn and winter, with notes on what current nutrition science agrees with. "
            "Gentle habits rather than strict rules.",
            "春夏秋冬的传统养生建议，并注明现代营养学认同的部分。是温和的习惯，而不是严苛的规矩。",
            "春夏秋冬の伝統的な養生の知恵を、現代の栄養学と一致する点の解説つきで紹介します。厳しい決まりではなく、やさしい習慣です。",
            "Consejos tradicionales para primavera, verano, otoño e invierno, con notas sobre lo que confirma la ciencia de la nutrición actual. "
            "Hábitos amables, no normas estrictas.",
        ),
        format="audio",
        level="beginner",
        language="zh-hans",
        tier=1,
        tags=("tcm", "nutrition", "sleep"),
    ),
    C(
        "silk-roads",
        "chinese-history",
        "wang-fang",
        ("The Silk Roads", "丝绸之路", "シルクロード", "Las Rutas de la Seda"),
        (
            "Two thousand years of trade, faith and ideas between China and the world",
            "中国与世界之间两千年的贸易、信仰与思想交流",
            "中国と世界をつないだ 2000 年の交易、信仰、思想",
            "Dos mil años de comercio, fe e ideas entre China y el mundo",
        ),
        (
            "Follow caravans from Chang'an to the Mediterranean and ships from Quanzhou to the Persian Gulf. "
            "Objects in museums today tell the story of who travelled, what they carried and what they learned.",
            "跟随驼队从长安走到地中海，跟随商船从泉州驶向波斯湾。今天博物馆里的文物，讲述着谁曾远行、带着什么、学到了什么。",
            "長安から地中海へ向かう隊商、泉州からペルシア湾へ向かう船を追いかけます。今日の博物館にある文物が、誰が旅し、何を運び、何を学んだかを語ります。",
            "Sigue las caravanas de Chang'an al Mediterráneo y los barcos de Quanzhou al golfo Pérsico. "
            "Los objetos de los museos cuentan hoy quién viajó, qué llevaba y qué aprendió.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("history", "travel", "museums"),
    ),
    C(
        "four-great-inventions",
        "chinese-history",
        "he-qing",
        ("Paper, Printing, Compass, Gunpowder", "四大发明", "四大発明", "Papel, imprenta, brújula y pólvora"),
        (
            "An e-book on the four great inventions and how they travelled",
            "一本电子书：四大发明及其传播之路",
            "四大発明とその伝播をたどる電子書籍",
            "Un libro electrónico sobre los cuatro grandes inventos y cómo viajaron",
        ),
        (
            "Who made them, what problems they solved and how they changed other civilisations. "
            "Each chapter separates what historians know from the legends that grew around them.",
            "谁发明了它们、解决了什么问题、又如何改变了其他文明。每一章都把史学家确知的事实与后来生长出的传说区分开来。",
            "誰が作り、どんな課題を解決し、他の文明をどう変えたのか。各章で、歴史家が知る事実と、後から生まれた伝説を区別して紹介します。",
            "Quién los creó, qué problemas resolvieron y cómo cambiaron otras civilizaciones. "
            "Cada capítulo separa lo que saben los historiadores de las leyendas que crecieron a su alrededor.",
        ),
        format="ebook",
        level="beginner",
        language="zh-hans",
        tier=0,
        tags=("history",),
    ),
    C(
        "daily-life-in-tang-changan",
        "chinese-history",
        "he-qing",
        (
            "Daily Life in Tang Dynasty Chang'an",
            "唐代长安的日常生活",
            "唐の長安の暮らし",
            "La vida cotidiana en la Chang'an de los Tang",
        ),
        (
            "Markets, poetry, medicine and food in the world's largest city of its time",
            "当时世界最大城市里的市场、诗歌、医药与饮食",
            "当時世界最大の都市の市場、詩、医薬、食",
            "Mercados, poesía, medicina y comida en la mayor ciudad del mundo de su época",
        ),
        (
            "Walk the walled wards of Chang'an with merchants, monks, poets and doctors. "
            "Surviving texts, paintings and tomb objects bring a day in the eighth century back to life.",
            "与商人、僧人、诗人和医生一起走过长安的坊市。传世文献、绘画与墓葬文物，让八世纪的一天重新鲜活起来。",
            "商人、僧侶、詩人、医師とともに長安の坊を歩きます。伝わる文献、絵画、副葬品が、8 世紀のある一日をよみがえらせます。",
            "Recorre los barrios amurallados de Chang'an con mercaderes, monjes, poetas y médicos. "
            "Textos, pinturas y objetos funerarios devuelven la vida a un día del siglo VIII.",
        ),
        level="intermediate",
        language="zh-hans",
        tier=3,
        tags=("history", "culture"),
    ),
]
