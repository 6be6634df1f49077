from django.contrib import admin
from django.contrib.sitemaps.views import sitemap
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.i18n import set_language

from briefs.sitemaps import BriefSitemap

urlpatterns = [
    # Choosing the interface language changes nothing worth forging, and without a CSRF token in the
    # switcher, public pages carry no per-visitor data and can be cached by a CDN.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("sitemap.xml", sitemap, {"sitemaps": {"briefs": BriefSitemap}}, name="sitemap"),
    path("", RedirectView.as_view(pattern_name="briefs:index", permanent=False), name="home"),
    path("", include("briefs.urls")),
]
