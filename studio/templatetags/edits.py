"""Template tags for the editing actions and lineage partials."""
from django import template

register = template.Library()


@register.simple_tag
def edit_operations() -> set[str]:
    """The operations some connected model offers (the actions shown on an image)."""
    from studio.views_edit import operations_offered

    return {op for op, _ in operations_offered()}


@register.simple_tag(takes_context=True)
def lineage_of(context, image) -> dict:
    """{"parents", "children"} of ``image`` as the viewer may see them."""
    from gallery import lineage

    user = context["request"].user
    return {"parents": lineage.image_parents(user=user, image=image),
            "children": lineage.image_children(user=user, image=image)}
