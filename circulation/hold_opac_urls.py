from django.urls import path

from circulation import hold_views

app_name = "opac_holds"
urlpatterns = [
    path("", hold_views.opac_my_holds, name="mine"),
    path("ny/<int:record_id>/", hold_views.opac_place, name="place"),
    path("<int:hold_id>/avboka/", hold_views.opac_cancel, name="cancel"),
    path("<int:hold_id>/pausa/", hold_views.opac_suspend, name="suspend"),
]
