from django.urls import path

from openlab.accounts import views

urlpatterns = [
    path("partner/", views.partner_status, name="partner_status"),
    path("partner/apply/", views.partner_apply, name="partner_apply"),
]
