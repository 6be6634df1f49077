"""Reader pages, feeds and the ninjs API. Read rules live in the querysets and in the read modules
(:mod:`briefs.changes`, :mod:`briefs.search`, :mod:`briefs.ninjs`); these views choose, render and
take care of HTTP caching through :mod:`briefs.caching`."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.views.generic import DetailView, ListView, TemplateView

from . import caching, conf, rendering
from .changes import InvalidSince, changes_since, parse_since
from .feeds import BriefRevisionsFeed, BriefsFeed
from .jsonld import jsonld_script, with_origin
from .models import Brief, Entity, Section
from .ninjs import brief_summary, brief_to_ninjs
from .search import MAX_QUERY_LENGTH, search

JSON_OPTIONS = {"ensure_ascii": False, "indent": 2}


def _published_brief(request, slug, *, preview=False):
    """The brief with its version token, in one query; staff may preview unpublished briefs."""
    if preview:
        brief = Brief.objects.visible_to(request.user).filter(slug=slug).first()
    else:
        brief = caching.published_brief(slug)
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
            self.object = brief = _published_brief(request, slug, preview=True)
            sections = brief.sections.visible() if brief.is_published else brief.sections.filter(hidden=False)
            return caching.private_response(self.render_article(rendering.build_article(brief, sections)))
        version, load = caching.published_version(slug)

        def render_page():
            self.object = brief = load()
            return self.render_article(rendering.reader_article(brief))

        return caching.conditional(request, version, "detail", render_page)

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
        version, load = caching.published_version(self.kwargs["slug"])
        raw = request.GET.get("since", "")
        try:
            since = parse_since(raw)
        except InvalidSince as error:
            response = render(
                request,
                "briefs/brief_changes_error.html",
                {"brief": load(), "error": str(error), "since": raw[:40]},
                status=400,
            )
            response["Cache-Control"] = "no-store"
            return response

        def render_page():
            self.object = load()
            changes = changes_since(self.object, since)
            return self.render_to_response(self.get_context_data(object=self.object, changes=changes))

        return caching.conditional(request, version, "changes", render_page, (since.isoformat(),))


class EntityDetailView(DetailView):
    template_name = "briefs/entity_detail.html"
    context_object_name = "entity"

    def get_object(self, queryset=None):
        try:
            # An entity that only drafts mention may itself be news; readers see it once published.
            return Entity.objects.mentioned_in_published().get(slug=self.kwargs["slug"])
        except Entity.DoesNotExist:
            raise Http404 from None

    def get(self, request, *args, **kwargs):
        # An entity page draws on every brief that mentions the entity: any revision may change it.
        return caching.conditional(
            request,
            caching.site_version(),
            "entity",
            lambda: super(EntityDetailView, self).get(request, *args, **kwargs),
            (self.kwargs["slug"],),
        )

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
        return response


_brief_feed = BriefRevisionsFeed()
_site_feed = BriefsFeed()


def brief_feed(request, slug):
    version, _load = caching.published_version(slug)
    return caching.conditional(request, version, "feed", lambda: _brief_feed(request, slug=slug))


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
    version, load = caching.published_version(slug)

    def render_item():
        response = JsonResponse(brief_to_ninjs(load(), request), json_dumps_params=JSON_OPTIONS)
        response["Content-Type"] = "application/json; charset=utf-8"
        return response

    return caching.conditional(request, version, "api-detail", render_item)
