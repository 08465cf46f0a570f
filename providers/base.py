"""Plain request/result types shared by every adapter.

Adapters import only this module, ``rules``/``catalog`` data and httpx:
never Django models. Tasks translate rows into these objects and back.
"""
from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

import httpx

# The error types and answer readers live in .errors; every adapter imports them from here.
from .errors import (  # noqa: F401
    CancelledError, ContentPolicyError, ProviderError, error_for_status, json_or_none,
    option_seconds, page_text, parse_retry_after, redact, transport_error,
)


@dataclass(frozen=True)
class Connection:
    """What an adapter needs to reach one provider account."""

    kind: str
    base_url: str = ""
    api_key: str = ""
    # Per-kind extras: basic auth for A1111, the `provider` field for APIpie…
    options: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:  # never let a key slip into a traceback or log
        return f"Connection(kind={self.kind!r}, base_url={self.base_url!r}, api_key=***)"


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    model: str
    negative_prompt: str = ""
    # Exactly one way of sizing is set, following the model's size rule:
    # width+height (range), size "WxH"/"auto" (list, with width/height parsed
    # when concrete) or aspect_ratio "16:9" (the provider picks the pixels).
    width: int | None = None
    height: int | None = None
    size: str | None = None
    aspect_ratio: str | None = None
    n: int = 1
    seed: int | None = None
    steps: int | None = None
    guidance: float | None = None
    sampler: str | None = None
    style_preset: str | None = None
    quality: str | None = None
    style: str | None = None
    output_format: str | None = None
    # Model-specific parameters the catalog declares (safety_tolerance,
    # clip_guidance_preset, background, prompt_upsampling, …).
    extras: dict[str, Any] = field(default_factory=dict)
    input_image: bytes | None = None
    # Editing (see the catalog's "inputs" capability): the operation asked
    # for, every input image in order (the first is the one a mask applies
    # to), an optional mask (PNG; alpha 0 marks the editable area, as OpenAI
    # defines it) and a strength from 0 to 1 where the model takes one.
    operation: str = "generate"
    input_images: tuple[bytes, ...] = ()
    mask: bytes | None = None
    strength: float | None = None

    @property
    def images_in(self) -> tuple[bytes, ...]:
        """Every input image, including the older single ``input_image``."""
        if self.input_images:
            return self.input_images
        return (self.input_image,) if self.input_image else ()


@dataclass
class ResultImage:
    """One image: bytes in hand, or a URL to download at once."""

    data: bytes | None = None
    url: str | None = None
    seed: int | None = None
    revised_prompt: str | None = None


@dataclass
class GenerationResult:
    images: list[ResultImage]
    usage: dict[str, Any] = field(default_factory=dict)
    cost: Decimal | None = None  # provider-reported, in its own unit
    request_id: str | None = None
    # What we changed in the provider's answer (extra images dropped…), for the job's notes.
    notes: list[str] = field(default_factory=list)


@dataclass
class Hooks:
    """Callbacks from a running adapter back to the job that runs it."""

    progress: Callable[[float], None] = lambda fraction: None
    cancelled: Callable[[], bool] = lambda: False
    sleep: Callable[[float], None] | None = None  # tests shorten poll waits


def model_list(adapter: "Adapter", url: str, *, key: str = "data",
               owner: str = "The provider's") -> list:
    """The ``key`` list of a model-list answer (``GET {url}``), items unchecked."""
    response = adapter.send("GET", url, headers=adapter.headers())
    if response.status_code >= 400:
        raise adapter.error(response)
    payload = adapter.json_body(response)
    listed = payload.get(key) if isinstance(payload, dict) else None
    if not isinstance(listed, list):
        raise ProviderError(f"{owner} model list has no '{key}' list", permanent=True,
                            code="bad_response")
    return listed


class Adapter:
    """Base for one wire protocol. Subclasses implement ``generate`` and ``check``.

    An adapter is built per call from a plain Connection and the shared httpx
    client; it holds no state between calls, so threads may run many at once.
    Every request goes through ``send``, which enforces the deadline, the stop
    check and the body caps; every result and error a subclass produces is
    cleaned by ``sanitise`` on its way out (see ``__init_subclass__``).
    """

    # Whether a result is worth keeping before it is stored: the engine stashes
    # a paid (or slow to make) result so a worker killed mid-store is resumed,
    # not asked again. The built-in renderer's results cost nothing to remake.
    results_are_paid = True

    def __init__(self, connection: Connection, client: httpx.Client | None = None, *,
                 deadline: float | None = None, should_stop: Callable[[], bool] = lambda: False):
        from . import http

        self.connection = connection
        # Only our guarded client can end a dripping call or pin an address.
        self.client = http.guarded(client)
        # The job's wall-clock limit (time.monotonic() seconds) and its cancel
        # check: every call this adapter makes ends by the deadline, and stops
        # at once when should_stop() turns true, even while waiting for bytes.
        # should_stop runs about four times a second per call: keep it cheap.
        self.deadline = deadline
        self.should_stop = should_stop

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in ("generate", "check", "list_models", "listed_models", "model_schema"):
            if name in cls.__dict__:
                setattr(cls, name, _cleaned(cls.__dict__[name]))

    @property
    def secrets(self) -> tuple[str, ...]:
        from .secrets import connection_secrets

        return connection_secrets(self.connection.api_key, self.connection.options)

    def url(self, path: str) -> str:
        return self.connection.base_url.rstrip("/") + "/" + path.lstrip("/")

    def call_deadline(self, seconds: float | None = None) -> tuple[float, float]:
        """(deadline, seconds allowed) for one call starting now: the
        connection's ``timeout`` option (or ``seconds``), never past the job's."""
        from .limits import DEFAULT_CALL_SECONDS, seconds_option

        allowed = seconds or seconds_option(self.connection.options, "timeout", DEFAULT_CALL_SECONDS)
        now = time.monotonic()
        if self.deadline is not None and self.deadline < now + allowed:
            return self.deadline, max(0.0, self.deadline - now)
        return now + allowed, allowed

    def send(self, method: str, url: str, *, limit: float | None = None,
             max_bytes: int | None = None, **kwargs) -> httpx.Response:
        """One HTTP call, its body read in full under a size cap and a deadline.

        Network failures become passing ProviderErrors; the deadline a
        ProviderError that says so; a stop, CancelledError. ``limit`` (seconds)
        replaces the connection's per-call limit for a call known to be long.
        The returned response is complete: ``.json()``, ``.text`` and
        ``.content`` read the decoded, capped body.
        """
        from . import http, limits

        deadline, allowed = self.call_deadline(limit)
        auth = kwargs.pop("auth", None)
        scope = http.CallLimits(deadline=deadline, should_stop=self.should_stop)
        try:
            with http.call_scope(scope):
                scope.check()
                request = self.client.build_request(method, url, **kwargs)
                response = self.client.send(request, auth=auth, stream=True)
                try:
                    image = response.headers.get("content-type", "").startswith("image/")
                    cap = max_bytes or (limits.max_image_bytes() if image else limits.max_response_bytes())
                    body = limits.read_capped(response, cap, "image" if image else "answer")
                finally:
                    response.close()
        except http.CallEnded as ended:
            raise self._ended(ended.reason, allowed) from None
        except httpx.TimeoutException as exc:
            if time.monotonic() >= deadline:
                raise self._ended("deadline", allowed) from None
            raise transport_error(exc, secrets=self.secrets) from None
        except httpx.HTTPError as exc:
            raise transport_error(exc, secrets=self.secrets) from None
        return limits.with_body(response, body)

    def _ended(self, reason: str, allowed: float) -> Exception:
        if reason == "stop":
            return CancelledError()
        # Out of the job's own time nothing is worth retrying; a call that
        # only used up its per-call limit may be tried again.
        if self.deadline is not None and time.monotonic() >= self.deadline:
            return ProviderError("The job's time ran out while waiting for the provider",
                                 permanent=True, code="timeout")
        return ProviderError(f"The provider did not answer in time ({round(allowed, 1):g} s)",
                             permanent=False, code="timeout")

    def download(self, url: str, *, max_bytes: int | None = None) -> bytes:
        """Fetch a result URL under this adapter's deadline, stop check and address rules."""
        from .download import download_image
        from .limits import max_image_bytes

        options = self.connection.options
        return download_image(
            url, client=self.client, own_url=self.connection.base_url,
            also_allowed=tuple(options.get("download_origins") or ()),
            max_bytes=max_bytes or max_image_bytes(), secrets=self.secrets,
            deadline=self.deadline, should_stop=self.should_stop,
            seconds=options.get("download_timeout"))

    def json_body(self, response: httpx.Response) -> Any:
        """The parsed body; a non-JSON success is a ProviderError, never a crash."""
        body = json_or_none(response)
        if body is None:
            text = response.text.strip()
            # An HTML page or an empty body in place of JSON is a proxy or
            # gateway hiccup, worth a retry; other text is a wrong endpoint.
            hiccup = not text or text.startswith("<") or "html" in response.headers.get("content-type", "")
            snippet = redact(text[:200], *self.secrets)
            raise ProviderError(
                f"The provider answered with something other than JSON (HTTP "
                f"{response.status_code}): {snippet or 'empty body'}",
                permanent=not hiccup, status=response.status_code, code="bad_response",
                request_id=response.headers.get("x-request-id"))
        return body

    def generate(self, request: GenerationRequest, spec, hooks: Hooks) -> GenerationResult:
        raise NotImplementedError

    def check(self) -> str:
        """Make the cheapest real call the provider allows; say what it found."""
        raise NotImplementedError

    def list_models(self) -> list[str]:
        """Model ids the server itself offers (A1111 checkpoints, ComfyUI ckpts)."""
        return []


def _cleaned(method):
    """``method`` with its result and its ProviderError passed through ``sanitise``."""
    name = method.__name__

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        from . import limits, sanitise

        try:
            result = method(self, *args, **kwargs)
        except ProviderError as exc:
            raise sanitise.error_clean(exc, secrets=self.secrets)
        if name == "generate":
            request = args[0] if args else kwargs["request"]
            return sanitise.result_clean(result, asked=max(1, request.n), secrets=self.secrets)
        if name == "check":
            return sanitise.text_clean(result, self.secrets, limits.MAX_MESSAGE_CHARS)
        if name == "list_models":
            return sanitise.models_clean(result, self.secrets)
        # listed_models (dicts) and model_schema (schema dicts): every string in them
        return sanitise.data_clean(result, self.secrets)

    return wrapper
