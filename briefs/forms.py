"""Admin forms. They validate input and carry the editor's intent; the services do the writing."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

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
from .revisions.merge import Merged, merge_set, merge_text, merge_value
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
    # Where both sides changed the same thing differently (for the desk to count, not to show).
    conflicts: list[str] = field(default_factory=list)
    # Headings of sections deleted by the others and changed by the editor, offered back as new ones.
    restored: list[str] = field(default_factory=list)

    @classmethod
    def for_post(cls, brief: Brief, post: QueryDict) -> SaveMerge | None:
        """The merge a save needs, or None when the form is current or its base is not a revision of
        this brief (then the form refuses the save, as it cannot know what the editor started from)."""
        latest = latest_revision(brief)
        try:
            seen = int(post.get("expected_revision", ""))
        except ValueError:
            return None
        if latest is None or seen == latest.pk or seen > latest.pk:
            return None
        if not Revision.objects.filter(pk=seen, brief=brief).exists():
            return None
        data = post.copy()
        data["expected_revision"] = str(latest.pk)
        live = {section.id: section for section in live_sections(brief.pk)}
        return cls(brief, state_as_of(brief, seen), latest, data, live)

    @property
    def who(self) -> str:
        return self.latest.actor_name

    def conflict(self, form, name: str, theirs_shown: str, where: str) -> None:
        form.add_error(
            name,
            format_html(
                '{}<div class="merge-theirs"><span>{}</span> <q>{}</q></div>',
                gettext("%(who)s changed this too, after you opened the form.") % {"who": self.who},
                gettext("Their version:"),
                theirs_shown or "—",
            ),
        )
        self.conflicts.append(where)

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
                self.conflict(form, name, str(theirs), str(form.fields[name].label))
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
        self.conflicts.append("collaborators")

    # The sections ---------------------------------------------------------------------------------

    def submitted_id(self, formset, index: int) -> int | None:
        try:
            return int(self.data.get(f"{formset.add_prefix(index)}-id", ""))
        except ValueError:
            return None

    def submitted_row(self, prefix: str) -> tuple:
        """A row as submitted, in the terms of the stored section, before any form cleans it."""
        entities = set()
        for value in self.data.getlist(f"{prefix}-entities"):
            try:
                entities.add(int(value))
            except ValueError:
                return ()
        return (
            clean_line(self.data.get(f"{prefix}-heading", "")),
            clean_text(self.data.get(f"{prefix}-body", "")),
            bool(self.data.get(f"{prefix}-hidden")),
            frozenset(entities),
        )

    def prepare_sections(self, formset) -> None:
        """Before the rows are built, the sections someone else deleted since: one the editor left as
        it was goes with the save; one the editor changed comes back as a new section for the editor to
        keep or remove, since the admin shows no row for a section that no longer exists."""
        prefix = formset.prefix
        try:
            initial = int(self.data.get(f"{prefix}-INITIAL_FORMS", ""))
            total = int(self.data.get(f"{prefix}-TOTAL_FORMS", ""))
        except ValueError:
            return  # the formset reports the broken management form itself
        total = min(total, formset.absolute_max)
        moved = []
        for index in range(min(initial, total)):
            pk = self.submitted_id(formset, index)
            was = self.base.section(pk) if pk is not None else None
            row = f"{prefix}-{index}"
            if was is None or pk in self.live or self.data.get(f"{row}-DELETE"):
                continue
            if self.submitted_row(row) == (was.heading, was.body, was.hidden, was.entity_ids):
                self.data[f"{row}-DELETE"] = "on"
            else:
                moved.append(index)
                self.restored.append(was.heading or gettext("(untitled)"))
        if not moved:
            return
        order = [i for i in range(initial) if i not in moved] + moved + list(range(initial, total))
        row_key = re.compile(rf"{re.escape(prefix)}-(\d+)-(.+)")
        rows: dict[int, dict[str, list]] = {old: {} for old in order}
        for key in list(self.data):
            if match := row_key.fullmatch(key):
                old, name = int(match[1]), match[2]
                values = self.data.pop(key)
                if old in rows and not (old in moved and name == "id"):
                    rows[old][name] = values
        for new, old in enumerate(order):
            for name, values in rows[old].items():
                self.data.setlist(f"{prefix}-{new}-{name}", values)
        self.data[f"{prefix}-INITIAL_FORMS"] = str(initial - len(moved))

    def merge_sections(self, formset) -> None:
        """Merge each row the editor had with what is saved now. Sets ``merged`` on each row: the
        fields to write, and the entities if they are to change."""
        deleted = set(formset.deleted_forms)
        for heading in self.restored:
            self.conflicts.append(heading)
            formset.merge_errors.append(
                gettext(
                    "%(who)s deleted the section “%(heading)s” after you opened the form. Your version "
                    "of it is below as a new section: save again to keep it, or remove it."
                )
                % {"who": self.who, "heading": heading}
            )
        for index, row in enumerate(formset.forms):
            row.merged = {}
            pk = self.submitted_id(formset, index)
            was = self.base.section(pk) if pk is not None else None
            if was is None:
                continue  # a new row
            now = self.live.get(pk)
            heading = was.heading or gettext("(untitled)")
            if now is None:
                if row not in deleted:
                    self.conflicts.append(heading)
                    formset.merge_errors.append(
                        gettext(
                            "%(who)s deleted the section “%(heading)s” after you opened the form. "
                            "Your version is below: tick Delete to let it go, or copy your text into a "
                            "new section."
                        )
                        % {"who": self.who, "heading": heading}
                    )
                continue
            if row in deleted:
                if now != was:
                    self.conflicts.append(heading)
                    formset.merge_errors.append(
                        gettext(
                            "%(who)s changed the section “%(heading)s” after you opened the form, "
                            "so it was not deleted. Save again to delete it with their change."
                        )
                        % {"who": self.who, "heading": heading}
                    )
                continue
            cleaned = getattr(row, "cleaned_data", None) or {}
            prefix = row.prefix
            for name, merge in (("heading", merge_value), ("body", merge_text), ("hidden", merge_value)):
                if name not in cleaned:
                    continue
                theirs = getattr(now, name)
                merged: Merged = merge(getattr(was, name), theirs, cleaned[name])
                if merged.conflict:
                    self.conflict(row, name, str(theirs), heading)
                    continue
                if merged.mine_changed:
                    row.merged[name] = merged.value
                self.set_data(f"{prefix}-{name}", merged.value)
            if "entities" in cleaned:
                mine = frozenset(entity.pk for entity in cleaned["entities"] or ())
                merged = merge_set(was.entity_ids, now.entity_ids, mine)
                if merged.mine_changed:
                    row.merged["entities"] = merged.value
                self.set_data(f"{prefix}-entities", merged.value)
        self.merge_order(formset, deleted)

    def merge_order(self, formset, deleted) -> None:
        """The order of the sections: whoever changed it wins; if both did, it is a conflict."""
        rows = []
        for index, row in enumerate(formset.forms):
            cleaned = getattr(row, "cleaned_data", None) or {}
            pk = self.submitted_id(formset, index)
            if row in deleted or pk is None or pk not in self.live or self.base.section(pk) is None:
                continue
            order = cleaned.get("order")
            rows.append((order if order is not None else 1_000_000, index, pk))
        kept = {pk for _order, _index, pk in rows}
        base_order = [s.id for s in self.base.sections if s.id in kept]
        mine_order = [pk for _order, _index, pk in sorted(rows)]
        theirs_order = sorted(kept, key=lambda pk: (self.live[pk].position, pk))
        formset.keep_their_order = mine_order == base_order
        if mine_order != base_order and theirs_order != base_order and mine_order != theirs_order:
            self.conflicts.append("order")
            formset.merge_errors.append(
                gettext(
                    "%(who)s changed the order of the sections after you opened the form. The sections "
                    "are now in their order: move them again if yours should stand."
                )
                % {"who": self.who}
            )
            for _order, index, pk in rows:
                self.set_data(f"{formset.add_prefix(index)}-order", self.live[pk].position)


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
            latest = latest_revision(brief)
            self.fields["expected_revision"].initial = latest.pk if latest else None

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
            latest = latest_revision(self.instance)
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
                AutocompleteSelectMultiple(tag_field, admin_site),
                tag_field.remote_field,
                admin_site,
                can_add_related=True,
                can_change_related=False,
                can_delete_related=False,
                can_view_related=False,
            )
            # Re-setting the queryset hands the new widget its choices.
            self.fields["entities"].queryset = self.fields["entities"].queryset

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
