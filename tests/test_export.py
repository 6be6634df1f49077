"""Exporting briefs: Markdown that the importer reads back, plain JSON and IPTC ninjs."""

import json
from io import StringIO

import jsonschema
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from briefs import services
from briefs.actors import SYSTEM
from briefs.exporting import brief_to_json, brief_to_markdown, normalize_body, sections_to_markdown
from briefs.importing import ParsedSection, parse_text
from briefs.models import Brief
from tests.conftest import NINJS_SCHEMA


def export(*args):
    out = StringIO()
    call_command("export_brief", *args, stdout=out)
    return out.getvalue()


def contents(brief):
    return [
        (s.heading, s.body, sorted(t.tag.slug for t in s.tagged_entities.all()))
        for s in brief.sections.order_by("position").prefetch_related("tagged_entities__tag")
    ]


@pytest.mark.django_db
def test_markdown_export_is_title_then_sections(published_brief):
    assert export("bandomoji") == (
        "# Bandomoji santrauka\n\nLead paragraph.\n\n## First\n\nFirst body.\n\n## Second\n\nSecond body.\n"
    )
    assert export("bandomoji", "--format", "markdown") == brief_to_markdown(published_brief)


@pytest.mark.django_db
def test_seed_markdown_round_trips_through_the_importer(seed, tmp_path):
    path = tmp_path / "seed.md"
    assert export(seed.slug, "--output", str(path)) == (f"Wrote markdown of “{seed.slug}” to {path}.\n")
    out = StringIO()
    call_command("import_brief", str(path), "--slug", "kopija", stdout=out)
    copy = Brief.objects.get(slug="kopija")
    assert copy.title == seed.title
    assert contents(copy) == contents(seed)
    assert copy.revisions.get().note == "Imported from seed.md"


@pytest.mark.django_db
def test_markdown_that_looks_like_headings_inside_a_body_survives(tmp_path):
    tricky = [
        services.SectionInput("", "## ne antraštė\n\\# irgi ne\n\n* punktas\n* kitas\n\n#"),
        services.SectionInput("", "Skyrius be antraštės, ne pirmas."),
        services.SectionInput("Antraštė", ""),
        services.SectionInput("# Grotelės", "Tekstas  \nsu lūžiu\n\n\n\nir tarpais."),
    ]
    brief = services.create_brief(title="Keista", slug="keista", sections=tricky, actor=SYSTEM)
    parsed = parse_text(brief_to_markdown(brief))
    assert parsed.title == "Keista"
    assert [(s.heading, s.body) for s in parsed.sections] == [(s.heading, s.body) for s in tricky]


single_line = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=30)
body = st.lists(
    st.one_of(single_line, st.sampled_from(["", "## x", "\\#", "#", "##", "# Title", "   "])), max_size=6
).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(
    title=single_line.filter(lambda t: t.split()),
    sections=st.lists(st.tuples(single_line, body), min_size=1, max_size=5),
)
def test_markdown_export_round_trips_for_any_sections(title, sections):
    sections = [ParsedSection(" ".join(h.split()), normalize_body(b)) for h, b in sections]
    # An empty lead has nothing to write down; every other section has its "##" line.
    assume(sections[0].heading or sections[0].body)
    parsed = parse_text(sections_to_markdown(title, sections))
    assert parsed.format == "markdown"
    assert parsed.title == " ".join(title.split())
    assert list(parsed.sections) == sections


@pytest.mark.django_db
def test_json_export(published_brief, django_assert_num_queries):
    with django_assert_num_queries(2):
        data = brief_to_json(published_brief)
    assert data == {
        "title": "Bandomoji santrauka",
        "slug": "bandomoji",
        "dek": "Trumpai.",
        "language": "lt",
        "status": "published",
        "first_published_at": published_brief.first_published_at.isoformat(),
        "last_material_update_at": published_brief.last_material_update_at.isoformat(),
        "sections": [
            {
                "position": 0,
                "heading": "",
                "body": "Lead paragraph.",
                "hidden": False,
                "entities": [
                    {
                        "name": "Vladimiras Putinas",
                        "slug": "vladimiras-putinas",
                        "kind": "person",
                        "wikidata_id": "",
                    }
                ],
            },
            {
                "position": 1,
                "heading": "First",
                "body": "First body.",
                "hidden": False,
                "entities": [
                    {"name": "Rusija", "slug": "rusija", "kind": "country", "wikidata_id": ""},
                    {
                        "name": "Vladimiras Putinas",
                        "slug": "vladimiras-putinas",
                        "kind": "person",
                        "wikidata_id": "",
                    },
                ],
            },
            {"position": 2, "heading": "Second", "body": "Second body.", "hidden": False, "entities": []},
        ],
    }
    assert json.loads(export("bandomoji", "--format", "json")) == data


@pytest.mark.django_db
def test_ninjs_export_is_valid_ninjs_3_1(seed, tmp_path):
    schema = json.loads(NINJS_SCHEMA.read_text(encoding="utf-8"))
    path = tmp_path / "seed.json"
    export(seed.slug, "--format", "ninjs", "--output", str(path))
    item = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.validate(item, schema, cls=jsonschema.Draft202012Validator)
    assert item["headlines"][0]["value"] == seed.title
    assert item["language"] == "lt"
    assert "Choe Son Hui" in item["bodies"][0]["value"]


@pytest.mark.django_db
def test_export_errors(published_brief, tmp_path):
    with pytest.raises(CommandError, match="No brief with the slug “nera”"):
        export("nera")
    missing = tmp_path / "no-such-folder" / "out.md"
    with pytest.raises(CommandError, match="Cannot write"):
        export("bandomoji", "--output", str(missing))
    assert not missing.parent.exists()
    with pytest.raises(CommandError, match="invalid choice"):
        export("bandomoji", "--format", "docx")
