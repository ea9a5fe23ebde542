from django.urls import path

from interop import copy_views, views

app_name = "interop"
urlpatterns = [
    path("sru", views.sru_endpoint, name="sru"),
    path("oai", views.oai_endpoint, name="oai"),
    path("staff/catalog/copy/", copy_views.copy_search, name="copy"),
    path("staff/catalog/copy/record/", copy_views.copy_record, name="copy-record"),
]
