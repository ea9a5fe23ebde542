from django.urls import path

from patrons import views

app_name = "patrons"
urlpatterns = [
    path("", views.search, name="search"),
    path("new/", views.register, name="register"),
    path("access-log/", views.access_log, name="access-log"),
    path("<int:patron_id>/", views.detail, name="detail"),
    path("<int:patron_id>/personnummer/", views.show_personnummer, name="show-personnummer"),
    path("<int:patron_id>/edit/", views.edit, name="edit"),
    path("<int:patron_id>/card/", views.replace_card, name="replace-card"),
    path("<int:patron_id>/lost/", views.report_lost, name="report-lost"),
    path("<int:patron_id>/pin/", views.set_pin, name="set-pin"),
    path("<int:patron_id>/unlock/", views.unlock, name="unlock"),
    path("<int:patron_id>/blocks/", views.add_block, name="add-block"),
    path("<int:patron_id>/blocks/<int:block_id>/remove/", views.remove_block, name="remove-block"),
    path("<int:patron_id>/merge/", views.merge, name="merge"),
    path("<int:patron_id>/remove/", views.remove, name="remove"),
]
