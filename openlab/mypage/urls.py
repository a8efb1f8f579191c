from django.urls import path

from openlab.mypage import views

app_name = "mypage"

urlpatterns = [
    path("", views.index, name="index"),
    path("registrations/<int:pk>/cancel/", views.cancel_registration, name="cancel"),
    path("data/", views.download_data, name="download"),
    path("delete/", views.delete_account, name="delete"),
]
