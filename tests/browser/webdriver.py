"""webdriver.py — a minimal W3C WebDriver client for the browser tests (Python standard library
only): starts chromedriver on a free localhost port, opens headless Chromium with a fresh
profile and no background networking, and offers what tests/browser/check_report.py needs:
load a page, run a script, read the browser's console log, click, take screenshots."""

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request


class WebDriverError(Exception):
    pass


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# Without the background-networking flags Chromium tries to reach Google's services at start.
CHROME_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
               "--no-first-run", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--disable-default-apps", "--disable-extensions",
               "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1400,1000",
               "--force-device-scale-factor=1"]


class Browser:
    def __init__(self, chromedriver, chromium, profile_dir, log_path):
        self.port = _free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.log = open(log_path, "wb")
        self.proc = subprocess.Popen([chromedriver, "--port=%d" % self.port],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        self.session = None
        try:
            self._wait_ready()
            caps = {"capabilities": {"alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {"binary": chromium,
                                       "args": CHROME_ARGS + ["--user-data-dir=" + profile_dir]},
                "goog:loggingPrefs": {"browser": "ALL"},
            }}}
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except Exception:
            self.quit()
            raise

    def _wait_ready(self):
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise WebDriverError("chromedriver exited (status %s)" % self.proc.returncode)
            try:
                if self._call("GET", "/status").get("ready"):
                    return
            except (OSError, WebDriverError):
                pass
            time.sleep(0.1)
        raise WebDriverError("chromedriver did not become ready")

    def _call(self, method, path, body=None, timeout=60):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                reply = json.loads(r.read().decode() or "{}")
        except urllib.error.HTTPError as e:
            reply = json.loads(e.read().decode() or "{}")
            v = reply.get("value", {})
            raise WebDriverError("%s %s: %s: %s" % (method, path, v.get("error"),
                                                     v.get("message", "")[:500]))
        return reply.get("value", reply)

    def _s(self, path):
        return "/session/%s%s" % (self.session, path)

    def get(self, url):
        self._call("POST", self._s("/url"), {"url": url})

    def execute(self, script, *args):
        return self._call("POST", self._s("/execute/sync"), {"script": script, "args": list(args)})

    def console(self):
        """Browser console entries since the last call: [{level, message}, ...]."""
        return self._call("POST", self._s("/se/log"), {"type": "browser"})

    def find(self, css):
        v = self._call("POST", self._s("/element"), {"using": "css selector", "value": css})
        return next(iter(v.values()))

    def click(self, css):
        self._call("POST", self._s("/element/%s/click" % self.find(css)), {})

    def window_size(self, width, height):
        self._call("POST", self._s("/window/rect"), {"width": width, "height": height})

    def screenshot(self, path, css=None):
        where = "/element/%s/screenshot" % self.find(css) if css else "/screenshot"
        png = base64.b64decode(self._call("GET", self._s(where)))
        with open(path, "wb") as f:
            f.write(png)

    def quit(self):
        if self.session:
            try:
                self._call("DELETE", self._s(""), timeout=20)
            except (OSError, WebDriverError):
                pass
            self.session = None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
