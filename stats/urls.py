from django.urls import path

from stats import views

app_name = "stats"

urlpatterns = [
    path("", views.report, name="index"),
    path("population/", views.population, name="population"),
    path("<slug:slug>/", views.report, name="report"),
]
