# ruff: noqa: E501 -- translated prose reads better unbroken than split mid-sentence
"""Technology and AI."""

from .base import CourseSpec

C = CourseSpec

COURSES: list[CourseSpec] = [
    C(
        "python-from-zero",
        "programming",
        "emily-carter",
        ("Python from Zero", "零基础学 Python", "ゼロからの Python", "Python desde cero"),
        (
            "Write your first useful programs, one small step at a time",
            "一小步一小步，写出你的第一批实用程序",
            "小さな一歩ずつ、役に立つ最初のプログラムを書く",
            "Escribe tus primeros programas útiles, paso a paso",
        ),
        (
            "Variables, loops, functions and files, taught through small tools you will actually use. "
            "By the end you can automate a boring task from your own job.",
            "变量、循环、函数与文件，通过你真正会用到的小工具来学习。学完后，你能把工作中一项枯燥的任务自动化。",
            "変数、ループ、関数、ファイルを、実際に使う小さなツールを作りながら学びます。最後には自分の仕事の退屈な作業を自動化できます。",
            "Variables, bucles, funciones y archivos, a través de pequeñas herramientas que usarás de verdad. "
            "Al final podrás automatizar una tarea aburrida de tu propio trabajo.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("python",),
    ),
    C(
        "web-apps-with-django",
        "programming",
        "emily-carter",
        (
            "Web Apps with Django",
            "用 Django 开发网页应用",
            "Django で作る Web アプリ",
            "Aplicaciones web con Django",
        ),
        (
            "Models, views, templates and tests for a real small product",
            "为一个真实的小产品编写模型、视图、模板与测试",
            "小さな実プロダクトのモデル、ビュー、テンプレート、テスト",
            "Modelos, vistas, plantillas y pruebas para un producto pequeño y real",
        ),
        (
            "Build a booking site step by step, with accounts, forms, an admin and an API. "
            "You will also write tests and deploy it, because software nobody can run is not finished.",
            "一步步搭建一个预约网站，包含账户、表单、后台和 API。你还会编写测试并完成部署，因为没人能运行的软件不算完成。",
            "アカウント、フォーム、管理画面、API を備えた予約サイトを一歩ずつ作ります。テストを書き、デプロイまで行います。誰も動かせないソフトウェアは未完成だからです。",
            "Construye paso a paso una web de reservas con cuentas, formularios, panel de administración y API. "
            "También escribirás pruebas y la desplegarás, porque un software que nadie puede ejecutar no está terminado.",
        ),
        level="intermediate",
        language="en",
        tier=5,
        tags=("python", "web"),
    ),
    C(
        "ai-for-everyone",
        "data-ai",
        "li-ming",
        ("AI for Everyone", "人人都能懂的 AI", "みんなの AI 入門", "IA para todos"),
        (
            "What artificial intelligence can and cannot do, without maths",
            "不讲数学，说清人工智能能做什么、不能做什么",
            "数学なしでわかる、AI にできること・できないこと",
            "Qué puede y qué no puede hacer la inteligencia artificial, sin matemáticas",
        ),
        (
            "See how a model learns from examples, why it sometimes fails and how to judge AI claims in the news. "
            "A free course for anyone who works next to AI, which is now most of us.",
            "看模型如何从例子中学习、为什么有时会出错，以及如何判断新闻里关于 AI 的说法。一门免费课程，献给每一个与 AI 共事的人，也就是如今的大多数人。",
            "モデルが例から学ぶしくみ、ときに失敗する理由、ニュースの AI 情報の見極め方を学びます。AI と一緒に働くすべての人、つまり今やほとんどの人のための無料コースです。",
            "Descubre cómo aprende un modelo a partir de ejemplos, por qué a veces falla y cómo juzgar lo que dicen las noticias sobre IA. "
            "Un curso gratuito para quien trabaja junto a la IA, es decir, casi todos.",
        ),
        level="beginner",
        language="zh-hans",
        tier=0,
        tags=("ai",),
    ),
    C(
        "machine-learning-foundations",
        "data-ai",
        "li-ming",
        (
            "Machine Learning Foundations",
            "机器学习基础",
            "機械学習の基礎",
            "Fundamentos de aprendizaje automático",
        ),
        (
            "Regression, classification and honest evaluation in Python",
            "用 Python 学回归、分类与诚实的模型评估",
            "Python で学ぶ回帰、分類、そして誠実な評価",
            "Regresión, clasificación y evaluación honesta en Python",
        ),
        (
            "Train your first models on real-world-sized data and learn why a held-out test set matters more than a clever algorithm. "
            "Every lesson ships a small notebook.",
            "在接近真实规模的数据上训练你的第一批模型，理解为什么留出测试集比巧妙的算法更重要。每节课都附带一个小笔记本。",
            "実務サイズのデータで最初のモデルを学習させ、巧妙なアルゴリズムよりホールドアウトのテストデータが大切な理由を学びます。各レッスンに小さなノートブックつき。",
            "Entrena tus primeros modelos con datos de tamaño real y entiende por qué un conjunto de prueba apartado importa más que un algoritmo ingenioso. "
            "Cada lección incluye un pequeño cuaderno.",
        ),
        level="intermediate",
        language="zh-hans",
        tier=5,
        tags=("ai", "python", "data"),
    ),
    C(
        "build-a-recommender",
        "data-ai",
        "li-ming",
        (
            "Build a Recommender System",
            "动手做推荐系统",
            "レコメンドシステムを作る",
            "Construye un sistema de recomendación",
        ),
        (
            "From popularity to matrix factorisation, with offline evaluation",
            "从热门榜到矩阵分解，附离线评估",
            "人気順から行列分解まで、オフライン評価つき",
            "De la popularidad a la factorización de matrices, con evaluación offline",
        ),
        (
            "Implement four recommenders on a public ratings dataset and compare them with precision, recall and NDCG. "
            "Then deal with cold starts, diversity and the difference between a good metric and a good product.",
            "在公开评分数据集上实现四种推荐算法，并用精确率、召回率和 NDCG 进行比较。然后处理冷启动、多样性，以及好指标与好产品之间的差别。",
            "公開評価データで 4 つのレコメンダーを実装し、適合率、再現率、NDCG で比較します。さらにコールドスタート、多様性、よい指標とよいプロダクトの違いに取り組みます。",
            "Implementa cuatro recomendadores con un conjunto público de valoraciones y compáralos con precisión, exhaustividad y NDCG. "
            "Después aborda el arranque en frío, la diversidad y la diferencia entre una buena métrica y un buen producto.",
        ),
        level="advanced",
        language="en",
        tier=6,
        tags=("ai", "python", "data"),
    ),
    C(
        "data-analysis-for-beginners",
        "data-ai",
        "emily-carter",
        (
            "Data Analysis for Beginners",
            "数据分析入门",
            "はじめてのデータ分析",
            "Análisis de datos para principiantes",
        ),
        (
            "Questions, tables and charts that tell the truth",
            "提出好问题，做出讲真话的表格和图表",
            "よい問い、正直な表とグラフ",
            "Preguntas, tablas y gráficos que dicen la verdad",
        ),
        (
            "Start in a spreadsheet, move to Python when it gets tedious and learn to clean messy data on the way. "
            "You will finish with a short report that a manager can read in five minutes.",
            "从电子表格开始，当操作变得繁琐时转向 Python，并在过程中学会清洗杂乱数据。最后完成一份经理五分钟就能读完的简短报告。",
            "スプレッドシートから始め、面倒になったら Python へ。その過程で汚れたデータの整え方を学びます。最後に、上司が 5 分で読める短いレポートを仕上げます。",
            "Empieza con una hoja de cálculo, pasa a Python cuando se vuelva tedioso y aprende por el camino a limpiar datos desordenados. "
            "Terminarás con un informe breve que un responsable puede leer en cinco minutos.",
        ),
        level="beginner",
        language="en",
        tier=3,
        tags=("data", "python"),
    ),
    C(
        "ai-tools-at-work-live",
        "data-ai",
        "li-ming",
        ("AI Tools at Work", "职场 AI 工具实战", "仕事で使う AI ツール", "Herramientas de IA en el trabajo"),
        (
            "Live workshops on writing, analysis and automation with AI assistants",
            "直播工作坊：用 AI 助手写作、分析与自动化",
            "ライブ・ワークショップ：AI アシスタントで文章・分析・自動化",
            "Talleres en directo de redacción, análisis y automatización con asistentes de IA",
        ),
        (
            "Bring a real task from your job and improve it with AI assistants during the session, with checks for accuracy and privacy. "
            "Seats are limited so every participant gets feedback.",
            "带上你工作中的一项真实任务，在直播中借助 AI 助手改进它，同时检查准确性与隐私。名额有限，保证每位学员都能得到反馈。",
            "仕事の実際のタスクを持ち込み、正確さとプライバシーを確認しながら、その場で AI アシスタントを使って改善します。定員制なので、全員がフィードバックを受けられます。",
            "Trae una tarea real de tu trabajo y mejórala con asistentes de IA durante la sesión, comprobando exactitud y privacidad. "
            "Las plazas son limitadas para que todos reciban comentarios.",
        ),
        format="live",
        level="beginner",
        language="zh-hans",
        tier=4,
        tags=("ai",),
    ),
    C(
        "language-models-explained",
        "data-ai",
        "li-ming",
        (
            "Large Language Models, Explained",
            "大语言模型详解",
            "大規模言語モデルのしくみ",
            "Los grandes modelos de lenguaje, explicados",
        ),
        (
            "An e-book on tokens, training and why models sound sure when they are wrong",
            "一本电子书：词元、训练，以及模型为什么错了还说得很肯定",
            "トークン、学習、そしてモデルが間違っていても自信ありげな理由を解説する電子書籍",
            "Un libro electrónico sobre tokens, entrenamiento y por qué los modelos suenan seguros cuando se equivocan",
        ),
        (
            "A clear path from next-word prediction to chat assistants, with diagrams instead of equations. "
            "The last chapters cover evaluation, bias and using models safely in a company.",
            "从“预测下一个词”一路讲到聊天助手，用图示代替公式。最后几章讨论评估、偏见，以及如何在公司中安全地使用模型。",
            "次の単語の予測からチャットアシスタントまで、数式ではなく図で明快にたどります。最後の章では評価、バイアス、企業での安全な使い方を扱います。",
            "Un camino claro desde la predicción de la siguiente palabra hasta los asistentes de chat, con diagramas en lugar de ecuaciones. "
            "Los últimos capítulos tratan la evaluación, los sesgos y el uso seguro en una empresa.",
        ),
        format="ebook",
        level="intermediate",
        language="en",
        tier=2,
        tags=("ai",),
    ),
]
