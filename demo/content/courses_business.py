# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Business and careers."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "first-time-manager",
        "business-careers",
        "oliver-schmidt",
        ("The First-Time Manager", "新任管理者", "はじめてのマネージャー", "Tu primer puesto de mando"),
        (
            "One-to-ones, feedback and delegation in your first ninety days",
            "上任九十天：一对一沟通、反馈与授权",
            "最初の 90 日：1on1、フィードバック、任せ方",
            "Reuniones individuales, feedback y delegación en tus primeros noventa días",
        ),
        (
            "Move from doing the work to helping others do it, without losing your team's trust. "
            "Practical scripts for the conversations new managers put off.",
            "从自己做事转向帮助别人做事，同时不失去团队的信任。为新任管理者总在拖延的那些谈话，提供可直接使用的话术。",
            "自分で仕事をする人から、他の人の仕事を支える人へ。チームの信頼を失わずに移行します。新任マネージャーが先延ばしにしがちな会話のための実用的な台本つき。",
            "Pasa de hacer el trabajo a ayudar a otros a hacerlo sin perder la confianza del equipo. "
            "Guiones prácticos para las conversaciones que los nuevos mandos suelen aplazar.",
        ),
        level="beginner",
        language="en",
        tier=4,
        tags=("leadership", "communication"),
    ),
    C(
        "presenting-with-confidence",
        "business-careers",
        "oliver-schmidt",
        (
            "Presenting with Confidence",
            "自信地做演讲",
            "自信をもって話すプレゼン術",
            "Presenta con seguridad",
        ),
        (
            "Structure, slides and voice for talks people remember",
            "结构、幻灯片与声音，做让人记得住的演讲",
            "記憶に残る話のための構成、スライド、声",
            "Estructura, diapositivas y voz para charlas que se recuerdan",
        ),
        (
            "Start with one clear message, build a story around it and cut every slide that does not serve it. "
            "Record yourself in three short exercises and watch your nerves turn into energy.",
            "从一个清晰的核心信息出发，围绕它讲故事，删掉每一张与之无关的幻灯片。通过三个简短练习录下自己，看紧张如何变成能量。",
            "ひとつの明確なメッセージから始め、その周りに物語を組み立て、役に立たないスライドはすべて削ります。3 つの短い練習で自分を録画し、緊張がエネルギーに変わるのを体感します。",
            "Empieza por un mensaje claro, construye una historia a su alrededor y elimina cada diapositiva que no lo sirva. "
            "Grábate en tres ejercicios breves y verás cómo los nervios se convierten en energía.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("communication",),
    ),
    C(
        "negotiation-workshop-live",
        "business-careers",
        "oliver-schmidt",
        ("Negotiation Workshop", "谈判工作坊", "交渉ワークショップ", "Taller de negociación"),
        (
            "Live role-plays for salaries, suppliers and partners",
            "直播角色扮演：薪资、供应商与合作伙伴谈判",
            "給与、仕入先、提携先との交渉をライブで実践",
            "Simulaciones en directo de salarios, proveedores y socios",
        ),
        (
            "Prepare your walk-away point, listen for interests behind positions and practise in live role-plays with other learners. "
            "Every session ends with a debrief of what worked.",
            "确定你的底线，倾听立场背后的真实利益，并与其他学员在直播中进行角色扮演。每节课都以复盘什么方法有效结束。",
            "交渉決裂のラインを準備し、立場の裏にある利害に耳を傾け、他の受講者とライブのロールプレイで練習します。毎回、何がうまくいったかの振り返りで締めくくります。",
            "Prepara tu punto de retirada, escucha los intereses que hay detrás de cada postura y practica con otros estudiantes en simulaciones en directo. "
            "Cada sesión termina con un análisis de lo que funcionó.",
        ),
        format="live",
        level="intermediate",
        language="en",
        tier=5,
        tags=("communication", "leadership"),
    ),
    C(
        "small-business-finance",
        "business-careers",
        "chen-wei",
        (
            "Finance for Small Business Owners",
            "小老板的财务课",
            "小さな会社のためのお金の基本",
            "Finanzas para pequeños negocios",
        ),
        (
            "Cash flow, pricing and the three reports you should read every month",
            "现金流、定价，以及每月都该看的三张报表",
            "キャッシュフロー、価格設定、毎月読むべき 3 つの表",
            "Flujo de caja, precios y los tres informes que deberías leer cada mes",
        ),
        (
            "Many profitable shops close because they run out of cash. "
            "Learn to forecast cash, price for margin and talk to your bank with numbers they trust.",
            "很多赚钱的小店倒闭，是因为现金断了。学会预测现金流、按毛利定价，并用银行信得过的数字和银行沟通。",
            "黒字の店でも、現金が尽きて閉店することは少なくありません。資金繰りの予測、利益を確保する価格設定、銀行に信頼される数字での交渉を学びます。",
            "Muchas tiendas rentables cierran porque se quedan sin liquidez. "
            "Aprende a prever la caja, a fijar precios con margen y a hablar con tu banco con cifras que le inspiren confianza.",
        ),
        level="intermediate",
        language="zh-hans",
        tier=4,
        tags=("entrepreneurship", "budgeting"),
    ),
    C(
        "marketing-for-small-brands",
        "business-careers",
        "sofia-martinez",
        (
            "Marketing for Small Brands",
            "小品牌的营销",
            "小さなブランドのマーケティング",
            "Marketing para marcas pequeñas",
        ),
        (
            "Find your customers, say one thing well and measure what works",
            "找到你的顾客，把一件事说好，衡量什么有效",
            "顧客を見つけ、ひとつのことをうまく伝え、効果を測る",
            "Encuentra a tus clientes, di una cosa bien y mide lo que funciona",
        ),
        (
            "Define who you serve, write a clear offer and test it cheaply with small campaigns and partner brands. "
            "Simple metrics show which channels deserve more of your budget.",
            "明确你服务的人群，写出清晰的卖点，并通过小型活动和异业合作低成本地测试。简单的指标能告诉你哪些渠道值得投入更多预算。",
            "誰のためのブランドかを定め、明快な提案を書き、小さなキャンペーンや異業種の提携で安く試します。シンプルな指標で、予算をかけるべきチャネルがわかります。",
            "Define a quién sirves, redacta una oferta clara y pruébala barato con pequeñas campañas y marcas socias. "
            "Métricas sencillas te dirán qué canales merecen más presupuesto.",
        ),
        level="beginner",
        language="es",
        tier=3,
        tags=("marketing", "entrepreneurship"),
    ),
    C(
        "career-change-playbook",
        "business-careers",
        "oliver-schmidt",
        (
            "The Career Change Playbook",
            "转行行动手册",
            "キャリアチェンジの手引き",
            "Manual para cambiar de profesión",
        ),
        (
            "An audio course on testing a new field before you leap",
            "音频课：纵身一跃之前，先试水新领域",
            "飛び込む前に新しい分野を試すための音声コース",
            "Un curso en audio para probar un nuevo campo antes de saltar",
        ),
        (
            "Interviews with people who moved from banking to design, from nursing to software and from teaching to travel. "
            "Each episode ends with one small experiment you can run this week.",
            "访谈那些从银行转到设计、从护理转到软件、从教书转到旅行行业的人。每集结尾都有一个本周就能做的小实验。",
            "銀行からデザインへ、看護からソフトウェアへ、教職から旅行業へ。転身した人たちへのインタビューです。各回の最後に、今週試せる小さな実験を紹介します。",
            "Entrevistas con personas que pasaron de la banca al diseño, de la enfermería al software y de la docencia al turismo. "
            "Cada episodio termina con un pequeño experimento que puedes hacer esta semana.",
        ),
        format="audio",
        level="beginner",
        language="en",
        tier=1,
        tags=("leadership", "communication"),
    ),
    C(
        "working-across-cultures",
        "business-careers",
        "oliver-schmidt",
        ("Working Across Cultures", "跨文化协作", "異文化のなかで働く", "Trabajar entre culturas"),
        (
            "An e-book for teams spread over time zones and traditions",
            "一本写给跨时区、跨传统团队的电子书",
            "時差と文化をまたぐチームのための電子書籍",
            "Un libro electrónico para equipos repartidos entre husos horarios y tradiciones",
        ),
        (
            "Why a yes in one office is a maybe in another, and how to run decisions, feedback and deadlines across cultures. "
            "Short cases from Chinese, Japanese, Spanish, German and American teams.",
            "为什么在一个办公室里的“好”，到了另一个办公室就成了“也许”；以及如何跨文化地做决策、给反馈、定截止日期。附中国、日本、西班牙、德国和美国团队的简短案例。",
            "ある職場の「はい」が別の職場では「たぶん」になる理由、そして文化をまたいだ意思決定、フィードバック、締め切りの運び方。中国、日本、スペイン、ドイツ、アメリカのチームの短い事例つき。",
            "Por qué un sí en una oficina es un quizá en otra, y cómo llevar decisiones, feedback y plazos entre culturas. "
            "Casos breves de equipos chinos, japoneses, españoles, alemanes y estadounidenses.",
        ),
        format="ebook",
        level="intermediate",
        language="en",
        tier=2,
        tags=("communication", "culture"),
    ),
]
