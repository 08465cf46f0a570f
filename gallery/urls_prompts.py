from django.urls import path

from . import views_prompts as views

urlpatterns = [
    path("", views.prompts, name="prompts"),
    path("saved/", views.saved_prompt_create, name="saved-prompt-save"),
    path("saved/<int:pk>/use/", views.saved_prompt_use, name="saved-prompt-use"),
    path("saved/<int:pk>/delete/", views.saved_prompt_remove, name="saved-prompt-delete"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/edit/", views.template_edit, name="template-edit"),
    path("templates/<int:pk>/delete/", views.template_remove, name="template-delete"),
    path("templates/<int:pk>/use/", views.template_use_page, name="template-use"),
]
