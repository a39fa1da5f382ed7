"""The floors of ARCHITECTURE.md where imports cannot show them. ``lint-imports`` (run by
``make test``, contract in ``.importlinter``) checks the import lines; this test checks the
other ways one app reaches another: foreign keys (often written as ``"app.Model"`` strings)
and ``apps.get_model("app", ...)`` calls. An app may reach only its own floor's itself and
the floors below; siblings on one floor never reach each other."""

import configparser
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
GET_MODEL = re.compile(r"""get_model\(\s*["']([a-z_]+)["']""")


def _floors() -> dict[str, int]:
    """App -> floor number (0 = top), read from the import-linter contract: one source."""
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    layers = config["importlinter:contract:floors"]["layers"].split("\n")
    floors = {}
    for number, line in enumerate(layer for layer in layers if layer.strip()):
        for app in re.split(r"[|:]", line):
            floors[app.strip()] = number
    return floors


FLOORS = _floors()


def _allowed(source: str, target: str) -> bool:
    if source == target or target not in FLOORS or source not in FLOORS:
        return True
    return FLOORS[target] > FLOORS[source]


def test_the_contract_names_every_app_of_ours():
    ours = {config.label for config in apps.get_app_configs() if (ROOT / config.label).is_dir()}
    assert ours - set(FLOORS) == set()


def test_foreign_keys_point_only_down_the_floors():
    wrong = [
        f"{model._meta.label}.{field.name} -> {field.related_model._meta.label}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if field.is_relation
        and field.concrete
        and field.related_model is not None
        and not _allowed(model._meta.app_label, field.related_model._meta.app_label)
    ]
    assert wrong == []


def test_get_model_strings_point_only_down_the_floors():
    wrong = []
    for app in FLOORS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for target in GET_MODEL.findall(path.read_text(encoding="utf-8")):
                if not _allowed(app, target):
                    wrong.append(f"{path.relative_to(ROOT)} -> {target}")
    assert wrong == []


def test_the_floor_check_itself_refuses_a_sibling_and_an_upward_reach():
    # guards the test above: it would pass vacuously if the floors were read wrong
    assert not _allowed("partners", "courses")
    assert not _allowed("campaigns", "commerce")
    assert not _allowed("core", "accounts")
    assert _allowed("analytics", "commerce")
    assert _allowed("portal", "recommender")
