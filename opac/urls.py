from django.urls import path

from opac import account, views

app_name = "opac"
urlpatterns = [
    path("", views.home, name="home"),
    path("konto/logga-in/", account.login, name="login"),
    path("konto/logga-ut/", account.logout, name="logout"),
    path("konto/", account.account, name="account"),
    path("konto/uppgifter/", account.save_details, name="account-details"),
    path("konto/pin/", account.change_pin, name="change-pin"),
    path("konto/mina-uppgifter.json", account.my_data, name="my-data"),
]
