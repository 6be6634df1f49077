"""History is never skipped silently: writes outside a revision, and bulk writes that simple-history would
not record, are refused."""

import ast
from pathlib import Path

import pytest
from django.apps import apps

from briefs import services
from briefs.actors import SYSTEM
from briefs.history import RevisionRequired, UntrackedWrite
from briefs.models import Brief, Entity, Section, TaggedEntity

pytestmark = pytest.mark.django_db

PLUGIN = Path(__file__).resolve().parents[1] / "briefs"
# The only module allowed to call bulk writes on tracked models: it writes the history rows itself.
ALLOWED = {PLUGIN / "history.py"}
# Models without history (derived data such as stored renditions) may be written in bulk.
UNTRACKED = {
    model.__name__
    for model in apps.get_app_config("briefs").get_models()
    if not hasattr(model, "history") and not model.__name__.startswith("Historical")
}


def test_saving_a_tracked_model_outside_a_revision_is_refused(published_brief):
    section = published_brief.sections.first()
    section.body = "Sneaky edit"
    with pytest.raises(RevisionRequired, match=r"briefs\.services"):
        section.save()
    section.refresh_from_db()
    assert section.body != "Sneaky edit"


@pytest.mark.parametrize("model", [Brief, Section, Entity, TaggedEntity])
def test_queryset_update_on_a_tracked_model_is_refused(published_brief, model):
    with pytest.raises(UntrackedWrite, match="writes no history"):
        model.objects.all().update(pk=1)


def test_bulk_create_and_bulk_update_are_refused(published_brief):
    with pytest.raises(UntrackedWrite):
        Entity.objects.bulk_create([Entity(name="X", slug="x", kind="person")])
    sections = list(Section.objects.all())
    with pytest.raises(UntrackedWrite):
        Section.objects.bulk_update(sections, ["heading"])
    assert not Entity.objects.filter(slug="x").exists()


def test_deleting_through_the_services_records_history(published_brief):
    section = published_brief.sections.get(heading="First")
    pk = section.pk
    services.delete_section(section, note="Pašalinta", actor=SYSTEM)
    assert Section.history.filter(id=pk, history_type="-").count() == 1


class BulkCallFinder(ast.NodeVisitor):
    def __init__(self):
        self.calls = []

    def visit_Call(self, node):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in {"update", "bulk_create", "bulk_update"}:
            target = func.value
            # Flags Model.objects...update(...) and queryset chains, not dict.update().
            text = ast.unparse(target)
            if text.split(".")[0] in UNTRACKED:
                pass
            elif ".objects" in text or text.endswith(("_set", ".sections", ".tagged_entities", ".revisions")):
                self.calls.append((node.lineno, ast.unparse(node)[:80]))
        self.generic_visit(node)


def test_plugin_code_makes_no_bulk_writes_outside_the_history_helpers():
    offenders = []
    for path in PLUGIN.rglob("*.py"):
        if path in ALLOWED or "migrations" in path.parts:
            continue
        finder = BulkCallFinder()
        finder.visit(ast.parse(path.read_text(encoding="utf-8")))
        offenders += [f"{path.relative_to(PLUGIN)}:{line}: {code}" for line, code in finder.calls]
    assert offenders == []


def test_the_scan_would_catch_a_bulk_update():
    finder = BulkCallFinder()
    finder.visit(ast.parse("Section.objects.filter(pk=1).update(hidden=True)\nvalues.update(x=1)\n"))
    assert [line for line, _ in finder.calls] == [1]
