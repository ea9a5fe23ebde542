from django.urls import path

from collection import list_views, views

app_name = "collection"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("rounds/new/", views.round_new, name="round-new"),
    path("lists/new/", views.list_new, name="list-new"),
    path("lists/<int:list_id>/", views.list_detail, name="list"),
    path("lists/<int:list_id>/execute/", views.execute, name="execute"),
    path("candidates/<int:candidate_id>/", views.decide, name="decide"),
    path("criteria/", views.criteria, name="criteria"),
    path("report/", views.report, name="report"),
]

urlpatterns += [
    path("reading-lists/", list_views.staff_lists, name="reading-lists"),
    path("reading-lists/<int:list_id>/", list_views.staff_list, name="reading-list"),
]
