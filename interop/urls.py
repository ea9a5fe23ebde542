from django.urls import path

from interop import views

urlpatterns = [
    path("sru", views.sru_endpoint, name="sru"),
    path("oai", views.oai_endpoint, name="oai"),
]
