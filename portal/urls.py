from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("<slug:slug>/", views.dashboard, name="dashboard"),
    path("<slug:slug>/login", views.login, name="login"),
    path("<slug:slug>/auth/<str:token>", views.magic_link, name="magic-link"),
    path("<slug:slug>/logout", views.logout, name="logout"),
    path("<slug:slug>/logo", views.logo, name="logo"),
]
