"""The editor desk. Every save goes through :mod:`briefs.services` inside one Revision; the admin
only collects the editor's intent and shows history."""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import admin_views, services
from .forms import BriefAdminForm, EntityAdminForm, MergeEntitiesForm, SectionAdminForm
from .history import EditConflict, revision
from .models import Brief, BriefStatus, Entity, Revision, RevisionKind, Section, TaggedEntity

DESK_JS = "briefs/admin/desk.js"
DESK_CSS = "briefs/admin/desk.css"


def _live_sections(brief):
    """The brief's sections by id, and the entity ids each is tagged with: two queries."""
    live = {s.pk: s for s in brief.sections.all()}
    tagged: dict[int, set[int]] = {}
    for section_id, tag_id in TaggedEntity.objects.filter(content_object__brief=brief).values_list(
        "content_object_id", "tag_id"
    ):
        tagged.setdefault(section_id, set()).add(tag_id)
    return live, tagged


def _inline_rows(formset, live):
    """``(index, form, cleaned_data, live section or None, marked for deletion)`` for each valid row."""
    for index, form in enumerate(formset.forms):
        cleaned = getattr(form, "cleaned_data", None)
        if not cleaned:
            continue
        original = live.get(form.instance.pk) if form.instance.pk else None
        yield index, form, cleaned, original, formset.can_delete and formset._should_delete_form(form)


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

    def get_queryset(self, request):
        return super().get_queryset(request).with_entities().select_related("last_reviewed_by")

    def _for_role(self, request, names):
        # Only editors may mark a section reviewed; reporters see the date without the button.
        if services.can_publish(request.user):
            return list(names)
        return ["review_status" if name == "review" else name for name in names]

    def get_fields(self, request, obj=None):
        return self._for_role(request, super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._for_role(request, super().get_readonly_fields(request, obj))

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        site = self.admin_site

        class SectionFormSet(formset):
            def get_form_kwargs(self, index):
                return {**super().get_form_kwargs(index), "admin_site": site}

            def get_queryset(self):
                sections = super().get_queryset()
                if not getattr(self, "_indexed", False):
                    # One entity index for all sections of the page, for the suggestions. Iterating
                    # fills the queryset's cache, so the forms get these same instances.
                    self._indexed = True
                    index = admin_views.alias_index(self.instance.language)
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
        return admin_views.suggestions_html(section)

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


@admin.register(Brief)
class BriefAdmin(admin.ModelAdmin):
    form = BriefAdminForm
    inlines = [SectionInline]
    list_display = ["title", "status", "first_published_at", "last_material_update_at"]
    list_filter = ["status", "language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    actions = ["publish_selected", "unpublish_selected"]
    change_form_template = "admin/briefs/brief/change_form.html"
    change_list_template = "admin/briefs/brief/change_list.html"

    class Media:
        js = [DESK_JS]
        css = {"all": [DESK_CSS]}

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["title", "slug", "dek", "language", "status"]})
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
        return services.can_publish(request.user)

    def has_delete_permission(self, request, obj=None):
        # Revisions and their history rows outlive any edit; a brief leaves readers by unpublishing.
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(
            form.__name__,
            (form,),
            {"request": request, "conflict": getattr(request, "_briefs_conflict", None)},
        )

    # Saving ------------------------------------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except EditConflict as conflict:
            # Someone saved between our form check and our save transaction: show the bound form again
            # with the conflict, so the editor keeps their edits.
            request._briefs_conflict = conflict
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Nothing here: the brief, its sections and their entities are written together in
        :meth:`save_related`, through the services, in one Revision."""

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        kind = data.get("update_kind") or RevisionKind.UPDATE
        note = data.get("update_note", "")
        user = request.user
        sections = next((fs for fs in formsets if fs.model is Section), None)
        if not change:
            with revision(None, user=user, note=note or gettext("Created"), kind=kind):
                brief = services.create_brief(
                    title=data["title"],
                    slug=data["slug"],
                    dek=data["dek"],
                    language=data["language"],
                    user=user,
                )
                if sections is not None:
                    self._save_sections(request, brief, sections)
            form.instance.pk = brief.pk
            form.instance._state.adding = False
            return

        brief = Brief.objects.get(pk=form.instance.pk)
        if not note and kind != RevisionKind.MINOR:
            note = gettext("Edited")
        seen = data.get("expected_revision")
        # A save that only touches hidden sections is not news: keep it out of the public change log.
        public = None if self._changes_what_readers_see(brief, data, sections) else False
        with revision(brief, user=user, note=note, kind=kind, public=public, expected_revision=seen):
            # The form's instance already carries the new values; compare against the locked row.
            brief.refresh_from_db()
            changes = {
                name: data[name]
                for name in services.BRIEF_EDITABLE_FIELDS
                if name in data and getattr(brief, name) != data[name]
            }
            if changes:
                services.update_brief(brief, user=user, **changes)
            if sections is not None:
                self._save_sections(request, brief, sections)
            status = data.get("status", brief.status)
            if status != brief.status:
                if status == BriefStatus.PUBLISHED:
                    services.publish_brief(brief, user=user)
                elif status == BriefStatus.UNPUBLISHED:
                    services.unpublish_brief(brief, user=user)

    def _changes_what_readers_see(self, brief, data, formset):
        if any(
            name in data and getattr(brief, name) != data[name] for name in services.BRIEF_EDITABLE_FIELDS
        ):
            return True
        if data.get("status", brief.status) != brief.status:
            return True
        if formset is None:
            return False
        live, tagged = _live_sections(brief)
        visible_order = [pk for pk, s in sorted(live.items(), key=lambda i: i[1].position) if not s.hidden]
        placed = []
        for index, form, cleaned, original, deleted in _inline_rows(formset, live):
            if original is None:
                if form.has_changed() and not deleted and not cleaned["hidden"]:
                    return True
                continue
            if original.hidden and cleaned["hidden"]:
                continue
            if deleted or cleaned["hidden"]:
                return True
            if any(getattr(original, n) != cleaned[n] for n in services.SECTION_EDITABLE_FIELDS):
                return True
            if {e.pk for e in cleaned.get("entities") or []} != tagged.get(original.pk, set()):
                return True
            placed.append((_order_key(cleaned, index), original.pk))
        return [pk for _key, pk in sorted(placed)] != visible_order

    def _save_sections(self, request, brief, formset):
        """Apply the inline rows through the services. Untouched rows call nothing, so they leave no
        history; entity sets are compared first because set_entities checks permissions."""
        user = request.user
        live, tagged = _live_sections(brief)
        placed = []
        for index, form, cleaned, original, deleted in _inline_rows(formset, live):
            if deleted:
                if original is not None:
                    live.pop(original.pk)
                    services.delete_section(original, user=user)
                continue
            entities = list(cleaned.get("entities") or [])
            if original is None:
                if not form.has_changed():
                    continue
                section = services.add_section(
                    brief,
                    heading=cleaned["heading"],
                    body=cleaned["body"],
                    hidden=cleaned["hidden"],
                    entities=entities,
                    user=user,
                )
            else:
                section = original
                changes = {
                    name: cleaned[name]
                    for name in services.SECTION_EDITABLE_FIELDS
                    if getattr(section, name) != cleaned[name]
                }
                if changes:
                    services.edit_section(section, user=user, **changes)
                if {e.pk for e in entities} != tagged.get(section.pk, set()):
                    services.set_entities(section, entities, user=user)
            placed.append((_order_key(cleaned, index), section.pk))

        wanted = [pk for _key, pk in sorted(placed)]
        current = list(brief.sections.order_by("position").values_list("pk", flat=True))
        wanted += [pk for pk in current if pk not in wanted]
        if wanted != current:
            services.reorder_sections(brief, wanted, user=user)

    def construct_change_message(self, request, form, formsets, add=False):
        # The formsets were applied through the services, not formset.save(); describe the brief form.
        return super().construct_change_message(request, form, [], add)

    # Actions -----------------------------------------------------------------------------------

    @admin.action(description=_("Publish selected briefs"), permissions=["publish"])
    def publish_selected(self, request, queryset):
        count = 0
        for brief in queryset:
            if brief.status != BriefStatus.PUBLISHED:
                services.publish_brief(brief, user=request.user)
                count += 1
        self.message_user(request, gettext("Published %(count)d briefs.") % {"count": count})

    @admin.action(description=_("Unpublish selected briefs"), permissions=["publish"])
    def unpublish_selected(self, request, queryset):
        count = 0
        for brief in queryset:
            if brief.status == BriefStatus.PUBLISHED:
                services.unpublish_brief(brief, user=request.user)
                count += 1
        self.message_user(request, gettext("Unpublished %(count)d briefs.") % {"count": count})

    # Pages of the desk -------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        own = [
            path("review-due/", view(self.review_due_view), name="briefs_brief_review_due"),
            path("markdown-preview/", view(self.markdown_preview_view), name="briefs_brief_markdown_preview"),
            path("<int:object_id>/preview/", view(self.preview_view), name="briefs_brief_preview"),
            path("<int:object_id>/history/compare/", view(self.compare_view), name="briefs_brief_compare"),
            path(
                "<int:object_id>/history/<int:revision_id>/revert/",
                view(self.revert_view),
                name="briefs_brief_revert",
            ),
            path(
                "<int:object_id>/sections/<int:section_id>/reviewed/",
                view(self.mark_reviewed_view),
                name="briefs_brief_mark_reviewed",
            ),
        ]
        return own + super().get_urls()

    def visible_brief(self, request, object_id, *, change=False):
        """The brief if this user may see it (and change it, when asked); 404 or 403 otherwise."""
        brief = self.get_object(request, str(object_id))
        if brief is None:
            raise Http404(gettext("No such brief."))
        allowed = (
            self.has_change_permission(request, brief)
            if change
            else self.has_view_or_change_permission(request, brief)
        )
        if not allowed:
            raise PermissionDenied
        return brief

    def history_view(self, request, object_id, extra_context=None):
        # Replaces the stock log-entry history with the revision timeline, under the same checks.
        return admin_views.history(self, request, self.visible_brief(request, object_id))

    def compare_view(self, request, object_id):
        return admin_views.compare(self, request, self.visible_brief(request, object_id))

    def revert_view(self, request, object_id, revision_id):
        return admin_views.revert(
            self, request, self.visible_brief(request, object_id, change=True), revision_id
        )

    def preview_view(self, request, object_id):
        return admin_views.preview(self, request, self.visible_brief(request, object_id))

    def mark_reviewed_view(self, request, object_id, section_id):
        return admin_views.mark_reviewed(
            self, request, self.visible_brief(request, object_id, change=True), section_id
        )

    def review_due_view(self, request):
        return admin_views.review_due(self, request)

    def markdown_preview_view(self, request):
        return admin_views.markdown_preview(self, request)


@admin.register(Entity)
class EntityAdmin(admin.ModelAdmin):
    form = EntityAdminForm
    list_display = ["name", "kind", "alias_list", "wikidata_id", "section_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug"]
    # Explicit, because the section count's GROUP BY sets the model's default ordering aside.
    ordering = ["name", "kind"]
    actions = ["merge_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(section_count=Count("taggings"))

    @admin.display(description=_("Aliases"))
    def alias_list(self, entity):
        return ", ".join(entity.aliases)

    @admin.display(description=_("Sections"), ordering="section_count")
    def section_count(self, entity):
        return entity.section_count

    def get_search_results(self, request, queryset, search_term):
        """Names, slugs and aliases. Aliases are a JSON list; the term is also matched in its JSON
        escaped form, because SQLite stores non-ASCII letters as \\u escapes."""
        base = queryset
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            escaped = json.dumps(term)[1:-1]
            queryset = queryset | base.filter(Q(aliases__icontains=term) | Q(aliases__icontains=escaped))
        return queryset, may_have_duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            entity = services.create_entity(
                name=obj.name,
                kind=obj.kind,
                aliases=obj.aliases,
                description=obj.description,
                wikidata_id=obj.wikidata_id,
                user=request.user,
            )
            obj.pk, obj.slug = entity.pk, entity.slug
            obj._state.adding = False
            return
        current = Entity.objects.get(pk=obj.pk)
        reader_visible = set(form.changed_data) & {"name", "kind", "description", "wikidata_id"}
        if (
            reader_visible
            and not services.can_publish(request.user)
            and Entity.objects.mentioned_in_published().filter(pk=current.pk).exists()
        ):
            # Readers see the name, kind and description of entities in published briefs; aliases
            # only steer matching, so reporters may still add them.
            raise PermissionDenied(gettext("Only editors may change entities that readers see."))
        changes = {
            name: getattr(obj, name) for name in form.changed_data if name in EntityAdminForm.Meta.fields
        }
        if changes:
            services.update_entity(current, user=request.user, **changes)

    def save_related(self, request, form, formsets, change):
        """Entities have no inlines; taggings are edited on the brief."""

    def delete_model(self, request, obj):
        with revision(
            None,
            user=request.user,
            note=gettext("Deleted %(name)s") % {"name": obj.name},
            kind=RevisionKind.MINOR,
        ):
            obj.delete()

    def delete_queryset(self, request, queryset):
        with revision(None, user=request.user, note=gettext("Deleted entities"), kind=RevisionKind.MINOR):
            for entity in queryset:
                entity.delete()

    @admin.action(description=_("Merge selected entities"), permissions=["delete", "change"])
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
                user=request.user,
                note=form.cleaned_data["note"],
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
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["pk", "brief", "kind", "created_at", "user", "is_public", "note"]
    list_filter = ["kind", "is_public"]
    list_select_related = ["brief", "user"]

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
