"""Desk pages reached from the brief admin: history, compare, revert, preview and review due.

The brief admin resolves the brief through its own queryset and permission checks before calling
these, so a user who may not see a brief never reaches its history, diff or preview.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext

from . import rendering, services
from .diff import diff_states
from .forms import RevertForm
from .jsonld import jsonld_script, with_origin
from .models import Brief, Entity, Revision, Section, TaggedEntity
from .state import live_state, state_as_of
from .text import render_markdown

TIMELINE_PAGE_SIZE = 25


def _context(model_admin, request, brief, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": brief,
        "brief": brief,
        "title": title,
        "has_view_permission": True,
        **extra,
    }


# History ----------------------------------------------------------------------------------------


def _summaries(revision_ids):
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


def history(model_admin, request, brief):
    revisions = brief.revisions.select_related("user").order_by("-pk")
    page = Paginator(revisions, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    ids = [r.pk for r in items]
    summaries = _summaries(ids)
    older = (
        brief.revisions.filter(pk__lt=ids[-1]).order_by("-pk").values_list("pk", flat=True).first()
        if ids
        else None
    )
    rows = []
    for index, rev in enumerate(items):
        previous = items[index + 1].pk if index + 1 < len(items) else older
        rows.append({"revision": rev, "summary": summaries[rev.pk], "previous": previous})
    context = _context(
        model_admin,
        request,
        brief,
        gettext("History: %(title)s") % {"title": brief.title},
        page=page,
        rows=rows,
        can_revert=model_admin.has_change_permission(request, brief)
        and (not brief.is_published or services.can_publish(request.user)),
    )
    return TemplateResponse(request, "admin/briefs/brief/history.html", context)


def _revision_of(brief, value):
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404(gettext("No such revision.")) from None
    return get_object_or_404(Revision.objects.select_related("user"), pk=pk, brief=brief)


def diff_context(old, new):
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


def compare(model_admin, request, brief):
    latest = brief.revisions.order_by("-pk").first()
    if latest is None:
        raise Http404(gettext("This brief has no revisions."))
    to_rev = _revision_of(brief, request.GET.get("to", latest.pk))
    default_from = (
        brief.revisions.filter(pk__lt=to_rev.pk).order_by("-pk").values_list("pk", flat=True).first()
    )
    from_rev = _revision_of(brief, request.GET.get("from", default_from or to_rev.pk))
    context = _context(
        model_admin,
        request,
        brief,
        gettext("Compare revisions of %(title)s") % {"title": brief.title},
        from_rev=from_rev,
        to_rev=to_rev,
        revisions=brief.revisions.select_related("user").order_by("-pk")[:200],
        **diff_context(state_as_of(brief, from_rev), state_as_of(brief, to_rev)),
    )
    return TemplateResponse(request, "admin/briefs/brief/compare.html", context)


# Revert -----------------------------------------------------------------------------------------


def revert(model_admin, request, brief, revision_id):
    if brief.is_published and not services.can_publish(request.user):
        raise PermissionDenied
    target = _revision_of(brief, revision_id)
    default_note = gettext("Reverted to the version of %(when)s") % {
        "when": target.created_at.strftime("%Y-%m-%d %H:%M")
    }
    form = RevertForm(request.POST or None, default_note=default_note)
    form.note_required = brief.is_published
    if request.method == "POST" and form.is_valid():
        note = form.cleaned_data["update_note"]
        kind = form.cleaned_data["update_kind"]
        result = services.revert_brief(
            brief,
            target,
            user=request.user,
            note=note or default_note if kind != "minor" else note,
            kind=kind,
        )
        if result is None:
            messages.info(request, gettext("Nothing to revert: the brief already matches that revision."))
        else:
            messages.success(
                request, gettext("Reverted. The revert is recorded as revision #%(id)s.") % {"id": result.pk}
            )
        return HttpResponseRedirect(reverse("admin:briefs_brief_history", args=[brief.pk]))
    context = _context(
        model_admin,
        request,
        brief,
        gettext("Revert %(title)s") % {"title": brief.title},
        target=target,
        form=form,
        **diff_context(live_state(brief), state_as_of(brief, target)),
    )
    return TemplateResponse(request, "admin/briefs/brief/revert.html", context)


# Preview ----------------------------------------------------------------------------------------


def preview(model_admin, request, brief):
    """The reader page with everything an editor may publish: drafts and hidden sections included."""
    article = rendering.build_article(brief, brief.sections.all())
    response = TemplateResponse(
        request,
        "briefs/brief_detail.html",
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


# Review due -------------------------------------------------------------------------------------


def mark_reviewed(model_admin, request, brief, section_id):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not services.can_publish(request.user):
        raise PermissionDenied
    section = get_object_or_404(Section, pk=section_id, brief=brief)
    services.mark_reviewed(section, user=request.user)
    messages.success(request, gettext("Marked “%(section)s” as reviewed.") % {"section": section})
    target = request.POST.get("next") or request.GET.get("next")
    if not target or not url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        target = reverse("admin:briefs_brief_change", args=[brief.pk])
    return HttpResponseRedirect(target)


def review_due(model_admin, request):
    if not model_admin.has_view_or_change_permission(request):
        raise PermissionDenied
    visible = model_admin.get_queryset(request).values("pk")
    sections = list(Section.objects.review_due().filter(brief__in=visible))
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": gettext("Sections due for review"),
        "sections": sections,
        "can_mark": services.can_publish(request.user),
    }
    return TemplateResponse(request, "admin/briefs/brief/review_due.html", context)


def markdown_preview(model_admin, request):
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    return JsonResponse({"html": render_markdown(request.POST.get("body", ""))})


# Suggestions ------------------------------------------------------------------------------------


def alias_index(language):
    from .recognition import build_alias_index

    return build_alias_index(Entity.objects.all(), language)


def suggestions_html(section):
    """Entities the section's text mentions but it is not tagged with, each with an accept button
    that puts it into the entity field; and capitalised names that match no entity yet. Nothing is
    tagged until the editor saves."""
    from .recognition import possible_new_entities, section_text, suggest_entities

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
        return gettext("None")
    return format_html_join("", "<div>{}</div>", ((part,) for part in parts))
