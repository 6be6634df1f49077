"""Every write to a brief goes through here: admin, management commands and tests alike.

Each public function runs in one transaction inside one Revision (see :func:`briefs.history.revision`).
Called inside an open ``revision()`` block they join it, so an admin save that touches the brief, five
sections and their entities is still one Revision. Keyword arguments ``user``, ``note``, ``kind``,
``public`` and ``expected_revision`` are passed to the revision.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from .history import (
    EditConflict,
    bulk_create_with_history,
    bulk_delete_with_history,
    move_out_of_the_way,
    revision,
)
from .models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section, TaggedEntity
from .state import live_state, state_as_of

__all__ = [
    "EditConflict",
    "SectionInput",
    "add_section",
    "can_publish",
    "create_brief",
    "create_entity",
    "delete_section",
    "edit_section",
    "mark_reviewed",
    "merge_entities",
    "publish_brief",
    "reorder_sections",
    "revert_brief",
    "revision",
    "set_entities",
    "unpublish_brief",
    "update_brief",
    "update_entity",
]

BRIEF_EDITABLE_FIELDS = ("title", "slug", "dek", "language")
SECTION_EDITABLE_FIELDS = ("heading", "body", "hidden")


@dataclass
class SectionInput:
    heading: str = ""
    body: str = ""
    hidden: bool = False
    entities: Sequence[Entity] = field(default_factory=tuple)


def can_publish(user) -> bool:
    return bool(user and user.has_perm("briefs.publish_brief"))


def _require_publisher(user):
    """Commands and tests pass ``user=None`` as the system; a named user needs the permission."""
    if user is not None and not can_publish(user):
        raise PermissionDenied(_("Only editors with the publish permission may change what readers see."))


def _validated(instance, exclude=()):
    instance.full_clean(exclude=list(exclude), validate_constraints=True)
    return instance


# Briefs ---------------------------------------------------------------------------------------------


def create_brief(
    *,
    title: str,
    slug: str = "",
    dek: str = "",
    language: str = "lt",
    sections: Iterable[SectionInput] = (),
    user=None,
    note: str = "",
    kind: str = RevisionKind.UPDATE,
    at=None,
) -> Brief:
    """A new draft brief with its sections, in one Revision."""
    brief = Brief(title=title.strip(), slug=slug or slugify(title)[:100], dek=dek, language=language)
    _validated(brief)
    with revision(None, user=user, note=note or _("Created"), kind=kind, at=at) as opened:
        brief.save()
        opened.revision.brief = brief
        opened.revision.save(update_fields=["brief"])
        for position, section in enumerate(sections):
            _add_section(brief, section, position)
    return brief


def update_brief(brief: Brief, **changes) -> Revision | None:
    """Change title, slug, dek or language. Unchanged values write no history."""
    revision_kwargs = _pop_revision_kwargs(changes)
    unknown = set(changes) - set(BRIEF_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"update_brief() cannot change {', '.join(sorted(unknown))}")
    with revision(brief, **revision_kwargs) as opened:
        if brief.is_published:
            _require_publisher(revision_kwargs.get("user"))
        _apply(brief, changes)
    return opened.revision


def publish_brief(brief: Brief, **revision_kwargs) -> Revision | None:
    _require_publisher(revision_kwargs.get("user"))
    revision_kwargs.setdefault("note", _("Published"))
    with revision(brief, public=True, **revision_kwargs) as opened:
        fields = {"status": BriefStatus.PUBLISHED}
        if brief.first_published_at is None:
            fields["first_published_at"] = opened.revision.created_at
        _apply(brief, fields)
    return opened.revision


def unpublish_brief(brief: Brief, **revision_kwargs) -> Revision | None:
    _require_publisher(revision_kwargs.get("user"))
    revision_kwargs.setdefault("note", _("Unpublished"))
    with revision(brief, public=False, **revision_kwargs) as opened:
        _apply(brief, {"status": BriefStatus.UNPUBLISHED})
    return opened.revision


def _apply(instance, changes: dict) -> bool:
    """Set and save the fields that really change; return whether anything did."""
    dirty = [name for name, value in changes.items() if getattr(instance, name) != value]
    if not dirty:
        return False
    for name in dirty:
        setattr(instance, name, changes[name])
    _validated(instance, exclude=[f.name for f in instance._meta.fields if f.name not in dirty])
    instance.save()
    return True


def _pop_revision_kwargs(kwargs: dict) -> dict:
    names = ("user", "note", "kind", "public", "expected_revision", "at")
    return {name: kwargs.pop(name) for name in names if name in kwargs}


# Sections -------------------------------------------------------------------------------------------


def _add_section(brief: Brief, data: SectionInput, position: int) -> Section:
    section = Section(
        brief=brief, position=position, heading=data.heading.strip(), body=data.body, hidden=data.hidden
    )
    _validated(section, exclude=["brief"])
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
    """Add a section at ``position`` (default: last). Reporters may only add hidden sections to a
    published brief."""
    with revision(brief, **revision_kwargs):
        if brief.is_published and not hidden:
            _require_publisher(revision_kwargs.get("user"))
        order = list(brief.sections.order_by("position").values_list("pk", flat=True))
        section = _add_section(
            brief, SectionInput(heading, body, hidden, entities), position=_free_position(brief)
        )
        if position is not None and position < len(order):
            order.insert(max(position, 0), section.pk)
            _reorder(brief, order)
    return section


def _free_position(brief: Brief) -> int:
    last = brief.sections.order_by("-position").values_list("position", flat=True).first()
    return 0 if last is None else last + 1


def edit_section(section: Section, **changes) -> Revision | None:
    """Change heading, body or hidden. Unchanged values write no history."""
    revision_kwargs = _pop_revision_kwargs(changes)
    unknown = set(changes) - set(SECTION_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"edit_section() cannot change {', '.join(sorted(unknown))}")
    with revision(section.brief, **revision_kwargs) as opened:
        if section.brief.is_published and (not section.hidden or changes.get("hidden") is False):
            # Text readers see, or making a hidden section visible, is a publishing decision.
            _require_publisher(revision_kwargs.get("user"))
        _apply(section, changes)
    return opened.revision


def delete_section(section: Section, **revision_kwargs) -> Revision | None:
    brief = section.brief
    with revision(brief, **revision_kwargs) as opened:
        if brief.is_published and not section.hidden:
            _require_publisher(revision_kwargs.get("user"))
        section.delete()
        remaining = list(brief.sections.order_by("position").values_list("pk", flat=True))
        _reorder(brief, remaining)
    return opened.revision


def reorder_sections(brief: Brief, order: Sequence[int], **revision_kwargs) -> Revision | None:
    """Put the brief's sections in the order of the given ids; every section must be listed once."""
    with revision(brief, **revision_kwargs) as opened:
        if brief.is_published:
            _require_publisher(revision_kwargs.get("user"))
        current = set(brief.sections.values_list("pk", flat=True))
        order = [int(pk) for pk in order]
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
    sections = {s.pk: s for s in brief.sections.filter(pk__in=moving)}
    for index, pk in enumerate(order):
        if pk in sections:
            sections[pk].position = index
            sections[pk].save(update_fields=["position"])


def mark_reviewed(section: Section, *, user, at=None) -> None:
    """Confirm a section is still accurate. Not an editorial change: no Revision, no history row."""
    section.last_reviewed_at = at or timezone.now()
    section.last_reviewed_by = user
    section.save_without_historical_record(update_fields=["last_reviewed_at", "last_reviewed_by"])


# Entities -------------------------------------------------------------------------------------------


def set_entities(section: Section, entities: Iterable[Entity], **revision_kwargs) -> Revision | None:
    """Make ``entities`` exactly the section's tags, in a bounded number of queries."""
    with revision(section.brief, **revision_kwargs) as opened:
        if section.brief.is_published and not section.hidden:
            _require_publisher(revision_kwargs.get("user"))
        _set_entities(section, entities)
    return opened.revision


def _set_entities(section: Section, entities: Iterable[Entity | int]) -> None:
    wanted = {e.pk if isinstance(e, Entity) else int(e) for e in entities}
    current = set(section.tagged_entities.values_list("tag_id", flat=True))
    removed = current - wanted
    if removed:
        bulk_delete_with_history(TaggedEntity.objects.filter(content_object=section, tag_id__in=removed))
    added = sorted(wanted - current)
    if added:
        bulk_create_with_history(
            [TaggedEntity(content_object=section, tag_id=pk) for pk in added], TaggedEntity
        )
    if hasattr(section, "_prefetched_objects_cache"):
        section._prefetched_objects_cache.pop("tagged_entities", None)


def create_entity(
    *, name: str, kind: str, aliases=(), description="", wikidata_id="", slug="", user=None, note=""
) -> Entity:
    entity = Entity(
        name=name.strip(),
        kind=kind,
        aliases=[a.strip() for a in aliases if a.strip()],
        description=description,
        wikidata_id=wikidata_id,
        slug=slug,
    )
    _validated(entity, exclude=["slug"] if not slug else [])
    with revision(None, user=user, note=note or _("Entity created"), kind=RevisionKind.MINOR):
        entity.save()
    return entity


def update_entity(entity: Entity, *, user=None, note="", **changes) -> Revision | None:
    with revision(None, user=user, note=note or _("Entity edited"), kind=RevisionKind.MINOR) as opened:
        _apply(entity, changes)
    return opened.revision


def merge_entities(survivor: Entity, duplicates: Iterable[Entity], *, user=None, note="") -> Revision | None:
    """Move every tagging of ``duplicates`` to ``survivor``, fold their names into its aliases and
    delete them, as one recorded revision."""
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        return None
    names = ", ".join(d.name for d in duplicates)
    with revision(
        None, user=user, note=note or _("Merged %(names)s") % {"names": names}, kind=RevisionKind.MINOR
    ) as opened:
        dup_ids = [d.pk for d in duplicates]
        taggings = list(TaggedEntity.objects.filter(tag_id__in=dup_ids))
        already = set(TaggedEntity.objects.filter(tag=survivor).values_list("content_object_id", flat=True))
        moved = {t.content_object_id for t in taggings} - already
        bulk_delete_with_history(TaggedEntity.objects.filter(tag_id__in=dup_ids))
        bulk_create_with_history(
            [TaggedEntity(content_object_id=pk, tag=survivor) for pk in sorted(moved)], TaggedEntity
        )
        aliases = list(survivor.aliases)
        for dup in duplicates:
            for form in dup.surface_forms:
                if form != survivor.name and form not in aliases:
                    aliases.append(form)
        for dup in duplicates:
            dup.delete()
        _apply(
            survivor,
            {
                "aliases": aliases,
                "description": survivor.description
                or next((d.description for d in duplicates if d.description), ""),
                "wikidata_id": survivor.wikidata_id
                or next((d.wikidata_id for d in duplicates if d.wikidata_id), ""),
            },
        )
    return opened.revision


# Revert ---------------------------------------------------------------------------------------------


def revert_brief(brief: Brief, target: Revision | int, **revision_kwargs) -> Revision | None:
    """Bring title, dek, language, sections, their order, text, hidden flags and entities back to
    ``target``, recreating deleted sections under their old ids. Status and slug stay as they are:
    publishing and addresses are decisions of their own. The revert is a new Revision."""
    target_id = target.pk if isinstance(target, Revision) else int(target)
    if not Revision.objects.filter(pk=target_id, brief=brief).exists():
        raise ValidationError(_("That revision does not belong to this brief."))
    revision_kwargs.setdefault("note", _("Reverted to revision #%(id)s") % {"id": target_id})
    with revision(brief, **revision_kwargs) as opened:
        if brief.is_published:
            _require_publisher(revision_kwargs.get("user"))
        wanted = state_as_of(brief, target_id)
        current = live_state(brief)
        _apply(brief, {name: wanted.fields[name] for name in ("title", "dek", "language")})

        wanted_ids = {s.id for s in wanted.sections}
        for section in brief.sections.exclude(pk__in=wanted_ids):
            section.delete()
        live = {s.pk: s for s in brief.sections.all()}
        for state in wanted.sections:
            if state.id not in live:
                section = Section(
                    id=state.id,
                    brief=brief,
                    position=_free_position(brief),
                    heading=state.heading,
                    body=state.body,
                    hidden=state.hidden,
                )
                section.save(force_insert=True)
                live[state.id] = section
            else:
                _apply(live[state.id], {"heading": state.heading, "body": state.body, "hidden": state.hidden})
        _reorder(brief, [s.id for s in wanted.sections])
        existing_entities = set(Entity.objects.filter(pk__in=wanted.entity_ids).values_list("pk", flat=True))
        current_entities = {s.id: s.entity_ids for s in current.sections}
        for state in wanted.sections:
            target_entities = state.entity_ids & existing_entities
            if target_entities != current_entities.get(state.id, frozenset()):
                _set_entities(live[state.id], target_entities)
    return opened.revision
