from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.generic import RedirectView

from briefs.sitemaps import BriefSitemap, EntitySitemap

from . import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "sitemap.xml",
        sitemap,
        {"sitemaps": {"briefs": BriefSitemap, "entities": EntitySitemap}},
        name="sitemap",
    ),
    path("robots.txt", views.robots_txt, name="robots"),
    path("", include("briefs.api_urls")),
    path("", RedirectView.as_view(pattern_name="briefs:index", permanent=False), name="home"),
]
# The interface language is in the address of every reader page (/lt/…, /en/…), so that a page depends
# on its URL alone and a CDN can keep it. Addresses without a language redirect to one.
urlpatterns += i18n_patterns(path("", include("briefs.urls")))
