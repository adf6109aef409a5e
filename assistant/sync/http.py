"""A polite HTTP client for municipal portals: one request at a time, at most N a second to one host, a
timeout on every request, retries with doubling backoff on timeouts, connection errors, 429 and 5xx, a
clear stop on any other 4xx, and a User-Agent that names the tool (and a contact, where one is set)."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import httpx

from ..errors import AssistantError

USER_AGENT = "council-decisions-assistant/0.1 (+https://github.com/; sync of published meeting records)"


class PortalError(AssistantError):
    "The portal refused (a 4xx other than 404/410/429): going on would only repeat the refusal."


class NotFound(PortalError):
    "404/410: the document was withdrawn or never published; skipped and counted, not a reason to stop."


class Unreachable(AssistantError):
    "Retries spent on timeouts, connection errors or 5xx: this URL failed; the run goes on with the rest."


class PoliteClient:
    def __init__(self, requests_per_s: float = 1.0, timeout_s: float = 30.0, retries: int = 3, backoff_s: float = 2.0,
                 contact: str = "", headers: dict[str, str] | None = None, sleep=time.sleep):
        agent = USER_AGENT if not contact else USER_AGENT.replace(")", f"; contact: {contact})")
        self.client = httpx.Client(timeout=timeout_s, follow_redirects=True,
                                   headers={"User-Agent": agent, **(headers or {})})
        self.interval = 1.0 / requests_per_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.sleep = sleep
        self._last: dict[str, float] = {}
        self._lock = threading.Lock()
        self.requests = 0

    def close(self) -> None:
        self.client.close()

    def get(self, url: str) -> httpx.Response:
        """The response to GET url (2xx), after waiting its turn for the host and retrying what may pass."""
        wait = self.backoff_s
        last_problem = ""
        for attempt in range(self.retries + 1):
            if attempt:
                self.sleep(wait)
                wait *= 2
            self._wait_turn(url)
            try:
                response = self.client.get(url)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last_problem = f"{exc.__class__.__name__}: {exc}" if str(exc) else exc.__class__.__name__
                continue
            finally:
                self.requests += 1
            if response.status_code in (404, 410):
                raise NotFound(f"{response.status_code} for {url}")
            if response.status_code == 429 or response.status_code >= 500:
                last_problem = f"HTTP {response.status_code}"
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    wait = max(wait, float(retry_after))
                continue
            if response.status_code >= 400:
                raise PortalError(f"the portal answered {response.status_code} for {url}; stopping (check the address and "
                                  "the tenant, or whether the portal asks this tool to stay away)")
            return response
        raise Unreachable(f"{last_problem} after {self.retries + 1} tries")

    def _wait_turn(self, url: str) -> None:
        host = urlsplit(url).netloc
        with self._lock:
            now = time.monotonic()
            due = self._last.get(host, 0.0) + self.interval
            if now < due:
                self.sleep(due - now)
            self._last[host] = time.monotonic()
