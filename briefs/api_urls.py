"""The ninjs API: JSON for other systems, the same in every interface language, so outside
``i18n_patterns()``."""

from django.urls import path

from . import views

app_name = "briefs_api"

urlpatterns = [
    path("api/briefs/", views.api_brief_list, name="list"),
    path("api/briefs/<slug:slug>/", views.api_brief_detail, name="detail"),
]
