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
    path("briefs/", views.BriefListView.as_view(), name="index"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="detail"),
    path("briefs/<slug:slug>/changes/", views.BriefChangesView.as_view(), name="changes"),
    path("briefs/<slug:slug>/feed/", views.brief_feed, name="feed"),
    path("entities/<uslug:slug>/", views.EntityDetailView.as_view(), name="entity"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", views.site_feed, name="site-feed"),
    path("api/briefs/", views.api_brief_list, name="api-list"),
    path("api/briefs/<slug:slug>/", views.api_brief_detail, name="api-detail"),
]
