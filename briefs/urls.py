from django.urls import path

from . import views

app_name = "briefs"

urlpatterns = [
    path("briefs/", views.BriefListView.as_view(), name="index"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="detail"),
    path("briefs/<slug:slug>/changes/", views.BriefChangesView.as_view(), name="changes"),
    path("briefs/<slug:slug>/feed/", views.brief_feed, name="feed"),
    path("entities/<str:slug>/", views.EntityDetailView.as_view(), name="entity"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("feed/", views.site_feed, name="site-feed"),
    path("api/briefs/", views.api_brief_list, name="api-list"),
    path("api/briefs/<slug:slug>/", views.api_brief_detail, name="api-detail"),
]
