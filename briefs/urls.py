from django.urls import path

from . import views

app_name = "briefs"

urlpatterns = [
    path("briefs/", views.BriefListView.as_view(), name="index"),
    path("briefs/<slug:slug>/", views.BriefDetailView.as_view(), name="detail"),
    path("entities/<str:slug>/", views.EntityDetailView.as_view(), name="entity"),
]
