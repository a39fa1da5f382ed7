"""The ordered steps of ``seed_demo``.

Each step is a module with one function::

    def run(*, rng: random.Random, options: dict, stdout) -> None

- ``rng`` is the step's own ``random.Random``, seeded from ``--seed`` and the step's name, so
  adding or changing one step never shifts the random choices of another. Never use the
  global ``random`` functions.
- ``options`` holds the command's options: ``learners``, ``courses``, ``interactions``,
  ``seed``, ``history_days``, ``history_scale`` and ``verbosity``.
- ``stdout`` is the command's output; a step prints only what a person needs (for example
  ``API key for <slug>: <key>``). The command prints the counts and the demo accounts at the end.

A step must be idempotent: a rerun with the same options leaves the database as it was (match
rows on slugs, usernames or natural keys with ``demo.upsert.upsert``, ``get_or_create`` or
``bulk_create(ignore_conflicts=True)``). Steps talk to each other only through the database:
look up what an earlier step made by slug or username. Each step runs in its own transaction.

To add a step (partners, campaigns, commerce...), write ``demo/steps/<name>.py`` with ``run``
and append ``("<name>", "demo.steps.<name>")`` to ``STEPS`` after the steps it depends on.
"""

STEPS: list[tuple[str, str]] = [
    ("catalog", "demo.steps.catalog"),
    ("learners", "demo.steps.learners"),
    ("interactions", "demo.steps.interactions"),
    ("partners", "demo.steps.partners"),
    ("campaigns", "demo.steps.campaigns"),
    ("media", "demo.steps.media"),
    ("history", "demo.steps.history"),
    ("statements", "demo.steps.statements"),
    ("referrals", "demo.steps.referrals"),
    ("plans", "demo.steps.plans"),
]
