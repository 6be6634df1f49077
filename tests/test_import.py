"""Importing plain-text briefs: heading detection, validation, the import_brief command."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.utils.translation import gettext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefs.importing import BriefImportError, decode, is_heading, parse_bytes, parse_text, plan_import
from briefs.management.commands.import_brief import Command as ImportCommand
from briefs.models import Brief, BriefStatus, Entity, Revision, Section, TaggedEntity
from briefs.text import escape_markdown
from tests.conftest import SEED_TEXT

SEED_TITLE = "Kas žinoma apie Rusijos ir Šiaurės Korėjos santykius"


@pytest.fixture
def seed_file():
    return SEED_TEXT


def run(*args):
    out = StringIO()
    call_command("import_brief", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def snapshot():
    """Row counts of everything an import could write, history included."""
    models = [Brief, Section, TaggedEntity, Entity]
    counts = {m.__name__: m._default_manager.count() for m in models}
    counts.update({f"history of {m.__name__}": m.history.model.objects.count() for m in models})
    counts["Revision"] = Revision.objects.count()
    return counts


# Parsing --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "previous", "following", "expected"),
    [
        ("Kariniai ryšiai", "Paragrafas baigtas.", "Tekstas.", True),
        ("„Brangiausias bendražygis“", "Baigta „citata“.", "Tekstas.", True),
        ("Kariniai ryšiai", None, "Tekstas.", True),
        ("2024 metų įvykiai", "Baigta.", "Tekstas.", True),
        ("Štai kas žinoma.", "Baigta.", "Tekstas.", False),
        ("Ar tai karas?", "Baigta.", "Tekstas.", False),
        ("„Ar tai karas?“", "Baigta.", "Tekstas.", False),
        ("Kaip sakė ministras:", "Baigta.", "Tekstas.", False),
        ("kariniai ryšiai", "Baigta.", "Tekstas.", False),
        ("Kariniai ryšiai", "Sakinys, kuris tęsiasi", "Tekstas.", False),
        ("Kariniai ryšiai", "Baigta.", None, False),
        (" ".join(["Žodis"] * 13), "Baigta.", "Tekstas.", False),
        ("Ž" * 101, "Baigta.", "Tekstas.", False),
        ("1. Pirmas punktas", "Baigta.", "Tekstas.", False),
        ("- Punktas", "Baigta.", "Tekstas.", False),
    ],
)
def test_heading_detection(line, previous, following, expected):
    assert is_heading(line, previous, following) is expected


def test_lines_before_the_first_heading_are_the_lead_and_blank_lines_are_ignored():
    parsed = parse_text("\n  Pirma pastraipa.  \n\nAntra *pastraipa*.\nAntraštė\n\nTekstas.\n\n")
    assert [(s.heading, s.body) for s in parsed.sections] == [
        ("", "Pirma pastraipa.\n\nAntra \\*pastraipa\\*."),
        ("Antraštė", "Tekstas."),
    ]


def test_a_text_without_headings_is_all_lead():
    parsed = parse_text("Vienas.\nDu.\nTrys")
    assert [(s.heading, s.body) for s in parsed.sections] == [("", "Vienas.\n\nDu.\n\nTrys")]


def test_windows_line_ends_and_a_byte_order_mark_read_the_same():
    unix = parse_bytes("Įžanga.\nAntraštė\nTekstas.\n".encode())
    windows = parse_bytes("\ufeffĮžanga.\r\nAntraštė\r\nTekstas.\r\n".encode())
    assert unix == windows


def test_decode_names_the_offending_byte_offset():
    with pytest.raises(BriefImportError, match="offset 7"):
        decode("Rusija \xe9".encode("latin-1"))


def test_seed_parses_into_the_fixture_sections(seed, seed_file):
    parsed = parse_bytes(seed_file.read_bytes())
    assert [(s.heading, s.body) for s in parsed.sections] == list(
        seed.sections.order_by("position").values_list("heading", "body")
    )


line_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]),
    max_size=40,
)
lines_strategy = st.lists(
    st.one_of(
        line_text,
        st.sampled_from(["Kariniai ryšiai", "„Brangiausias bendražygis“", "Baigta.", "", "* punktas", "# A"]),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.binary(max_size=300), st.text(max_size=300).map(lambda t: t.encode("utf-8", "replace"))))
def test_parser_on_arbitrary_bytes_raises_nothing_but_the_import_error(data):
    try:
        parsed = parse_bytes(data)
    except BriefImportError as error:
        assert str(error)
        return
    assert parsed.sections
    assert all("\n" not in s.heading and len(s.heading) <= 255 for s in parsed.sections)


@settings(max_examples=300, deadline=None)
@given(lines_strategy)
def test_parser_on_arbitrary_lines_keeps_every_line_in_order(lines):
    try:
        parsed = parse_text("\n".join(lines))
    except BriefImportError as error:
        assert str(error)
        return
    if parsed.format != "plain":
        return
    items = []
    for section in parsed.sections:
        if section.heading:
            items.append(("heading", section.heading))
        items += [("paragraph", p) for p in section.body.split("\n\n")]
    paragraphs = [line.strip() for line in lines if line.strip()]
    assert len(items) == len(paragraphs)
    for (kind, value), line in zip(items, paragraphs, strict=True):
        assert value == (" ".join(line.split()) if kind == "heading" else escape_markdown(line))


# The command: success ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_seed_gives_the_fixture_sections_text_and_entities(seed, seed_file):
    output = run(seed_file, "--title", SEED_TITLE)
    assert output == (
        "Created draft brief “Kas žinoma apie Rusijos ir Šiaurės Korėjos santykius” "
        "(kas-zinoma-apie-rusijos-ir-siaures-korejos-santykius) with 4 sections and 32 entity tags.\n"
    )
    brief = Brief.objects.get(slug="kas-zinoma-apie-rusijos-ir-siaures-korejos-santykius")
    assert brief.status == BriefStatus.DRAFT
    assert brief.language == "lt"

    def contents(b):
        return [
            (s.heading, s.body, sorted(t.tag.slug for t in s.tagged_entities.all()))
            for s in b.sections.order_by("position").prefetch_related("tagged_entities__tag")
        ]

    assert contents(brief) == contents(seed)
    revision = Revision.objects.get(brief=brief)
    assert revision.note == f"Imported from {SEED_TEXT.name}"
    assert revision.user is None
    assert not revision.is_public
    # Every history row of the import belongs to that one revision.
    sections = Section.history.filter(id__in=brief.sections.values("pk"))
    assert sections.count() == 4
    assert set(sections.values_list("revision", flat=True)) == {revision.pk}
    assert TaggedEntity.history.filter(content_object_id__in=brief.sections.values("pk")).count() == 32


@pytest.mark.django_db
def test_dry_run_prints_sections_and_suggestions_and_writes_nothing(seed, seed_file):
    before = snapshot()
    output = run(seed_file, "--title", SEED_TITLE, "--dry-run")
    assert snapshot() == before
    assert output == (
        "Dry run: nothing was written.\n"
        "Title: Kas žinoma apie Rusijos ir Šiaurės Korėjos santykius\n"
        "Slug: kas-zinoma-apie-rusijos-ir-siaures-korejos-santykius\n"
        "Sections: 4\n"
        "[0] (lead): 3 paragraphs\n"
        "    Entities: Choe Son Hui, Kremlius, Vladimiras Putinas, Šiaurės Korėja, Kim Jong Unas, Maskva\n"
        "    Possible new entities: none\n"
        "[1] Kariniai ryšiai: 10 paragraphs\n"
        "    Entities: Vladimiras Putinas, Ukraina, Šiaurės Korėja, Rusija, Kursko sritis, Pietų Korėja, "
        "Maskva, Pchenjanas, Kyjivas, Jungtinės Valstijos\n"
        "    Possible new entities: Vakarų\n"
        "[2] „Brangiausias bendražygis“: 5 paragraphs\n"
        "    Entities: Rusija, Šiaurės Korėja, Sovietų Sąjunga, Pchenjanas, Korėjos karas, Jungtinės Tautos, "
        "Rusijos karas Ukrainoje, Maskva, Ukraina, Kim Jong Unas, Vladimiras Putinas\n"
        "    Possible new entities: none\n"
        "[3] Komerciniai ryšiai ir turizmas: 4 paragraphs\n"
        "    Entities: Rusija, Maskva, Pchenjanas, Šiaurės Korėja, Jungtinės Tautos\n"
        "    Possible new entities: none\n"
    )


@pytest.mark.django_db
def test_dry_run_without_known_entities_lists_possible_new_ones(tmp_path):
    path = tmp_path / "brief.txt"
    path.write_text("Choe Son Hui atvyko į Maskvą.\nVizitas\nJi susitiko su Lavrovu.\n", encoding="utf-8")
    output = run(path, "--title", "Vizitas", "--dry-run")
    assert output == (
        "Dry run: nothing was written.\n"
        "Title: Vizitas\n"
        "Slug: vizitas\n"
        "Sections: 2\n"
        "[0] (lead): 1 paragraph\n"
        "    Entities: none\n"
        "    Possible new entities: Choe Son Hui, Maskvą\n"
        "[1] Vizitas: 1 paragraph\n"
        "    Entities: none\n"
        "    Possible new entities: Lavrovu\n"
    )
    assert not Brief.objects.exists()


@pytest.mark.django_db
def test_publish_with_a_permitted_user(seed_file, editor):
    output = run(seed_file, "--title", "Kopija", "--slug", "kopija", "--publish", "--user", "editor")
    assert output == "Published brief “Kopija” (kopija) with 4 sections and 0 entity tags.\n"
    brief = Brief.objects.get(slug="kopija")
    assert brief.status == BriefStatus.PUBLISHED
    assert brief.first_published_at is not None
    notes = list(brief.revisions.order_by("pk").values_list("note", "user__username", "is_public"))
    assert notes == [
        (f"Imported from {SEED_TEXT.name}", "editor", False),
        (gettext("Published"), "editor", True),
    ]


@pytest.mark.django_db
def test_markdown_title_is_used_when_no_title_is_given(tmp_path):
    path = tmp_path / "brief.md"
    path.write_text("# Antraštė iš failo\n\nĮžanga.\n\n## Skyrius\n\nTekstas.\n", encoding="utf-8")
    run(path, "--language", "en")
    brief = Brief.objects.get(slug="antraste-is-failo")
    assert brief.title == "Antraštė iš failo"
    assert brief.language == "en"
    assert list(brief.sections.values_list("heading", "body")) == [("", "Įžanga."), ("Skyrius", "Tekstas.")]


# The command: bad input ---------------------------------------------------------------------------


def write(tmp_path, content, name="brief.txt"):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


BAD_INPUTS = {
    "missing file": (lambda tmp: tmp / "nope.txt", [], "No such file: "),
    "not UTF-8": (
        lambda tmp: write(tmp, "Šiaurės Korėja.\n".encode() + b"\xff\n"),
        [],
        "byte 0xff at offset 19",
    ),
    "empty": (lambda tmp: write(tmp, b""), [], "empty or contains only white space"),
    "white space only": (lambda tmp: write(tmp, " \n\t\n\n"), [], "empty or contains only white space"),
    "binary": (lambda tmp: write(tmp, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), [], "binary file"),
    "control character": (lambda tmp: write(tmp, "Tekstas\x07.\n"), [], "control character U+0007"),
    "over-long line": (
        lambda tmp: write(tmp, "Trumpa.\n" + "Ž" * 20_001 + "\n"),
        [],
        "Line 2 is 20001 characters long; the limit is 20000",
    ),
    "too many sections": (
        lambda tmp: write(tmp, "".join(f"Įžanga {n}.\nAntraštė {n}\n" for n in range(201)) + "Pabaiga.\n"),
        [],
        "The text has 201 sections; the limit is 200",
    ),
    "existing slug": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--title", "Bandomoji"],
        "A brief with the slug “bandomoji” already exists. Choose another with --slug.",
    ),
    "existing explicit slug": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--slug", "bandomoji"],
        "A brief with the slug “bandomoji” already exists.",
    ),
    "invalid slug": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--slug", "ne slug!"],
        "slug: ",
    ),
    "over-long language tag": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--language", "x" * 36],
        "language: ",
    ),
    "no title": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--title", ""],
        "The brief needs a title: pass --title.",
    ),
    "unknown user": (lambda tmp: write(tmp, "Tekstas.\n"), ["--user", "nobody"], "No user named “nobody”."),
    "publish without user": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--publish"],
        "--publish needs --user: a user with the publish permission.",
    ),
    "publish without permission": (
        lambda tmp: write(tmp, "Tekstas.\n"),
        ["--publish", "--user", "reporter"],
        "Publishing needs a user with the publish permission",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_is_refused_with_a_clear_error_and_nothing_written(
    case, tmp_path, published_brief, django_user_model, capsys, monkeypatch
):
    django_user_model.objects.create_user("reporter", password="pw-reporter-123", is_staff=True)
    make_path, extra, message = BAD_INPUTS[case]
    path = make_path(tmp_path)
    if "--title" not in extra and "--slug" not in extra:
        extra = [*extra, "--title", "Nauja santrauka"]
    elif "--title" not in extra:
        extra = [*extra, "--title", "Kita"]
    before = snapshot()

    with pytest.raises(CommandError) as raised:
        run(path, *extra)
    assert message in str(raised.value)
    assert snapshot() == before

    # From the command line the same error ends the process with a non-zero exit status.
    monkeypatch.setattr(connections, "close_all", lambda: None)  # keep the test transaction open
    with pytest.raises(SystemExit) as exited:
        ImportCommand().run_from_argv(["manage.py", "import_brief", str(path), *extra])
    assert exited.value.code != 0
    assert message in capsys.readouterr().err
    assert snapshot() == before


@pytest.mark.django_db
def test_planning_reads_the_database_twice_whatever_the_number_of_entities(
    seed, seed_file, django_assert_num_queries
):
    parsed = parse_bytes(seed_file.read_bytes())
    with django_assert_num_queries(2):  # the slug check and the entities
        plan = plan_import(parsed, title="Kita", language="lt")
    assert sum(len(p.suggestions) for p in plan.sections) == 32


@pytest.mark.django_db
def test_a_failed_publish_rolls_back_the_created_brief(seed_file, editor, monkeypatch):
    from briefs import services

    def fail(*args, **kwargs):
        raise BriefImportError("The publishing step failed.")

    monkeypatch.setattr(services, "publish_brief", fail)
    before = snapshot()
    with pytest.raises(CommandError, match="publishing step failed"):
        run(seed_file, "--title", "Kopija", "--publish", "--user", "editor")
    assert snapshot() == before


@pytest.mark.django_db
def test_limits_come_from_settings(tmp_path, settings):
    settings.BRIEFS_IMPORT_MAX_LINE_CHARS = 10
    settings.BRIEFS_IMPORT_MAX_SECTIONS = 1
    settings.BRIEFS_IMPORT_MAX_BYTES = 20
    with pytest.raises(CommandError, match=r"The file is 21 bytes long; the limit is 20 bytes\."):
        run(write(tmp_path, "Dvidešimt vienas b.\n"), "--title", "Per ilgas")
    with pytest.raises(BriefImportError, match="limit is 10"):
        parse_text("Vienuolika ž.")
    with pytest.raises(BriefImportError, match="limit is 1\\."):
        parse_text("Įžanga.\nA\nB.\nC\nD.")


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["Rusija.", "Antraštė", "", "kita"]), min_size=1, max_size=6))
def test_line_ends_do_not_change_the_sections(lines):
    try:
        unix = parse_text("\n".join(lines))
    except BriefImportError:
        with pytest.raises(BriefImportError):
            parse_text("\r\n".join(lines))
        return
    assert parse_text("\r\n".join(lines)) == unix
    assert parse_text("\r".join(lines)) == unix


@pytest.mark.django_db
def test_plain_text_is_shown_as_written_not_as_markdown(tmp_path):
    path = write(tmp_path, "Kaina *2* eurai, o [nuoroda](http://x) ne nuoroda.\n# ne antraštė\n")
    run(path, "--title", "Kainos")
    section = Brief.objects.get(slug="kainos").sections.get()
    assert section.body_html == (
        "<p>Kaina *2* eurai, o [nuoroda](http://x) ne nuoroda.</p>\n<p># ne antraštė</p>"
    )


@pytest.mark.django_db
def test_a_section_over_the_length_limit_is_refused_by_name_and_nothing_is_written(tmp_path, settings):
    settings.BRIEFS_SECTION_MAX_CHARS = 100
    path = tmp_path / "long.txt"
    path.write_text("Įžanga trumpa.\nIlgas skyrius\n" + "Žodis " * 40 + "pabaiga.\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"Section 1 \(Ilgas skyrius\): A section may have at most 100"):
        run(path, "--title", "Per ilgas")
    assert not Brief.objects.filter(title="Per ilgas").exists()
