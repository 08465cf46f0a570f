"""The MCP server (the official SDK's FastMCP): the studio's tools for AI agents.

The tools run as the person whose token opened the connection (held in a
context variable for the length of one request, or of a stdio session).
Every tool hops to a thread with ``sync_to_async`` because the ORM may not
run inside the event loop.
"""
from __future__ import annotations

import contextvars
from typing import Any

from asgiref.sync import sync_to_async
from mcp.server.fastmcp import FastMCP, Image
from mcp.server.fastmcp.exceptions import ToolError

from . import mcp_tools
from .models import ApiToken

current_token: contextvars.ContextVar[ApiToken] = contextvars.ContextVar("current_token")
current_base_url: contextvars.ContextVar[str] = contextvars.ContextVar("current_base_url", default="")

INSTRUCTIONS = ("Image Studio: generate and edit images with the team's models and find them in the "
                "shared gallery. Each call runs as the token's owner, within their budget; results "
                "land in the gallery marked “via MCP”.")

server = FastMCP("Image Studio", instructions=INSTRUCTIONS)


async def _call(fn, **kwargs) -> Any:
    try:
        return await sync_to_async(fn, thread_sensitive=True)(**kwargs)
    except mcp_tools.ToolRefused as exc:
        raise ToolError(str(exc)) from None


def _who() -> dict:
    return {"token": current_token.get(), "base_url": current_base_url.get()}


@server.tool()
async def generate_image(prompt: str, model: str, size: str | None = None, n: int = 1,
                         negative_prompt: str | None = None, seed: int | None = None,
                         quality: str | None = None, aspect_ratio: str | None = None,
                         visibility: str | None = None, board: str | None = None) -> dict:
    """Generate images with a studio model (list_models shows ids, rules and prices). Waits for
    the job and returns the gallery images it made; refusals name the rule or budget."""
    return await _call(mcp_tools.generate_image, **_who(), prompt=prompt, model=model, size=size, n=n,
                       negative_prompt=negative_prompt, seed=seed, quality=quality,
                       aspect_ratio=aspect_ratio, visibility=visibility, board=board)


@server.tool()
async def edit_image(image_id: int, prompt: str, model: str, size: str | None = None,
                     visibility: str | None = None) -> dict:
    """Edit a gallery image you can see with a model that edits (list_models: inputs)."""
    return await _call(mcp_tools.edit_image, **_who(), image_ids=[image_id], prompt=prompt, model=model,
                       size=size, visibility=visibility)


@server.tool()
async def search_gallery(query: str = "", model: str = "", person: str = "", board: str = "",
                         limit: int = 20) -> list[dict]:
    """Search the gallery you can see by prompt words, model id, person (username) or board."""
    return await _call(mcp_tools.search_gallery, **_who(), query=query, model=model, person=person,
                       board=board, limit=limit)


@server.tool()
async def get_image(image_id: int, max_side: int = mcp_tools.GET_IMAGE_MAX_SIDE) -> list:
    """One gallery image as an image (scaled to at most 1024 px), with what made it."""
    data, fmt, summary = await _call(mcp_tools.get_image, token=current_token.get(), image_id=image_id,
                                     max_side=max_side)
    return [Image(data=data, format=fmt), summary]


@server.tool()
async def get_job(job_id: int) -> dict:
    """A job's status, and its images once it succeeded (for a generate that was still running)."""
    return await _call(mcp_tools.get_job, **_who(), job_id=job_id)


@server.tool()
async def list_models() -> list[dict]:
    """The models you may use, with their sizes, parameters, prices and retirement dates."""
    return await _call(mcp_tools.list_models, token=current_token.get())


@server.tool()
async def list_templates() -> list[dict]:
    """The team's prompt templates and their variables."""
    return await _call(mcp_tools.list_templates)


@server.tool()
async def fill_template(name: str, values: dict[str, str]) -> dict:
    """The prompt a template makes with these variable values (blank ones take defaults),
    with its negative prompt and stored parameters (model, size…) for generate_image."""
    return await _call(mcp_tools.fill_template, name=name, values=values)
