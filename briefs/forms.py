"""Admin forms. They validate input and carry the editor's intent; the services do the writing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .history import latest_revision
from .models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section, TaggedEntity
from .revisions.merge import Merged, merge_sequences, merge_set, merge_text, merge_value
from .revisions.state import BriefState, SectionState, live_sections, state_as_of
from .text import clean_line, clean_text, validate_section_body

# Which status a brief may move to from its current one; the services have no way back to draft.
STATUS_MOVES = {
    BriefStatus.DRAFT: [BriefStatus.DRAFT, BriefStatus.PUBLISHED],
    BriefStatus.PUBLISHED: [BriefStatus.PUBLISHED, BriefStatus.UNPUBLISHED],
    BriefStatus.UNPUBLISHED: [BriefStatus.UNPUBLISHED, BriefStatus.PUBLISHED],
}


def normalize_newlines(value: str) -> str:
    # Browsers submit textarea line breaks as CRLF; stored text uses LF, so an untouched field must
    # compare equal to what is stored and write no history. The services clean the same way.
    return clean_text(value)


class UpdateNoteMixin(forms.Form):
    """The why and the kind of a change; a note is required unless the change is minor."""

    update_kind = forms.ChoiceField(
        label=_("Kind of change"),
        choices=RevisionKind.choices,
        initial=RevisionKind.UPDATE,
        help_text=_("Corrections and clarifications are listed as such in the public change log."),
    )
    update_note = forms.CharField(
        label=_("Update note"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 80}),
        help_text=_("What changed and why. Readers see it unless the change is minor."),
    )

    note_required = True

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("update_kind")
        note = clean_text(cleaned.get("update_note") or "").strip()
        cleaned["update_note"] = note
        if self.note_required and kind and kind != RevisionKind.MINOR and not note:
            self.add_error("update_note", gettext("Write an update note, or mark the change as minor."))
        return cleaned


# The brief fields a save from an older form merges; sharing is not in the history, so it is not merged.
MERGED_BRIEF_FIELDS = ("title", "slug", "dek", "language", "status")
SECTION_FIELDS = ("heading", "body", "hidden")


def management_counts(data: QueryDict, prefix: str, limit: int) -> tuple[int, int] | None:
    """(total, initial) rows of an inline formset as submitted, within ``limit``; None if unusable."""
    try:
        total = min(int(data.get(f"{prefix}-TOTAL_FORMS", "")), limit)
        initial = min(int(data.get(f"{prefix}-INITIAL_FORMS", "")), total)
    except ValueError:
        return None
    return (total, initial) if initial >= 0 else None


def take_rows(data: QueryDict, prefix: str, total: int) -> dict[int, dict[str, list]]:
    """Remove the rows of an inline formset from ``data`` (mutable) and return them by index."""
    rows: dict[int, dict[str, list]] = {index: {} for index in range(total)}
    row_key = re.compile(rf"{re.escape(prefix)}-(\d+)-(.+)")
    for key in list(data):
        if match := row_key.fullmatch(key):
            values = data.pop(key)
            if int(match[1]) in rows:
                rows[int(match[1])][match[2]] = values
    return rows


def put_row(data: QueryDict, prefix: str, index: int, fields: dict[str, list]) -> None:
    for name, values in fields.items():
        data.setlist(f"{prefix}-{index}-{name}", values)


def row_id(fields: dict[str, list]) -> int | None:
    try:
        return int((fields.get("id") or [""])[0])
    except ValueError:
        return None


def existing_rows_first(data: QueryDict, prefix: str, limit: int) -> QueryDict:
    """The admin's script numbers rows by their place on the page when one is removed, so a new row
    moved above existing ones can take an existing row's number. Put the rows that name a section
    first again; their ``order`` values still say where each goes."""
    counts = management_counts(data, prefix, limit)
    if counts is None:
        return data
    named = [bool(data.get(f"{prefix}-{index}-id")) for index in range(counts[0])]
    if named == sorted(named, reverse=True):
        return data
    data = data.copy()
    rows = take_rows(data, prefix, counts[0])
    order = [i for i in rows if row_id(rows[i]) is not None] + [i for i in rows if row_id(rows[i]) is None]
    for new, old in enumerate(order):
        put_row(data, prefix, new, rows[old])
    data[f"{prefix}-INITIAL_FORMS"] = str(sum(named))
    return data


@dataclass
class SaveMerge:
    """A save from a form opened at revision ``base`` of a brief that someone else has saved since
    (``latest``). The brief form and the section rows merge what they carry three ways (what the
    editor started from, what is saved now, what the editor submits) and note where both sides changed
    the same thing differently. ``data`` is the submitted data rebased on ``latest``: where the form is
    shown again, every field that merged carries the merged value and the form carries ``latest``, so
    a second save cannot put back what the editor never changed."""

    brief: Brief
    base: BriefState
    latest: Revision
    data: QueryDict
    live: dict[int, SectionState] = field(default_factory=dict)
    # How many things both sides changed differently: any at all and nothing is saved.
    conflicts: int = 0
    # The sections in the editor's order, as ids, and ("new", n) for the editor's n-th new row.
    mine_order: list = field(default_factory=list)
    # Sections deleted by the others and changed by the editor, offered back as new rows: by token.
    restored_from: dict = field(default_factory=dict)
    # What each row of the rebased form stands for, in the same terms; and the merged order.
    tokens: list = field(default_factory=list)
    order: list = field(default_factory=list)

    @classmethod
    def for_post(cls, brief: Brief, post: QueryDict, latest: Revision | None) -> SaveMerge | None:
        """The merge a save needs, given the brief's ``latest`` revision; None when the form is current
        or its base is not a revision of this brief (then the form refuses the save, as it cannot know
        what the editor started from)."""
        try:
            seen = int(post.get("expected_revision", ""))
        except ValueError:
            return None
        if latest is None or seen >= latest.pk:
            return None
        # The revision the form showed, and the brief's next one: the form showed the brief as it stood
        # until then, changes without a brief (an entity merge) included.
        pair = list(
            Revision.objects.filter(brief=brief, pk__gte=seen).order_by("pk").values_list("pk", flat=True)[:2]
        )
        if pair[:1] != [seen]:
            return None
        data = post.copy()
        data["expected_revision"] = str(latest.pk)
        live = {section.id: section for section in live_sections(brief.pk)}
        return cls(brief, state_as_of(brief, pair[1] - 1), latest, data, live)

    @cached_property
    def base_sections(self) -> dict[int, SectionState]:
        return {section.id: section for section in self.base.sections}

    @property
    def who(self) -> str:
        return self.latest.actor_name

    def refuse(self, formset, message: str, **values) -> None:
        """A conflict about the sections as a whole, said above them."""
        formset.merge_errors.append(message % {"who": self.who, **values})
        self.conflicts += 1

    def conflict(self, form, name: str, theirs_shown: str) -> None:
        form.add_error(
            name,
            format_html(
                '{}<div class="merge-theirs"><span>{}</span> <q>{}</q></div>',
                gettext("%(who)s changed this too, after you opened the form.") % {"who": self.who},
                gettext("Their version:"),
                theirs_shown or "—",
            ),
        )
        self.conflicts += 1

    def set_data(self, key: str, value) -> None:
        if isinstance(value, bool):
            if value:
                self.data[key] = "on"
            else:
                self.data.pop(key, None)
        elif isinstance(value, list | tuple | set | frozenset):
            self.data.setlist(key, [str(item) for item in sorted(value)])
        else:
            self.data[key] = "" if value is None else str(value)

    # The brief's fields ---------------------------------------------------------------------------

    def merge_brief(self, form) -> dict:
        """The brief fields the editor changed, merged; conflicts become errors on their fields."""
        changes = {}
        for name in MERGED_BRIEF_FIELDS:
            if name not in form.cleaned_data or name not in form.fields:
                continue
            theirs = getattr(form.instance, name)
            merged = merge_value(self.base.fields.get(name), theirs, form.cleaned_data[name])
            if merged.conflict:
                self.conflict(form, name, str(theirs))
                continue
            if merged.mine_changed:
                changes[name] = merged.value
            self.set_data(form.add_prefix(name), merged.value)
        if "collaborators" in form.fields and "collaborators" in form.cleaned_data:
            self.check_sharing(form)
        return changes

    def check_sharing(self, form) -> None:
        """Sharing is not in the history, so what the editor started from is unknown: a list that
        differs from the current one is shown to the editor rather than merged or overwritten."""
        now = set(form.instance.collaborators.all())
        if set(form.cleaned_data["collaborators"]) == now:
            return
        names = ", ".join(sorted(user.get_username() for user in now)) or "—"
        form.add_error(
            "collaborators",
            gettext(
                "%(who)s saved this brief after you opened it, and sharing cannot be merged. It is now "
                "shared with: %(names)s. Save again to share it as this field says."
            )
            % {"who": self.who, "names": names},
        )
        self.conflicts += 1

    # The sections ---------------------------------------------------------------------------------

    @staticmethod
    def submitted_content(fields: dict[str, list]) -> tuple:
        """A row as submitted, in the terms of :meth:`content`, before any form cleans it."""

        def first(name):
            return (fields.get(name) or [""])[0]

        try:
            entities = frozenset(int(value) for value in fields.get("entities", []))
        except ValueError:
            return ()
        return (clean_line(first("heading")), clean_text(first("body")), bool(first("hidden")), entities)

    def prepare_sections(self, formset) -> None:
        """Before the rows are built, rebase them on the brief as it is now: one row per section now
        saved, in its order (the editor's row where the editor had one, the section as it is where
        someone else added it), then the editor's new rows. A section someone else deleted goes with
        the save if the editor left it as it was; if the editor changed it, it comes back as a new row
        for the editor to keep or remove."""
        prefix = formset.prefix
        counts = management_counts(self.data, prefix, formset.absolute_max)
        if counts is None:
            return  # the formset reports the broken management form itself
        submitted = take_rows(self.data, prefix, counts[0])
        by_id: dict[int, int] = {}
        new_rows: list[int] = []
        # By the section each row names, not by its number: see existing_rows_first.
        for index, fields in submitted.items():
            pk = row_id(fields)
            if pk is None:
                if fields:
                    new_rows.append(index)
                continue
            if pk in by_id:
                continue  # named twice: the first row stands
            if pk in self.live:
                by_id[pk] = index
                continue
            was = self.base_sections.get(pk)
            if was is None:
                continue  # not a section of this brief: left out
            if self.submitted_content(fields) != self.content(was) and not fields.get("DELETE"):
                new_rows.append(index)
                self.restored_from[("new", len(new_rows) - 1)] = pk

        def mine_key(item):
            index = item[1]
            try:
                return (int(submitted[index].get("order", [""])[0]), index)
            except ValueError:
                return (1_000_000, index)

        mine = [(pk, index) for pk, index in by_id.items() if not submitted[index].get("DELETE")]
        mine += [(("new", number), index) for number, index in enumerate(new_rows)]
        self.mine_order = [token for token, _index in sorted(mine, key=mine_key)]

        live_order = sorted(self.live.values(), key=lambda section: (section.position, section.id))
        self.tokens = []
        for position, section in enumerate(live_order):
            had = section.id in by_id
            fields = dict(submitted[by_id[section.id]]) if had else self.fields_of(section)
            fields["order"] = [str(position)]
            put_row(self.data, prefix, len(self.tokens), fields)
            self.tokens.append(section.id)
        for number, index in enumerate(new_rows):
            fields = {name: values for name, values in submitted[index].items() if name != "id"}
            put_row(self.data, prefix, len(self.tokens), fields)
            self.tokens.append(("new", number))
        self.data[f"{prefix}-INITIAL_FORMS"] = str(len(live_order))
        self.data[f"{prefix}-TOTAL_FORMS"] = str(len(self.tokens))

    def fields_of(self, section: SectionState) -> dict[str, list]:
        """A row for a section as it is now, as the form would submit it untouched."""
        fields = {
            "id": [str(section.id)],
            "brief": [str(self.brief.pk)],
            "heading": [section.heading],
            "body": [section.body],
            "entities": [str(pk) for pk in sorted(section.entity_ids)],
        }
        if section.hidden:
            fields["hidden"] = ["on"]
        return fields

    def merge_sections(self, formset) -> None:
        """Merge each row the editor had with what is saved now. Sets ``merged`` on each row: the
        fields to write, and the entities if they are to change."""
        for pk in self.restored_from.values():
            heading = self.base_sections[pk].heading or gettext("(untitled)")
            self.refuse(
                formset,
                gettext(
                    "%(who)s deleted the section “%(heading)s” after you opened the form. Your version "
                    "of it is below as a new section: save again to keep it, or remove it."
                ),
                heading=heading,
            )
        deleted = set()
        for index, row in enumerate(formset.forms):
            row.merged = {}
            token = self.tokens[index] if index < len(self.tokens) else None
            was, now = self.base_sections.get(token), self.live.get(token)
            if was is None or now is None:
                continue  # a new row, or a section someone else added: nothing of the editor's to merge
            # Not formset.deleted_forms, which is empty while any row has an error.
            if self.data.get(f"{row.prefix}-DELETE"):
                deleted.add(token)
                if self.content(now) != self.content(was):
                    heading = was.heading or gettext("(untitled)")
                    self.refuse(
                        formset,
                        gettext(
                            "%(who)s changed the section “%(heading)s” after you opened the form, "
                            "so it was not deleted. It now shows their version: save again to delete it."
                        ),
                        heading=heading,
                    )
                    put_row(self.data, formset.prefix, index, {**self.fields_of(now), "DELETE": ["on"]})
                    self.set_data(f"{row.prefix}-hidden", now.hidden)
                continue
            self.merge_row(row, was, now)
        self.merge_order(formset, deleted)

    @staticmethod
    def content(section: SectionState) -> tuple:
        return (section.heading, section.body, section.hidden, section.entity_ids)

    def merge_row(self, row, was: SectionState, now: SectionState) -> None:
        cleaned = getattr(row, "cleaned_data", None) or {}
        prefix = row.prefix
        # A body that failed its own checks is still merged, so that the form shown again carries
        # the other editor's paragraphs with it rather than only this editor's text.
        mine = {"body": clean_text(self.data.get(f"{prefix}-body", "")), **cleaned}
        for name, merge in (("heading", merge_value), ("body", merge_text), ("hidden", merge_value)):
            if name not in mine:
                continue
            theirs = getattr(now, name)
            merged: Merged = merge(getattr(was, name), theirs, mine[name])
            if merged.conflict:
                self.conflict(row, name, str(theirs))
                continue
            self.set_data(f"{prefix}-{name}", merged.value)
            if name not in cleaned:
                self.conflicts += 1  # the row's own error stands
                continue
            if name == "body" and merged.mine_changed:
                try:
                    validate_section_body(merged.value)
                except forms.ValidationError as error:
                    row.add_error("body", error)
                    self.conflicts += 1
                    continue
            if merged.mine_changed:
                row.merged[name] = merged.value
        if was.hidden and not row.merged.get("hidden", now.hidden):
            # A hidden section becomes visible with text one of the two has not seen: refuse.
            theirs_text = (now.heading, now.body) != (was.heading, was.body)
            if ({"heading", "body"} & row.merged.keys() and not now.hidden) or (
                theirs_text and row.merged.get("hidden") is False
            ):
                row.add_error(
                    None,
                    gettext(
                        "%(who)s saved this hidden section after you opened the form, and it would now "
                        "be shown to readers with text one of you has not seen. Check it, then save again."
                    )
                    % {"who": self.who},
                )
                self.conflicts += 1
        if "entities" in cleaned:
            entities = frozenset(entity.pk for entity in cleaned["entities"] or ())
            merged = merge_set(was.entity_ids, now.entity_ids, entities)
            if merged.mine_changed:
                row.merged["entities"] = merged.value
            self.set_data(f"{prefix}-entities", merged.value)

    def merge_order(self, formset, deleted: set) -> None:
        """The order of the sections, merged like paragraphs: a section each side moved or added keeps
        its place. If both moved the same stretch, theirs stands and the editor is told."""
        base = [section.id for section in self.base.sections]
        theirs = [token for token in self.tokens if isinstance(token, int)]
        # A restored section is placed after it is merged, where it stood: to diff3 it would look moved.
        mine = [token for token in self.mine_order if token not in self.restored_from]
        new = [
            token for token in self.tokens if not isinstance(token, int) and token not in self.restored_from
        ]
        expected = (set(theirs) - deleted) | set(new)
        merged = merge_sequences(base, theirs, mine)
        if merged is None or len(merged) != len(set(merged)) or set(merged) != expected:
            kept = set(mine)
            untouched = [token for token in base if token in kept] + [
                t for t in mine if not isinstance(t, int)
            ]
            if mine != untouched:
                self.refuse(
                    formset,
                    gettext(
                        "%(who)s changed the order of the sections after you opened the form. The "
                        "sections are now in their order: move them again if yours should stand."
                    ),
                )
            merged = [token for token in theirs if token not in deleted] + new
        for token, pk in self.restored_from.items():
            earlier = base[: base.index(pk)] if pk in base else []
            after = next((merged.index(t) + 1 for t in reversed(earlier) if t in merged), 0)
            merged.insert(after, token)
        self.order = merged
        positions = {token: position for position, token in enumerate(merged)}
        for index, token in enumerate(self.tokens):
            if token in positions:
                self.set_data(f"{formset.add_prefix(index)}-order", positions[token])


class BriefAdminForm(UpdateNoteMixin, forms.ModelForm):
    """The brief's fields and the why of the change. A save is validated inside the revision that
    records it, under the brief's row lock, so the conflict check here is the one check."""

    expected_revision = forms.IntegerField(
        label=_("Revision you started from"), required=False, widget=forms.HiddenInput
    )

    # Set by the admin on a save from a form opened at an older revision.
    merge: SaveMerge | None = None

    class Meta:
        model = Brief
        fields = ["title", "slug", "dek", "language", "status", "collaborators"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.merged_changes = {}
        if self.merge is not None:
            self.data = self.merge.data
            base_status = self.merge.base.fields.get("status")
            if self.data.get(self.add_prefix("status")) == base_status:
                # Left as it was: whatever status the brief has now is the one to keep, and the only
                # one the status choices below, made from the current status, are sure to allow.
                self.data[self.add_prefix("status")] = self.instance.status
        brief = self.instance
        self.original_status = brief.status if brief.pk else BriefStatus.DRAFT
        # Drafts may be saved without a note; published content needs one.
        self.note_required = bool(brief.pk) and brief.status == BriefStatus.PUBLISHED
        if "update_note" in self.fields:
            self.fields["update_note"].required = False
        if "status" in self.fields:
            # A new brief starts as a draft; publishing is a separate, permission-checked step.
            allowed = STATUS_MOVES[self.original_status] if brief.pk else [BriefStatus.DRAFT]
            self.fields["status"].choices = [(v, label) for v, label in BriefStatus.choices if v in allowed]
        if brief.pk and "expected_revision" in self.fields:
            self.fields["expected_revision"].initial = self.latest.pk if self.latest else None

    @cached_property
    def latest(self) -> Revision | None:
        """The brief's latest revision; the admin sets it when it has read it under the row lock."""
        return latest_revision(self.instance)

    def clean_title(self):
        return clean_line(self.cleaned_data["title"])

    def clean_dek(self):
        return normalize_newlines(self.cleaned_data["dek"]).strip()

    def clean_status(self):
        status = self.cleaned_data["status"]
        allowed = STATUS_MOVES[self.original_status] if self.instance.pk else [BriefStatus.DRAFT]
        if status not in allowed:
            raise forms.ValidationError(gettext("A brief cannot go back to draft."))
        return status

    def clean(self):
        cleaned = super().clean()
        if self.merge is not None:
            self.merged_changes = self.merge.merge_brief(self)
        elif self.instance.pk:
            latest = self.latest
            seen = cleaned.get("expected_revision")
            if latest and seen != latest.pk:
                self.add_error(None, conflict_message(self.instance, seen, latest))
                # The next save is a deliberate one: the editor has now seen the newer revision.
                self.data = self.data.copy()
                self.data[self.add_prefix("expected_revision")] = latest.pk
        return cleaned


def conflict_message(brief, seen, latest):
    who = latest.actor_name if latest else gettext("someone")
    when = timezone.localtime(latest.created_at).strftime("%Y-%m-%d %H:%M") if latest else ""
    url = reverse("admin:briefs_brief_compare", args=[brief.pk])
    query = f"?from={seen}&to={latest.pk}" if seen and latest else ""
    return format_html(
        '{} <a href="{}{}">{}</a>',
        gettext(
            "%(who)s changed this brief at %(when)s, after you opened it. Nothing was saved; your edits "
            "are still below. Review the other change, then save again to apply yours."
        )
        % {"who": who, "when": when},
        url,
        query,
        gettext("See what they changed"),
    )


class EntityWidgetWrapper(RelatedFieldWidgetWrapper):
    """The entity field with its add button. The button's title, "Add another %(model)s", takes the
    entity as the object of "add": in Lithuanian the accusative (objektą), not the verbose name."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["model"] = pgettext("object of a verb", "entity")
        return context


class EntityAutocomplete(AutocompleteSelectMultiple):
    """The admin's autocomplete, showing a form sent back with a value that is no entity id (a
    hand-made POST): the field reports the value; the widget would fail looking it up."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [item for item in value if str(item).isdigit()], attr)


class SectionAdminForm(forms.ModelForm):
    order = forms.IntegerField(
        label=pgettext_lazy("section", "Order"),
        required=False,
        widget=forms.HiddenInput(attrs={"class": "section-order"}),
    )
    entities = forms.ModelMultipleChoiceField(
        label=_("Entities"),
        queryset=Entity.objects.current(),
        required=False,
        help_text=_("Type a name or any inflected form, for example Putinu."),
    )

    class Meta:
        model = Section
        fields = ["heading", "body", "hidden"]
        widgets = {"body": forms.Textarea(attrs={"rows": 8, "cols": 80, "class": "section-body-input"})}

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["order"].initial = self.instance.position
            self.fields["entities"].initial = [t.tag_id for t in self.instance.tagged_entities.all()]
        if admin_site is not None:
            tag_field = TaggedEntity._meta.get_field("tag")
            self.fields["entities"].widget = EntityWidgetWrapper(
                EntityAutocomplete(tag_field, admin_site),
                tag_field.remote_field,
                admin_site,
                can_add_related=True,
                can_change_related=False,
                can_delete_related=False,
                can_view_related=False,
            )
            # Re-setting the queryset hands the new widget its choices.
            self.fields["entities"].queryset = self.fields["entities"].queryset

    def has_changed(self):
        if self.instance.pk is None:
            # The page's script numbers every row, an empty new one too: that alone is no new section.
            return any(name != "order" for name in self.changed_data)
        return super().has_changed()

    def clean_heading(self):
        return clean_line(self.cleaned_data["heading"])

    def clean_body(self):
        body = normalize_newlines(self.cleaned_data["body"])
        validate_section_body(body)
        return body


class AliasesField(forms.CharField):
    """Aliases edited one per line, stored as a JSON list."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return "\n".join(value)
        return value

    def to_python(self, value):
        if isinstance(value, list | tuple):
            return list(value)
        lines = [clean_line(line) for line in (value or "").splitlines()]
        seen, aliases = set(), []
        for line in lines:
            if line and line not in seen:
                seen.add(line)
                aliases.append(line)
        return aliases


class EntityAdminForm(forms.ModelForm):
    aliases = AliasesField(
        label=_("Aliases"),
        required=False,
        help_text=_("One per line: every surface form the text uses, including inflected ones."),
    )

    class Meta:
        model = Entity
        fields = ["name", "kind", "aliases", "description", "wikidata_id"]

    def clean_name(self):
        return clean_line(self.cleaned_data["name"])

    def clean_description(self):
        return clean_text(self.cleaned_data["description"]).strip()


class MergeEntitiesForm(forms.Form):
    survivor = forms.ModelChoiceField(
        label=_("Keep"), queryset=Entity.objects.none(), widget=forms.RadioSelect, empty_label=None
    )
    note = forms.CharField(label=_("Note"), required=False)

    def __init__(self, *args, entities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["survivor"].queryset = entities


class RevertForm(UpdateNoteMixin):
    def __init__(self, *args, default_note="", note_required=True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["update_note"].initial = default_note
        self.note_required = note_required


class WithdrawForm(forms.Form):
    """What to take off public pages, and why."""

    sections = forms.TypedMultipleChoiceField(
        label=_("Earlier wording of"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Readers will no longer see how these sections read before now."),
    )
    notes = forms.TypedMultipleChoiceField(
        label=_("Notes"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("These notes will no longer appear in the change log, the feeds or the structured data."),
    )
    note = forms.CharField(
        label=_("Note for readers"),
        max_length=500,
        initial=_("Text was withdrawn for legal reasons."),
        help_text=_("Shown in the public change log."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see this."),
    )

    def __init__(self, *args, sections=(), notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sections"].choices = list(sections)
        self.fields["notes"].choices = list(notes)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("sections") and not cleaned.get("notes"):
            raise forms.ValidationError(gettext("Choose the sections or notes to withdraw."))
        return cleaned
