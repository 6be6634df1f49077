"""Admin forms. They validate input and carry the editor's intent; the services do the writing."""

from django import forms
from django.contrib.admin.widgets import AutocompleteSelectMultiple, RelatedFieldWidgetWrapper
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from .history import latest_revision
from .models import Brief, BriefStatus, Entity, RevisionKind, Section, TaggedEntity
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


class BriefAdminForm(UpdateNoteMixin, forms.ModelForm):
    """The brief's fields and the why of the change. A save is validated inside the revision that
    records it, under the brief's row lock, so the conflict check here is the one check."""

    expected_revision = forms.IntegerField(
        label=_("Revision you started from"), required=False, widget=forms.HiddenInput
    )

    class Meta:
        model = Brief
        fields = ["title", "slug", "dek", "language", "status", "collaborators"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
        if self.instance.pk:
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
