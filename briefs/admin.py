"""The editor desk in the Django admin. It collects the editor's intent and shows history; every write
goes through :mod:`briefs.services`, and every rule is theirs.

A POST to the brief form runs inside one revision, opened before the form is validated (as
django-reversion's ``VersionAdmin`` does): the brief's row is locked, so the form's conflict check is the
one check, and the brief, its sections and their entities are saved by the standard ``save_model`` and
``save_formset`` hooks into that one revision.
"""

import dataclasses
import json

from django.contrib import admin, messages
from django.contrib.admin import helpers, widgets
from django.contrib.admin.utils import unquote
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseBadRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from . import rules, services
from .desk import BriefDeskMixin, alias_index, suggestions_html
from .forms import (
    BriefAdminForm,
    EntityAdminForm,
    MergeEntitiesForm,
    SaveMerge,
    SectionAdminForm,
    existing_rows_first,
)
from .history import latest_revision
from .models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section

DESK_JS = "briefs/admin/desk.js"
DESK_CSS = "briefs/admin/desk.css"


class LabelledInlineAdminFormSet(helpers.InlineAdminFormSet):
    """An inline whose "Add another" button the inline names whole, in ``add_another_label``."""

    def inline_formset_data(self):
        data = json.loads(super().inline_formset_data())
        data["options"]["addText"] = str(self.opts.add_another_label)
        return json.dumps(data)


class DeskAdmin(admin.ModelAdmin):
    """What every model admin of the desk shares.

    The admin builds titles and labels by putting ``verbose_name`` into one generic sentence ("Add %s",
    "Select %s to change", "By %(filter_title)s"). Lithuanian declines the noun, so those sentences come
    out in the wrong case ("Pridėti santrauka"). Each admin of the desk names them whole in the
    attributes below, and the admin's own hooks put them in place; left empty, Django's sentence stays.
    """

    #: Titles of the add, change and view-only pages.
    add_title = change_title = view_title = None
    #: Titles of the list: to change, to view only, and in a popup window.
    changelist_title = changelist_view_title = changelist_popup_title = None
    #: The list's add button.
    add_label = None
    #: The number of rows under the list: ``ngettext_lazy(..., "count")``.
    count_label = None
    #: Heading of each list filter, by field: what follows "By" (Lithuanian "Pagal", accusative).
    filter_titles = {}
    #: The model's name as the object of "delete" on the delete page (Lithuanian: accusative).
    delete_object_name = None
    #: Description of the bulk delete action.
    delete_selected_label = None

    def changelist_view(self, request, extra_context=None):
        # PostgreSQL refuses NUL in text; a filter or search carrying one is a bad request, not a crash.
        if any(
            "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()
        ):
            return HttpResponseBadRequest(gettext("A NUL character is not allowed here."))
        labels = {"add_label": self.add_label} if self.add_label else {}
        return super().changelist_view(request, {**labels, **(extra_context or {})})

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if changelist.is_popup:
            title = self.changelist_popup_title
        elif self.has_change_permission(request):
            title = self.changelist_title
        else:
            title = self.changelist_view_title
        changelist.title = title or changelist.title
        # Read by admin/briefs/pagination.html.
        if self.count_label:
            changelist.count_label = self.count_label % {"count": changelist.result_count}
        for spec in changelist.filter_specs:
            spec.title = self.filter_titles.get(getattr(spec, "field_path", None), spec.title)
        return changelist

    def response_change(self, request, obj):
        if (merge := getattr(request, "briefs_merge", None)) is not None:
            messages.info(request, merge_message(merge, saved=True))
        return super().response_change(request, obj)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if add:
            title = self.add_title
        elif self.has_change_permission(request, obj):
            title = self.change_title
        else:
            title = self.view_title
        if title:
            # Also the last breadcrumb of the add page (admin/briefs/change_form.html).
            context["title"] = title
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_inline_formsets(self, request, formsets, inline_instances, obj=None):
        inline_admin_formsets = super().get_inline_formsets(request, formsets, inline_instances, obj)
        for inline_admin_formset in inline_admin_formsets:
            # The admin builds its InlineAdminFormSet itself; this one only words the button differently.
            if getattr(inline_admin_formset.opts, "add_another_label", None):
                inline_admin_formset.__class__ = LabelledInlineAdminFormSet
        return inline_admin_formsets

    def delete_view(self, request, object_id, extra_context=None):
        labels = {"object_name": self.delete_object_name} if self.delete_object_name else {}
        return super().delete_view(request, object_id, {**labels, **(extra_context or {})})

    def get_actions(self, request, action_location=None):
        # Django 6.1 says where the actions are shown, and warns about overrides that cannot be told;
        # 5.2 and 6.0 know no such argument.
        location = {} if action_location is None else {"action_location": action_location}
        actions = super().get_actions(request, **location)
        if self.delete_selected_label and "delete_selected" in actions:
            action = actions["delete_selected"]
            if isinstance(action, tuple):  # Django 5.2 and 6.0: (function, name, description)
                actions["delete_selected"] = (action[0], action[1], self.delete_selected_label)
            else:  # Django 6.1: an Action; the change list shows its plural description
                label = self.delete_selected_label
                actions["delete_selected"] = dataclasses.replace(
                    action, description=label, plural_description=label
                )
        return actions

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


def _order_key(cleaned, index):
    # Rows without an order value keep their place in the form, after the ordered ones.
    order = cleaned.get("order")
    return (order if order is not None else 1_000_000, index)


class SectionInline(admin.StackedInline):
    model = Section
    form = SectionAdminForm
    extra = 0
    fields = ["order", "heading", "body", "rendered", "entities", "suggested", "hidden", "review"]
    readonly_fields = ["rendered", "suggested", "review"]
    ordering = ["position"]
    classes = ["briefs-sections"]
    # Django's "Add another %(verbose_name)s" would leave the noun in the nominative in Lithuanian.
    add_another_label = _("Add another section")

    def get_queryset(self, request):
        return super().get_queryset(request).with_entities().select_related("last_reviewed_by")

    def _for_role(self, request, names):
        # Only editors may mark a section reviewed; reporters see the date without the button.
        if rules.may_publish(request.user):
            return list(names)
        return ["review_status" if name == "review" else name for name in names]

    def get_fields(self, request, obj=None):
        return self._for_role(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._for_role(request, super().get_readonly_fields(request, obj))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        site = self.admin_site

        merge = getattr(request, "briefs_merge", None)

        class SectionFormSet(formset):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.merge = merge
                self.merge_errors = []
                if merge is not None:
                    self.data = merge.data
                    merge.prepare_sections(self)
                elif self.is_bound:
                    self.data = existing_rows_first(self.data, self.prefix, self.absolute_max)

            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "admin_site": site}

            def clean(self):
                super().clean()
                if self.merge is not None:
                    self.merge.merge_sections(self)
                    if self.merge_errors:
                        raise ValidationError(self.merge_errors)

            def get_queryset(self):
                sections = super().get_queryset()
                if not getattr(self, "_indexed", False):
                    # One entity index for all sections of the page, for the suggestions. Iterating
                    # fills the queryset's cache, so the forms get these same instances.
                    self._indexed = True
                    index = alias_index(self.instance.language)
                    for section in sections:
                        section.alias_index = index
                return sections

        return SectionFormSet

    @admin.display(description=_("Preview"))
    def rendered(self, section):
        # body_html is sanitized by nh3 when the section is saved.
        return format_html('<div class="markdown-preview">{}</div>', mark_safe(section.body_html))

    @admin.display(description=_("Suggested entities"))
    def suggested(self, section):
        return suggestions_html(section)

    @admin.display(description=_("Last reviewed"))
    def review_status(self, section):
        if not section.pk:
            return "-"
        if section.last_reviewed_at:
            who = section.last_reviewed_by.get_username() if section.last_reviewed_by else "-"
            return gettext("%(when)s by %(who)s") % {
                "when": timezone.localtime(section.last_reviewed_at).strftime("%Y-%m-%d %H:%M"),
                "who": who,
            }
        return gettext("Never")

    @admin.display(description=_("Last reviewed"))
    def review(self, section):
        text = self.review_status(section)
        if not section.pk:
            return text
        url = reverse("admin:briefs_brief_mark_reviewed", args=[section.brief_id, section.pk])
        return format_html(
            '{} <button type="submit" class="button mark-reviewed" formaction="{}" formnovalidate>'
            "{}</button>",
            text,
            url,
            gettext("Mark reviewed"),
        )


def add_section_from(brief, cleaned, actor):
    """A new section from a row of the change form."""
    return services.add_section(
        brief,
        heading=cleaned["heading"],
        body=cleaned["body"],
        hidden=cleaned["hidden"],
        entities=list(cleaned.get("entities") or []),
        actor=actor,
    )


def apply_order(brief, wanted: list[int], actor) -> None:
    """Put the sections in the ``wanted`` order; any the form did not place keep theirs, after them."""
    current = list(brief.sections.order_by("position").values_list("pk", flat=True))
    wanted = wanted + [pk for pk in current if pk not in wanted]
    if wanted != current:
        services.reorder_sections(brief, wanted, actor=actor)


def merge_message(merge: SaveMerge, *, saved: bool):
    """What the editor is told when their save met another one."""
    when = timezone.localtime(merge.latest.created_at).strftime("%Y-%m-%d %H:%M")
    values = {"who": merge.who, "when": when}
    if saved:
        text = gettext(
            "%(who)s saved this brief at %(when)s, after you opened it. Your changes did not touch "
            "theirs, so both were saved together."
        )
        query = f"?from={merge.latest.pk}"
    elif not merge.conflicts:
        text = gettext(
            "%(who)s saved this brief at %(when)s, after you opened it. Nothing was saved yet: the form "
            "below carries their changes and yours."
        )
        query = f"?from={merge.base.revision_id}&to={merge.latest.pk}"
    else:
        text = gettext(
            "%(who)s changed this brief at %(when)s, after you opened it. Nothing was saved. Where you "
            "both changed the same thing, their version is shown beside yours: keep yours, take theirs "
            "or write a new one, then save again. Everything else below already carries both changes."
        )
        query = f"?from={merge.base.revision_id}&to={merge.latest.pk}"
    url = reverse("admin:briefs_brief_compare", args=[merge.brief.pk]) + query
    link = gettext("See what they changed") if not saved else gettext("See the combined change")
    return format_html('{} <a href="{}">{}</a>', text % values, url, link)


@admin.register(Brief)
class BriefAdmin(BriefDeskMixin, DeskAdmin):
    form = BriefAdminForm
    inlines = [SectionInline]
    list_display = ["title", "status", "first_published_at", "last_material_update_at"]
    list_filter = ["status", "language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish_selected", "unpublish_selected"]
    change_form_template = "admin/briefs/brief/change_form.html"
    change_list_template = "admin/briefs/brief/change_list.html"

    add_title = pgettext_lazy("page title", "Add brief")
    change_title = _("Change brief")
    view_title = _("View brief")
    changelist_title = _("Select brief to change")
    changelist_view_title = _("Select brief to view")
    changelist_popup_title = _("Select brief")
    add_label = pgettext_lazy("button", "Add brief")
    count_label = ngettext_lazy("%(count)s brief", "%(count)s briefs", "count")
    filter_titles = {
        "status": pgettext_lazy("list filter: by …", "status"),
        "language": pgettext_lazy("list filter: by …", "language"),
    }

    class Media:
        js = [DESK_JS]
        css = {"all": [DESK_CSS]}

    filter_horizontal = ["collaborators"]

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["title", "slug", "dek", "language", "status", "collaborators"]})
        note = (
            _("This change"),
            {
                "fields": ["update_kind", "update_note", "expected_revision"],
                "description": _("Required when the brief is published: readers see the note."),
            },
        )
        return [main, note]

    def get_queryset(self, request):
        return Brief.objects.visible_to(request.user)

    def has_publish_permission(self, request):
        return rules.may_publish(request.user)

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or rules.may_edit_brief(request.user, obj))

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and not rules.may_share_brief(request.user, obj):
            return ["collaborators"]
        return []

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "collaborators":
            kwargs["queryset"] = get_user_model().objects.filter(is_staff=True, is_active=True)
            # The selector names what it lists in its headings and buttons ("Available %s").
            kwargs["widget"] = widgets.FilteredSelectMultiple(
                pgettext_lazy("people a brief may be shared with", "staff"), is_stacked=False
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        # Revisions and their history rows outlive any edit; a brief leaves readers by unpublishing.
        return False

    # Saving ------------------------------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if not hasattr(request, "briefs_latest"):
            return form
        # Read once, under the row lock, for the merge and for the form's own check.
        attributes = {"merge": request.briefs_merge, "latest": request.briefs_latest}
        return type(form.__name__, (form,), attributes)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        brief = self.get_object(request, unquote(object_id)) if object_id else None
        # Markdown is rendered before the brief is locked, so that other savers never wait for it.
        services.prerender(
            value
            for key, value in request.POST.items()
            if key.startswith("sections-") and key.endswith("-body")
        )
        with services.editing(brief, actor=request.user):
            if brief is not None:
                # Under the row lock: what the others saved cannot change while the save is merged.
                request.briefs_latest = latest_revision(brief)
                request.briefs_merge = SaveMerge.for_post(brief, request.POST, request.briefs_latest)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk and self.has_change_permission(request, obj):
            context.update(self.editing_context(request, obj))
        merge = getattr(request, "briefs_merge", None)
        if merge is not None:
            # The save was refused (a conflict or another error): the form now carries both changes.
            messages.warning(request, merge_message(merge, saved=False))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        kind = data.get("update_kind") or RevisionKind.UPDATE
        note = data.get("update_note") or None
        if change and note is None and kind != RevisionKind.MINOR and obj.status != BriefStatus.PUBLISHED:
            # Drafts need no note for readers; the timeline still says something.
            note = gettext("Edited")
        services.current_revision().describe(note=note, kind=kind)
        if not change:
            services.add_brief(obj, actor=request.user)
            if data.get("collaborators"):
                services.share_brief(obj, data["collaborators"], actor=request.user)
            return
        brief = Brief.objects.get(pk=obj.pk)
        if "collaborators" in form.changed_data:
            services.share_brief(brief, data["collaborators"], actor=request.user)
        if form.merge is not None:
            changed = form.merged_changes
            services.current_revision().record_merge(form.merge.latest)
        else:
            changed = {name: data[name] for name in form.changed_data}
        changes = {name: value for name, value in changed.items() if name in services.BRIEF_EDITABLE_FIELDS}
        if changes:
            services.update_brief(brief, actor=request.user, **changes)
        if "status" in changed:
            if data["status"] == BriefStatus.PUBLISHED:
                services.publish_brief(brief, actor=request.user)
            elif data["status"] == BriefStatus.UNPUBLISHED:
                services.unpublish_brief(brief, actor=request.user)

    def save_related(self, request, form, formsets, change):
        # Not form.save_m2m(): sharing went through the services in save_model.
        for formset in formsets:
            self.save_formset(request, form, formset, change=change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not Section:
            return super().save_formset(request, form, formset, change)
        if formset.merge is not None:
            return self.save_merged_sections(request, form, formset)
        brief = form.instance
        actor = request.user
        # The rows' instances already carry the submitted values: the services get the stored ones.
        live = brief.sections.in_bulk()
        deleted = set(formset.deleted_forms)
        placed = []
        for index, row in enumerate(formset.forms):
            cleaned = getattr(row, "cleaned_data", None)
            if not cleaned:
                continue
            section = live.get(row.instance.pk) if row.instance.pk else None
            if row in deleted:
                if section is not None:
                    live.pop(section.pk)
                    services.delete_section(section, actor=actor)
                continue
            if section is None:
                if not row.has_changed():
                    continue
                section = add_section_from(brief, cleaned, actor)
            else:
                changes = {
                    name: cleaned[name]
                    for name in services.SECTION_EDITABLE_FIELDS
                    if name in row.changed_data
                }
                if changes:
                    services.edit_section(section, actor=actor, **changes)
                if "entities" in row.changed_data:
                    services.set_entities(section, list(cleaned.get("entities") or []), actor=actor)
            placed.append((_order_key(cleaned, index), section.pk))

        apply_order(brief, [pk for _key, pk in sorted(placed)], actor)

    def save_merged_sections(self, request, form, formset):
        """A save merged with another (see :class:`~briefs.forms.SaveMerge`): the rows stand for the
        sections as they are now; only what this editor changed is written, and the order merged."""
        brief, actor, merge = form.instance, request.user, formset.merge
        live = brief.sections.in_bulk()
        deleted = set(formset.deleted_forms)
        placed = {}
        for row, token in zip(formset.forms, merge.tokens, strict=False):
            cleaned = getattr(row, "cleaned_data", None)
            if not cleaned:
                continue
            if not isinstance(token, int):
                if row not in deleted and row.has_changed():
                    placed[token] = add_section_from(brief, cleaned, actor).pk
                continue
            section = live.get(token)
            if section is None:
                continue
            if row in deleted:
                services.delete_section(section, actor=actor)
                continue
            changes = {name: value for name, value in row.merged.items() if name != "entities"}
            if changes:
                services.edit_section(section, actor=actor, **changes)
            if "entities" in row.merged:
                entities = list(Entity.objects.filter(pk__in=row.merged["entities"]))
                services.set_entities(section, entities, actor=actor)
            placed[token] = section.pk
        apply_order(brief, [placed[token] for token in merge.order if token in placed], actor)

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets were applied through the services, not formset.save(); describe the brief form.
        return super().construct_change_message(request, form, [], add)

    # Actions -----------------------------------------------------------------------------------

    @admin.action(description=_("Publish selected briefs"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for brief in queryset:
            if brief.status != BriefStatus.PUBLISHED:
                services.publish_brief(brief, actor=request.user)
                count += 1
        self.message_user(request, gettext("Published %(count)d briefs.") % {"count": count})

    @admin.action(description=_("Unpublish selected briefs"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for brief in queryset:
            if brief.status == BriefStatus.PUBLISHED:
                services.unpublish_brief(brief, actor=request.user)
                count += 1
        self.message_user(request, gettext("Unpublished %(count)d briefs.") % {"count": count})


@admin.register(Entity)
class EntityAdmin(DeskAdmin):
    form = EntityAdminForm
    list_display = ["name", "kind", "alias_list", "wikidata_id", "section_count", "merged_into"]
    list_filter = ["kind", ("merged_into", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    # Explicit, because the section count's GROUP BY sets the model's default ordering aside.
    ordering = ["name", "kind"]
    actions = ["merge_selected"]

    add_title = pgettext_lazy("page title", "Add entity")
    change_title = _("Change entity")
    view_title = _("View entity")
    changelist_title = _("Select entity to change")
    changelist_view_title = _("Select entity to view")
    changelist_popup_title = _("Select entity")
    add_label = pgettext_lazy("button", "Add entity")
    count_label = ngettext_lazy("%(count)s entity", "%(count)s entities", "count")
    filter_titles = {
        "kind": pgettext_lazy("list filter: by …", "kind"),
        "merged_into": pgettext_lazy("list filter: by …", "merged into"),
    }
    delete_object_name = pgettext_lazy("object of a verb", "entity")
    delete_selected_label = _("Delete selected entities")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(section_count=Count("taggings"))

    def has_delete_permission(self, request, obj=None):
        # An entity that history mentions stays, so that every revision still names it.
        if obj is not None and services.in_history(obj):
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("Aliases"))
    def alias_list(self, entity):
        return ", ".join(entity.aliases)

    @admin.display(description=_("Sections"), ordering="section_count")
    def section_count(self, entity):
        return entity.section_count

    def get_search_results(self, request, queryset, search_term):
        """Names, slugs and aliases. Aliases are a JSON list; the term is also matched in its JSON
        escaped form, because SQLite stores non-ASCII letters as \\u escapes."""
        if "field_name" in request.GET:
            # The tag field's autocomplete: merged entities are no longer offered.
            queryset = queryset.current()
        search_term = search_term.replace("\x00", "")
        base = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            escaped = json.dumps(term)[1:-1]
            queryset = queryset | base.filter(Q(aliases__icontains=term) | Q(aliases__icontains=escaped))
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            services.add_entity(obj, actor=request.user)
            return
        changes = {
            name: form.cleaned_data[name] for name in form.changed_data if name in EntityAdminForm.Meta.fields
        }
        if changes:
            services.update_entity(Entity.objects.get(pk=obj.pk), actor=request.user, **changes)

    def save_related(self, request, form, formsets, change):
        """Entities have no inlines; taggings are edited on the brief."""

    def delete_model(self, request, obj):
        services.delete_entity(obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        note = gettext("Deleted entities")
        with services.editing(None, actor=request.user, kind=RevisionKind.MINOR, default_note=note):
            for entity in queryset:
                services.delete_entity(entity, actor=request.user)

    def has_merge_permission(self, request):
        return rules.may_merge_entities(request.user)

    @admin.action(description=_("Merge selected entities"), permissions=["merge"])
    def merge_selected(self, request, queryset):
        if queryset.count() < 2:
            self.message_user(request, gettext("Select at least two entities to merge."), messages.WARNING)
            return None
        form = MergeEntitiesForm(request.POST if "apply" in request.POST else None, entities=queryset)
        if form.is_valid():
            survivor = form.cleaned_data["survivor"]
            services.merge_entities(
                survivor,
                list(queryset.exclude(pk=survivor.pk)),
                actor=request.user,
                note=form.cleaned_data["note"] or None,
            )
            self.message_user(request, gettext("Merged into %(name)s.") % {"name": survivor.name})
            return None
        return TemplateResponse(
            request,
            "admin/briefs/entity/merge.html",
            {
                **self.admin_site.each_context(request),
                "title": gettext("Merge entities"),
                "opts": self.opts,
                "form": form,
                "entities": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )


@admin.register(Revision)
class RevisionAdmin(DeskAdmin):
    list_display = ["number", "brief", "kind", "created_at", "user", "is_public", "note"]
    list_filter = ["kind", "is_public"]
    list_select_related = ["brief", "user"]

    view_title = _("View revision")
    changelist_title = _("Select revision to change")
    changelist_view_title = _("Select revision to view")
    changelist_popup_title = _("Select revision")
    count_label = ngettext_lazy("%(count)s revision", "%(count)s revisions", "count")
    filter_titles = {
        "kind": pgettext_lazy("list filter: by …", "kind"),
        "is_public": pgettext_lazy("list filter: by …", "public"),
    }

    @admin.display(description=_("Revision"), ordering="pk")
    def number(self, revision):
        return f"#{revision.pk}"

    def get_queryset(self, request):
        # Only revisions of briefs this user may see, and shared entity changes.
        visible = Brief.objects.visible_to(request.user).values("pk")
        queryset = super().get_queryset(request).filter(Q(brief__isnull=True) | Q(brief__in=visible))
        if not request.user.has_perm("briefs.view_brief"):
            # Without access to the briefs themselves, only what readers see in the change log.
            queryset = queryset.filter(is_public=True)
        return queryset

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
