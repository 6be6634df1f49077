"""Data model of living explainers: briefs, their ordered sections, tagged entities and revisions.

Every content model is tracked by django-simple-history. Each historical row points at the
:class:`Revision` that wrote it, so one editorial save is one Revision however many rows it touched.
This module holds the tables and the read rules (querysets); writes go through :mod:`briefs.services`,
and how a save is recorded is :mod:`briefs.history`.
"""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from taggit.managers import TaggableManager
from taggit.models import NaturalKeyManager, TagBase, TaggedItemBase

from . import conf
from .tracking import GuardedQuerySet, RevisionedHistoricalRecords


class BriefStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    UNPUBLISHED = "unpublished", _("Unpublished")


class EntityKind(models.TextChoices):
    PERSON = "person", _("Person")
    COUNTRY = "country", _("Country")
    ORGANISATION = "organisation", _("Organisation")
    PLACE = "place", _("Place")
    EVENT = "event", _("Event")


class RevisionKind(models.TextChoices):
    UPDATE = "update", _("Update")
    CORRECTION = "correction", _("Correction")
    CLARIFICATION = "clarification", _("Clarification")
    MINOR = "minor", _("Minor change")
    # Earlier public text or notes taken off public pages (legal or safety); written by services.withdraw.
    WITHDRAWAL = "withdrawal", _("Withdrawal")


class BriefQuerySet(GuardedQuerySet):
    def published(self):
        return self.filter(status=BriefStatus.PUBLISHED)

    def visible_to(self, user):
        """Readers see published briefs; staff who may view briefs also see drafts."""
        if user is not None and user.is_active and user.is_staff and user.has_perm("briefs.view_brief"):
            return self.all()
        return self.published()

    def by_last_update(self):
        return self.order_by(
            models.F("last_material_update_at").desc(nulls_last=True), "-first_published_at", "title"
        )


class SectionQuerySet(GuardedQuerySet):
    def visible(self):
        """Sections a reader may see: not hidden, in a published brief."""
        return self.filter(hidden=False, brief__status=BriefStatus.PUBLISHED)

    def review_due(self, now=None):
        """Visible sections of published briefs not confirmed within the review interval, oldest
        first. A section never reviewed counts from the brief's first publication."""
        now = now or timezone.now()
        return (
            self.visible()
            .annotate(reviewed_since=Coalesce("last_reviewed_at", "brief__first_published_at"))
            .filter(reviewed_since__lte=now - conf.review_interval())
            .select_related("brief", "last_reviewed_by")
            .order_by("reviewed_since", "brief__title", "brief_id", "position")
        )

    def with_entities(self):
        # One query for all taggings with their entities; taggit's names()/slugs() would bypass it.
        return self.prefetch_related(
            models.Prefetch(
                "tagged_entities",
                queryset=TaggedEntity.objects.select_related("tag").order_by("tag__name"),
            )
        )

    def for_readers(self) -> list:
        """The sections in order, each with ``chips``: its entities by name, each with its ``url``.

        Two queries. Taggings come back as plain values and every entity is built once, however many
        sections mention it, so a 60-section page does not pay for hundreds of model instances.
        """
        sections = list(
            self.only("id", "brief_id", "position", "heading", "body_html", "hidden").order_by("position")
        )
        by_id = {section.pk: section for section in sections}
        for section in sections:
            section.chips = []
        if not by_id:
            return sections
        entities: dict[int, Entity] = {}
        rows = (
            TaggedEntity.objects.using(self.db)
            .filter(content_object_id__in=list(by_id))
            .order_by("tag__name", "tag_id")
            .values_list(
                "content_object_id", "tag_id", "tag__name", "tag__slug", "tag__kind", "tag__wikidata_id"
            )
        )
        for section_id, pk, name, slug, kind, wikidata_id in rows:
            entity = entities.get(pk)
            if entity is None:
                entity = Entity(pk=pk, name=name, slug=slug, kind=kind, wikidata_id=wikidata_id)
                entity.url = entity.get_absolute_url()
                entities[pk] = entity
            by_id[section_id].chips.append(entity)
        return sections


class EntityQuerySet(GuardedQuerySet):
    def current(self):
        """Entities editors tag: those not merged into another."""
        return self.filter(merged_into__isnull=True)

    def shown(self):
        """Entities readers have been shown: their pages keep answering once nothing tags them."""
        return self.filter(first_shown_at__isnull=False)

    def mentioned_in_published(self):
        return self.filter(
            taggings__content_object__hidden=False,
            taggings__content_object__brief__status=BriefStatus.PUBLISHED,
        ).distinct()


class EntityManager(NaturalKeyManager.from_queryset(EntityQuerySet)):
    """``get_by_natural_key(kind, name)``: a name is unique only within its kind."""


class TaggedEntityManager(models.Manager.from_queryset(GuardedQuerySet)):
    def get_by_natural_key(self, section_id, kind, name):
        return self.get(content_object_id=section_id, tag__kind=kind, tag__name=name)


class RevisionQuerySet(models.QuerySet):
    def public(self):
        return self.filter(is_public=True)


class Brief(models.Model):
    title = models.CharField(_("title"), max_length=255, help_text=_("Headline shown to readers."))
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        allow_unicode=False,
        help_text=_("Part of the web address; unique across briefs."),
    )
    dek = models.TextField(
        _("dek"), blank=True, help_text=_("Standfirst: one or two sentences under the headline.")
    )
    language = models.CharField(
        _("language"),
        max_length=35,
        default="lt",
        help_text=_("BCP 47 language tag of the text, for example lt or en."),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=BriefStatus.choices,
        default=BriefStatus.DRAFT,
        help_text=_("Only published briefs are shown to readers."),
    )
    first_published_at = models.DateTimeField(
        _("first published at"),
        null=True,
        blank=True,
        help_text=_("Set once, when the brief is first published."),
    )
    last_material_update_at = models.DateTimeField(
        _("last material update at"),
        null=True,
        blank=True,
        help_text=_("Time of the latest revision shown in the public change log."),
    )
    version = models.PositiveIntegerField(
        _("version"),
        default=0,
        editable=False,
        help_text=_("Counts the saves that changed what the brief shows, its entities included."),
    )
    changed_at = models.DateTimeField(
        _("changed at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the brief, or an entity it mentions, last changed."),
    )
    search_document = models.TextField(
        _("search document"),
        blank=True,
        editable=False,
        help_text=_(
            "The stems of the title and dek without accents, for databases without full-text search."
        ),
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
        help_text=_("Who started the brief. Reporters edit their own drafts and those shared with them."),
    )
    collaborators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="shared_briefs",
        verbose_name=_("shared with"),
        help_text=_("Reporters who may work on this draft besides the one who started it."),
    )

    objects = models.Manager.from_queryset(BriefQuerySet)()
    # These are caches of the revision log (HTTP validators, the change-log date), not editorial content.
    history = RevisionedHistoricalRecords(
        excluded_fields=[
            "last_material_update_at",
            "version",
            "changed_at",
            "created_by",
            "search_document",
        ]
    )

    class Meta:
        verbose_name = _("brief")
        verbose_name_plural = _("briefs")
        ordering = ["-last_material_update_at", "title"]
        permissions = [("publish_brief", _("Can publish and change what readers see"))]
        constraints = [
            models.UniqueConstraint(
                fields=["slug"],
                name="briefs_brief_slug_unique",
                violation_error_message=_("A brief with this slug already exists."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=BriefStatus.values), name="briefs_brief_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=BriefStatus.PUBLISHED) | Q(first_published_at__isnull=False),
                name="briefs_brief_published_has_date",
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="briefs_brief_slug_not_empty"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("briefs:detail", kwargs={"slug": self.slug})

    @property
    def is_published(self):
        return self.status == BriefStatus.PUBLISHED


class Entity(TagBase):
    # Overrides taggit's globally unique name: "Georgia" the country and "Georgia" the state may coexist.
    # With a context: django.contrib.auth's "name" (Lithuanian "vardas") takes precedence over the plugin's.
    name = models.CharField(
        pgettext_lazy("entity", "name"),
        max_length=100,
        help_text=_("Name in the newsroom's language, as readers see it."),
    )
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("Part of the entity page address."),
    )
    kind = models.CharField(
        _("kind"),
        max_length=20,
        choices=EntityKind.choices,
        help_text=_("What sort of thing the entity is."),
    )
    aliases = models.JSONField(
        _("aliases"),
        default=list,
        blank=True,
        help_text=_("Other surface forms the text uses, including inflected ones: Putinu, V. Putinas."),
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("One or two sentences for the entity page.")
    )
    wikidata_id = models.CharField(
        _("Wikidata ID"),
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9][0-9]*$", _("A Wikidata ID looks like Q7747."))],
        help_text=_("Optional, for example Q7747. Leave empty unless confirmed."),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged",
        verbose_name=_("merged into"),
        help_text=_("The entity this one was merged into; its page leads there and history keeps its name."),
    )
    first_shown_at = models.DateTimeField(
        _("first shown at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When a published brief first showed the entity to readers; from then on it has a page."),
    )

    objects = EntityManager()
    # When readers first saw the entity is a fact of the revision log, not an editorial field.
    history = RevisionedHistoricalRecords(excluded_fields=["first_shown_at"])

    # Serialised as (kind, name), which is unique; taggit's default is the name alone, which is not.
    natural_key_fields = ["kind", "name"]

    class Meta:
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "name"],
                name="briefs_entity_name_unique_per_kind",
                violation_error_message=_("An entity of this kind with this name already exists."),
            ),
            models.CheckConstraint(condition=Q(kind__in=EntityKind.values), name="briefs_entity_kind_valid"),
            models.CheckConstraint(
                condition=Q(wikidata_id="") | Q(wikidata_id__startswith="Q"),
                name="briefs_entity_wikidata_id_format",
            ),
            models.CheckConstraint(
                condition=~Q(merged_into=models.F("pk")), name="briefs_entity_not_merged_into_itself"
            ),
            models.CheckConstraint(condition=~Q(slug=""), name="briefs_entity_slug_not_empty"),
        ]

    def get_absolute_url(self):
        return reverse("briefs:entity", kwargs={"slug": self.slug})

    def slugify(self, tag, i=None):
        # ASCII, so that addresses survive every mail client and chat; a name with no letters or digits
        # ("!!!", an emoji) falls back to its kind, and taggit numbers any duplicate.
        slug = slugify(tag)[:90] or slugify(self.kind) or "entity"
        return slug if i is None else f"{slug}_{i}"

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""

    @property
    def surface_forms(self):
        return [self.name, *self.aliases]

    @property
    def kind_label(self):
        # get_kind_display() hashes every translated choice on each call, which a page of chips feels.
        return EntityKind(self.kind).label


class Section(models.Model):
    brief = models.ForeignKey(
        Brief,
        on_delete=models.CASCADE,
        related_name="sections",
        verbose_name=_("brief"),
        help_text=_("The brief this section belongs to."),
    )
    position = models.PositiveIntegerField(
        _("position"), help_text=_("Order within the brief, starting at 0 for the lead.")
    )
    heading = models.CharField(
        _("heading"), max_length=255, blank=True, help_text=_("Optional for the lead section.")
    )
    body = models.TextField(
        _("body"),
        blank=True,
        help_text=_(
            "Paragraphs in Markdown: emphasis, links and lists. Separate paragraphs with a blank line."
        ),
    )
    body_html = models.TextField(
        _("body HTML"),
        blank=True,
        editable=False,
        help_text=_("Sanitized HTML rendered from the body when the section is saved."),
    )
    body_text = models.TextField(
        _("body text"),
        blank=True,
        editable=False,
        help_text=_("The words readers see, from the rendered body: what search and reader diffs use."),
    )
    search_document = models.TextField(
        _("search document"),
        blank=True,
        editable=False,
        help_text=_(
            "The stems of the heading and text without accents, for databases without full-text search."
        ),
    )
    hidden = models.BooleanField(
        _("hidden"), default=False, help_text=_("Hidden sections are not shown to readers.")
    )
    last_reviewed_at = models.DateTimeField(
        _("last reviewed at"),
        null=True,
        blank=True,
        help_text=_("When an editor last confirmed the section is still accurate."),
    )
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last reviewed by"),
        help_text=_("Who last confirmed the section."),
    )

    entities = TaggableManager(
        through="briefs.TaggedEntity",
        blank=True,
        verbose_name=_("entities"),
        help_text=_("People, countries, organisations, places and events the section mentions."),
    )

    objects = models.Manager.from_queryset(SectionQuerySet)()
    # The review date is desk bookkeeping, not content: it is written without a revision.
    history = RevisionedHistoricalRecords(
        excluded_fields=["body_html", "body_text", "search_document", "last_reviewed_at", "last_reviewed_by"]
    )

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["brief", "position"]
        constraints = [
            models.UniqueConstraint(fields=["brief", "position"], name="briefs_section_position_unique"),
        ]

    def __str__(self):
        return self.heading or str(_("Lead"))

    @property
    def anchor(self):
        return f"s{self.pk}"


class TaggedEntity(TaggedItemBase):
    """One entity mentioned by one section: the taggit through model, tracked row by row."""

    content_object = models.ForeignKey(
        Section,
        on_delete=models.CASCADE,
        related_name="tagged_entities",
        verbose_name=_("section"),
        help_text=_("The section that mentions the entity."),
    )
    tag = models.ForeignKey(
        Entity,
        on_delete=models.CASCADE,
        related_name="taggings",
        verbose_name=_("entity"),
        help_text=_("The entity the section mentions."),
    )

    objects = TaggedEntityManager()
    history = RevisionedHistoricalRecords()

    class Meta:
        verbose_name = _("entity tag")
        verbose_name_plural = _("entity tags")
        constraints = [
            models.UniqueConstraint(fields=["content_object", "tag"], name="briefs_taggedentity_unique"),
        ]

    def natural_key(self):
        return (self.content_object_id, *self.tag.natural_key())

    natural_key.dependencies = ["briefs.entity", "briefs.section"]


class Revision(models.Model):
    """One editorial save: the who, when, why and kind of every history row it groups."""

    brief = models.ForeignKey(
        Brief,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="revisions",
        verbose_name=_("brief"),
        help_text=_("Empty for changes to shared entities."),
    )
    created_at = models.DateTimeField(_("created at"), help_text=_("When the change was saved."))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="brief_revisions",
        # With a context: django.contrib.auth's "user" takes precedence over the plugin's.
        verbose_name=pgettext_lazy("revision", "user"),
        help_text=_("Who saved the change."),
    )
    system_actor = models.CharField(
        _("system actor"),
        max_length=50,
        blank=True,
        help_text=_("The command, fixture or migration that saved the change, when no person did."),
    )
    note = models.TextField(
        _("note"), blank=True, help_text=_("Why it changed. Shown to readers unless the change is minor.")
    )
    kind = models.CharField(
        pgettext_lazy("revision", "kind"),
        max_length=20,
        choices=RevisionKind.choices,
        default=RevisionKind.UPDATE,
        help_text=_("Update, correction, clarification or minor change."),
    )
    is_public = models.BooleanField(
        _("public"), default=False, help_text=_("Whether readers see this revision in the change log.")
    )
    merged_with = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("merged with"),
        help_text=_("The revision someone else saved while this one was being edited; the two were merged."),
    )
    note_withdrawn_at = models.DateTimeField(
        _("note withdrawn at"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("When the note was taken off public pages; staff still see it in the history."),
    )

    objects = models.Manager.from_queryset(RevisionQuerySet)()

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["-pk"]
        get_latest_by = "pk"
        indexes = [models.Index(fields=["brief", "-id"], name="briefs_revision_brief_latest")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=RevisionKind.values), name="briefs_revision_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(kind=RevisionKind.MINOR) | ~Q(note=""),
                name="briefs_revision_note_unless_minor",
                violation_error_message=_(
                    "Write a note for readers; only a minor change may go without one."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(kind=RevisionKind.MINOR) | Q(is_public=False),
                name="briefs_revision_minor_not_public",
            ),
            models.CheckConstraint(
                condition=Q(system_actor="") | Q(user__isnull=True),
                name="briefs_revision_one_actor",
                violation_error_message=_("A revision is made by a user or by the system, not both."),
            ),
        ]

    def __str__(self):
        return f"#{self.pk} {self.kind_label}"

    @property
    def actor_name(self) -> str:
        """Who made the change, as the desk shows it."""
        if self.user_id is not None:
            return self.user.get_username()
        return self.system_actor or str(_("deleted user"))

    @property
    def kind_label(self):
        # get_kind_display() hashes every translated choice on each call, which a long change log feels.
        return RevisionKind(self.kind).label

    @property
    def public_note(self) -> str:
        """The note as readers may see it: a withdrawn note is not repeated anywhere public."""
        if self.note_withdrawn_at is not None:
            return str(_("This note was withdrawn."))
        return self.note


class Withdrawal(models.Model):
    """Earlier public text taken off public pages for legal or safety reasons.

    Its revision (kind "withdrawal") is the public record: when, by whom, and a note for readers. The
    earlier wordings of the listed sections no longer appear in any reader's diff, and the notes of the
    listed revisions no longer appear anywhere public. The history keeps everything for staff.
    """

    revision = models.OneToOneField(
        Revision,
        on_delete=models.PROTECT,
        related_name="withdrawal",
        verbose_name=_("revision"),
        help_text=_("The public record of the withdrawal: when, by whom and the note readers see."),
    )
    reason = models.TextField(
        _("reason"), blank=True, help_text=_("Why the text was withdrawn. Only staff see this.")
    )
    section_ids = models.JSONField(
        _("sections"),
        default=list,
        blank=True,
        help_text=_("Sections whose earlier public wording no longer appears in readers' diffs."),
    )
    notes = models.ManyToManyField(
        Revision,
        blank=True,
        related_name="withdrawn_by",
        verbose_name=_("withdrawn notes"),
        help_text=_("Revisions whose notes no longer appear on public pages."),
    )

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")

    def __str__(self):
        return f"{self.revision}"


class RenderedArticle(models.Model):
    """The reader page's article as HTML, rendered when the brief changed rather than when it is read.

    Derived data, never edited and not tracked: an article is used only while its ``key`` equals the
    key of the brief as it is now (see :mod:`briefs.rendering`), so a stale one is ignored and replaced.
    """

    brief = models.ForeignKey(
        Brief,
        on_delete=models.CASCADE,
        related_name="rendered_articles",
        verbose_name=_("brief"),
        help_text=_("The brief this article was rendered from."),
    )
    language = models.CharField(
        _("language"), max_length=35, help_text=_("Interface language the article was rendered in.")
    )
    key = models.CharField(
        _("key"),
        max_length=200,
        help_text=_("The brief's version and the template and catalogue it was rendered with."),
    )
    article = models.TextField(_("article"), help_text=_("The rendered article element."))
    # Text, not JSON: a JSON column may reorder keys, and the page must be the same bytes every time.
    jsonld = models.TextField(
        _("structured data"),
        help_text=_("schema.org NewsArticle data as JSON, with addresses relative to the site."),
    )
    rendered_at = models.DateTimeField(_("rendered at"), help_text=_("When the article was rendered."))

    class Meta:
        verbose_name = _("rendered article")
        verbose_name_plural = _("rendered articles")
        constraints = [
            models.UniqueConstraint(
                fields=["brief", "language"], name="briefs_renderedarticle_unique_language"
            ),
        ]

    def __str__(self):
        return f"{self.brief_id} [{self.language}]"


class EditingSession(models.Model):
    """Someone has a brief's change form open: written when the form loads and then every minute while
    it stays open, so that the desk can show who else is editing before their saves meet. Not
    editorial content: never in a revision, and rows older than an hour are deleted."""

    brief = models.ForeignKey(
        Brief,
        on_delete=models.CASCADE,
        related_name="editing_sessions",
        verbose_name=_("brief"),
        help_text=_("The brief whose change form is open."),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=pgettext_lazy("revision", "user"),
        help_text=_("Who has the form open."),
    )
    last_seen_at = models.DateTimeField(
        _("last seen at"), help_text=_("When the open form last reported itself.")
    )

    class Meta:
        verbose_name = _("editing session")
        verbose_name_plural = _("editing sessions")
        constraints = [
            models.UniqueConstraint(fields=["brief", "user"], name="briefs_editingsession_one_per_user"),
        ]
        indexes = [models.Index(fields=["brief", "-last_seen_at"], name="briefs_editing_brief_seen")]

    def __str__(self):
        return f"{self.brief_id} {self.user_id}"
