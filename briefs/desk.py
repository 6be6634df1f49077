"""The desk's own pages on the brief admin: history, compare, revert, preview and review due.

:class:`BriefDeskMixin` adds them to a ``ModelAdmin`` for :class:`~briefs.models.Brief`, as
``SimpleHistoryAdmin`` and django-reversion's ``VersionAdmin`` add theirs. A host project may subclass
it: templates are attributes, and what each page lists comes from a ``get_*_queryset`` hook. Every page
resolves the brief through the admin's own queryset and permission checks, so a user who may not see a
brief never reaches its history, diff or preview; every write goes through :mod:`briefs.services`.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext, pgettext

from . import presence, rendering, rules, services
from .forms import RevertForm, WithdrawForm
from .jsonld import jsonld_script, with_origin
from .models import Brief, Entity, Revision, RevisionKind, Section, TaggedEntity
from .recognition import (
    build_alias_index,
    possible_new_entities,
    section_text,
    suggest_entities,
)
from .revisions.diff import diff_states
from .revisions.state import live_state, state_as_of
from .text import render_markdown


def timeline_summaries(revision_ids) -> dict:
    """What each revision touched, in three queries for a whole page of the timeline."""
    summary = {
        pk: {"brief": False, "sections": [], "entities_added": [], "entities_removed": []}
        for pk in revision_ids
    }
    for row in Brief.history.model.objects.filter(revision_id__in=revision_ids).values("revision_id"):
        summary[row["revision_id"]]["brief"] = True
    for row in (
        Section.history.model.objects.filter(revision_id__in=revision_ids)
        .order_by("position", "id")
        .values("revision_id", "id", "heading", "history_type")
    ):
        summary[row["revision_id"]]["sections"].append(
            {"id": row["id"], "heading": row["heading"], "type": row["history_type"]}
        )
    taggings = list(
        TaggedEntity.history.model.objects.filter(revision_id__in=revision_ids).values(
            "revision_id", "tag_id", "history_type"
        )
    )
    names = dict(Entity.objects.filter(pk__in={t["tag_id"] for t in taggings}).values_list("pk", "name"))
    for row in taggings:
        key = "entities_removed" if row["history_type"] == "-" else "entities_added"
        name = names.get(row["tag_id"], f"#{row['tag_id']}")
        if name not in summary[row["revision_id"]][key]:
            summary[row["revision_id"]][key].append(name)
    return summary


def diff_context(old, new) -> dict:
    """The diff as plain values for templates, entity ids resolved to names in one query."""
    diff = diff_states(old, new)
    names = dict(Entity.objects.filter(pk__in=diff.entity_ids).values_list("pk", "name"))

    def named(ids):
        return sorted(names.get(pk, f"#{pk}") for pk in ids)

    fields = [
        {
            "name": change.name,
            "label": Brief._meta.get_field(change.name).verbose_name,
            "old": change.old,
            "new": change.new,
            "words": change.words,
        }
        for change in diff.fields
    ]
    sections = []
    for change in diff.changed_sections:
        state = change.new or change.old
        sections.append(
            {
                "id": change.id,
                "status": change.status,
                "moved": change.moved,
                "heading": state.heading,
                "heading_ops": change.heading if any(op != "equal" for op, _ in change.heading) else (),
                "body_ops": change.body,
                "text_changed": change.text_changed or change.status != "changed",
                "hidden_changed": change.hidden_changed,
                "hidden": state.hidden,
                "old_position": change.old.position + 1 if change.old else None,
                "new_position": change.new.position + 1 if change.new else None,
                "entities_added": named(change.entities_added),
                "entities_removed": named(change.entities_removed),
            }
        )
    return {"diff": diff, "field_changes": fields, "section_changes": sections, "unchanged": not diff}


def withdrawable_sections(brief) -> list[tuple[int, str]]:
    """Every section the brief has had, by its latest heading; deleted ones marked."""
    live = set(brief.sections.values_list("pk", flat=True))
    latest: dict[int, str] = {}
    for pk, heading in (
        Section.history.filter(brief_id=brief.pk).order_by("history_id").values_list("id", "heading")
    ):
        latest[pk] = heading
    lead = gettext("Lead")
    return [
        (pk, (heading or lead) + ("" if pk in live else " " + gettext("(deleted)")))
        for pk, heading in sorted(latest.items())
    ]


def withdrawable_notes(brief) -> list[tuple[int, str]]:
    """The public notes still shown to readers."""
    return [
        (rev.pk, f"#{rev.pk} {timezone.localtime(rev.created_at):%Y-%m-%d %H:%M} {rev.note}")
        for rev in brief.revisions.public().filter(note_withdrawn_at__isnull=True).order_by("-pk")
    ]


def revert_note(target: Revision) -> str:
    """The default note of a revert: which version, dated in the site's time zone."""
    when = timezone.localtime(target.created_at).strftime("%Y-%m-%d %H:%M")
    return gettext("Restored the version of %(when)s (revision #%(id)s).") % {"when": when, "id": target.pk}


class BriefDeskMixin:
    """History, compare, revert, preview, review due and mark-reviewed pages for a brief admin."""

    history_template = "admin/briefs/brief/history.html"
    compare_template = "admin/briefs/brief/compare.html"
    revert_template = "admin/briefs/brief/revert.html"
    withdraw_template = "admin/briefs/brief/withdraw.html"
    review_due_template = "admin/briefs/brief/review_due.html"
    preview_template = "briefs/brief_detail.html"
    timeline_page_size = 25
    compare_choices = 200

    # Hooks ----------------------------------------------------------------------------------------

    def get_revision_queryset(self, request, brief):
        """The revisions the timeline and the compare page list, newest first."""
        return brief.revisions.select_related("user", "withdrawal").order_by("-pk")

    def get_review_due_queryset(self, request):
        """Sections due for review among the briefs this user may see, oldest first."""
        visible = self.get_queryset(request).values("pk")
        return Section.objects.review_due().filter(brief__in=visible)

    def get_preview_sections(self, request, brief):
        """What the preview shows: every section, hidden ones included (they are marked)."""
        return brief.sections.all()

    def desk_context(self, request, brief, title, **extra) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": brief,
            "brief": brief,
            "title": title,
            "has_view_permission": True,
            **extra,
        }

    # URLs -------------------------------------------------------------------------------------------

    def get_urls(self):
        view = self.admin_site.admin_view
        prefix = f"{self.opts.app_label}_{self.opts.model_name}"
        own = [
            path("review-due/", view(self.review_due_view), name=f"{prefix}_review_due"),
            path("markdown-preview/", view(self.markdown_preview_view), name=f"{prefix}_markdown_preview"),
            path("<path:object_id>/preview/", view(self.preview_view), name=f"{prefix}_preview"),
            path("<path:object_id>/history/compare/", view(self.compare_view), name=f"{prefix}_compare"),
            path(
                "<path:object_id>/history/<int:revision_id>/revert/",
                view(self.revert_view),
                name=f"{prefix}_revert",
            ),
            path("<path:object_id>/withdraw/", view(self.withdraw_view), name=f"{prefix}_withdraw"),
            path("<path:object_id>/editing/", view(self.editing_view), name=f"{prefix}_editing"),
            path(
                "<path:object_id>/sections/<int:section_id>/reviewed/",
                view(self.mark_reviewed_view),
                name=f"{prefix}_mark_reviewed",
            ),
        ]
        return own + super().get_urls()

    def desk_brief(self, request, object_id, *, change: bool = False) -> Brief:
        """The brief if this user may see it (and change it, when asked); 404 or 403 otherwise."""
        brief = self.get_object(request, unquote(str(object_id)))
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

    def _revision_of(self, request, brief, value) -> Revision:
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise Http404(gettext("No such revision.")) from None
        return get_object_or_404(self.get_revision_queryset(request, brief), pk=pk)

    # Views ----------------------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        # Replaces the stock log-entry history with the revision timeline, under the same checks.
        brief = self.desk_brief(request, object_id)
        revisions = self.get_revision_queryset(request, brief)
        page = Paginator(revisions, self.timeline_page_size).get_page(request.GET.get("page"))
        items = list(page.object_list)
        ids = [r.pk for r in items]
        summaries = timeline_summaries(ids)
        older = revisions.filter(pk__lt=ids[-1]).values_list("pk", flat=True).first() if ids else None
        rows = [
            {
                "revision": rev,
                "summary": summaries[rev.pk],
                "previous": items[index + 1].pk if index + 1 < len(items) else older,
            }
            for index, rev in enumerate(items)
        ]
        context = self.desk_context(
            request,
            brief,
            gettext("History: %(title)s") % {"title": brief.title},
            page=page,
            rows=rows,
            can_revert=self.has_change_permission(request, brief)
            and (not brief.is_published or rules.may_publish(request.user)),
            can_withdraw=rules.may_publish(request.user),
            **(extra_context or {}),
        )
        return TemplateResponse(request, self.history_template, context)

    def compare_view(self, request, object_id):
        brief = self.desk_brief(request, object_id)
        revisions = self.get_revision_queryset(request, brief)
        latest = revisions.first()
        if latest is None:
            raise Http404(gettext("This brief has no revisions."))
        to_rev = self._revision_of(request, brief, request.GET.get("to", latest.pk))
        default_from = revisions.filter(pk__lt=to_rev.pk).values_list("pk", flat=True).first()
        from_rev = self._revision_of(request, brief, request.GET.get("from", default_from or to_rev.pk))
        context = self.desk_context(
            request,
            brief,
            gettext("Compare revisions of %(title)s") % {"title": brief.title},
            from_rev=from_rev,
            to_rev=to_rev,
            revisions=revisions[: self.compare_choices],
            **diff_context(state_as_of(brief, from_rev), state_as_of(brief, to_rev)),
        )
        return TemplateResponse(request, self.compare_template, context)

    def revert_view(self, request, object_id, revision_id):
        brief = self.desk_brief(request, object_id, change=True)
        # Offered only where the services would allow it; the services check again when it is saved.
        if brief.is_published and not rules.may_publish(request.user):
            raise PermissionDenied
        target = self._revision_of(request, brief, revision_id)
        default_note = revert_note(target)
        form = RevertForm(request.POST or None, default_note=default_note, note_required=brief.is_published)
        if request.method == "POST" and form.is_valid():
            kind = form.cleaned_data["update_kind"]
            note = form.cleaned_data["update_note"] or (None if kind == RevisionKind.MINOR else default_note)
            result = services.revert_brief(brief, target, actor=request.user, note=note, kind=kind)
            if result is None:
                messages.info(request, gettext("Nothing to revert: the brief already matches that revision."))
            else:
                messages.success(
                    request,
                    gettext("Reverted. The revert is recorded as revision #%(id)s.") % {"id": result.pk},
                )
            return HttpResponseRedirect(reverse("admin:briefs_brief_history", args=[brief.pk]))
        context = self.desk_context(
            request,
            brief,
            gettext("Revert %(title)s") % {"title": brief.title},
            target=target,
            form=form,
            **diff_context(live_state(brief), state_as_of(brief, target)),
        )
        return TemplateResponse(request, self.revert_template, context)

    def withdraw_view(self, request, object_id):
        """Take earlier public text or notes off public pages (legal or safety); staff keep it."""
        brief = self.desk_brief(request, object_id, change=True)
        if not rules.may_publish(request.user):
            raise PermissionDenied
        form = WithdrawForm(
            request.POST or None, sections=withdrawable_sections(brief), notes=withdrawable_notes(brief)
        )
        if request.method == "POST" and form.is_valid():
            result = services.withdraw(
                brief,
                actor=request.user,
                note=form.cleaned_data["note"],
                reason=form.cleaned_data["reason"],
                sections=form.cleaned_data["sections"],
                notes=form.cleaned_data["notes"],
            )
            messages.success(
                request,
                gettext("Withdrawn. The withdrawal is recorded as revision #%(id)s.") % {"id": result.pk},
            )
            return HttpResponseRedirect(reverse("admin:briefs_brief_history", args=[brief.pk]))
        context = self.desk_context(
            request, brief, gettext("Withdraw text from %(title)s") % {"title": brief.title}, form=form
        )
        return TemplateResponse(request, self.withdraw_template, context)

    def preview_view(self, request, object_id):
        """The reader page with everything an editor may publish: drafts and hidden sections included."""
        brief = self.desk_brief(request, object_id)
        article = rendering.build_article(brief, self.get_preview_sections(request, brief))
        response = TemplateResponse(
            request,
            self.preview_template,
            {
                "brief": brief,
                "object": brief,
                "article": article.html,
                "jsonld": jsonld_script(with_origin(article.jsonld, request)),
                "is_preview": True,
            },
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    def mark_reviewed_view(self, request, object_id, section_id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        brief = self.desk_brief(request, object_id, change=True)
        section = get_object_or_404(Section, pk=section_id, brief=brief)
        services.mark_reviewed(section, actor=request.user)
        messages.success(request, gettext("Marked “%(section)s” as reviewed.") % {"section": section})
        target = request.POST.get("next") or request.GET.get("next")
        if not target or not url_has_allowed_host_and_scheme(
            target, {request.get_host()}, request.is_secure()
        ):
            target = reverse("admin:briefs_brief_change", args=[brief.pk])
        return HttpResponseRedirect(target)

    def review_due_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Sections due for review"),
            "sections": list(self.get_review_due_queryset(request)),
            "can_mark": rules.may_publish(request.user),
        }
        return TemplateResponse(request, self.review_due_template, context)

    def editing_context(self, request, brief) -> dict:
        """For the change form: this user has it open; who else has."""
        presence.touch(brief, request.user)
        return {
            "editing_others": presence.describe(presence.others(brief, request.user)),
            "editing_heartbeat": presence.HEARTBEAT_SECONDS,
        }

    def editing_view(self, request, object_id):
        """The open change form's heartbeat: records it and answers with who else is editing."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        brief = self.desk_brief(request, object_id, change=True)
        return JsonResponse({"others": self.editing_context(request, brief)["editing_others"]})

    def markdown_preview_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        return JsonResponse({"html": render_markdown(request.POST.get("body", ""))})


# Suggestions ------------------------------------------------------------------------------------


def alias_index(language):
    return build_alias_index(Entity.objects.current(), language)


def suggestions_html(section):
    """Entities the section's text mentions but it is not tagged with, each with an accept button
    that puts it into the entity field; and capitalised names that match no entity yet. Nothing is
    tagged until the editor saves."""
    if not section.pk:
        return "-"
    language = section.brief.language
    index = getattr(section, "alias_index", None) or alias_index(language)
    text = section_text(section.heading, section.body)
    tagged = {t.tag_id for t in section.tagged_entities.all()}
    suggestions = [s for s in suggest_entities(text, language, index=index) if s.entity.pk not in tagged]
    unknown = possible_new_entities(text, language, index)
    parts = []
    if suggestions:
        parts.append(
            format_html_join(
                " ",
                '<button type="button" class="button suggestion-accept" data-entity-id="{}" '
                'data-entity-name="{}" title="{}">+ {}</button>',
                (
                    (s.entity.pk, s.entity.name, ", ".join(s.surface_forms), s.entity.name)
                    for s in suggestions
                ),
            )
        )
    if unknown:
        add_url = reverse("admin:briefs_entity_add")
        parts.append(
            format_html(
                '<p class="suggestion-new">{} {}</p>',
                gettext("Not entities yet:"),
                format_html_join(
                    ", ",
                    '<a href="{}?{}" target="_blank" rel="noopener">{}</a>',
                    ((add_url, urlencode({"name": name}), name) for name in unknown),
                ),
            )
        )
    if not parts:
        return pgettext("suggested entities", "None")
    return format_html_join("", "<div>{}</div>", ((part,) for part in parts))
