"""Headless Chromium (Debian's `chromium`) driven over the DevTools protocol, for the CORS test in the e2e run.

Plain CDP over a websocket (`websocket-client`), no browser download. Host names are pointed at loopback
with `--host-resolver-rules` (the API's execute-api host at the emulator, the web origin
`http://localhost:3000` at a local page server), every other host name fails to resolve, and the
background-networking flags keep Chromium from calling home: no request leaves loopback.
"""

from __future__ import annotations

import http.server
import json
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

CHROMIUM_FLAGS: tuple[str, ...] = (
    "--headless",
    "--no-sandbox",  # the tests run as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--no-default-browser-check",
    "--ignore-certificate-errors",  # the emulator's certificate is made at its start
)


def chromium_binary() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


class PageServer:
    """Serves one HTML page on a free loopback port (the browser reaches it under any mapped host name)."""

    def __init__(self, html: str) -> None:
        page = html.encode()

        class _Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def __enter__(self) -> PageServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


class Chromium:
    """One headless Chromium with one page, and a DevTools connection to it."""

    def __init__(self, *, host_rules: list[str], timeout: float = 30.0) -> None:
        binary = chromium_binary()
        if binary is None:
            raise RuntimeError("chromium is not installed (Debian package `chromium`; `make test` installs it)")
        self.binary = binary
        self.host_rules = [*host_rules, "MAP * ~NOTFOUND", "EXCLUDE 127.0.0.1"]
        self.timeout = timeout
        self.log: list[dict[str, Any]] = []
        self._next_id = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._profile = Path(tempfile.mkdtemp(prefix="junokit-chromium-"))
        self._socket: Any = None

    def __enter__(self) -> Chromium:
        import websocket

        self._process = subprocess.Popen(
            [
                self.binary,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={self._profile}",
                f"--host-resolver-rules={', '.join(self.host_rules)}",
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = self._profile / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.is_file() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self._process.poll() is not None:
                self.__exit__(None, None, None)
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = port_file.read_text().splitlines()[0]
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            pages = [target for target in json.load(answer) if target.get("type") == "page"]
        self._socket = websocket.create_connection(
            pages[0]["webSocketDebuggerUrl"], timeout=self.timeout, suppress_origin=True
        )
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Log.enable")
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        shutil.rmtree(self._profile, ignore_errors=True)

    def send(self, method: str, params: dict[str, Any] | None = None, *, until_event: str | None = None) -> Any:
        """Call `method`; return its result (or, with `until_event`, that event's params once it arrives)."""
        self._next_id += 1
        call_id = self._next_id
        self._socket.send(json.dumps({"id": call_id, "method": method, "params": params or {}}))
        result: Any = None
        answered = False
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self._socket.recv())
            if message.get("method") == "Log.entryAdded":
                self.log.append(message["params"]["entry"])
            elif message.get("method") == "Runtime.consoleAPICalled":
                self.log.append({"text": " ".join(str(a.get("value")) for a in message["params"]["args"])})
            if message.get("id") == call_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result, answered = message.get("result"), True
                if until_event is None:
                    return result
            elif answered and until_event and message.get("method") == until_event:
                return message.get("params")
        raise TimeoutError(f"no answer to {method} within {self.timeout:.0f} s")

    def open(self, url: str) -> None:
        self.send("Page.navigate", {"url": url}, until_event="Page.loadEventFired")

    def evaluate(self, expression: str) -> Any:
        """The value of `expression` (awaited if a promise) in the page."""
        result = self.send("Runtime.evaluate", {"expression": expression, "awaitPromise": True, "returnByValue": True})
        if "exceptionDetails" in result:
            raise RuntimeError(f"page script failed: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")


WEB_APP_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>Junokit</title></head><body>
<script>
// What the web app does with the signed-in user's ID token: save the profile, read it back.
async function profileRoundTrip(apiUrl, idToken, profile) {
  const result = {};
  try {
    const put = await fetch(apiUrl + "/user/profile", {
      method: "PUT",
      headers: {"Authorization": idToken, "Content-Type": "application/json"},
      body: JSON.stringify(profile),
    });
    result.put = {status: put.status, body: await put.json()};
    const get = await fetch(apiUrl + "/user/profile", {headers: {"Authorization": idToken}});
    result.get = {status: get.status, body: await get.json()};
  } catch (error) {
    result.error = String(error);
  }
  return result;
}
</script></body></html>
"""
