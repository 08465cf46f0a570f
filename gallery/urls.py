from django.urls import path

from . import views, views_boards, views_bulk

urlpatterns = [
    path("", views.gallery, name="gallery"),
    path("bulk/", views_bulk.gallery_bulk, name="gallery-bulk"),
    path("boards/", views_boards.board_list, name="boards"),
    path("boards/<int:pk>/", views_boards.board_detail, name="board-detail"),
    path("boards/<int:pk>/change/", views_boards.board_change, name="board-change"),
    path("images/<int:pk>/", views.image_detail, name="image-detail"),
    # Before image-file, whose <variant> would otherwise swallow these.
    path("images/<int:pk>/reuse/", views.image_reuse, name="image-reuse"),
    path("images/<int:pk>/vary/", views.image_vary, name="image-vary"),
    path("images/<int:pk>/favourite/", views.image_favourite, name="image-favourite"),
    path("images/<int:pk>/visibility/", views.image_visibility, name="image-visibility"),
    path("images/<int:pk>/delete/", views.image_delete, name="image-delete"),
    path("images/<int:pk>/<str:variant>/", views.image_file, name="image-file"),
]
