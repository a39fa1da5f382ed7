# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Travel and world cultures: the travel partner's shelf."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "slow-travel-planning",
        "travel-cultures",
        "daniel-brooks",
        ("The Art of Slow Travel", "慢旅行的艺术", "スロートラベルのすすめ", "El arte de viajar despacio"),
        (
            "Plan fewer places, stay longer, spend less and see more",
            "去更少的地方、住更久、花更少、看更多",
            "訪れる場所を減らし、長く滞在し、少なく使って多くを見る",
            "Menos lugares, estancias más largas, menos gasto y más descubrimientos",
        ),
        (
            "Build a two-week itinerary around one base, with day trips, local transport and rest days. "
            "You will learn to book smarter, pack lighter and find the neighbourhoods guidebooks skip.",
            "以一个落脚点为中心，设计一份两周行程，包含一日游、当地交通和休息日。你会学会更聪明地预订、更轻便地打包，找到指南书略过的街区。",
            "1か所を拠点に、日帰り旅行、地元の交通手段、休息日を組み込んだ2週間の旅程を作ります。賢い予約、軽い荷造り、ガイドブックが取り上げない街の見つけ方を学びます。",
            "Diseña un itinerario de dos semanas desde una sola base, con excursiones, transporte local y días de descanso. "
            "Aprenderás a reservar mejor, a viajar con menos equipaje y a encontrar los barrios que las guías olvidan.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("travel", "budgeting"),
    ),
    C(
        "travel-photography-with-a-phone",
        "travel-cultures",
        "daniel-brooks",
        (
            "Travel Photography with a Phone",
            "用手机拍旅行",
            "スマホで撮る旅の写真",
            "Fotografía de viaje con el móvil",
        ),
        (
            "Light, composition and respectful portraits on the road",
            "旅途中的光线、构图与有分寸的人像",
            "旅先での光、構図、そして礼儀ある人物写真",
            "Luz, composición y retratos respetuosos en ruta",
        ),
        (
            "Shoot at the right hour, frame streets and landscapes with intent and ask strangers for a portrait with respect. "
            "Finish by editing a small, honest photo story of one day.",
            "在对的时间拍摄，有意图地框取街景与风景，并礼貌地请陌生人拍一张肖像。最后剪辑出一组真实的一日照片故事。",
            "ふさわしい時間帯に撮り、意図をもって街と風景を切り取り、見知らぬ人に敬意をもってポートレートをお願いします。最後に1日の小さなフォトストーリーを編集します。",
            "Dispara a la hora adecuada, encuadra calles y paisajes con intención y pide un retrato a desconocidos con respeto. "
            "Termina editando una pequeña historia fotográfica y honesta de un día.",
        ),
        level="beginner",
        language="en",
        tier=2,
        tags=("travel", "photography"),
    ),
    C(
        "yunnan-by-rail-and-road",
        "travel-cultures",
        "daniel-brooks",
        (
            "Yunnan by Rail and Road",
            "铁路与公路上的云南",
            "鉄道と道でめぐる雲南",
            "Yunnan en tren y por carretera",
        ),
        (
            "Kunming, Dali, Lijiang and the tea mountains of the south",
            "昆明、大理、丽江与南方的茶山",
            "昆明、大理、麗江、そして南の茶山へ",
            "Kunming, Dali, Lijiang y las montañas de té del sur",
        ),
        (
            "A route through one of China's most varied provinces, with the history and peoples behind each stop. "
            "Practical lessons cover high-speed trains, altitude and when the markets are at their best.",
            "一条穿越中国最多样省份之一的路线，讲述每一站背后的历史与民族。实用课时涵盖高铁、海拔适应以及集市的最佳时间。",
            "中国でも特に多様な省のひとつをめぐるルート。各地の歴史と人々を紹介し、高速鉄道、高地への順応、市場がにぎわう時間帯など実用的な情報も扱います。",
            "Una ruta por una de las provincias más diversas de China, con la historia y los pueblos de cada parada. "
            "Las lecciones prácticas tratan el tren de alta velocidad, la altitud y el mejor momento para los mercados.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("travel", "culture", "tea"),
    ),
    C(
        "japan-etiquette-for-travellers",
        "travel-cultures",
        "nakamura-aoi",
        (
            "Japan Etiquette for Travellers",
            "日本旅行礼仪",
            "旅行者のための日本のマナー",
            "Etiqueta japonesa para viajeros",
        ),
        (
            "Trains, onsen, restaurants and temples without awkward moments",
            "电车、温泉、餐厅与寺庙，不再尴尬",
            "電車、温泉、飲食店、寺社で戸惑わないために",
            "Trenes, onsen, restaurantes y templos sin momentos incómodos",
        ),
        (
            "Learn the unwritten rules that make a visit to Japan smoother and friendlier. "
            "Each lesson pairs a short scene with the few words of Japanese you need in it.",
            "学习那些让日本之行更顺利、更友好的不成文规矩。每节课配一个简短场景，以及该场景中用得上的几句日语。",
            "日本滞在をよりスムーズで心地よいものにする「暗黙のルール」を学びます。各レッスンは短い場面と、そこで必要な日本語のひとことをセットで紹介します。",
            "Aprende las normas no escritas que hacen más fácil y amable una visita a Japón. "
            "Cada lección combina una escena breve con las pocas palabras de japonés que necesitas en ella.",
        ),
        level="beginner",
        language="ja",
        tier=2,
        tags=("travel", "culture", "japanese-language"),
    ),
    C(
        "andalusia-before-you-go",
        "travel-cultures",
        "daniel-brooks",
        (
            "Andalusia Before You Go",
            "出发前的安达卢西亚",
            "出発前に知るアンダルシア",
            "Andalucía antes de viajar",
        ),
        (
            "Live talks on Seville, Córdoba and Granada, with time for questions",
            "直播讲座：塞维利亚、科尔多瓦与格拉纳达，留足提问时间",
            "ライブトーク：セビリア、コルドバ、グラナダ。質問の時間つき",
            "Charlas en directo sobre Sevilla, Córdoba y Granada, con tiempo para preguntas",
        ),
        (
            "Three evenings on the history, architecture and festivals of southern Spain before you travel. "
            "Groups are small so you can ask about your own route.",
            "三个晚上，在出发前了解西班牙南部的历史、建筑与节庆。小班授课，你可以就自己的路线提问。",
            "旅の前に、南スペインの歴史・建築・祭りを3夜で学びます。少人数なので、自分のルートについても質問できます。",
            "Tres tardes sobre la historia, la arquitectura y las fiestas del sur de España antes de tu viaje. "
            "Los grupos son pequeños para que puedas preguntar por tu propia ruta.",
        ),
        format="live",
        level="beginner",
        language="es",
        tier=3,
        tags=("travel", "culture", "architecture"),
    ),
    C(
        "cities-told-by-their-markets",
        "travel-cultures",
        "daniel-brooks",
        (
            "Cities Told by Their Markets",
            "市场里的城市",
            "市場が語る都市",
            "Ciudades contadas por sus mercados",
        ),
        (
            "An audio journey through eight markets on four continents",
            "一段穿越四大洲八座市场的音频之旅",
            "4 大陸 8 つの市場をめぐる音声の旅",
            "Un viaje en audio por ocho mercados de cuatro continentes",
        ),
        (
            "From a wet market in Guangzhou to a covered market in Valencia, each episode listens to a city through what it buys and sells. "
            "Good company for a commute or a long flight.",
            "从广州的菜市场到瓦伦西亚的室内市场，每一集都从买卖之间倾听一座城市。适合通勤或长途飞行时收听。",
            "広州の生鮮市場からバレンシアの屋内市場まで、売り買いを通して街の声に耳を傾けます。通勤や長いフライトのお供にどうぞ。",
            "Desde un mercado de abastos de Cantón hasta el Mercado Central de Valencia, cada episodio escucha una ciudad a través de lo que compra y vende. "
            "Buena compañía para el trayecto al trabajo o un vuelo largo.",
        ),
        format="audio",
        level="beginner",
        language="en",
        tier=1,
        tags=("travel", "culture", "cooking"),
    ),
    C(
        "world-food-cultures",
        "travel-cultures",
        "daniel-brooks",
        ("World Food Cultures", "世界饮食文化", "世界の食文化", "Culturas gastronómicas del mundo"),
        (
            "An e-book on what people eat, and why, in twelve regions",
            "一本电子书：十二个地区的人们吃什么、为什么这样吃",
            "12 の地域で人々が何を、なぜ食べるのかを描く電子書籍",
            "Un libro electrónico sobre qué se come, y por qué, en doce regiones",
        ),
        (
            "Climate, trade routes and religion explain most of what lands on a plate. "
            "Each chapter ends with table manners and one dish to try at home.",
            "气候、贸易路线和宗教，解释了餐桌上的大部分故事。每章末尾介绍当地餐桌礼仪，并推荐一道可以在家尝试的菜。",
            "気候、交易路、宗教が、皿の上のほとんどを説明してくれます。各章の最後には食事のマナーと、家で試せる一品を紹介します。",
            "El clima, las rutas comerciales y la religión explican casi todo lo que llega al plato. "
            "Cada capítulo termina con modales en la mesa y un plato para probar en casa.",
        ),
        format="ebook",
        level="beginner",
        language="en",
        tier=1,
        tags=("travel", "culture", "cooking"),
    ),
]
