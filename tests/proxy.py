"""A round-robin reverse proxy on aiohttp: the load balancer in front of several bot workers.

It stands in for the webhook ingress of docker-compose.yml (nginx there): each request goes to
the next upstream in turn, headers (the webhook secret among them) and body as they came, and
the upstream's status and body go back as they are. ``served`` records which upstream took each
request, so a test can check that consecutive updates reached different workers.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import aiohttp
from aiohttp import web

# Hop-by-hop headers (RFC 9110, 7.6.1) belong to one connection, and Host and the length are
# set again for the upstream request.
_NOT_FORWARDED = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host",
     "content-length", "proxy-authorization", "proxy-authenticate"}
)  # fmt: skip


class RoundRobinProxy:
    def __init__(self, upstreams: Sequence[str]) -> None:
        """``upstreams``: base URLs such as ``http://127.0.0.1:8443``; a request's path and
        query are appended to the chosen one."""
        if not upstreams:
            raise ValueError("a proxy needs at least one upstream")
        self.upstreams = [url.rstrip("/") for url in upstreams]
        self.served: list[int] = []  # the upstream's index, for each request forwarded
        self._turns = itertools.cycle(range(len(self.upstreams)))
        self._session: aiohttp.ClientSession | None = None
        app = web.Application()
        app.router.add_route("*", "/{path:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""  # set by start()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen (port 0: any free one); returns the proxy's base URL."""
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        bound_host, bound_port = self._runner.addresses[0][:2]
        self.url = f"http://{bound_host}:{bound_port}"
        return self.url

    async def stop(self) -> None:
        await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._session is not None, "start() the proxy first"
        turn = next(self._turns)
        self.served.append(turn)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        target = self.upstreams[turn] + request.rel_url.raw_path_qs
        try:
            async with self._session.request(
                request.method, target, headers=headers, data=await request.read()
            ) as upstream:
                body = await upstream.read()
                return web.Response(
                    status=upstream.status,
                    body=body,
                    content_type=upstream.content_type,
                )
        except (aiohttp.ClientError, TimeoutError):
            # What nginx answers for an upstream it cannot reach; Telegram retries on 5xx.
            return web.Response(status=502, text="bad gateway")
