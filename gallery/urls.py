from django.urls import path

from . import views

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("images/<int:pk>/", views.image_detail, name="image-detail"),
    # Before image-file, whose <variant> would otherwise swallow these.
    path("images/<int:pk>/favourite/", views.image_favourite, name="image-favourite"),
    path("images/<int:pk>/visibility/", views.image_visibility, name="image-visibility"),
    path("images/<int:pk>/delete/", views.image_delete, name="image-delete"),
    path("images/<int:pk>/<str:variant>/", views.image_file, name="image-file"),
]
