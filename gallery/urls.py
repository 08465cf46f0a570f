from django.urls import path

from . import views

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("images/<int:pk>/", views.image_detail, name="image-detail"),
    path("images/<int:pk>/<str:variant>/", views.image_file, name="image-file"),
]
