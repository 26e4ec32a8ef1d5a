"""The gateway's ASGI fast path in isolation (no server): the national endpoint goes to the
dispatcher, everything else to the app, and a kept-alive connection is closed every so many
answers so the workers share connections again."""

from __future__ import annotations

import asyncio

from yibao.gateway.app import DISPATCH_PATH, NationalFastPath


class FakeDispatcher:
    def __init__(self):
        self.calls, self.clients = [], []

    def handle_bytes(self, body, headers, infno, client_host=None):
        self.calls.append((body, headers.get("x-tif-paasid"), infno))
        self.clients.append(client_host)
        return '{"infcode": 0}'

    handle_http = handle_bytes  # the fast path asks for files too (9102); these answers are JSON


def post(middleware, path: str, client=("127.0.0.1", 50000)) -> list[dict]:
    sent, messages = [], [{"type": "http.request", "body": b'{"infno": "1101"}', "more_body": False}]

    async def receive():
        return messages.pop(0)

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": path, "client": client,
             "headers": [(b"x-tif-paasid", b"H1")]}
    asyncio.run(middleware(scope, receive, send))
    return sent


def test_the_national_endpoint_goes_to_the_dispatcher_and_the_rest_to_the_app():
    passed = []

    async def app(scope, receive, send):
        passed.append(scope["path"])

    dispatcher = FakeDispatcher()
    middleware = NationalFastPath(app, dispatcher)
    answer = post(middleware, DISPATCH_PATH)
    assert answer[0]["status"] == 200 and answer[1]["body"] == b'{"infcode": 0}'
    post(middleware, DISPATCH_PATH + "/2207")
    post(middleware, DISPATCH_PATH + "/2207/x")
    post(middleware, "/admin/api/cases")
    assert dispatcher.calls == [(b'{"infno": "1101"}', "H1", None), (b'{"infno": "1101"}', "H1", "2207")]
    assert passed == [DISPATCH_PATH + "/2207/x", "/admin/api/cases"]


def test_a_connection_is_closed_every_so_many_answers():
    middleware = NationalFastPath(None, FakeDispatcher(), requests_per_connection=3)
    closes = [any(name == b"connection" for name, _ in post(middleware, DISPATCH_PATH)[0]["headers"]) for _ in range(7)]
    assert closes == [False, False, True, False, False, True, False]
    other = post(middleware, DISPATCH_PATH, client=("127.0.0.1", 50001))[0]["headers"]
    assert (b"connection", b"close") not in other


def test_every_national_url_form_reaches_the_dispatcher_with_the_infno_it_names():
    passed = []

    async def app(scope, receive, send):
        passed.append(scope["path"])

    dispatcher = FakeDispatcher()
    middleware = NationalFastPath(app, dispatcher)
    forms = {
        DISPATCH_PATH + "/": None,  # a trailing slash changes nothing (it was a 307)
        DISPATCH_PATH + "/2207/": "2207",
        "/hsa/hgs/2207": "2207",  # Guangdong
        "/ebus/gdyb_api/prd/hsa/hgs/1101": "1101",  # behind a gateway's own prefix
        "/ebus/gdyb_api/prd/hsa/hgs/9001/": "9001",
        "/mbs-fsi/web/api/fsi/callService": None,
        "/fsi/api/outpatientSettleService/saveSettletmentV2": "2207",  # per-service alias
        "/fsi/api/signInSignOutService/signIn/": "9001",
    }
    for path in forms:
        post(middleware, path, client=("10.20.3.4", 50000))
    assert [infno for _, _, infno in dispatcher.calls] == list(forms.values())
    assert dispatcher.clients == ["10.20.3.4"] * len(forms)  # the peer's address, for auth_mode none
    for path in ("/hsa/hgs", "/hsa/hgs/2207/x", "/fsi/api/unknownService/doIt", "/callServiceX", "/"):
        post(middleware, path)
    assert passed == ["/hsa/hgs", "/hsa/hgs/2207/x", "/fsi/api/unknownService/doIt", "/callServiceX", "/"]
