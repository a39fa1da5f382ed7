# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""The demo instructors: invented people with invented careers."""

from decimal import Decimal

from .base import InstructorSpec

I = InstructorSpec  # noqa: E741

INSTRUCTORS: list[InstructorSpec] = [
    I(
        "chen-wei",
        ("Chen Wei", "陈伟", "陳偉（チェン・ウェイ）", "Chen Wei"),
        (
            "Former private-bank adviser, now teaches money for everyday life",
            "前私人银行理财顾问，专讲普通人的钱",
            "元プライベートバンク・アドバイザー。暮らしのお金を教える",
            "Exasesor de banca privada; enseña finanzas para la vida diaria",
        ),
        (
            "Chen Wei spent twelve years advising families in Shanghai before he started teaching. "
            "He explains budgets and portfolios with kitchen-table examples.",
            "陈伟在上海为家庭客户做了十二年理财顾问，之后转向教学。他擅长用餐桌上的例子讲清预算和资产配置。",
            "陳偉は上海で12年間、家族の資産相談に携わった後、教える道へ。食卓の例え話で家計とポートフォリオを説明します。",
            "Chen Wei asesoró a familias en Shanghái durante doce años antes de dedicarse a enseñar. "
            "Explica presupuestos y carteras con ejemplos de la mesa de la cocina.",
        ),
        Decimal("0.3500"),
    ),
    I(
        "sofia-martinez",
        ("Sofía Martínez", "索菲亚·马丁内斯", "ソフィア・マルティネス", "Sofía Martínez"),
        (
            "Economist and index-investing advocate",
            "经济学家，指数投资倡导者",
            "経済学者、インデックス投資の伝道師",
            "Economista y defensora de la inversión indexada",
        ),
        (
            "Sofía worked on pension research in Madrid and Mexico City. "
            "She teaches long-term investing with numbers you can check yourself.",
            "索菲亚曾在马德里和墨西哥城从事养老金研究。她用你能亲手验证的数字讲长期投资。",
            "ソフィアはマドリードとメキシコシティで年金研究に従事。自分で確かめられる数字で長期投資を教えます。",
            "Sofía investigó sobre pensiones en Madrid y Ciudad de México. "
            "Enseña inversión a largo plazo con cifras que puedes comprobar tú mismo.",
        ),
    ),
    I(
        "sato-yuki",
        ("Yuki Sato", "佐藤由纪", "佐藤由紀", "Yuki Sato"),
        (
            "Interior designer for small city homes",
            "专注城市小户型的室内设计师",
            "都市の小さな住まいを手がけるインテリアデザイナー",
            "Interiorista especializada en pisos pequeños",
        ),
        (
            "Yuki has redesigned more than three hundred apartments in Tokyo and Osaka. "
            "Her rule: every object earns its place.",
            "由纪在东京和大阪改造过三百多套公寓。她的原则是：每件物品都要配得上它的位置。",
            "由紀は東京と大阪で300戸以上の住まいを手がけてきました。信条は「すべての物に居場所の理由を」。",
            "Yuki ha rediseñado más de trescientos pisos en Tokio y Osaka. "
            "Su regla: cada objeto se gana su sitio.",
        ),
    ),
    I(
        "lin-jia",
        ("Lin Jia", "林佳", "林佳（リン・ジア）", "Lin Jia"),
        (
            "Home stylist and furniture buyer",
            "家居陈设师、家具买手",
            "ホームスタイリスト、家具バイヤー",
            "Estilista de hogar y compradora de muebles",
        ),
        (
            "Lin Jia chooses furniture for showrooms across China and writes about materials and care. "
            "She believes good furniture should outlive trends.",
            "林佳为全国多家样板间挑选家具，也写关于材质与保养的文章。她相信好家具应该比潮流活得更久。",
            "林佳は中国各地のショールームの家具を選び、素材と手入れについて執筆しています。良い家具は流行より長生きすべきだと考えています。",
            "Lin Jia elige muebles para salas de exposición de toda China y escribe sobre materiales y cuidados. "
            "Cree que un buen mueble debe sobrevivir a las modas.",
        ),
    ),
    I(
        "daniel-brooks",
        ("Daniel Brooks", "丹尼尔·布鲁克斯", "ダニエル・ブルックス", "Daniel Brooks"),
        (
            "Travel writer who has lived on four continents",
            "在四大洲生活过的旅行作家",
            "4 大陸で暮らした旅行作家",
            "Escritor de viajes que ha vivido en cuatro continentes",
        ),
        (
            "Daniel has written guidebook chapters on Yunnan, Andalusia and Kyushu. "
            "He teaches travel that is slower, cheaper and kinder to the places you visit.",
            "丹尼尔撰写过云南、安达卢西亚和九州的旅行指南章节。他倡导更慢、更省，也更尊重目的地的旅行方式。",
            "ダニエルは雲南、アンダルシア、九州のガイドブックを執筆。ゆっくり、安く、訪れる土地にやさしい旅を教えます。",
            "Daniel ha escrito capítulos de guías sobre Yunnan, Andalucía y Kyushu. "
            "Enseña a viajar más despacio, más barato y con más respeto por los lugares.",
        ),
    ),
    I(
        "elena-ruiz",
        ("Elena Ruiz", "埃琳娜·鲁伊斯", "エレナ・ルイス", "Elena Ruiz"),
        (
            "Art historian and museum educator",
            "艺术史学者、博物馆教育专员",
            "美術史家、美術館エデュケーター",
            "Historiadora del arte y educadora de museos",
        ),
        (
            "Elena has guided visitors through European painting collections for fifteen years. "
            "She teaches how to look slowly and ask good questions of a picture.",
            "埃琳娜在欧洲绘画收藏馆做了十五年导览。她教你慢慢看，并向一幅画提出好问题。",
            "エレナは15年にわたりヨーロッパ絵画のコレクションを案内してきました。ゆっくり見ること、絵によい問いを投げかけることを教えます。",
            "Elena lleva quince años guiando visitas por colecciones de pintura europea. "
            "Enseña a mirar despacio y a hacerle buenas preguntas a un cuadro.",
        ),
    ),
    I(
        "wang-fang",
        ("Wang Fang", "王芳", "王芳（ワン・ファン）", "Wang Fang"),
        (
            "Curator of Chinese ceramics and bronzes",
            "中国陶瓷与青铜器策展人",
            "中国陶磁・青銅器のキュレーター",
            "Conservadora de cerámica y bronces chinos",
        ),
        (
            "Wang Fang has curated exhibitions of porcelain and ancient bronzes in Beijing and abroad. "
            "She shows how objects carry the history of the people who made them.",
            "王芳在北京和海外策划过多场瓷器与青铜器展览。她讲述器物如何承载造物者的历史。",
            "王芳は北京と海外で磁器や古代青銅器の展覧会を企画してきました。器物がつくり手の歴史をどう伝えるかを語ります。",
            "Wang Fang ha comisariado exposiciones de porcelana y bronces antiguos en Pekín y en el extranjero. "
            "Muestra cómo los objetos guardan la historia de quienes los hicieron.",
        ),
    ),
    I(
        "tanaka-kenji",
        ("Kenji Tanaka", "田中健二", "田中健二", "Kenji Tanaka"),
        (
            "Running coach and former marathoner",
            "跑步教练、前马拉松运动员",
            "ランニングコーチ、元マラソン選手",
            "Entrenador de running y exmaratonista",
        ),
        (
            "Kenji ran marathons for a corporate team for eight years and now coaches city runners. "
            "His plans fit around work and family.",
            "健二曾在企业队跑了八年马拉松，如今指导城市跑者。他的训练计划能融入工作和家庭生活。",
            "健二は実業団で8年間マラソンを走り、現在は市民ランナーを指導。仕事や家庭と両立できるプランが持ち味です。",
            "Kenji corrió maratones para un equipo de empresa durante ocho años y hoy entrena a corredores urbanos. "
            "Sus planes encajan con el trabajo y la familia.",
        ),
    ),
    I(
        "maya-patel",
        ("Maya Patel", "玛雅·帕特尔", "マヤ・パテル", "Maya Patel"),
        (
            "Yoga teacher and registered dietitian",
            "瑜伽老师、注册营养师",
            "ヨガ講師、管理栄養士",
            "Profesora de yoga y dietista titulada",
        ),
        (
            "Maya combines clinical nutrition work in London with two decades of yoga practice. "
            "Her classes are gentle, precise and free of fads.",
            "玛雅在伦敦从事临床营养工作，并有二十年瑜伽练习经验。她的课温和、精确，不追风潮。",
            "マヤはロンドンで臨床栄養の仕事に携わり、20年のヨガ経験を持ちます。やさしく正確で、流行に流されないクラスです。",
            "Maya combina la nutrición clínica en Londres con veinte años de práctica de yoga. "
            "Sus clases son suaves, precisas y sin modas.",
        ),
    ),
    I(
        "li-ming",
        ("Li Ming", "李明", "李明（リー・ミン）", "Li Ming"),
        (
            "Machine-learning engineer and teacher",
            "机器学习工程师、讲师",
            "機械学習エンジニア、講師",
            "Ingeniero de aprendizaje automático y docente",
        ),
        (
            "Li Ming builds recommendation systems at a Shenzhen technology firm. "
            "He teaches AI by building small, honest projects from scratch.",
            "李明在深圳一家科技公司做推荐系统。他通过从零搭建的小而实在的项目来讲 AI。",
            "李明は深圳のテック企業でレコメンドシステムを開発。小さく誠実なプロジェクトをゼロから作りながら AI を教えます。",
            "Li Ming desarrolla sistemas de recomendación en una empresa tecnológica de Shenzhen. "
            "Enseña IA construyendo desde cero proyectos pequeños y honestos.",
        ),
    ),
    I(
        "emily-carter",
        ("Emily Carter", "艾米丽·卡特", "エミリー・カーター", "Emily Carter"),
        (
            "Software engineer and data teacher",
            "软件工程师、数据课程讲师",
            "ソフトウェアエンジニア、データ講師",
            "Ingeniera de software y profesora de datos",
        ),
        (
            "Emily has shipped web products for newsrooms and charities for ten years. "
            "She likes code that a beginner can read the next morning.",
            "艾米丽十年来为新闻机构和公益组织开发网页产品。她喜欢让初学者第二天早上也能读懂的代码。",
            "エミリーは10年間、報道機関や非営利団体の Web サービスを開発してきました。初心者が翌朝読んでもわかるコードが好きです。",
            "Emily lleva diez años creando productos web para redacciones y ONG. "
            "Le gusta el código que un principiante puede leer a la mañana siguiente.",
        ),
    ),
    I(
        "nakamura-aoi",
        ("Aoi Nakamura", "中村葵", "中村葵", "Aoi Nakamura"),
        (
            "Japanese teacher for adult learners",
            "面向成人学习者的日语老师",
            "大人のための日本語教師",
            "Profesora de japonés para adultos",
        ),
        (
            "Aoi has taught Japanese in Barcelona, Taipei and online. "
            "She starts with the sentences you need on your first day in Japan.",
            "葵曾在巴塞罗那、台北和线上教日语。她从你到日本第一天就用得上的句子教起。",
            "葵はバルセロナ、台北、オンラインで日本語を教えてきました。日本に着いた初日に使う文から始めます。",
            "Aoi ha enseñado japonés en Barcelona, Taipéi y en línea. "
            "Empieza por las frases que necesitarás el primer día en Japón.",
        ),
    ),
    I(
        "zhang-lan",
        ("Zhang Lan", "张岚", "張嵐（チャン・ラン）", "Zhang Lan"),
        (
            "Mandarin teacher and language-learning coach",
            "中文老师、语言学习教练",
            "中国語講師、語学学習コーチ",
            "Profesora de mandarín y coach de idiomas",
        ),
        (
            "Zhang Lan has helped learners from over forty countries speak Mandarin with confidence. "
            "Her secret is tones first, characters second.",
            "张岚帮助来自四十多个国家的学员自信地说中文。她的秘诀是：先练声调，再学汉字。",
            "張嵐は40か国以上の学習者が自信をもって中国語を話せるよう支えてきました。秘訣は「声調が先、漢字は後」。",
            "Zhang Lan ha ayudado a estudiantes de más de cuarenta países a hablar mandarín con confianza. "
            "Su secreto: primero los tonos, después los caracteres.",
        ),
    ),
    I(
        "oliver-schmidt",
        ("Oliver Schmidt", "奥利弗·施密特", "オリバー・シュミット", "Oliver Schmidt"),
        (
            "Management coach and former start-up founder",
            "管理教练、前创业公司创始人",
            "マネジメントコーチ、元スタートアップ創業者",
            "Coach de dirección y exfundador de una start-up",
        ),
        (
            "Oliver founded and sold a logistics start-up in Berlin, then spent years coaching new managers. "
            "He teaches the habits that make teams trust their leaders.",
            "奥利弗在柏林创办并出售了一家物流创业公司，之后多年辅导新任管理者。他讲授让团队信任领导者的习惯。",
            "オリバーはベルリンで物流スタートアップを創業・売却し、その後は新任マネージャーのコーチングに携わっています。チームに信頼されるリーダーの習慣を教えます。",
            "Oliver fundó y vendió una start-up de logística en Berlín y después se dedicó a formar a nuevos mandos. "
            "Enseña los hábitos que hacen que un equipo confíe en quien lo dirige.",
        ),
    ),
    I(
        "zhou-shan",
        ("Zhou Shan", "周山", "周山（ジョウ・シャン）", "Zhou Shan"),
        (
            "Calligrapher and tea master from Hangzhou",
            "杭州书法家、茶艺师",
            "杭州の書家・茶芸師",
            "Calígrafo y maestro del té de Hangzhou",
        ),
        (
            "Zhou Shan has practised regular and running script for thirty years and runs a small tea studio by West Lake. "
            "He teaches patience one stroke and one infusion at a time.",
            "周山习楷书、行书三十年，在西湖边经营一间小茶室。他一笔一画、一泡一饮地教人耐心。",
            "周山は楷書と行書を30年学び、西湖のほとりで小さな茶室を営んでいます。一画ずつ、一煎ずつ、忍耐を教えます。",
            "Zhou Shan practica la escritura regular y la semicursiva desde hace treinta años y tiene un pequeño "
            "salón de té junto al Lago del Oeste. Enseña paciencia trazo a trazo, infusión a infusión.",
        ),
    ),
    I(
        "he-qing",
        ("He Qing", "何青", "何青（ホー・チン）", "He Qing"),
        (
            "Physician of traditional Chinese medicine and historian",
            "中医师、历史研究者",
            "中医師、歴史研究者",
            "Médica de medicina tradicional china e historiadora",
        ),
        (
            "He Qing practises in Chengdu and studies the history of medicine and daily life in imperial China. "
            "She is careful to separate tradition, evidence and advice.",
            "何青在成都行医，并研究中国古代医学史与日常生活史。她始终把传统、证据和建议分开讲清楚。",
            "何青は成都で診療し、中国古代の医学史と生活史を研究しています。伝統・エビデンス・助言をきちんと区別して語ります。",
            "He Qing ejerce en Chengdu y estudia la historia de la medicina y la vida cotidiana en la China imperial. "
            "Distingue con cuidado entre tradición, evidencia y consejo.",
        ),
    ),
]
