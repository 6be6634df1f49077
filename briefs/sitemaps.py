from django.contrib.sitemaps import Sitemap

from .models import Brief, Entity


class BriefSitemap(Sitemap):
    """Published briefs in every interface language, each with its alternates, ``lastmod`` the time of
    their last material update."""

    changefreq = "daily"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Brief.objects.published().by_last_update()

    def lastmod(self, brief):
        return brief.last_material_update_at or brief.first_published_at


class EntitySitemap(Sitemap):
    """The pages of entities that published briefs mention now; a page that outlived its mentions
    still answers, but is not worth a crawler's visit."""

    changefreq = "weekly"
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return Entity.objects.current().mentioned_in_published().order_by("name", "pk")
