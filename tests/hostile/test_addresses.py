"""A download connects to the address that was checked, and only a public one
or the connection's own origin (issue 9, item 9)."""
from __future__ import annotations

import socket

import pytest

from providers import download
from providers.base import Connection, ProviderError
from providers.download import address_is_public, download_image
from providers.openai import OpenAIAdapter
from tests.hostile import fake as hostile
from tests.hostile.fake import HostileProvider


@pytest.mark.parametrize("address", [
    "64:ff9b::7f00:1",      # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",   # NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1",     # local-use NAT64
    "2002:7f00:1::1",       # 6to4 of 127.0.0.1
    "2002:a00:7::1",        # 6to4 of 10.0.0.7
    "::127.0.0.1",          # IPv4-compatible
    "::ffff:10.0.0.7",      # IPv4-mapped
    "::ffff:169.254.169.254",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
])
def test_ipv6_forms_of_private_ipv4_are_not_public(address):
    assert not address_is_public(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "64:ff9b::5db8:d70e", "2002:5db8:d70e::1",
                                     "::ffff:93.184.215.14", "2606:4700:4700::1111"])
def test_public_addresses_and_their_ipv6_forms_are_public(address):
    assert address_is_public(address)


def test_a_name_resolving_to_an_ipv6_form_of_loopback_is_refused(monkeypatch, fake):
    hostile_answer = [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("64:ff9b::7f00:1", 80, 0, 0))]
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: hostile_answer)
    with pytest.raises(ProviderError) as info:
        download_image("http://cdn.example.com/x.png", own_url=fake.url, max_bytes=2**20)
    assert info.value.code == "bad_url" and fake.requests == []


def test_dns_rebinding_cannot_move_the_download_after_the_check(monkeypatch):
    """The name answers a "public" address to the check and loopback to any later
    lookup; the download must go to the first one."""
    with HostileProvider("127.0.0.1") as internal:
        port = internal.url.rsplit(":", 1)[1]
        with HostileProvider("127.0.0.2", int(port)) as public:
            internal.behaviour = hostile.error(200, "internal metadata: secret")
            public.behaviour = _png
            real = socket.getaddrinfo
            answers = iter(["127.0.0.2"])

            def rebinding(host, *args, **kwargs):
                if host != "images.rebind.test":
                    return real(host, *args, **kwargs)
                address = next(answers, "127.0.0.1")
                return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, int(port)))]

            monkeypatch.setattr(socket, "getaddrinfo", rebinding)
            # Only 127.0.0.2 plays the public internet in this test.
            monkeypatch.setattr(download, "address_is_public", lambda a: a == "127.0.0.2")
            data = download_image(f"http://images.rebind.test:{port}/x.png",
                                  own_url="https://api.example.com", max_bytes=2**20)
            assert data == hostile.PNG
            assert internal.requests == [] and len(public.requests) == 1
            assert public.requests[0].headers["host"] == f"images.rebind.test:{port}"


def _png(wire, req):
    wire.head(200, {"Content-Type": "image/png", "Content-Length": str(len(hostile.PNG))})
    wire.raw(hostile.PNG)


def test_the_connections_own_host_is_allowed_only_on_its_own_port(fake):
    fake.behaviour = _png
    host, port = fake.url.rsplit(":", 1)
    assert download_image(f"{fake.url}/x.png", own_url=fake.base_url, max_bytes=2**20) == hostile.PNG
    for other in (f"{host}:{int(port) + 1}", f"https://127.0.0.1:{port}"):
        with pytest.raises(ProviderError) as info:
            download_image(f"{other}/x.png", own_url=fake.base_url, max_bytes=2**20)
        assert info.value.code == "bad_url"


def test_staff_may_allow_another_origin_on_the_connection(fake):
    fake.behaviour = _png
    host, port = fake.url.rsplit(":", 1)
    own = f"{host}:{int(port) + 1}"
    refused = OpenAIAdapter(Connection("openai", own, "k", {}))
    with pytest.raises(ProviderError):
        refused.download(fake.url + "/x.png")
    allowed = OpenAIAdapter(Connection("openai", own, "k", {"download_origins": [fake.url]}))
    assert allowed.download(fake.url + "/x.png") == hostile.PNG
