# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Art history and museums: the museum partner's shelf."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "how-to-look-at-a-painting",
        "art-history",
        "elena-ruiz",
        ("How to Look at a Painting", "如何看懂一幅画", "絵の見方", "Cómo mirar un cuadro"),
        (
            "Ten questions that open any picture, in any museum",
            "十个问题，打开任何博物馆里的任何一幅画",
            "どの美術館のどの絵にも使える 10 の問い",
            "Diez preguntas que abren cualquier cuadro, en cualquier museo",
        ),
        (
            "Composition, colour, light, gesture and story: learn to notice them one at a time. "
            "We practise on twelve works, from a Flemish altarpiece to a Song dynasty landscape.",
            "构图、色彩、光线、姿态与故事，学会一项一项地去发现。我们用十二件作品练习，从佛兰德斯祭坛画到宋代山水。",
            "構図、色、光、しぐさ、物語。ひとつずつ気づく力を養います。フランドルの祭壇画から宋代の山水画まで、12 作品で練習します。",
            "Composición, color, luz, gesto e historia: aprende a fijarte en ellos uno a uno. "
            "Practicamos con doce obras, de un retablo flamenco a un paisaje de la dinastía Song.",
        ),
        level="beginner",
        language="es",
        tier=2,
        tags=("painting", "museums"),
    ),
    C(
        "renaissance-to-baroque",
        "art-history",
        "elena-ruiz",
        (
            "From Renaissance to Baroque",
            "从文艺复兴到巴洛克",
            "ルネサンスからバロックへ",
            "Del Renacimiento al Barroco",
        ),
        (
            "Three centuries of European painting and the ideas that drove it",
            "三个世纪的欧洲绘画，以及推动它的思想",
            "ヨーロッパ絵画の 3 世紀と、それを動かした思想",
            "Tres siglos de pintura europea y las ideas que la impulsaron",
        ),
        (
            "Follow perspective from Florence to Venice, then drama and shadow from Rome to Madrid. "
            "Patrons, workshops and prices explain as much as genius does.",
            "从佛罗伦萨到威尼斯追寻透视法，再从罗马到马德里看戏剧与光影。赞助人、作坊与价格，和天才一样能解释艺术。",
            "フィレンツェからヴェネツィアへ遠近法を追い、ローマからマドリードへドラマと陰影を追います。パトロン、工房、値段も、天才と同じくらい多くを語ります。",
            "Sigue la perspectiva de Florencia a Venecia y luego el drama y la sombra de Roma a Madrid. "
            "Mecenas, talleres y precios explican tanto como el genio.",
        ),
        level="intermediate",
        language="es",
        tier=4,
        tags=("painting", "history", "museums"),
    ),
    C(
        "story-of-chinese-porcelain",
        "art-history",
        "wang-fang",
        (
            "The Story of Chinese Porcelain",
            "中国瓷器的故事",
            "中国磁器の物語",
            "La historia de la porcelana china",
        ),
        (
            "Kilns, glazes and the trade that carried them around the world",
            "窑口、釉色，以及把它们带向世界的贸易",
            "窯、釉薬、そしてそれを世界へ運んだ交易",
            "Hornos, esmaltes y el comercio que los llevó por todo el mundo",
        ),
        (
            "From celadon to blue-and-white, see how Chinese potters solved hard problems of clay and fire. "
            "Then follow the ships that made porcelain a global luxury.",
            "从青瓷到青花，看中国陶工如何解决泥与火的难题。再跟随商船，看瓷器如何成为风靡全球的奢侈品。",
            "青磁から染付まで、中国の陶工が土と火の難題をどう解いたかを見ていきます。そして磁器を世界的な贅沢品にした船を追います。",
            "Del celadón al azul y blanco, descubre cómo los alfareros chinos resolvieron problemas difíciles de arcilla y fuego. "
            "Después sigue los barcos que convirtieron la porcelana en un lujo mundial.",
        ),
        level="beginner",
        language="zh-hans",
        tier=3,
        tags=("museums", "history", "culture"),
    ),
    C(
        "behind-the-museum-doors",
        "art-history",
        "elena-ruiz",
        ("Behind the Museum Doors", "博物馆幕后", "美術館の舞台裏", "Tras las puertas del museo"),
        (
            "Live talks with curators and conservators",
            "与策展人和修复师的直播对谈",
            "キュレーターや修復家とのライブトーク",
            "Charlas en directo con conservadores y restauradores",
        ),
        (
            "How is an exhibition chosen, hung and lit, and how is a damaged painting brought back? "
            "Each live session visits one department and leaves half an hour for your questions.",
            "一场展览如何选题、布展与打光？一幅受损的画如何被修复？每场直播走进一个部门，并留出半小时回答你的问题。",
            "展覧会はどう選ばれ、どう展示され、どう照らされるのか。傷んだ絵はどう蘇るのか。毎回ひとつの部署を訪ね、30 分の質問時間を設けます。",
            "¿Cómo se elige, se cuelga y se ilumina una exposición, y cómo se recupera un cuadro dañado? "
            "Cada sesión en directo visita un departamento y deja media hora para tus preguntas.",
        ),
        format="live",
        level="beginner",
        language="en",
        tier=3,
        tags=("museums",),
    ),
    C(
        "modern-art-without-fear",
        "art-history",
        "elena-ruiz",
        ("Modern Art Without Fear", "不再害怕现代艺术", "こわくない現代アート", "Arte moderno sin miedo"),
        (
            'An audio course for anyone who has said "my child could do that"',
            "写给每一个说过“我家孩子也能画”的人的音频课",
            "「うちの子でも描ける」と思ったことのある人のための音声コース",
            'Un curso en audio para quien alguna vez dijo "eso lo hace mi hijo"',
        ),
        (
            "Episode by episode, we listen to the stories behind works that puzzle people most. "
            "You will not love everything, but you will know what each artist was trying to do.",
            "一集一集地，听那些最让人困惑的作品背后的故事。你不一定会全都喜欢，但你会明白每位艺术家想做什么。",
            "最も人を戸惑わせる作品の背景を、1 話ずつ聴いていきます。すべてを好きになる必要はありませんが、作家が何をしようとしたかはわかるようになります。",
            "Episodio a episodio escuchamos las historias detrás de las obras que más desconciertan. "
            "No te gustará todo, pero sabrás qué intentaba hacer cada artista.",
        ),
        format="audio",
        level="beginner",
        language="en",
        tier=1,
        tags=("painting", "museums"),
    ),
    C(
        "bronzes-of-ancient-china",
        "art-history",
        "wang-fang",
        ("Bronzes of Ancient China", "中国古代青铜器", "古代中国の青銅器", "Bronces de la China antigua"),
        (
            "An illustrated e-book on ritual vessels and their inscriptions",
            "一本图文电子书：礼器与铭文",
            "祭器と銘文を図版で読み解く電子書籍",
            "Un libro electrónico ilustrado sobre vasos rituales y sus inscripciones",
        ),
        (
            "Learn the main vessel shapes, how they were cast and what their inscriptions tell us about the Shang and Zhou. "
            "Written for museum visitors who want to read the labels with new eyes.",
            "认识主要器型、了解铸造方法，看铭文如何讲述商周的历史。写给想用新眼光读懂展签的博物馆观众。",
            "主な器形、鋳造の方法、そして銘文が語る殷・周の歴史を学びます。展示ラベルを新しい目で読みたい来館者のための一冊です。",
            "Conoce las principales formas de vasos, cómo se fundían y qué cuentan sus inscripciones sobre los Shang y los Zhou. "
            "Escrito para quien quiere leer las cartelas del museo con otros ojos.",
        ),
        format="ebook",
        level="intermediate",
        language="zh-hans",
        tier=2,
        tags=("museums", "history"),
    ),
    C(
        "architecture-of-great-museums",
        "art-history",
        "wang-fang",
        (
            "The Architecture of Great Museums",
            "伟大博物馆的建筑",
            "名建築としての美術館",
            "La arquitectura de los grandes museos",
        ),
        (
            "Palaces, warehouses and glass boxes: how buildings shape what we see",
            "宫殿、仓库与玻璃盒子：建筑如何塑造我们的观看",
            "宮殿、倉庫、ガラスの箱：建物は見え方をどう変えるか",
            "Palacios, almacenes y cajas de cristal: cómo el edificio cambia lo que vemos",
        ),
        (
            "Walk through ten museum buildings, from a former imperial palace to a converted power station. "
            "See how light, routes and rooms guide your attention before you notice.",
            "走进十座博物馆建筑，从昔日皇宫到改造后的发电厂。看光线、路线与展厅如何在你察觉之前引导你的注意力。",
            "旧王宮から発電所の再生まで、10 の美術館建築を歩きます。光、動線、展示室が、気づかぬうちに私たちの注意をどう導くかを見ます。",
            "Recorre diez edificios de museos, de un antiguo palacio imperial a una central eléctrica reconvertida. "
            "Verás cómo la luz, los recorridos y las salas guían tu atención antes de que lo notes.",
        ),
        level="intermediate",
        language="en",
        tier=3,
        tags=("architecture", "museums"),
    ),
]
