"""A fake ComfyUI server: /prompt, /history/{id}, /view, /queue, /interrupt, /object_info.

It reads the posted graph the way ComfyUI does: it validates the class types,
links and checkpoint name, then follows SaveImage → VAEDecode → KSampler →
EmptyLatentImage to render ``batch_size`` images of the latent's size.
Switches: ``pending_polls`` (history answers ``{}`` that many times first),
``hold`` (runs never finish: for cancel tests), ``fail_with`` (an execution
error), ``legacy_history`` (no ``status``, as older builds), ``combo_v3``
(object_info in the V3 ``["COMBO", {"options": …}]`` shape), ``lose_files``
(/view answers 404, as after the output folder was cleaned).
"""
from __future__ import annotations

import time
import uuid

from .base import FakeServer, Reply, Request, png_bytes

CHECKPOINTS = ["v1-5-pruned-emaonly.safetensors", "SDXL/sd_xl_base_1.0.safetensors"]
SAMPLERS = ["euler", "euler_ancestral", "heun", "dpmpp_2m", "dpmpp_2m_sde", "ddim", "uni_pc"]
SCHEDULERS = ["normal", "karras", "exponential", "simple"]
NODE_CLASSES = {"CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "KSampler", "VAEDecode",
                "SaveImage", "LoadImage", "VAEEncode", "RepeatLatentBatch"}


def nodes_of(graph: dict, class_type: str) -> list[dict]:
    return [node for node in graph.values() if node.get("class_type") == class_type]


def linked(graph: dict, node: dict, input_name: str) -> dict:
    """The node an input links to (links are [node_id, output_index])."""
    return graph[node["inputs"][input_name][0]]


class FakeComfyUI(FakeServer):
    def __init__(self):
        super().__init__()
        self.checkpoints = list(CHECKPOINTS)
        self.pending_polls = 1
        self.hold = False
        self.fail_with: tuple[str, str] | None = None  # (exception_type, exception_message)
        self.legacy_history = False
        self.combo_v3 = False
        self.lose_files = False
        self.subfolder = ""  # where SaveImage writes, as with a "dir/prefix" filename_prefix
        self.jobs: dict[str, dict] = {}  # prompt_id → {"graph", "polls", "entry", "state"}
        self.files: dict[tuple[str, str], bytes] = {}
        self.uploads: dict[str, bytes] = {}  # the input folder: /upload/image writes here
        self._counter = 0

    def route(self, req: Request) -> Reply:
        path = req.path[4:] if req.path.startswith("/api/") else req.path
        if req.method == "POST" and path == "/upload/image":
            return self.upload(req)
        if req.method == "POST" and path == "/prompt":
            return self.post_prompt(req)
        if req.method == "GET" and path.startswith("/history/"):
            return self.history(path.rsplit("/", 1)[1])
        if req.method == "GET" and path == "/view":
            return self.view(req)
        if path == "/queue":
            return self.queue() if req.method == "GET" else self.queue_delete(req)
        if req.method == "POST" and path == "/interrupt":
            return self.interrupt(req)
        if req.method == "GET" and path == "/object_info/CheckpointLoaderSimple":
            return self.object_info()
        if req.method == "GET" and path == "/object_info":
            return Reply(200, self.all_object_info())
        if req.method == "GET" and path == "/system_stats":
            return Reply(200, {"system": {"os": "posix", "comfyui_version": "0.3.43",
                                          "python_version": "3.11.9", "pytorch_version": "2.5.1"},
                               "devices": [{"name": "cuda:0 NVIDIA GeForce RTX 4090", "type": "cuda",
                                            "index": 0, "vram_total": 25393692672}]})
        return Reply(404, "404: Not Found")

    # --- queueing -------------------------------------------------------------

    def post_prompt(self, req: Request) -> Reply:
        body = req.json
        if not isinstance(body, dict) or "prompt" not in body:
            return Reply(400, {"error": "no prompt", "node_errors": []})
        graph = body["prompt"]
        error = self._validate(graph)
        if error:
            return error
        prompt_id = str(uuid.uuid4())
        self.jobs[prompt_id] = {"graph": graph, "client_id": body.get("client_id"), "polls": 0,
                                "entry": None, "state": "queued"}
        return Reply(200, {"prompt_id": prompt_id, "number": len(self.jobs), "node_errors": {}})

    def _validate(self, graph) -> Reply | None:
        if not isinstance(graph, dict) or not nodes_of(graph, "SaveImage"):
            return _bad("prompt_no_outputs", "Prompt has no outputs", {})
        for node_id, node in graph.items():
            if node.get("class_type") not in NODE_CLASSES:
                return _bad("invalid_prompt", f"Cannot execute because node {node.get('class_type')} "
                            "does not exist.", {})
            for name, value in node.get("inputs", {}).items():
                if isinstance(value, list) and value[0] not in graph:
                    return _bad_input(node_id, node, "required_input_missing", name,
                                      f"Required input is missing: {name}", value)
        problems = {}
        for node_id, node in graph.items():
            if node.get("class_type") == "LoadImage" and node["inputs"].get("image") not in self.uploads:
                problems[node_id] = _node_error(node, "custom_validation_failed",
                                                "Custom validation failed for node",
                                                f"image - Invalid image file: {node['inputs'].get('image')}",
                                                "image", node["inputs"].get("image"))
            for name, allowed in (("ckpt_name", self.checkpoints), ("sampler_name", SAMPLERS),
                                  ("scheduler", SCHEDULERS)):
                value = node["inputs"].get(name)
                if name in node["inputs"] and value not in allowed:
                    problems[node_id] = _node_error(
                        node, "value_not_in_list", "Value not in list",
                        f"{name}: '{value}' not in (list of length {len(allowed)})", name, value)
        if problems:
            details = "\n".join(e["errors"][0]["details"] for e in problems.values())
            return Reply(400, {"error": {"type": "prompt_outputs_failed_validation",
                                         "message": "Prompt outputs failed validation",
                                         "details": details, "extra_info": {}},
                               "node_errors": problems})
        return None

    # --- history and files ----------------------------------------------------

    def history(self, prompt_id: str) -> Reply:
        job = self.jobs.get(prompt_id)
        if job is None or job["state"] == "deleted":
            return Reply(200, {})
        if job["entry"] is None:
            job["polls"] += 1
            if job["state"] == "interrupted":
                job["entry"] = self._entry(job, prompt_id, ("execution_interrupted", {
                    "prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler", "executed": []}))
            elif self.hold or job["polls"] <= self.pending_polls:
                job["state"] = "running"
                return Reply(200, {})
            elif self.fail_with:
                kind, message = self.fail_with
                job["entry"] = self._entry(job, prompt_id, ("execution_error", {
                    "prompt_id": prompt_id, "node_id": "3", "node_type": "KSampler", "executed": ["4", "5"],
                    "exception_message": message, "exception_type": kind, "traceback": ["..."],
                    "current_inputs": {}, "current_outputs": {}}))
            else:
                job["entry"] = self._entry(job, prompt_id, None)
            job["state"] = "done"
        return Reply(200, {prompt_id: job["entry"]})

    def _entry(self, job: dict, prompt_id: str, failure: tuple | None) -> dict:
        graph = job["graph"]
        outputs = {} if failure else self._render(graph)
        messages = [["execution_start", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}]]
        messages.append(list(failure) if failure else
                        ["execution_success", {"prompt_id": prompt_id, "timestamp": int(time.time() * 1000)}])
        entry = {"prompt": [1, prompt_id, graph, {"client_id": job["client_id"]}, ["9"]],
                 "outputs": outputs, "meta": {}}
        if not self.legacy_history:
            entry["status"] = {"status_str": "error" if failure else "success",
                               "completed": not failure, "messages": messages}
        return entry

    def _render(self, graph: dict) -> dict:
        """Follow the links from each SaveImage back to its latent, and save that many images."""
        outputs = {}
        for node_id, save in graph.items():
            if save["class_type"] != "SaveImage":
                continue
            sampler = linked(graph, linked(graph, save, "images"), "samples")
            latent = self._latent(graph, linked(graph, sampler, "latent_image"))
            prefix = save["inputs"].get("filename_prefix", "ComfyUI")
            images = []
            for i in range(latent["batch_size"]):
                self._counter += 1
                filename = f"{prefix}_{self._counter:05}_.png"
                colour = ((sampler["inputs"]["seed"] + i) % 256, 120, 60)
                self.files[(self.subfolder, filename)] = png_bytes(latent["width"], latent["height"], colour)
                images.append({"filename": filename, "subfolder": self.subfolder, "type": "output"})
            outputs[node_id] = {"images": images}
        return outputs

    def _latent(self, graph: dict, node: dict) -> dict:
        """width, height and batch_size of a latent: empty, encoded from an upload, or repeated."""
        from .openai_edits import size_of

        if node["class_type"] == "RepeatLatentBatch":
            inner = self._latent(graph, linked(graph, node, "samples"))
            return {**inner, "batch_size": inner["batch_size"] * node["inputs"]["amount"]}
        if node["class_type"] == "VAEEncode":
            width, height = size_of(self.uploads[linked(graph, node, "pixels")["inputs"]["image"]])
            return {"width": width, "height": height, "batch_size": 1}
        return node["inputs"]

    def upload(self, req: Request) -> Reply:
        """ComfyUI's /upload/image: multipart ``image``; answers where it stored it."""
        parts = req.parts()
        image = next(((filename, data) for name, filename, data in parts
                      if name == "image" and filename), None)
        if image is None:
            return Reply(400, "400: Bad Request")
        fields = {name: data.decode() for name, filename, data in parts if filename is None}
        self.uploads[image[0]] = image[1]
        return Reply(200, {"name": image[0], "subfolder": "", "type": fields.get("type", "input")})

    def view(self, req: Request) -> Reply:
        filename = req.query.get("filename", [""])[0]
        subfolder = req.query.get("subfolder", [""])[0]
        if filename.startswith("/") or ".." in filename:
            return Reply(400, "400: Bad Request")
        data = self.files.get((subfolder, filename))
        if data is None or self.lose_files or req.query.get("type", ["output"])[0] != "output":
            return Reply(404, "404: Not Found")
        return Reply(200, data, {"Content-Type": "image/png",
                                 "Content-Disposition": f'filename="{filename}"'})

    # --- queue control --------------------------------------------------------

    def queue(self) -> Reply:
        def item(prompt_id, job):
            return [1, prompt_id, job["graph"], {"client_id": job["client_id"]}, ["9"]]
        running = [item(k, j) for k, j in self.jobs.items() if j["state"] == "running"]
        pending = [item(k, j) for k, j in self.jobs.items() if j["state"] == "queued"]
        return Reply(200, {"queue_running": running, "queue_pending": pending})

    def queue_delete(self, req: Request) -> Reply:
        for prompt_id in (req.json or {}).get("delete", []):
            if prompt_id in self.jobs and self.jobs[prompt_id]["state"] == "queued":
                self.jobs[prompt_id]["state"] = "deleted"
        return Reply(200, b"")

    def interrupt(self, req: Request) -> Reply:
        wanted = (req.json or {}).get("prompt_id") if req.body else None
        for prompt_id, job in self.jobs.items():
            if job["state"] == "running" and wanted in (None, prompt_id):
                job["state"] = "interrupted"
        return Reply(200, b"")

    def all_object_info(self) -> dict:
        """``GET /object_info``: every installed node with its required inputs (ComfyUI's shape)."""
        required = {
            "CheckpointLoaderSimple": {"ckpt_name": [self.checkpoints]},
            "CLIPTextEncode": {"text": ["STRING", {"multiline": True}], "clip": ["CLIP"]},
            "EmptyLatentImage": {"width": ["INT", {}], "height": ["INT", {}], "batch_size": ["INT", {}]},
            "KSampler": {name: ["*"] for name in ("model", "seed", "steps", "cfg", "sampler_name",
                                                  "scheduler", "positive", "negative", "latent_image",
                                                  "denoise")},
            "VAEDecode": {"samples": ["LATENT"], "vae": ["VAE"]},
            "VAEEncode": {"pixels": ["IMAGE"], "vae": ["VAE"]},
            "LoadImage": {"image": [sorted(self.uploads)]},
            "RepeatLatentBatch": {"samples": ["LATENT"], "amount": ["INT", {}]},
            "SaveImage": {"images": ["IMAGE"], "filename_prefix": ["STRING", {}]},
        }
        return {name: {"input": {"required": inputs}, "output_node": name == "SaveImage",
                       "name": name, "display_name": name} for name, inputs in required.items()}

    def object_info(self) -> Reply:
        ckpt = (["COMBO", {"options": self.checkpoints, "tooltip": "The checkpoint to load."}]
                if self.combo_v3 else [self.checkpoints, {"tooltip": "The checkpoint to load."}])
        return Reply(200, {"CheckpointLoaderSimple": {
            "input": {"required": {"ckpt_name": ckpt}}, "output": ["MODEL", "CLIP", "VAE"],
            "name": "CheckpointLoaderSimple", "display_name": "Load Checkpoint", "output_node": False}})


def _bad(kind: str, message: str, node_errors: dict) -> Reply:
    return Reply(400, {"error": {"type": kind, "message": message, "details": "", "extra_info": {}},
                       "node_errors": node_errors})


def _node_error(node: dict, kind: str, message: str, details: str, name: str, value) -> dict:
    return {"errors": [{"type": kind, "message": message, "details": details,
                        "extra_info": {"input_name": name, "received_value": value}}],
            "dependent_outputs": ["9"], "class_type": node["class_type"]}


def _bad_input(node_id, node, kind, name, message, value) -> Reply:
    return Reply(400, {"error": {"type": "prompt_outputs_failed_validation",
                                 "message": "Prompt outputs failed validation", "details": message,
                                 "extra_info": {}},
                       "node_errors": {node_id: _node_error(node, kind, message, "", name, value)}})
