# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Personal finance and investing: the bank partner's shelf."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "your-first-budget",
        "budgeting-saving",
        "chen-wei",
        ("Your First Budget", "第一份预算", "はじめての家計予算", "Tu primer presupuesto"),
        (
            "Draw a money map of your month in one weekend",
            "用一个周末画出你每月的金钱地图",
            "週末ひとつで毎月のお金の地図を描く",
            "Dibuja el mapa de tu dinero del mes en un fin de semana",
        ),
        (
            "Find out where your money really goes and build a budget that survives a real month. "
            "You will set up three simple accounts and one weekly ten-minute check.",
            "弄清钱到底花在了哪里，做一份经得起真实月份考验的预算。你会建立三个简单账户和每周十分钟的检查习惯。",
            "お金が本当はどこへ消えているのかを知り、現実のひと月に耐える予算を作ります。3つのシンプルな口座と、毎週10分の見直し習慣をつくります。",
            "Descubre adónde va realmente tu dinero y crea un presupuesto que aguante un mes de verdad. "
            "Montarás tres cuentas sencillas y una revisión semanal de diez minutos.",
        ),
        format="video",
        level="beginner",
        language="zh-hans",
        tier=0,
        tags=("budgeting", "saving"),
    ),
    C(
        "emergency-fund-and-debt",
        "budgeting-saving",
        "chen-wei",
        (
            "Emergency Fund and Debt Plan",
            "应急金与还债计划",
            "緊急資金と借入返済プラン",
            "Fondo de emergencia y plan de deudas",
        ),
        (
            "Sleep better: a safety cushion first, then pay debts in the right order",
            "睡个安稳觉：先建安全垫，再按正确顺序还债",
            "安心して眠るために：まず備え、次に正しい順番で返済",
            "Duerme tranquilo: primero un colchón, luego las deudas en el orden correcto",
        ),
        (
            "Work out how big your emergency fund should be and where to keep it. "
            "Then compare the avalanche and snowball methods on your own debts and pick the one you will stick with.",
            "算清你的应急金该有多大、该放在哪里。再用你自己的债务比较雪崩法和雪球法，选出你能坚持的那一种。",
            "緊急資金はいくら必要で、どこに置くべきかを計算します。さらに自分の借入でアバランチ方式とスノーボール方式を比べ、続けられる方法を選びます。",
            "Calcula cuánto debe tener tu fondo de emergencia y dónde guardarlo. "
            "Después compara los métodos avalancha y bola de nieve con tus propias deudas y elige el que mantendrás.",
        ),
        level="beginner",
        language="zh-hans",
        tier=2,
        tags=("budgeting", "saving"),
    ),
    C(
        "index-funds-explained",
        "investing",
        "sofia-martinez",
        (
            "Index Funds Explained",
            "指数基金一讲就懂",
            "インデックスファンドのしくみ",
            "Fondos indexados explicados",
        ),
        (
            "Why low-cost funds beat most stock pickers, and how to choose one",
            "为什么低成本基金能跑赢多数选股者，以及如何挑选",
            "低コストの投資信託がなぜ多くの銘柄選びに勝るのか、そして選び方",
            "Por qué los fondos de bajo coste superan a casi todos los que eligen acciones, y cómo escoger uno",
        ),
        (
            "Understand what an index is, what fees do to your returns over twenty years and how to read a fund factsheet. "
            "By the end you can compare three real-looking funds in ten minutes.",
            "理解什么是指数、费用在二十年里会吃掉多少收益，以及如何读懂基金说明书。学完后，你能在十分钟内比较三只基金。",
            "指数とは何か、手数料が20年でリターンをどれだけ削るか、ファンドの概要書の読み方を理解します。最後には3本のファンドを10分で比較できるようになります。",
            "Entiende qué es un índice, cuánto se comen las comisiones en veinte años y cómo leer la ficha de un fondo. "
            "Al final podrás comparar tres fondos en diez minutos.",
        ),
        level="beginner",
        language="es",
        tier=3,
        tags=("investing",),
    ),
    C(
        "build-a-portfolio",
        "investing",
        "sofia-martinez",
        (
            "Build a Portfolio You Can Keep",
            "搭建拿得住的投资组合",
            "続けられるポートフォリオづくり",
            "Construye una cartera que puedas mantener",
        ),
        (
            "Asset allocation, rebalancing and the behaviour that matters most",
            "资产配置、再平衡，以及最重要的投资行为",
            "資産配分、リバランス、そして何より大切な投資行動",
            "Asignación de activos, rebalanceo y la conducta que más importa",
        ),
        (
            "Choose a mix of shares and bonds that matches your goals and your nerves. "
            "Learn a calm rebalancing routine and see, with historical crashes, why staying invested is the hard part.",
            "选择一个匹配你目标和承受力的股债比例。学会一套平静的再平衡流程，并通过历史上的大跌看清：坚持持有才是最难的部分。",
            "目標とリスク許容度に合った株式と債券の比率を選びます。落ち着いたリバランスの手順を学び、過去の暴落から「持ち続けること」の難しさを確かめます。",
            "Elige una mezcla de acciones y bonos acorde con tus metas y tus nervios. "
            "Aprende una rutina tranquila de rebalanceo y descubre, con caídas históricas, por qué lo difícil es seguir invertido.",
        ),
        level="intermediate",
        language="es",
        tier=5,
        tags=("investing", "retirement"),
    ),
    C(
        "retirement-planning-live",
        "personal-finance",
        "chen-wei",
        (
            "Retirement Planning in Your 30s and 40s",
            "三四十岁的养老规划",
            "30代・40代からの老後資金計画",
            "Planifica tu jubilación a los 30 y 40",
        ),
        (
            "A live workshop: your number, your timeline, your plan",
            "直播工作坊：你的目标金额、时间表和行动计划",
            "ライブ講座：目標額、タイムライン、行動プラン",
            "Taller en directo: tu cifra, tus plazos, tu plan",
        ),
        (
            "In small live groups we estimate what you will need, what pensions will cover and how much to save each month. "
            "Bring your questions; every session ends with a personal one-page plan.",
            "在小班直播中，我们一起估算你需要多少钱、养老金能覆盖多少、每月该存多少。带着问题来，每节课结束时你都会得到一页个人计划。",
            "少人数のライブで、必要額、年金でまかなえる額、毎月の積立額を一緒に見積もります。質問を持ってきてください。毎回、1枚の個人プランで締めくくります。",
            "En grupos pequeños y en directo calculamos cuánto necesitarás, qué cubrirá la pensión y cuánto ahorrar cada mes. "
            "Trae tus preguntas: cada sesión termina con un plan personal de una página.",
        ),
        format="live",
        level="intermediate",
        language="zh-hans",
        tier=5,
        tags=("retirement", "investing"),
    ),
    C(
        "money-talks-for-families",
        "personal-finance",
        "sofia-martinez",
        ("Money Talks for Families", "和家人聊钱", "家族でお金の話をしよう", "Hablar de dinero en familia"),
        (
            "An audio course for parents: pocket money, first accounts, shared goals",
            "写给父母的音频课：零花钱、第一个账户、共同目标",
            "親のための音声コース：おこづかい、最初の口座、家族の目標",
            "Curso en audio para madres y padres: paga, primera cuenta, metas comunes",
        ),
        (
            "Short episodes to listen to on the way to work, each with one conversation to try at dinner. "
            "Children learn about money from what they see; this course helps you show them something good.",
            "适合通勤路上听的短小单集，每集附一个可以在晚饭时尝试的话题。孩子从所见中学会用钱，这门课帮你给他们好的示范。",
            "通勤中に聴ける短いエピソード。毎回、夕食で試せる会話をひとつ紹介します。子どもは見たものからお金を学びます。よいお手本を見せるためのコースです。",
            "Episodios cortos para escuchar de camino al trabajo, cada uno con una conversación para probar en la cena. "
            "Los niños aprenden de dinero por lo que ven; este curso te ayuda a darles buen ejemplo.",
        ),
        format="audio",
        level="beginner",
        language="es",
        tier=1,
        tags=("family", "saving"),
    ),
    C(
        "bonds-and-interest-rates",
        "investing",
        "chen-wei",
        (
            "Bonds and Interest Rates, Plainly",
            "债券与利率，讲明白",
            "債券と金利をやさしく",
            "Bonos y tipos de interés, sin rodeos",
        ),
        (
            "An e-book on why rates move prices, and what that means for your savings",
            "一本电子书：利率为何影响价格，对你的储蓄又意味着什么",
            "金利が価格を動かす理由と、あなたの貯蓄への影響を解説する電子書籍",
            "Un libro electrónico sobre por qué los tipos mueven los precios y qué supone para tus ahorros",
        ),
        (
            "Follow one bond from the day it is issued to the day it is repaid, and watch its price react to the news. "
            "Each chapter ends with a short worked example you can redo with today's rates.",
            "跟着一张债券从发行走到兑付，看它的价格如何随新闻起落。每章末尾都有一道简短的例题，你可以用今天的利率再算一遍。",
            "1本の債券を発行日から償還日まで追いかけ、ニュースに反応する価格の動きを見ます。各章末には、今日の金利で計算し直せる短い例題があります。",
            "Sigue un bono desde el día de su emisión hasta su amortización y observa cómo su precio reacciona a las noticias. "
            "Cada capítulo termina con un ejemplo breve que puedes rehacer con los tipos de hoy.",
        ),
        format="ebook",
        level="intermediate",
        language="en",
        tier=2,
        tags=("investing",),
    ),
    C(
        "money-across-borders",
        "personal-finance",
        "sofia-martinez",
        ("Money Across Borders", "跨境生活的理财", "国境を越えるお金の管理", "Dinero sin fronteras"),
        (
            "Currencies, transfers and taxes when you live, study or work abroad",
            "在海外生活、学习或工作时的货币、汇款与税务",
            "海外で暮らす・学ぶ・働くときの通貨、送金、税金",
            "Divisas, transferencias e impuestos si vives, estudias o trabajas fuera",
        ),
        (
            "Compare the real cost of sending money home, protect savings from currency swings and keep records tax offices accept. "
            "Case studies follow a student in Madrid, a nurse in Singapore and an engineer in Osaka.",
            "比较汇款回家的真实成本，让储蓄少受汇率波动影响，并保存税务机关认可的记录。案例分别跟随马德里的留学生、新加坡的护士和大阪的工程师。",
            "本国への送金の本当のコストを比べ、為替変動から貯蓄を守り、税務署に通じる記録を残します。マドリードの留学生、シンガポールの看護師、大阪のエンジニアの事例で学びます。",
            "Compara el coste real de enviar dinero a casa, protege tus ahorros de los vaivenes de la divisa y guarda registros válidos para Hacienda. "
            "Los casos siguen a una estudiante en Madrid, un enfermero en Singapur y una ingeniera en Osaka.",
        ),
        level="intermediate",
        language="en",
        tier=3,
        tags=("budgeting", "travel"),
    ),
]
