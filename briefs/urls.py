"""Reader pages. Include them inside ``i18n_patterns()`` so that the interface language is part of the
address (``/lt/briefs/…``, ``/en/briefs/…``) and a page depends on nothing but its URL; the API is in
:mod:`briefs.api_urls`."""

from django.urls import path, register_converter

from . import views

app_name = "briefs"


class UnicodeSlugConverter:
    """Letters and digits of any script, hyphens and underscores: what entity slugs are made of. A NUL or
    any other character never reaches the database."""

    regex = r"[-\w]+"

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


register_converter(UnicodeSlugConverter, "uslug")

urlpatterns = [
    path("briefs/", views.brief_list, name="index"),
    path("briefs/<slug:slug>/", views.brief_detail, name="detail"),
    path("briefs/<slug:slug>/changes/", views.brief_changes, name="changes"),
    path("briefs/<slug:slug>/feed/", views.brief_feed, name="feed"),
    path("entities/<uslug:slug>/", views.entity_detail, name="entity"),
    path("search/", views.search_page, name="search"),
    path("feed/", views.site_feed, name="site-feed"),
]
