"""Routes under /reports/ that are not Wagtail pages (the index and reports are pages)."""

from django.urls import path

from projects import views

urlpatterns = [
    path("login/", views.ambassador_login, name="reports_login"),
    path("new/", views.report_new, name="report_new"),
    path("mine/", views.reports_mine, name="reports_mine"),
    path("mine/<int:pk>/edit/", views.report_edit, name="report_edit"),
    path("ambassadors/new/", views.ambassador_new, name="ambassador_new"),
]
