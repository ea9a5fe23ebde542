"""The desk's requests as gunicorn makes them: the project's WSGI application called with a
WSGI environ (a real session cookie and a CSRF cookie and header, as the desk page sends), the
answer's body read and closed — the request signals fire as in production (the connection's
health check at the start of each request included), which the test ``Client`` switches off
and replaces with its own signal wiring (template and exception capture) on every request."""

from __future__ import annotations

import io
import json

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client


class WsgiClient:
    def __init__(self, user) -> None:
        self.app = WSGIHandler()
        client = Client()
        client.force_login(user)
        session = client.cookies[settings.SESSION_COOKIE_NAME].value
        self.csrf = _get_new_csrf_string()
        self.cookie = (
            f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={self.csrf}"
        )

    def post(self, path: str, body: dict) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SCRIPT_NAME": "",
            "SERVER_NAME": "testserver",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "testserver",
            "HTTP_COOKIE": self.cookie,
            "HTTP_X_CSRFTOKEN": self.csrf,
            "HTTP_ACCEPT": "application/json",
            "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(data)),
            "wsgi.input": io.BytesIO(data),
            "wsgi.errors": io.StringIO(),
            "wsgi.url_scheme": "http",
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        statuses: list[str] = []

        def start_response(status, headers, exc_info=None):
            statuses.append(status)

        answer = self.app(environ, start_response)
        try:
            content = b"".join(answer)
        finally:
            answer.close()  # request_finished, as the server sends it
        return int(statuses[0].split(" ", 1)[0]), content
