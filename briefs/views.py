"""Reader pages, feeds and the ninjs API. Read rules live in the querysets and in the read modules
(:mod:`briefs.revisions.changes`, :mod:`briefs.search`, :mod:`briefs.ninjs`); these views choose and
render, and mark each response for HTTP caches through :mod:`briefs.caching`.

A public page depends on its URL alone (the interface language is part of it): no cookie, no session, no
CSRF token, so a CDN or Varnish may keep it. Conditional requests are answered by Django's ``condition()``
from the brief row, one indexed query. Signed-in staff get pages rendered afresh and never stored.
"""

from functools import wraps
from urllib.parse import urlencode

from django.http import Http404, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import condition
from django.views.generic import DetailView, ListView, TemplateView

from . import caching, rendering
from .feeds import BriefRevisionsFeed, BriefsFeed
from .jsonld import jsonld_script, with_origin
from .models import Brief, Entity, Revision, Section
from .ninjs import brief_summary, brief_to_ninjs
from .revisions.changes import InvalidSince, base_revision, canonical_since, changes_since, parse_since
from .search import search

JSON_OPTIONS = {"ensure_ascii": False, "indent": 2}


# Conditional requests ------------------------------------------------------------------------------


def brief_page(name: str, variant=None):
    """``condition()`` for a page of one published brief: its ETag and Last-Modified come from the brief
    row, looked up once per request and left on ``request.brief`` for the view."""

    def brief_of(request, slug, **kwargs) -> Brief:
        if getattr(request, "brief", None) is None:
            request.brief = caching.published_brief(slug)
        return request.brief

    def etag(request, slug, **kwargs):
        brief = brief_of(request, slug)
        return caching.brief_version(brief).etag(name, *(variant(request, brief) if variant else ()))

    def last_modified(request, slug, **kwargs):
        return caching.brief_version(brief_of(request, slug)).modified

    return condition(etag_func=etag, last_modified_func=last_modified)


def site_page(name: str, variant=None):
    """``condition()`` for a page that draws on every published brief: one aggregate query."""

    def version_of(request):
        if getattr(request, "site_version", None) is None:
            request.site_version = caching.site_version()
        return request.site_version

    def etag(request, *args, **kwargs):
        return version_of(request).etag(name, *(variant(request, *args, **kwargs) if variant else ()))

    def last_modified(request, *args, **kwargs):
        return version_of(request).modified

    return condition(etag_func=etag, last_modified_func=last_modified)


def public(keys):
    """Mark a reader response as cacheable by anyone for ``BRIEFS_CACHE_SECONDS``, with the surrogate keys
    ``keys(request, response)`` that a purge names."""

    def decorate(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if response.status_code in (200, 304):
                caching.public_response(response, keys(request, *args, **kwargs))
            return response

        return wrapped

    return decorate


def by_brief(request, *args, **kwargs):
    return [caching.brief_key(request.brief.pk)]


def by_site(request, *args, **kwargs):
    return [caching.LIST_KEY]


def by_page_number(request, *args, **kwargs):
    return (request.GET.get("page", "1")[:10],)


# Pages --------------------------------------------------------------------------------------------


class BriefListView(ListView):
    template_name = "briefs/brief_list.html"
    context_object_name = "briefs"
    paginate_by = 50

    def get_queryset(self):
        return Brief.objects.published().by_last_update()


brief_list = public(by_site)(site_page("list", by_page_number)(BriefListView.as_view()))


class BriefDetailView(DetailView):
    template_name = "briefs/brief_detail.html"
    context_object_name = "brief"

    def get(self, request, *args, **kwargs):
        self.object = request.brief
        return self.render_article(rendering.reader_article(self.object))

    def render_article(self, article: rendering.Article):
        return self.render_to_response(
            self.get_context_data(
                object=self.object,
                article=article.html,
                jsonld=jsonld_script(with_origin(article.jsonld, self.request)),
            )
        )


class StaffBriefView(BriefDetailView):
    """What signed-in staff see at a brief's address: drafts too, rendered afresh and never stored. A
    draft's hidden sections stay hidden here; the admin preview shows them."""

    def get(self, request, *args, **kwargs):
        self.object = brief = Brief.objects.visible_to(request.user).filter(slug=kwargs["slug"]).first()
        if brief is None:
            raise Http404
        sections = brief.sections.visible() if brief.is_published else brief.sections.filter(hidden=False)
        return caching.private_response(self.render_article(rendering.build_article(brief, sections)))


_reader_detail = public(by_brief)(brief_page("detail")(BriefDetailView.as_view()))
_staff_detail = StaffBriefView.as_view()


def brief_detail(request, slug):
    if caching.is_staff(request):
        return _staff_detail(request, slug=slug)
    return _reader_detail(request, slug=slug)


class BriefChangesView(DetailView):
    """``?since=<ISO date or date-time>``: the brief now, with what changed since then marked."""

    template_name = "briefs/brief_changes.html"
    context_object_name = "brief"

    def get(self, request, *args, **kwargs):
        self.object = brief = request.brief
        base = Revision.objects.filter(pk=brief.base_id).first() if brief.base_id else None
        return self.render_to_response(
            self.get_context_data(object=brief, changes=changes_since(brief, base))
        )


def by_base_revision(request, brief):
    # Every moment between two public revisions gives the same page: one ETag and one cached copy.
    return (brief.base_id or "first",)


_changes = public(by_brief)(brief_page("changes", by_base_revision)(BriefChangesView.as_view()))


def brief_changes(request, slug):
    raw = request.GET.get("since", "")
    try:
        since = parse_since(raw)
    except InvalidSince as error:
        brief = caching.published_brief(slug)
        response = render(
            request,
            "briefs/brief_changes_error.html",
            {"brief": brief, "error": str(error), "since": raw[:40]},
            status=400,
        )
        response["Cache-Control"] = "no-store"
        return response
    # The brief and the public revision the page counts from, in one query.
    request.brief = brief = caching.published_brief(
        slug, base_id=base_revision(since), base_at=base_revision(since, "created_at")
    )
    canonical = canonical_since(brief.base_at)
    if raw != canonical:
        # Every moment between two public revisions gives the same page, so they all lead to one address
        # that a cache keeps once, rather than to a new render for every microsecond asked for.
        response = HttpResponseRedirect(f"{request.path}?{urlencode({'since': canonical})}")
        return caching.public_response(response, by_brief(request))
    return _changes(request, slug=slug)


class EntityDetailView(DetailView):
    template_name = "briefs/entity_detail.html"
    context_object_name = "entity"

    def get(self, request, *args, **kwargs):
        slug = self.kwargs["slug"]
        # An entity that only drafts mention may itself be news: readers see it once a brief shows it,
        # and its page keeps answering afterwards, so that shared links do not break.
        shown = Entity.objects.shown()
        self.object = shown.current().filter(slug=slug).first()
        if self.object is None:
            # A merged entity's address leads to the one it was merged into.
            survivor = shown.filter(merged__slug=slug).first()
            if survivor is None:
                raise Http404
            return HttpResponsePermanentRedirect(survivor.get_absolute_url())
        request.entity = self.object
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        sections = (
            Section.objects.visible()
            .filter(tagged_entities__tag=self.object)
            .select_related("brief")
            .order_by("brief__title", "brief_id", "position")
        )
        return super().get_context_data(sections=sections, **kwargs)


def by_entity(request, *args, **kwargs):
    entity = getattr(request, "entity", None)
    return [caching.entity_key(entity.pk)] if entity else [caching.LIST_KEY]


def by_slug(request, slug):
    return (slug,)


# An entity page draws on every brief that mentions the entity: any public change may alter it.
entity_detail = public(by_entity)(site_page("entity", by_slug)(EntityDetailView.as_view()))


class SearchView(TemplateView):
    template_name = "briefs/search.html"

    def get_context_data(self, **kwargs):
        results = search(self.request.GET.get("q", ""))
        return super().get_context_data(query=results.query, results=results, **kwargs)


search_page = public(by_site)(SearchView.as_view())


# Feeds and the API ---------------------------------------------------------------------------------

_brief_feed = BriefRevisionsFeed()
_site_feed = BriefsFeed()


@public(by_brief)
@brief_page("feed")
def brief_feed(request, slug):
    return _brief_feed(request, slug=slug)


@public(by_site)
@site_page("site-feed")
def site_feed(request):
    return _site_feed(request)


@public(by_site)
@site_page("api-list")
def api_brief_list(request):
    briefs = Brief.objects.published().by_last_update()
    return JsonResponse(
        {"briefs": [brief_summary(b, request) for b in briefs]}, json_dumps_params=JSON_OPTIONS
    )


@public(by_brief)
@brief_page("api-detail")
def api_brief_detail(request, slug):
    response = JsonResponse(brief_to_ninjs(request.brief, request), json_dumps_params=JSON_OPTIONS)
    response["Content-Type"] = "application/json; charset=utf-8"
    return response
