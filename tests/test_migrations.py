"""Migrations: one initial set per app, applied in file order, and no live code inside them."""

import ast
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader

APPS = ("photos", "articles")


def test_each_apps_migrations_apply_in_file_order_on_an_empty_database():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    plan = [node for leaf in sorted(graph.leaf_nodes()) for node in graph.forwards_plan(leaf)]
    for app in APPS:
        applied = list(dict.fromkeys(name for label, name in plan if label == app))
        files = sorted(p.stem for p in (Path(settings.BASE_DIR) / app / "migrations").glob("0*.py"))
        assert applied == files, app


def test_migrations_import_no_project_code_that_could_change_under_them():
    for app in APPS:
        for path in (Path(settings.BASE_DIR) / app / "migrations").glob("0*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                modules = (
                    [node.module or ""]
                    if isinstance(node, ast.ImportFrom)
                    else [a.name for a in node.names]
                    if isinstance(node, ast.Import)
                    else []
                )
                for module in modules:
                    assert module.split(".")[0] not in {*APPS, "newsroom"} or (
                        # A field's validator is referenced by its import path; Django's
                        # own migration writer does this, and the function is kept stable.
                        module == "articles.models" and path.name == "0001_initial.py"
                    ), f"{path} imports {module}"


def test_a_fresh_database_has_the_writer_and_editor_groups_with_photo_permissions(db):
    from django.contrib.auth.models import Group

    editor = Group.objects.get(name="Editor").permissions.values_list(
        "content_type__app_label", "codename"
    )
    writer = Group.objects.get(name="Writer").permissions.values_list(
        "content_type__app_label", "codename"
    )
    assert ("photos", "change_image") in set(editor)
    assert ("photos", "add_image") in set(writer) and ("photos", "change_image") not in set(writer)
