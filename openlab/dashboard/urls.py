from django.urls import path

from openlab.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("gaps/", views.gaps, name="gaps"),
]
