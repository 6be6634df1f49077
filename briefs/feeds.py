"""Atom feeds: each brief's public change log, and the site's briefs as they are updated."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import Brief, RevisionKind

FEED_LIMIT = 50


class BriefRevisionsFeed(Feed):
    """The public revisions of one brief, newest first; corrections are labelled as such."""

    feed_type = Atom1Feed

    def get_object(self, request, slug):
        return get_object_or_404(Brief.objects.published(), slug=slug)

    def title(self, brief):
        return _("Changes to “%(title)s”") % {"title": brief.title}

    def subtitle(self, brief):
        return brief.dek

    def link(self, brief):
        return brief.get_absolute_url()

    def feed_url(self, brief):
        return reverse("briefs:feed", kwargs={"slug": brief.slug})

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        # The entries are in the brief's language, whatever the reader's interface language.
        feed.feed["language"] = obj.language
        # Distinct from the brief's own entry id in the site-wide feed.
        feed.feed["id"] = request.build_absolute_uri(f"{obj.get_absolute_url()}#changes")
        return feed

    def items(self, brief):
        return brief.revisions.public().select_related("brief").order_by("-pk")[:FEED_LIMIT]

    def item_title(self, revision):
        label = revision.kind_label
        if revision.kind == RevisionKind.CORRECTION:
            return _("Correction: %(note)s") % {"note": revision.public_note}
        return f"{label}: {revision.public_note}"

    def item_description(self, revision):
        # Atom marks the summary as HTML: a plain-text note must arrive as text, never as markup.
        return escape(revision.public_note)

    def item_link(self, revision):
        return f"{revision.brief.get_absolute_url()}#rev-{revision.pk}"

    def item_pubdate(self, revision):
        return revision.created_at

    def item_updateddate(self, revision):
        return revision.created_at

    def item_categories(self, revision):
        return [revision.kind]


class BriefsFeed(Feed):
    """Every published brief, the most recently updated first."""

    feed_type = Atom1Feed

    def title(self):
        return _("Newsroom briefs")

    def subtitle(self):
        return _("Living explainers, updated as the story develops.")

    def link(self):
        return reverse("briefs:index")

    def feed_url(self):
        return reverse("briefs:site-feed")

    def items(self):
        return Brief.objects.published().by_last_update()[:FEED_LIMIT]

    def item_title(self, brief):
        return brief.title

    def item_description(self, brief):
        return escape(brief.dek)

    def item_link(self, brief):
        return brief.get_absolute_url()

    def item_pubdate(self, brief):
        return brief.first_published_at

    def item_updateddate(self, brief):
        return brief.last_material_update_at or brief.first_published_at
