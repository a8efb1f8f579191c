from django.urls import path

from openlab.matching import views

app_name = "matching"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("<int:pk>/<slug:action>/", views.act, name="act"),
]
