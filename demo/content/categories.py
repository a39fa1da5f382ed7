"""Nine top categories, chosen for the cross-industry story (one per demo partner and the
platform's own strengths), some with subcategories. Subcategories inherit the colour."""

from .base import CategorySpec

C = CategorySpec

CATEGORIES: list[CategorySpec] = [
    C(
        "personal-finance",
        (
            "Personal Finance & Investing",
            "个人理财与投资",
            "資産形成と投資",
            "Finanzas personales e inversión",
        ),
        (
            "Budgets, saving, investing and retirement, explained without jargon.",
            "预算、储蓄、投资与养老规划，用大白话讲清楚。",
            "家計管理、貯蓄、投資、老後の備えを専門用語なしで解説します。",
            "Presupuestos, ahorro, inversión y jubilación, explicados sin jerga.",
        ),
        "#1f6f5c",
    ),
    C(
        "investing",
        ("Investing", "投资入门与进阶", "投資", "Inversión"),
        (
            "Funds, shares, bonds and how to build a portfolio you can keep.",
            "基金、股票、债券，以及如何搭建一个拿得住的投资组合。",
            "投資信託、株式、債券、そして続けられるポートフォリオの作り方。",
            "Fondos, acciones, bonos y cómo construir una cartera que puedas mantener.",
        ),
        "#1f6f5c",
        parent="personal-finance",
    ),
    C(
        "budgeting-saving",
        ("Budgeting & Saving", "预算与储蓄", "家計管理と貯蓄", "Presupuesto y ahorro"),
        (
            "Take control of everyday money: budgets, debt and an emergency fund.",
            "管好日常的钱：做预算、还债务、建应急金。",
            "毎日のお金を整える：予算、借入の返済、緊急資金。",
            "Controla el dinero del día a día: presupuesto, deudas y fondo de emergencia.",
        ),
        "#1f6f5c",
        parent="personal-finance",
    ),
    C(
        "home-living",
        (
            "Home & Living Design",
            "家居与生活美学",
            "住まいと暮らしのデザイン",
            "Hogar y diseño de interiores",
        ),
        (
            "Design, furnish and care for a home that fits the way you live.",
            "设计、布置并打理一个契合你生活方式的家。",
            "暮らし方に合う住まいをデザインし、しつらえ、手入れする。",
            "Diseña, amuebla y cuida un hogar que encaje con tu forma de vivir.",
        ),
        "#b5651d",
    ),
    C(
        "interior-design",
        ("Interior Design", "室内设计", "インテリアデザイン", "Interiorismo"),
        (
            "Colour, light, layout and furniture for rooms that work.",
            "色彩、灯光、布局与家具，让每个房间都好用。",
            "色、光、レイアウト、家具で使いやすい部屋をつくる。",
            "Color, luz, distribución y muebles para espacios que funcionan.",
        ),
        "#b5651d",
        parent="home-living",
    ),
    C(
        "travel-cultures",
        ("Travel & World Cultures", "旅行与世界文化", "旅と世界の文化", "Viajes y culturas del mundo"),
        (
            "Plan better trips and understand the places and people you visit.",
            "把旅行规划得更好，也更懂你到访的地方与人。",
            "よりよい旅を計画し、訪れる土地と人をもっと深く知る。",
            "Planifica mejores viajes y entiende los lugares y las personas que visitas.",
        ),
        "#2b6cb0",
    ),
    C(
        "art-history",
        ("Art History & Museums", "艺术史与博物馆", "美術史と美術館", "Historia del arte y museos"),
        (
            "Learn to look: great works, the stories behind them and how museums care for them.",
            "学会看懂艺术：名作、背后的故事，以及博物馆如何守护它们。",
            "見る力を育てる：名作とその背景、そして美術館の仕事。",
            "Aprende a mirar: grandes obras, sus historias y cómo las cuidan los museos.",
        ),
        "#7b3f8c",
    ),
    C(
        "health-sports",
        ("Health & Sports", "健康与运动", "健康とスポーツ", "Salud y deporte"),
        (
            "Train, eat and rest well, with coaches who explain the why.",
            "科学训练、好好吃饭、好好休息，教练讲清背后的道理。",
            "トレーニング、食事、休養。理由まで説明するコーチと一緒に。",
            "Entrena, come y descansa bien, con entrenadores que explican el porqué.",
        ),
        "#c53030",
    ),
    C(
        "running-fitness",
        ("Running & Fitness", "跑步与体能", "ランニングとフィットネス", "Running y fitness"),
        (
            "From the first 5 km to strength training that keeps you running.",
            "从第一个 5 公里，到让你跑得更久的力量训练。",
            "初めての 5 km から、走り続けるための筋力トレーニングまで。",
            "Desde los primeros 5 km hasta la fuerza que te mantiene corriendo.",
        ),
        "#c53030",
        parent="health-sports",
    ),
    C(
        "mind-body",
        ("Yoga & Well-being", "瑜伽与身心健康", "ヨガとウェルビーイング", "Yoga y bienestar"),
        (
            "Yoga, breathing, sleep and nutrition for a calmer, healthier day.",
            "瑜伽、呼吸、睡眠与营养，让每一天更平静、更健康。",
            "ヨガ、呼吸、睡眠、栄養で、穏やかで健やかな毎日を。",
            "Yoga, respiración, sueño y nutrición para un día más sereno y sano.",
        ),
        "#c53030",
        parent="health-sports",
    ),
    C(
        "technology-ai",
        ("Technology & AI", "科技与人工智能", "テクノロジーとAI", "Tecnología e IA"),
        (
            "Programming, data and artificial intelligence for makers and curious minds.",
            "编程、数据与人工智能，献给动手派和好奇的人。",
            "ものづくりが好きな人と好奇心旺盛な人のための、プログラミング・データ・AI。",
            "Programación, datos e inteligencia artificial para creadores y mentes curiosas.",
        ),
        "#2c5282",
    ),
    C(
        "programming",
        ("Programming", "编程", "プログラミング", "Programación"),
        (
            "Write code that works and that others can read.",
            "写出能运行、也让别人看得懂的代码。",
            "動いて、しかも他の人が読めるコードを書く。",
            "Escribe código que funciona y que otros pueden leer.",
        ),
        "#2c5282",
        parent="technology-ai",
    ),
    C(
        "data-ai",
        ("Data & AI", "数据与AI", "データとAI", "Datos e IA"),
        (
            "Analyse data, train models and use AI tools responsibly.",
            "分析数据、训练模型，并负责任地使用 AI 工具。",
            "データを分析し、モデルを学習させ、AI ツールを責任をもって使う。",
            "Analiza datos, entrena modelos y usa herramientas de IA con responsabilidad.",
        ),
        "#2c5282",
        parent="technology-ai",
    ),
    C(
        "languages",
        ("Languages", "语言学习", "語学", "Idiomas"),
        (
            "Speak with more people: Chinese, English, Japanese and Spanish.",
            "和更多人交流：中文、英语、日语、西班牙语。",
            "もっと多くの人と話そう：中国語、英語、日本語、スペイン語。",
            "Habla con más gente: chino, inglés, japonés y español.",
        ),
        "#d69e2e",
    ),
    C(
        "business-careers",
        ("Business & Careers", "商业与职场", "ビジネスとキャリア", "Negocios y carrera profesional"),
        (
            "Lead, present, negotiate and grow a career or a small business.",
            "领导团队、演讲表达、谈判沟通，经营你的职业或小生意。",
            "リーダーシップ、プレゼン、交渉。キャリアと小さな事業を育てる。",
            "Lidera, presenta, negocia y haz crecer tu carrera o tu pequeño negocio.",
        ),
        "#4a5568",
    ),
    C(
        "chinese-culture",
        ("Chinese Culture", "中华文化", "中国文化", "Cultura china"),
        (
            "Calligraphy, tea, traditional medicine and history, taught by practitioners.",
            "书法、茶、中医与历史，由真正的行家来讲。",
            "書道、茶、中国伝統医学、歴史を実践者から学ぶ。",
            "Caligrafía, té, medicina tradicional e historia, con quienes las practican.",
        ),
        "#9b2c2c",
    ),
    C(
        "calligraphy",
        ("Calligraphy", "书法", "書道", "Caligrafía"),
        (
            "Brush, ink and the architecture of Chinese characters.",
            "毛笔、墨与汉字的结构之美。",
            "筆と墨、そして漢字の構造美。",
            "Pincel, tinta y la arquitectura de los caracteres chinos.",
        ),
        "#9b2c2c",
        parent="chinese-culture",
    ),
    C(
        "tea",
        ("Tea", "茶文化", "中国茶", "Té"),
        (
            "The six families of Chinese tea, how to brew them and where they grow.",
            "六大茶类、冲泡方法与产地风土。",
            "六大茶類の違い、淹れ方、そして産地。",
            "Las seis familias del té chino, cómo prepararlas y dónde crecen.",
        ),
        "#9b2c2c",
        parent="chinese-culture",
    ),
    C(
        "traditional-medicine",
        ("Traditional Chinese Medicine", "中医养生", "中医学と養生", "Medicina tradicional china"),
        (
            "The ideas of traditional Chinese medicine and everyday self-care, explained with care.",
            "中医的基本观念与日常养生，讲得明白又严谨。",
            "中医学の考え方と日々の養生を、丁寧にわかりやすく。",
            "Las ideas de la medicina tradicional china y el autocuidado diario, explicados con rigor.",
        ),
        "#9b2c2c",
        parent="chinese-culture",
    ),
    C(
        "chinese-history",
        ("Chinese History", "中国历史", "中国の歴史", "Historia de China"),
        (
            "Dynasties, inventions and ideas that shaped China and the world.",
            "塑造中国与世界的朝代、发明与思想。",
            "中国と世界をかたちづくった王朝、発明、思想。",
            "Dinastías, inventos e ideas que dieron forma a China y al mundo.",
        ),
        "#9b2c2c",
        parent="chinese-culture",
    ),
]
