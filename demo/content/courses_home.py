# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Home and living design: the home-furnishing partner's shelf."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "small-space-living",
        "interior-design",
        "sato-yuki",
        ("Small Space, Big Life", "小空间，大生活", "小さな部屋で広く暮らす", "Espacio pequeño, vida grande"),
        (
            "Layouts, storage and furniture for homes under 50 m²",
            "50 平方米以内住宅的布局、收纳与家具",
            "50 m² 以下の住まいのためのレイアウト・収納・家具",
            "Distribución, almacenaje y muebles para casas de menos de 50 m²",
        ),
        (
            "Measure your rooms, map how you move through them and plan a layout that frees floor space. "
            "Then choose folding, stacking and wall-mounted pieces that do two jobs each.",
            "测量房间、画出你在家中的动线，规划出能释放地面空间的布局。再挑选可折叠、可堆叠、可上墙的一物两用家具。",
            "部屋を測り、家の中での動きを図にして、床を広く使えるレイアウトを考えます。折りたたみ・積み重ね・壁付けなど、一台二役の家具を選びます。",
            "Mide tus habitaciones, dibuja cómo te mueves por ellas y planifica una distribución que libere suelo. "
            "Después elige piezas plegables, apilables o de pared que hagan dos funciones.",
        ),
        level="beginner",
        language="ja",
        tier=3,
        tags=("interior", "small-spaces"),
    ),
    C(
        "colour-and-light-at-home",
        "interior-design",
        "sato-yuki",
        ("Colour and Light at Home", "家里的色彩与光", "住まいの色と光", "Color y luz en casa"),
        (
            "Pick paint, fabrics and lamps that look right morning and night",
            "挑选从早到晚都好看的墙漆、布艺和灯具",
            "朝も夜も美しく見える塗料、ファブリック、照明の選び方",
            "Elige pintura, tejidos y lámparas que queden bien de día y de noche",
        ),
        (
            "Learn the 60-30-10 colour rule, colour temperature and why one ceiling light is never enough. "
            "Every lesson ends with a small change you can make in an evening.",
            "学习 60-30-10 配色法则、色温，以及为什么只有一盏吸顶灯远远不够。每节课都以一个晚上就能完成的小改变结束。",
            "60-30-10 の配色ルール、色温度、そして天井照明ひとつでは足りない理由を学びます。各レッスンの最後に、一晩でできる小さな改善を紹介します。",
            "Aprende la regla de color 60-30-10, la temperatura de color y por qué una sola luz de techo nunca basta. "
            "Cada lección termina con un pequeño cambio que puedes hacer en una tarde.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("interior",),
    ),
    C(
        "furniture-that-lasts",
        "home-living",
        "lin-jia",
        (
            "Choosing Furniture That Lasts",
            "挑选耐用的家具",
            "長く使える家具の選び方",
            "Cómo elegir muebles que duren",
        ),
        (
            "Woods, joints, fabrics and finishes: what to check before you buy",
            "木材、榫卯、面料与涂装：买之前该看什么",
            "木材、接合部、生地、仕上げ：買う前に確かめること",
            "Maderas, uniones, tejidos y acabados: qué revisar antes de comprar",
        ),
        (
            "Open drawers, turn chairs over and read labels like a furniture buyer. "
            "You will learn which materials age well, how to care for them and when a cheaper piece is the smarter choice.",
            "像家具买手一样拉开抽屉、翻过椅子、读懂标签。你会了解哪些材质越用越好、如何保养，以及什么时候便宜的反而更明智。",
            "家具バイヤーのように引き出しを開け、椅子を裏返し、表示を読み解きます。経年変化が美しい素材、手入れの方法、安いほうが賢い選択になる場面がわかります。",
            "Abre cajones, da la vuelta a las sillas y lee etiquetas como un comprador profesional. "
            "Sabrás qué materiales envejecen bien, cómo cuidarlos y cuándo la pieza barata es la opción sensata.",
        ),
        level="beginner",
        language="zh-hans",
        tier=2,
        tags=("interior", "sustainability"),
    ),
    C(
        "room-makeover-live",
        "interior-design",
        "lin-jia",
        ("Room Makeover Clinic", "房间改造诊所", "お部屋改造クリニック", "Clínica de reforma de espacios"),
        (
            "Live classes: send a photo of your room, leave with a plan",
            "直播课：发来房间照片，带走改造方案",
            "ライブ講座：部屋の写真を送って、プランを持ち帰る",
            "Clases en directo: envía una foto de tu habitación y llévate un plan",
        ),
        (
            "Each live class reviews a handful of learners' rooms on screen and redesigns them together. "
            "Seats are few so everyone gets time with the stylist.",
            "每节直播课在屏幕上点评几位学员的房间，并一起重新设计。名额很少，保证每个人都能和陈设师交流。",
            "毎回のライブ講座で受講者の部屋を数件画面で見ながら、一緒に再設計します。定員が少ないので、全員がスタイリストと話せます。",
            "En cada clase en directo se revisan en pantalla las habitaciones de algunos estudiantes y se rediseñan juntos. "
            "Hay pocas plazas para que todos hablen con la estilista.",
        ),
        format="live",
        level="intermediate",
        language="zh-hans",
        tier=4,
        tags=("interior", "small-spaces"),
    ),
    C(
        "calm-home-decluttering",
        "home-living",
        "sato-yuki",
        (
            "A Calm Home: Decluttering in Ten Minutes a Day",
            "安宁之家：每天十分钟断舍离",
            "穏やかな家：1日10分の片づけ",
            "Un hogar sereno: ordenar diez minutos al día",
        ),
        (
            "An audio course to play while you tidy",
            "一边整理一边听的音频课",
            "片づけながら聴く音声コース",
            "Un curso en audio para escuchar mientras ordenas",
        ),
        (
            "Each episode takes one small area, a drawer, a shelf or a bag, and walks you through it in real time. "
            "After a month the habit is yours and the house feels lighter.",
            "每集只处理一个小区域，一个抽屉、一层架子或一个包，实时带你完成。一个月后，习惯养成，家也变得轻盈。",
            "毎回、引き出しひとつ、棚一段、バッグひとつなど小さな場所を取り上げ、リアルタイムで一緒に片づけます。1か月後には習慣が身につき、家が軽く感じられます。",
            "Cada episodio aborda una zona pequeña, un cajón, un estante o un bolso, y te acompaña en tiempo real. "
            "Al cabo de un mes el hábito es tuyo y la casa se siente más ligera.",
        ),
        format="audio",
        level="beginner",
        language="ja",
        tier=1,
        tags=("small-spaces", "mindfulness"),
    ),
    C(
        "kitchen-that-cooks-with-you",
        "home-living",
        "lin-jia",
        (
            "A Kitchen That Cooks With You",
            "顺手的厨房",
            "料理がはかどるキッチン",
            "Una cocina que cocina contigo",
        ),
        (
            "Plan the work triangle, storage and tools around the food you really make",
            "围绕你真正常做的菜，规划动线、收纳与工具",
            "実際によく作る料理に合わせて、動線・収納・道具を計画する",
            "Planifica el triángulo de trabajo, el almacenaje y los utensilios según lo que cocinas de verdad",
        ),
        (
            "We start from three family recipes and design the kitchen backwards from them. "
            "You will rethink counters, drawers and lighting, and cook a test meal in the new layout.",
            "我们从三道家常菜出发，倒推厨房该如何设计。你会重新思考台面、抽屉与照明，并在新布局里试做一餐。",
            "家庭の定番料理を3つ選び、そこから逆算してキッチンを設計します。カウンター、引き出し、照明を見直し、新しい配置で試しに1食作ります。",
            "Partimos de tres recetas familiares y diseñamos la cocina al revés, desde ellas. "
            "Repensarás encimeras, cajones e iluminación, y cocinarás una comida de prueba con la nueva distribución.",
        ),
        level="intermediate",
        language="zh-hans",
        tier=3,
        tags=("interior", "cooking"),
    ),
    C(
        "sustainable-home-guide",
        "home-living",
        "lin-jia",
        (
            "The Sustainable Home Guide",
            "可持续家居指南",
            "サステナブルな住まいガイド",
            "Guía del hogar sostenible",
        ),
        (
            "A free e-book on saving energy, water and money at home",
            "免费电子书：在家节能、节水又省钱",
            "無料電子書籍：家でエネルギー・水・お金を節約する",
            "Libro electrónico gratuito para ahorrar energía, agua y dinero en casa",
        ),
        (
            "Practical chapters on insulation, appliances, second-hand furniture and repair. "
            "Every tip comes with a rough cost and a rough saving so you can decide what is worth it.",
            "关于保温、家电、二手家具与维修的实用章节。每条建议都附有大致成本和大致节省，帮你判断是否值得。",
            "断熱、家電、中古家具、修理についての実用的な章。すべてのヒントにおおよその費用と節約額を添えたので、やる価値があるか判断できます。",
            "Capítulos prácticos sobre aislamiento, electrodomésticos, muebles de segunda mano y reparaciones. "
            "Cada consejo incluye un coste y un ahorro aproximados para que decidas si compensa.",
        ),
        format="ebook",
        level="beginner",
        language="en",
        tier=0,
        tags=("sustainability", "budgeting"),
    ),
]
