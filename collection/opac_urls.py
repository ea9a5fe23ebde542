from django.urls import path

from collection import list_views

urlpatterns = [
    path("listor/", list_views.public_lists, name="opac-lists"),
    path("listor/<int:list_id>/", list_views.opac_list, name="opac-list"),
    path("listor/<int:list_id>/utskrift.pdf", list_views.opac_list_pdf, name="opac-list-pdf"),
    path("listor/<int:list_id>/rss/", list_views.ListFeed(), name="opac-list-rss"),
    path("listor/<int:list_id>/atom/", list_views.ListAtomFeed(), name="opac-list-atom"),
    path("konto/listor/", list_views.my_lists, name="my-lists"),
    path("konto/listor/<int:list_id>/", list_views.my_list_change, name="my-list-change"),
]
