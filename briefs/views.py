"""Reader pages, feeds and the ninjs API. Read rules live in the querysets and in the read modules
(:mod:`briefs.revisions.changes`, :mod:`briefs.search`, :mod:`briefs.ninjs`); these views choose, render
and take care of HTTP caching through :mod:`briefs.caching`."""

from django.http import Http404, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.generic import DetailView, ListView, TemplateView

from . import caching, conf, rendering
from .feeds import BriefRevisionsFeed, BriefsFeed
from .jsonld import jsonld_script, with_origin
from .models import Brief, Entity, Revision, Section
from .ninjs import brief_summary, brief_to_ninjs
from .revisions.changes import InvalidSince, base_revision_id, changes_since, parse_since
from .search import MAX_QUERY_LENGTH, search

JSON_OPTIONS = {"ensure_ascii": False, "indent": 2}


def _staff_brief(request, slug):
    """The brief as staff may see it, drafts included."""
    brief = Brief.objects.visible_to(request.user).filter(slug=slug).first()
    if brief is None:
        raise Http404
    return brief


class BriefListView(ListView):
    template_name = "briefs/brief_list.html"
    context_object_name = "briefs"
    paginate_by = 50

    def get_queryset(self):
        return Brief.objects.published().by_last_update()

    def get(self, request, *args, **kwargs):
        page = request.GET.get("page", "1")[:10]
        return caching.conditional(
            request, caching.site_version(), "list", lambda: super(BriefListView, self).get(request), (page,)
        )


class BriefDetailView(DetailView):
    template_name = "briefs/brief_detail.html"
    context_object_name = "brief"

    def get(self, request, *args, **kwargs):
        slug = self.kwargs["slug"]
        if caching.is_staff(request):
            # Staff may be looking at a draft, so their page is rendered afresh and never stored.
            # A draft's hidden sections stay hidden here; the admin preview shows them.
            self.object = brief = _staff_brief(request, slug)
            sections = brief.sections.visible() if brief.is_published else brief.sections.filter(hidden=False)
            return caching.private_response(self.render_article(rendering.build_article(brief, sections)))
        self.object = brief = caching.published_brief(slug)

        def render_page():
            return self.render_article(rendering.reader_article(brief))

        return caching.conditional(request, caching.brief_version(brief), "detail", render_page)

    def render_article(self, article: rendering.Article):
        return self.render_to_response(
            self.get_context_data(
                object=self.object,
                article=article.html,
                jsonld=jsonld_script(with_origin(article.jsonld, self.request)),
            )
        )


class BriefChangesView(DetailView):
    """``?since=<ISO date or date-time>``: the brief now, with what changed since then marked."""

    template_name = "briefs/brief_changes.html"
    context_object_name = "brief"

    def get(self, request, *args, **kwargs):
        raw = request.GET.get("since", "")
        try:
            since = parse_since(raw)
        except InvalidSince as error:
            response = render(
                request,
                "briefs/brief_changes_error.html",
                {
                    "brief": caching.published_brief(self.kwargs["slug"]),
                    "error": str(error),
                    "since": raw[:40],
                },
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response
        # Every moment between two public revisions gives the same page: one cache entry for them all.
        self.object = brief = caching.published_brief(self.kwargs["slug"], base_id=base_revision_id(since))

        def render_page():
            base = Revision.objects.filter(pk=brief.base_id).first() if brief.base_id else None
            changes = changes_since(brief, base)
            return self.render_to_response(self.get_context_data(object=brief, changes=changes))

        return caching.conditional(
            request, caching.brief_version(brief), "changes", render_page, (brief.base_id or "first",)
        )


class EntityDetailView(DetailView):
    template_name = "briefs/entity_detail.html"
    context_object_name = "entity"

    def get(self, request, *args, **kwargs):
        slug = self.kwargs["slug"]

        def render_page():
            # An entity that only drafts mention may itself be news; readers see it once published.
            shown = Entity.objects.mentioned_in_published()
            self.object = shown.filter(slug=slug).first()
            if self.object is None:
                # A merged entity's address leads to the one it was merged into.
                survivor = shown.filter(merged__slug=slug).first()
                if survivor is None:
                    raise Http404
                return HttpResponsePermanentRedirect(survivor.get_absolute_url())
            return self.render_to_response(self.get_context_data(object=self.object))

        # An entity page draws on every brief that mentions the entity: any public change may alter it.
        return caching.conditional(request, caching.site_version(), "entity", render_page, (slug,))

    def get_context_data(self, **kwargs):
        sections = (
            Section.objects.visible()
            .filter(tagged_entities__tag=self.object)
            .select_related("brief")
            .order_by("brief__title", "brief_id", "position")
        )
        return super().get_context_data(sections=sections, **kwargs)


class SearchView(TemplateView):
    template_name = "briefs/search.html"

    def get_context_data(self, **kwargs):
        query = " ".join(self.request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
        return super().get_context_data(query=query, hits=search(query) if query else [], **kwargs)

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Cache-Control"] = f"public, max-age={conf.cache_seconds()}"
        # The page is rendered in the reader's interface language: a shared cache must keep them apart.
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response


_brief_feed = BriefRevisionsFeed()
_site_feed = BriefsFeed()


def brief_feed(request, slug):
    brief = caching.published_brief(slug)
    return caching.conditional(
        request, caching.brief_version(brief), "feed", lambda: _brief_feed(request, slug=slug)
    )


def site_feed(request):
    return caching.conditional(request, caching.site_version(), "site-feed", lambda: _site_feed(request))


def api_brief_list(request):
    def render_list():
        briefs = Brief.objects.published().by_last_update()
        return JsonResponse(
            {"briefs": [brief_summary(b, request) for b in briefs]}, json_dumps_params=JSON_OPTIONS
        )

    return caching.conditional(request, caching.site_version(), "api-list", render_list)


def api_brief_detail(request, slug):
    brief = caching.published_brief(slug)

    def render_item():
        response = JsonResponse(brief_to_ninjs(brief, request), json_dumps_params=JSON_OPTIONS)
        response["Content-Type"] = "application/json; charset=utf-8"
        return response

    return caching.conditional(request, caching.brief_version(brief), "api-detail", render_item)
