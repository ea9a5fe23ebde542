"""All API routes under /api/v1/; each app adds its own."""

from django.urls import path

from libraries import api as libraries_api

urlpatterns = [
    path("libraries/", libraries_api.library_list, name="api-libraries"),
]
