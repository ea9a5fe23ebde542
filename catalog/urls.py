from django.urls import path

from catalog import views

app_name = "catalog"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.record_new, name="record-new"),
    path("<int:record_id>/", views.record_detail, name="record"),
    path("<int:record_id>/edit/", views.record_edit, name="record-edit"),
    path("<int:record_id>/marc/", views.record_marc, name="record-marc"),
    path("<int:record_id>/delete/", views.record_delete, name="record-delete"),
    path("<int:record_id>/items/", views.item_add, name="item-add"),
    path("items/<int:item_id>/", views.item_edit, name="item-edit"),
    path("items/<int:item_id>/move/", views.item_move, name="item-move"),
    path("items/<int:item_id>/withdraw/", views.item_withdraw, name="item-withdraw"),
    path("import/", views.import_start, name="import"),
    path("import/<int:job_id>/", views.import_job, name="import-job"),
]
