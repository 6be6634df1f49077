"""Every write to briefs and entities, and every editorial rule: admin, commands and tests call these.

Each function runs in one transaction inside one Revision (:func:`editing`). Called inside an open
revision they join it, so an admin save that touches the brief, five sections and their entities is
still one Revision. Every function takes ``actor``: a user, whose permissions are checked, or
:data:`briefs.actors.SYSTEM` for commands and fixtures. ``note``, ``kind`` and ``expected_revision`` are
passed to the revision.

Rules (:mod:`briefs.rules`): drafting needs the model permissions; a change readers see, by whatever
path, needs ``briefs.publish_brief`` and is public in the change log unless it is minor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from . import conf, history, rules, search, tracking
from .actors import SYSTEM, SystemActor
from .history import (
    EditConflict,
    NestedRevisionMismatch,
    bulk_create_with_history,
    bulk_delete_with_history,
    bulk_update_with_history,
    move_out_of_the_way,
)
from .models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section, TaggedEntity, Withdrawal
from .revisions.retention import TRACKED, PrunePlan, plan_prune
from .revisions.revert import RevertPlan, plan_revert
from .revisions.state import live_state, state_as_of
from .text import clean_line, clean_text, html_to_paragraphs, render_markdown, validate_section_body

__all__ = [
    "SYSTEM",
    "EditConflict",
    "NestedRevisionMismatch",
    "SectionInput",
    "SystemActor",
    "add_brief",
    "add_entity",
    "add_section",
    "create_brief",
    "create_entity",
    "current_revision",
    "delete_entity",
    "delete_section",
    "edit_section",
    "editing",
    "in_history",
    "mark_reviewed",
    "merge_entities",
    "prerender",
    "prune_history",
    "publish_brief",
    "reorder_sections",
    "revert_brief",
    "set_entities",
    "share_brief",
    "unpublish_brief",
    "update_brief",
    "update_entity",
    "withdraw",
]

BRIEF_EDITABLE_FIELDS = ("title", "slug", "dek", "language")
SECTION_EDITABLE_FIELDS = ("heading", "body", "hidden")
# The fields whose words a model's search document holds (see briefs.search).
SEARCHED_FIELDS = {Brief: ("title", "dek"), Section: ("heading", "body_text")}
# What readers see of an entity wherever it is tagged; aliases only steer recognition.
ENTITY_READER_FIELDS = ("name", "slug", "kind", "description", "wikidata_id")
ENTITY_EDITABLE_FIELDS = ("name", "kind", "aliases", "description", "wikidata_id")


@dataclass
class SectionInput:
    heading: str = ""
    body: str = ""
    hidden: bool = False
    entities: Sequence[Entity] = field(default_factory=tuple)


@contextmanager
def editing(brief: Brief | None = None, **revision_kwargs):
    """One revision under the editorial rules; services called inside it join it.

    Takes the arguments of :func:`briefs.history.revision`: ``actor`` (required), ``note``, ``kind``,
    ``default_note``, ``default_kind``, ``expected_revision`` and ``at``.
    ``with editing(brief, actor=editor, note="…", kind="correction"): ...`` groups several operations
    into one Revision, as the admin does for one save.
    """
    with history.revision(brief, **revision_kwargs) as opened:
        opened.check_on_close(rules.readers_need_a_publisher)
        yield opened


def current_revision() -> history.OpenRevision:
    """The revision open in this context; the admin describes it once its form is valid."""
    opened = tracking.current()
    if opened is None:
        raise history.RevisionRequired("No revision is open; use services.editing().")
    return opened


def _validated(instance, exclude=()):
    instance.full_clean(exclude=list(exclude), validate_constraints=True)
    return instance


def _apply(instance, changes: dict) -> list[str]:
    """Set and save the fields that really change; return their names."""
    dirty = [name for name, value in changes.items() if getattr(instance, name) != value]
    if not dirty:
        return []
    for name in dirty:
        setattr(instance, name, changes[name])
    _prepare(instance, dirty)
    _validated(instance, exclude=[f.name for f in instance._meta.fields if f.name not in dirty])
    instance.save()
    return dirty


# A body is rendered once, when it is saved, so that no reader request pays for Markdown; and before the
# brief's lock is taken (prerender), so that no other saver waits for it either.
_rendered = lru_cache(maxsize=256)(render_markdown)


def prerender(bodies: Iterable[str]) -> None:
    """Render section bodies ahead of a save, outside its transaction: the save then finds them done.
    The admin calls it before it locks the brief."""
    for body in bodies:
        if isinstance(body, str) and len(body) <= conf.section_max_chars():
            _rendered(clean_text(body))


def _render(section: Section) -> Section:
    section.body_html = _rendered(section.body)
    section.body_text = "\n\n".join(html_to_paragraphs(section.body_html))
    return _index(section)


def _index(instance: Brief | Section) -> Brief | Section:
    instance.search_document = search.document(
        *(getattr(instance, f) for f in SEARCHED_FIELDS[type(instance)])
    )
    return instance


def _prepare(instance, changed: Iterable[str]) -> None:
    """What a save derives from the fields it changes: the rendered body, the search document."""
    changed = set(changed)
    if "body" in changed:
        _render(instance)
    elif changed & set(SEARCHED_FIELDS.get(type(instance), ())):
        _index(instance)


def _body(body: str) -> str:
    """A section body as it may be stored: cleaned, and within the length and nesting limits."""
    body = clean_text(body)
    try:
        validate_section_body(body)
    except ValidationError as error:
        raise ValidationError({"body": error.error_list}) from None
    return body


def _require_brief(revision_kwargs: dict, brief: Brief) -> None:
    rules.require(
        rules.may_edit_brief(revision_kwargs.get("actor"), brief),
        _("Reporters edit their own drafts and those shared with them."),
    )


def _revision_kwargs(kwargs: dict) -> dict:
    names = ("actor", "note", "kind", "expected_revision", "at")
    return {name: kwargs.pop(name) for name in names if name in kwargs}


# Briefs ---------------------------------------------------------------------------------------------


def add_brief(
    brief: Brief,
    *,
    actor,
    sections: Iterable[SectionInput] = (),
    note: str | None = None,
    kind: str | None = None,
    at=None,
) -> Brief:
    """Save the new, unsaved ``brief`` as a draft with its sections, in one Revision."""
    rules.require(rules.may_create_briefs(actor))
    if brief.pk is not None:
        raise ValueError("add_brief() saves a new brief; use update_brief() for an existing one.")
    if brief.status != BriefStatus.DRAFT:
        raise ValidationError({"status": _("A new brief starts as a draft; publish it afterwards.")})
    brief.title = clean_line(brief.title)
    brief.dek = clean_text(brief.dek).strip()
    brief.slug = brief.slug or slugify(brief.title)[:100]
    brief.created_by = None if isinstance(actor, SystemActor) else actor
    _index(brief)
    _validated(brief)
    sections = [SectionInput(clean_line(s.heading), _body(s.body), s.hidden, s.entities) for s in sections]
    prerender(s.body for s in sections)
    with editing(None, actor=actor, note=note, kind=kind, default_note=_("Created"), at=at) as opened:
        brief.save()
        opened.adopt(brief, created=True)
        for position, section in enumerate(sections):
            _add_section(brief, section, position)
    return brief


def create_brief(*, title: str, slug: str = "", dek: str = "", language: str = "lt", **kwargs) -> Brief:
    """A new draft brief with its sections, in one Revision."""
    return add_brief(Brief(title=title, slug=slug, dek=dek, language=language), **kwargs)


def update_brief(brief: Brief, **changes) -> Revision | None:
    """Change title, slug, dek or language. Unchanged values write no history."""
    revision_kwargs = _revision_kwargs(changes)
    unknown = set(changes) - set(BRIEF_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"update_brief() cannot change {', '.join(sorted(unknown))}")
    if "title" in changes:
        changes["title"] = clean_line(changes["title"])
    if "dek" in changes:
        changes["dek"] = clean_text(changes["dek"]).strip()
    _require_brief(revision_kwargs, brief)
    with editing(brief, **revision_kwargs) as opened:
        _apply(brief, changes)
    return opened.revision


def publish_brief(brief: Brief, **revision_kwargs) -> Revision | None:
    rules.require(
        rules.may_publish(revision_kwargs.get("actor")),
        _("Only editors with the publish permission may publish."),
    )
    with editing(brief, default_note=_("Published"), **revision_kwargs) as opened:
        brief.refresh_from_db(fields=["status", "first_published_at"])
        fields = {"status": BriefStatus.PUBLISHED}
        if brief.first_published_at is None:
            fields["first_published_at"] = opened.created_at
        _apply(brief, fields)
    return opened.revision


def unpublish_brief(brief: Brief, **revision_kwargs) -> Revision | None:
    rules.require(
        rules.may_publish(revision_kwargs.get("actor")),
        _("Only editors with the publish permission may unpublish."),
    )
    with editing(brief, default_note=_("Unpublished"), **revision_kwargs) as opened:
        brief.refresh_from_db(fields=["status"])
        if brief.status == BriefStatus.PUBLISHED:
            _apply(brief, {"status": BriefStatus.UNPUBLISHED})
    return opened.revision


def share_brief(brief: Brief, users, *, actor) -> None:
    """Make ``users`` exactly the people a draft is shared with. Access, not content: no revision."""
    rules.require(
        rules.may_share_brief(actor, brief), _("Only whoever started a brief, or an editor, may share it.")
    )
    brief.collaborators.set(users)


# Sections -------------------------------------------------------------------------------------------


def _new_section(brief: Brief, data: SectionInput, position: int, pk: int | None = None) -> Section:
    section = _render(
        Section(
            pk=pk,
            brief=brief,
            position=position,
            heading=data.heading.strip(),
            body=data.body,
            hidden=data.hidden,
        )
    )
    # Constraints that need a query (the place, a reused id) are checked by the database, so that a
    # revert that recreates many sections costs no query per section.
    return _validated(section, exclude=["brief", "id"])


def _add_section(brief: Brief, data: SectionInput, position: int) -> Section:
    section = _new_section(brief, data, position)
    section.save()
    if data.entities:
        _set_entities(section, data.entities)
    return section


def add_section(
    brief: Brief,
    *,
    heading: str = "",
    body: str = "",
    hidden: bool = False,
    entities: Sequence[Entity] = (),
    position: int | None = None,
    **revision_kwargs,
) -> Section:
    """Add a section at ``position`` (default: last)."""
    _require_brief(revision_kwargs, brief)
    prerender([body])
    with editing(brief, **revision_kwargs):
        order = list(brief.sections.order_by("position").values_list("pk", flat=True))
        section = _add_section(
            brief, SectionInput(heading, body, hidden, entities), position=_free_position(brief)
        )
        if position is not None and position < len(order):
            order.insert(max(position, 0), section.pk)
            _reorder(brief, order)
            section.refresh_from_db(fields=["position"])
    return section


def _free_position(brief: Brief) -> int:
    last = brief.sections.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def edit_section(section: Section, **changes) -> Revision | None:
    """Change heading, body or hidden. Unchanged values write no history."""
    revision_kwargs = _revision_kwargs(changes)
    unknown = set(changes) - set(SECTION_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"edit_section() cannot change {', '.join(sorted(unknown))}")
    if "heading" in changes:
        changes["heading"] = clean_line(changes["heading"])
    if "body" in changes:
        changes["body"] = _body(changes["body"])
        prerender([changes["body"]])
    _require_brief(revision_kwargs, section.brief)
    with editing(section.brief, **revision_kwargs) as opened:
        _apply(section, changes)
    return opened.revision


def delete_section(section: Section, **revision_kwargs) -> Revision | None:
    brief = section.brief
    _require_brief(revision_kwargs, brief)
    with editing(brief, **revision_kwargs) as opened:
        _delete_sections([section.pk])
        _reorder(brief, list(brief.sections.order_by("position").values_list("pk", flat=True)))
    return opened.revision


def _delete_sections(pks: Sequence[int]) -> None:
    # Taggings first, so that they are recorded in bulk rather than one by one by the cascade.
    bulk_delete_with_history(TaggedEntity.objects.filter(content_object_id__in=pks))
    bulk_delete_with_history(Section.objects.filter(pk__in=pks))


def reorder_sections(brief: Brief, order: Sequence[int], **revision_kwargs) -> Revision | None:
    """Put the brief's sections in the order of the given ids; every section must be listed once."""
    _require_brief(revision_kwargs, brief)
    try:
        order = [int(pk) for pk in order]
    except (TypeError, ValueError):
        raise ValidationError(_("The new order must list every section of the brief exactly once.")) from None
    with editing(brief, **revision_kwargs) as opened:
        current = set(brief.sections.values_list("pk", flat=True))
        if len(order) != len(set(order)) or set(order) != current:
            raise ValidationError(_("The new order must list every section of the brief exactly once."))
        _reorder(brief, order)
    return opened.revision


def _reorder(brief: Brief, order: Sequence[int]) -> None:
    """Give section ``order[i]`` position ``i``, recording history only for sections that moved."""
    positions = dict(brief.sections.values_list("pk", "position"))
    moving = [pk for index, pk in enumerate(order) if positions[pk] != index]
    if not moving:
        return
    move_out_of_the_way(Section, moving, "position")
    sections = list(Section.objects.filter(pk__in=moving))
    index_of = {pk: index for index, pk in enumerate(order)}
    for section in sections:
        section.position = index_of[section.pk]
    bulk_update_with_history(sections, Section, ["position"])


def mark_reviewed(section: Section, *, actor, at=None) -> None:
    """Confirm a section is still accurate. Not an editorial change: no Revision, no history row."""
    rules.require(rules.may_publish(actor), _("Only editors may mark a section reviewed."))
    section.last_reviewed_at = at or timezone.now()
    section.last_reviewed_by = None if isinstance(actor, SystemActor) else actor
    section.save_without_historical_record(update_fields=["last_reviewed_at", "last_reviewed_by"])


# Entities -------------------------------------------------------------------------------------------


def set_entities(section: Section, entities: Iterable[Entity], **revision_kwargs) -> Revision | None:
    """Make ``entities`` exactly the section's tags, in a bounded number of queries."""
    _require_brief(revision_kwargs, section.brief)
    with editing(section.brief, **revision_kwargs) as opened:
        _set_entities(section, entities)
    return opened.revision


def _set_entities(section: Section, entities: Iterable[Entity | int]) -> None:
    wanted = {e.pk if isinstance(e, Entity) else int(e) for e in entities}
    current = set(section.tagged_entities.values_list("tag_id", flat=True))
    _retag({section.pk: wanted - current}, {section.pk: current - wanted})


def _retag(add: dict[int, Iterable[int]], remove: dict[int, Iterable[int]]) -> None:
    """Tag and untag many sections at once: two or three queries each way, whatever the count."""
    gone = Q()
    for section_id, entity_ids in remove.items():
        if entity_ids:
            gone |= Q(content_object_id=section_id, tag_id__in=list(entity_ids))
    if gone:
        bulk_delete_with_history(TaggedEntity.objects.filter(gone))
    bulk_create_with_history(
        [
            TaggedEntity(content_object_id=section_id, tag_id=entity_id)
            for section_id, entity_ids in add.items()
            for entity_id in sorted(entity_ids)
        ],
        TaggedEntity,
    )


def add_entity(entity: Entity, *, actor, note=None) -> Entity:
    """Save the new, unsaved ``entity``; a slug is made from its name when it has none."""
    rules.require(rules.may_create_entities(actor))
    if entity.pk is not None:
        raise ValueError("add_entity() saves a new entity; use update_entity() for an existing one.")
    entity.name = clean_line(entity.name)
    entity.aliases = [clean_line(a) for a in entity.aliases if clean_line(a)]
    entity.description = clean_text(entity.description).strip()
    _validated(entity, exclude=[] if entity.slug else ["slug"])
    with editing(
        None, actor=actor, note=note, default_kind=RevisionKind.MINOR, default_note=_("Entity created")
    ):
        entity.save()
    return entity


def create_entity(
    *, name: str, kind: str, aliases=(), description="", wikidata_id="", slug="", actor, note=None
) -> Entity:
    entity = Entity(
        name=name,
        kind=kind,
        aliases=list(aliases),
        description=description,
        wikidata_id=wikidata_id,
        slug=slug,
    )
    return add_entity(entity, actor=actor, note=note)


def update_entity(entity: Entity, *, actor, note=None, **changes) -> Revision | None:
    """Change an entity. Readers see its name, kind and description wherever a published brief tags
    it, so changing those there needs the publish permission; aliases only steer recognition."""
    unknown = set(changes) - set(ENTITY_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"update_entity() cannot change {', '.join(sorted(unknown))}")
    rules.require(rules.may_edit_entities(actor))
    if "aliases" in changes:
        changes["aliases"] = [clean_line(a) for a in changes["aliases"] if clean_line(a)]
    if "name" in changes:
        changes["name"] = clean_line(changes["name"])
    if "description" in changes:
        changes["description"] = clean_text(changes["description"]).strip()
    with editing(
        None, actor=actor, note=note, default_kind=RevisionKind.MINOR, default_note=_("Entity edited")
    ) as opened:
        entity.refresh_from_db()
        seen = [
            name
            for name in ENTITY_READER_FIELDS
            if name in changes and getattr(entity, name) != changes[name]
        ]
        # Once shown, an entity has a page, whether or not a published brief still tags it.
        if seen and entity.first_shown_at is not None:
            rules.require(rules.may_publish(actor), _("Only editors may change entities that readers see."))
        if _apply(entity, changes) and seen:
            opened.entity_shown_differently(entity.pk)
    return opened.revision


def in_history(entity: Entity) -> bool:
    """Whether any revision ever tagged the entity, or another entity was merged into it."""
    return (
        TaggedEntity.history.filter(tag_id=entity.pk).exists()
        or Entity.objects.filter(merged_into=entity).exists()
    )


def delete_entity(entity: Entity, *, actor, note=None) -> Revision | None:
    """Delete an entity that no brief's history mentions. One that history mentions stays, so that
    every revision still names it: merge it into another instead."""
    rules.require(rules.may_delete_entities(actor))
    if in_history(entity):
        raise ValidationError(
            _("“%(name)s” appears in the history of briefs; merge it into another entity instead.")
            % {"name": entity.name}
        )
    with editing(
        None,
        actor=actor,
        note=note,
        default_kind=RevisionKind.MINOR,
        default_note=_("Deleted %(name)s") % {"name": entity.name},
    ) as opened:
        bulk_delete_with_history(Entity.objects.filter(pk=entity.pk))
    return opened.revision


def merge_entities(survivor: Entity, duplicates: Iterable[Entity], *, actor, note=None) -> Revision | None:
    """Move every tagging of ``duplicates`` to ``survivor`` and fold their names into its aliases, as
    one recorded revision. The duplicates stay, marked as merged, so that history still names them and
    their pages lead to the survivor. Readers see the result, so it needs the publish permission."""
    rules.require(rules.may_merge_entities(actor), _("Only editors may merge entities."))
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        return None
    if survivor.merged_into_id or any(d.merged_into_id for d in duplicates):
        raise ValidationError(_("An entity that was merged already cannot be merged again."))
    names = ", ".join(d.name for d in duplicates)
    with editing(
        None,
        actor=actor,
        note=note,
        default_kind=RevisionKind.MINOR,
        default_note=_("Merged %(names)s") % {"names": names},
    ) as opened:
        dup_ids = [d.pk for d in duplicates]
        tagged = TaggedEntity.objects.filter(tag_id__in=dup_ids).values_list("content_object_id", flat=True)
        already = set(TaggedEntity.objects.filter(tag=survivor).values_list("content_object_id", flat=True))
        sections = set(tagged) - already
        bulk_delete_with_history(TaggedEntity.objects.filter(tag_id__in=dup_ids))
        bulk_create_with_history(
            [TaggedEntity(content_object_id=pk, tag=survivor) for pk in sorted(sections)], TaggedEntity
        )
        aliases = list(survivor.aliases)
        for dup in duplicates:
            for form in dup.surface_forms:
                if form != survivor.name and form not in aliases:
                    aliases.append(form)
        merged = list(Entity.objects.filter(pk__in=dup_ids))
        for dup in merged:
            dup.merged_into = survivor
        bulk_update_with_history(merged, Entity, ["merged_into"])
        # The duplicates' pages lead to the survivor's, which must answer if any of theirs did.
        dates = Entity.objects.filter(pk__in=[survivor.pk, *dup_ids]).values_list("first_shown_at", flat=True)
        _apply(
            survivor,
            {
                "aliases": aliases,
                "description": survivor.description
                or next((d.description for d in duplicates if d.description), ""),
                "wikidata_id": survivor.wikidata_id
                or next((d.wikidata_id for d in duplicates if d.wikidata_id), ""),
                "first_shown_at": min(filter(None, dates), default=None),
            },
        )
        opened.entity_shown_differently(survivor.pk)
    return opened.revision


# Withdrawal -----------------------------------------------------------------------------------------


def withdraw(
    brief: Brief,
    *,
    actor,
    note: str,
    reason: str = "",
    sections: Iterable[int] = (),
    notes: Iterable[Revision | int] = (),
    at=None,
) -> Revision:
    """Take earlier public text off public pages, for legal or safety reasons.

    The earlier wordings of ``sections`` (ids, current or deleted) stop appearing in readers' diffs, and
    the notes of the public revisions ``notes`` stop appearing anywhere public. The live text is changed
    the ordinary way, by an edit. The withdrawal is itself a public revision with ``note``, so the change
    log says that something was withdrawn and when; ``reason`` and the withdrawn text stay for staff."""
    rules.require(rules.may_publish(actor), _("Only editors may withdraw published text."))
    section_ids = sorted({int(pk) for pk in sections})
    note_ids = sorted({n.pk if isinstance(n, Revision) else int(n) for n in notes})
    if not section_ids and not note_ids:
        raise ValidationError(_("Choose the sections or notes to withdraw."))
    known_sections = set(Section.history.filter(brief_id=brief.pk).values_list("id", flat=True))
    if set(section_ids) - known_sections:
        raise ValidationError(_("Those sections are not part of this brief."))
    public_notes = brief.revisions.public().filter(pk__in=note_ids, note_withdrawn_at__isnull=True)
    if public_notes.count() != len(note_ids):
        raise ValidationError(_("Only public notes of this brief that are still shown can be withdrawn."))
    with editing(brief, actor=actor, note=note, kind=RevisionKind.WITHDRAWAL, at=at) as opened:
        rev = opened.record_public_change()
        withdrawal = Withdrawal.objects.create(
            revision=rev, reason=clean_text(reason), section_ids=section_ids
        )
        withdrawal.notes.set(note_ids)
        Revision.objects.filter(pk__in=note_ids).update(note_withdrawn_at=rev.created_at)
    return opened.revision


# Revert ---------------------------------------------------------------------------------------------


def revert_brief(brief: Brief, target: Revision | int, **revision_kwargs) -> Revision | None:
    """Bring title, dek, language, sections, their order, text, hidden flags and entities back to
    ``target``, recreating deleted sections under their old ids. Status and slug stay as they are:
    publishing and addresses are decisions of their own. The revert is a new Revision, written with
    the same number of queries whatever the size of the brief."""
    target_id = target.pk if isinstance(target, Revision) else int(target)
    if not Revision.objects.filter(pk=target_id, brief=brief).exists():
        raise ValidationError(_("That revision does not belong to this brief."))
    _require_brief(revision_kwargs, brief)
    with editing(
        brief, default_note=_("Reverted to revision #%(id)s") % {"id": target_id}, **revision_kwargs
    ) as opened:
        brief.refresh_from_db()
        wanted = state_as_of(brief, target_id)
        # A merged entity comes back as the entity it was merged into.
        entity_map = {
            pk: merged_into or pk
            for pk, merged_into in Entity.objects.filter(pk__in=wanted.entity_ids).values_list(
                "pk", "merged_into"
            )
        }
        plan = plan_revert(live_state(brief), wanted, entity_map=entity_map)
        _apply_plan(brief, plan)
    return opened.revision


def _apply_plan(brief: Brief, plan: RevertPlan) -> None:
    if plan.fields:
        _apply(brief, plan.fields)
    if plan.delete:
        _delete_sections(plan.delete)
    moving = [update.id for update in plan.update if "position" in update.changes]
    if moving:
        move_out_of_the_way(Section, moving, "position")
    if plan.create:
        bulk_create_with_history(
            [
                _new_section(brief, SectionInput(s.heading, s.body, s.hidden), s.position, pk=s.id)
                for s in plan.create
            ],
            Section,
        )
    if plan.update:
        changes = {update.id: update.changes for update in plan.update}
        sections = list(Section.objects.filter(pk__in=changes))
        for section in sections:
            for name, value in changes[section.pk].items():
                setattr(section, name, value)
            _prepare(section, changes[section.pk])
            _validated(section, exclude=["brief", "position"])
        bulk_update_with_history(
            sections,
            Section,
            ["heading", "body", "body_html", "body_text", "search_document", "hidden", "position"],
        )
    _retag(plan.tag, plan.untag)


# Retention ------------------------------------------------------------------------------------------


def prune_history(before) -> PrunePlan:
    """Delete what :func:`briefs.revisions.retention.plan_prune` finds prunable, in one transaction."""
    with transaction.atomic():
        plan = plan_prune(before)
        for model in TRACKED:
            ids = plan.rows.get(model.__name__)
            for start in range(0, len(ids or ()), 500):
                model.history.model.objects.filter(history_id__in=ids[start : start + 500]).delete()
        Revision.objects.filter(pk__in=plan.revisions).delete()
    return plan
