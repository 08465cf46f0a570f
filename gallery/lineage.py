"""Lineage: which images an image was made from, and what was made from it.

``lineage_record`` writes an ``ImageParent`` row per input of the job that
made an image (called by ``services.image_store``). The reads go through
``selectors.visible_images``: an image someone may not see shows as
"private image", one that was deleted as "deleted image", so a chain stays
readable without leaking anything.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .models import Image, ImageParent
from .selectors import ids_from, visible_images

MAX_TREE_NODES = 200
ROLE_WORDS = {"image": "edited image", "reference": "reference image"}  # a chain edited for weeks still renders in one page


def lineage_record(*, image: Image, job) -> None:
    """One row per input image (masks are not images of the gallery) of ``job``."""
    if job is None or not getattr(job, "pk", None):
        return
    rows = [ImageParent(child=image, parent_id=row.source_id, parent_label=row.source_label[:200],
                        role=row.role, operation=job.operation, position=row.position)
            for row in _images_in(job)]
    if rows:
        ImageParent.objects.bulk_create(rows)


def _images_in(job) -> list:
    """The job's input rows but its mask, from the rows the runner prefetched if it did."""
    return [row for row in job.inputs.all() if row.role != "mask"]


def lineage_metadata(job) -> dict:
    """What the stored file carries about its making: the operation and its inputs' ids."""
    if job is None or not getattr(job, "pk", None) or job.operation in ("", "generate"):
        return {}
    inputs = [{"id": row.source_id, "role": row.role, "label": row.source_label[:80]}
              for row in _images_in(job)]
    return {"operation": job.operation, "inputs": inputs}


def inputs_missing(*, user, inputs: list) -> list[str]:
    """Sentences naming each input of a restored file this studio cannot offer."""
    ids = ids_from(item.get("id") for item in inputs if isinstance(item, dict) and isinstance(item.get("id"), int))
    here = set(visible_images(user).filter(pk__in=ids).values_list("pk", flat=True))
    out = []
    for item in inputs:
        if not isinstance(item, dict):
            continue
        pk, role = item.get("id"), ROLE_WORDS.get(str(item.get("role")), "input image")
        label = str(item.get("label") or "")[:80]
        if pk is None or pk not in here:
            out.append(f"the {role} {pk if pk is not None else '(unknown)'}"
                       + (f" ({label})" if label else "") + " is not in this studio")
    return out


def reuse_references(*, user, image: Image) -> list[int]:
    """The inputs of ``image`` still here and visible to ``user``, in order, for Reuse."""
    ids = list(image.parent_links.exclude(parent=None).values_list("parent_id", flat=True))
    visible = set(visible_images(user).filter(pk__in=ids).values_list("pk", flat=True))
    return [pk for pk in ids if pk in visible]


@dataclass
class Node:
    """One image in a lineage tree: ``image`` None when deleted or not visible."""

    image: Image | None
    label: str
    operation: str = ""
    role: str = ""
    children: list["Node"] = field(default_factory=list)
    current: bool = False


def image_parents(*, user, image: Image) -> list[Node]:
    visible = visible_images(user)
    out = []
    for link in image.parent_links.all():
        parent = visible.filter(pk=link.parent_id).first() if link.parent_id else None
        # A deleted parent's label quotes its prompt, which may have been private:
        # only the child's author (who could use the parent) and staff read it.
        told = user.is_staff or image.owner_id == user.pk
        out.append(Node(parent, _label(link, parent, told=told), link.operation, link.role))
    return out


def image_children(*, user, image: Image) -> list[Node]:
    links = (ImageParent.objects.filter(parent=image)
             .filter(child__in=visible_images(user)).select_related("child").order_by("child_id"))
    seen, out = set(), []
    for link in links:
        if link.child_id not in seen:
            seen.add(link.child_id)
            out.append(Node(link.child, f"Image {link.child_id}", link.operation, link.role))
    return out


def lineage_tree(*, user, image: Image) -> Node:
    """The whole chain: up through first parents to the root, then every descendant."""
    root, seen = image, {image.pk}
    while True:
        link = root.parent_links.exclude(parent=None).first()
        if link is None or link.parent_id in seen:
            break
        parent = visible_images(user).filter(pk=link.parent_id).first()
        if parent is None:
            break
        seen.add(parent.pk)
        root = parent
    top = Node(root, f"Image {root.pk}", current=root.pk == image.pk)
    queue, count, done = [top], 1, {root.pk}
    while queue and count < MAX_TREE_NODES:
        node = queue.pop(0)
        for child in image_children(user=user, image=node.image):
            if child.image.pk in done:
                continue
            done.add(child.image.pk)
            child.current = child.image.pk == image.pk
            node.children.append(child)
            queue.append(child)
            count += 1
    return top


def _label(link: ImageParent, parent: Image | None, *, told: bool = False) -> str:
    if parent is not None:
        return f"Image {parent.pk}"
    if link.parent_id is None:
        return "deleted image" + (f" ({link.parent_label})" if link.parent_label and told else "")
    return "private image"


def reuse_query(*, user, image: Image) -> str:
    """What Reuse adds to the compose URL so an edited image's inputs come back
    in the tray: "&references=12,15&operation=edit", or "" for a plain image."""
    from urllib.parse import urlencode

    ids = reuse_references(user=user, image=image)
    if not ids:
        return ""
    link = image.parent_links.first()
    return "&" + urlencode({"references": ",".join(map(str, ids)), "operation": link.operation})
