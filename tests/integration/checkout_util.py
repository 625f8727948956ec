"""Shared by the checkout tests: test_checkout_concurrency.py and test_checkout_hostile.py (one
stack), tests/cluster/test_cluster_checkout.py (two pools on a Galera cluster) and the bench's
checkout driver (tests/bench/checkout.py).

Owns: a small HTTP client for any port (one-shot requests and kept connections), the products
these tests import for themselves (docs/IMPORT.md format, unique handles per run, their own
stock), a cart made ready for completion step by step, and the four concurrency scenarios
(16 connections adding one variant to one cart, concurrent updates of one line, concurrent
completes of one cart, two carts racing for the last unit). A scenario takes the ports to spread
its connections over (one stack: one port; the cluster: both pools) and reports through
check(cond, name, why) and note(msg), so the same code proves the same thing in both places.

Python 3 standard library only; answers are common.Response objects (status 0: no answer).
"""

import http.client
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import Response as Resp  # noqa: E402


def _resp(status, headers, body):
    """common.Response; status 0 = no answer (the transport error in body)."""
    return Resp(status, "", headers, body, 0.0)


def _headers(body, token, headers):
    h = {}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
        h["Content-Type"] = "application/json"
    if token:
        h["Authorization"] = "Bearer " + token
    h.update(headers or {})
    return data, h


def request(port, method, path, body=None, token=None, headers=None, timeout=60, host="127.0.0.1"):
    """One request on a fresh connection; status 0 on a transport failure."""
    data, h = _headers(body, token, headers)
    h["Connection"] = "close"
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request(method, path, body=data, headers=h)
        r = conn.getresponse()
        return _resp(r.status, r.getheaders(), r.read())
    except (OSError, http.client.HTTPException) as e:
        return _resp(0, [], ("transport error: %s" % e).encode())
    finally:
        conn.close()


class Conn:
    """A kept-alive connection (as a browser or wrk keeps one); reconnects after a failure."""

    def __init__(self, port, host="127.0.0.1", timeout=60):
        self.port, self.host, self.timeout = port, host, timeout
        self.c = None

    def request(self, method, path, body=None, token=None, headers=None):
        data, h = _headers(body, token, headers)
        for attempt in (0, 1):
            if self.c is None:
                self.c = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.c.request(method, path, body=data, headers=h)
                r = self.c.getresponse()
                out = _resp(r.status, r.getheaders(), r.read())
                if r.will_close:
                    self.close()
                return out
            except (OSError, http.client.HTTPException) as e:
                self.close()
                # a kept connection the server closed between requests: send once more on a new one;
                # a POST is only resent when nothing came back and the connection was an old one
                if attempt == 1 or not isinstance(e, (http.client.RemoteDisconnected, BrokenPipeError,
                                                      ConnectionResetError)):
                    return _resp(0, [], ("transport error: %s" % e).encode())
        return _resp(0, [], b"transport error")

    def close(self):
        if self.c is not None:
            self.c.close()
            self.c = None


# ---------------------------------------------------------------------------------------------
# routes that are not built yet


class RouteMissing(Exception):
    """The server has no such route yet (404 "Cannot METHOD path"): the check is pending."""


class StepFailed(Exception):
    pass


def route_missing(r):
    j = r.try_json() if r.status == 404 else None
    return isinstance(j, dict) and isinstance(j.get("message"), str) and j["message"].startswith("Cannot ")


def expect(r, what, status=200):
    """r when it has the status wanted; RouteMissing or StepFailed otherwise."""
    if r.status == status:
        return r
    if route_missing(r):
        raise RouteMissing("%s: %s (route not on the server yet)" % (what, r.try_json()["message"]))
    raise StepFailed("%s: %s" % (what, r.brief()))


# ---------------------------------------------------------------------------------------------
# the test's own products


def product(handle, stock, eur=1000, usd=1200):
    """One product with one variant "One", in the import format (docs/IMPORT.md)."""
    return {"handle": handle, "title": "Proof " + handle, "options": [{"title": "Size", "values": ["One"]}],
            "variants": [{"title": "One", "inventory_quantity": stock, "manage_inventory": True,
                          "prices": [{"currency_code": "eur", "amount": eur}, {"currency_code": "usd", "amount": usd}],
                          "options": [{"value": "One"}]}]}


def import_products(socket, products, binary=None, db="medusa"):
    """Imports the products (a second import of a handle resets its stock); raises StepFailed."""
    binary = binary or os.environ.get("BIN") or os.path.join(
        os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "build", "medusa-c")
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="proof-import-", delete=False) as f:
        json.dump({"products": products}, f)
        path = f.name
    try:
        env = dict(os.environ, DATABASE_URL="mysql://root@localhost/%s?socket=%s" % (db, socket))
        p = subprocess.run([binary, "import", path], capture_output=True, text=True, env=env, timeout=120)
        if p.returncode != 0:
            raise StepFailed("import: %s %s" % (p.stdout.strip(), p.stderr.strip()))
    finally:
        os.unlink(path)


def sql(socket, query, db="medusa", timeout=30):
    """Rows (lists of str) of one query through the mariadb client; raises RuntimeError."""
    p = subprocess.run(["mariadb", "--no-defaults", "--socket=" + socket, "--user=root", "--batch", "--raw",
                        "--skip-column-names", "--default-character-set=utf8mb4", db, "-e", query],
                       capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    return [line.split("\t") for line in p.stdout.splitlines()]


def quote(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def variant_of(port, handle):
    """The id of the first variant of the product with that handle (StepFailed if not served)."""
    r = expect(request(port, "GET", "/store/products?handle=%s&expand=variants&fields=id,handle"
                       % urllib.parse.quote(handle)), "GET /store/products?handle=" + handle)
    ps = r.try_json().get("products") or []
    if not ps or not ps[0].get("variants"):
        raise StepFailed("product %s not served: %s" % (handle, r.brief()))
    return ps[0]["variants"][0]["id"]


def region_ids(port):
    r = expect(request(port, "GET", "/store/regions"), "GET /store/regions")
    return {x["name"]: x["id"] for x in r.try_json()["regions"]}


ADDRESS = {"first_name": "Greta", "last_name": "Weber", "address_1": "Kurfürstendamm 21", "city": "Berlin",
           "country_code": "de", "postal_code": "10719"}
ADDRESS_US = {"first_name": "John", "last_name": "Doe", "address_1": "1 Main Street", "city": "New York",
              "country_code": "us", "province": "NY", "postal_code": "10001"}


def new_cart(port, region_id, token=None):
    r = expect(request(port, "POST", "/store/carts", {"region_id": region_id}, token=token), "POST /store/carts")
    return r.try_json()["cart"]["id"]


def add_line(port, cart, variant, qty=1, token=None):
    return expect(request(port, "POST", "/store/carts/%s/line-items" % cart, {"variant_id": variant, "quantity": qty},
                          token=token), "POST /store/carts/:id/line-items").try_json()["cart"]


def make_ready(port, cart, email=None, address=None, token=None, option_name=None):
    """Email and address, the first (or the named) shipping option, payment sessions, manual selected:
    the cart can be completed. Ports may be a list: one step per port in turn."""
    ports = port if isinstance(port, list) else [port]
    nxt = iter(ports * 10)
    body = {"shipping_address": address or ADDRESS}
    if email:
        body["email"] = email
    expect(request(next(nxt), "POST", "/store/carts/%s" % cart, body, token=token), "POST /store/carts/:id")
    r = expect(request(next(nxt), "GET", "/store/shipping-options/%s" % cart, token=token),
               "GET /store/shipping-options/:cart_id")
    opts = [o for o in r.try_json().get("shipping_options") or [] if not o.get("is_return") and
            (option_name is None or o.get("name") == option_name)]
    if not opts:
        raise StepFailed("no shipping option for cart %s: %s" % (cart, r.brief()))
    expect(request(next(nxt), "POST", "/store/carts/%s/shipping-methods" % cart, {"option_id": opts[0]["id"]},
                   token=token), "POST /store/carts/:id/shipping-methods")
    expect(request(next(nxt), "POST", "/store/carts/%s/payment-sessions" % cart, token=token),
           "POST /store/carts/:id/payment-sessions")
    r = expect(request(next(nxt), "POST", "/store/carts/%s/payment-session" % cart, {"provider_id": "manual"},
                       token=token), "POST /store/carts/:id/payment-session")
    return r.try_json()["cart"]


def ready_cart(port, region_id, variant, qty=1, email="proof@example.com", address=None, token=None):
    ports = port if isinstance(port, list) else [port]
    cart = new_cart(ports[0], region_id, token)
    add_line(ports[-1], cart, variant, qty, token)
    make_ready(ports, cart, email, address, token)
    return cart


def error_code(j):
    """(type, code) of a Medusa error body, {message,type,code} or {errors:[{...}]}."""
    if not isinstance(j, dict):
        return None, None
    if isinstance(j.get("errors"), list) and j["errors"] and isinstance(j["errors"][0], dict):
        j = j["errors"][0]
    return j.get("type"), j.get("code")


# ---------------------------------------------------------------------------------------------
# the scenarios


def _together(n, fn):
    """Runs fn(i) in n threads released at once; their results in order."""
    out = [None] * n
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait(30)
        except threading.BrokenBarrierError:
            pass
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 -- reported as the thread's result
            out[i] = e

    ts = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def _statuses(resps):
    d = {}
    for r in resps:
        k = r.status if isinstance(r, Resp) else type(r).__name__
        d[k] = d.get(k, 0) + 1
    return d


def _line(cart_json, variant):
    return [i for i in (cart_json or {}).get("items") or [] if i.get("variant_id") == variant]


def adds_one_cart(check, note, ports, region_id, variant, seconds=4.0, conns=16, label=""):
    """conns kept connections add 1 x variant to ONE cart for `seconds`: the line's final quantity is
    the number of 200 answers, each 200 answer shows a distinct quantity (1..n: the adds were
    serialised), no 5xx other than 503 (nothing applied)."""
    cart = new_cart(ports[0], region_id)
    add_line(ports[0], cart, variant, 1)  # the line exists: every add below is a merge
    stop = time.time() + seconds
    seen = []
    lock = threading.Lock()

    def worker(i):
        c = Conn(ports[i % len(ports)])
        mine = {}
        try:
            while time.time() < stop:
                r = c.request("POST", "/store/carts/%s/line-items" % cart, {"variant_id": variant, "quantity": 1})
                mine[r.status] = mine.get(r.status, 0) + 1
                if r.status == 200:
                    q = [x["quantity"] for x in _line(r.try_json().get("cart"), variant)]
                    with lock:
                        seen.append(q[0] if len(q) == 1 else ("lines", q))
                elif r.status != 503 and len(mine) < 8:
                    with lock:
                        seen.append(("answer", r.brief(200)))
        finally:
            c.close()
        return mine

    results = _together(conns, worker)
    counts = {}
    for m in results:
        if isinstance(m, Exception):
            counts["exception %s" % m] = counts.get("exception %s" % m, 0) + 1
            continue
        for k, v in m.items():
            counts[k] = counts.get(k, 0) + v
    oks = counts.get(200, 0)
    final = request(ports[-1], "GET", "/store/carts/%s" % cart)
    lines = _line(final.try_json().get("cart") if final.status == 200 else None, variant)
    qty = lines[0]["quantity"] if len(lines) == 1 else None
    note("%sadds: %d connections over %d pool(s) for %.0f s: answers %s; final quantity %s (1 + %d answers of 200)"
         % (label, conns, len(ports), seconds, counts, qty, oks))
    bad = [k for k in counts if k != 200 and k != 503]
    check(oks > 0 and not bad, "%s%d connections adding one variant to one cart: every answer 200 (or 503, nothing "
          "applied), %d of 200" % (label, conns, oks), "answers %s; %s" % (counts, [s for s in seen if isinstance(s, tuple)][:3]))
    shown = sorted(s for s in seen if isinstance(s, int))
    check(len(lines) == 1 and qty == 1 + oks, "%sone line whose quantity (%s) is 1 + the number of 200 answers "
          "(%d): nothing lost" % (label, qty, oks), final.brief(400) if len(lines) != 1 else "quantity %s" % qty)
    check(shown == list(range(2, oks + 2)), "%seach 200 answer shows its own quantity, 2..%d, none twice: the "
          "adds were serialised" % (label, oks + 1), "seen %s" % _gaps(shown, oks + 2))
    return cart


def _gaps(shown, top):
    dup = sorted({x for x in shown if shown.count(x) > 1})[:10]
    missing = sorted(set(range(2, top)) - set(shown))[:10]
    return "duplicates %s, missing %s, %d answers" % (dup, missing, len(shown))


def updates_one_line(check, note, ports, region_id, variant, rounds=4, conns=16, label=""):
    """conns connections set ONE line to conns different quantities at once, `rounds` times: each 200
    answer shows the quantity it sent, the line ends at one of the quantities sent, and its totals
    are those of that quantity (no half-written line)."""
    cart = new_cart(ports[0], region_id)
    items = add_line(ports[0], cart, variant, 1)["items"]
    item = items[0]["id"]
    bad = []
    counts = {}
    for rnd in range(rounds):
        sent = [2 + rnd * conns + i for i in range(conns)]

        def one(i):
            return request(ports[i % len(ports)], "POST", "/store/carts/%s/line-items/%s" % (cart, item),
                           {"quantity": sent[i]})
        res = _together(conns, one)
        for k, v in _statuses(res).items():
            counts[k] = counts.get(k, 0) + v
        oks = []
        for i, r in enumerate(res):
            if isinstance(r, Resp) and r.status == 200:
                ln = _line(r.try_json().get("cart"), variant)
                if len(ln) != 1 or ln[0]["quantity"] != sent[i]:
                    bad.append("round %d: sent %d, the answer shows %s" % (rnd, sent[i], [x["quantity"] for x in ln]))
                oks.append(sent[i])
            elif not (isinstance(r, Resp) and r.status == 503):
                bad.append("round %d: %s" % (rnd, r.brief(200) if isinstance(r, Resp) else r))
        g = request(ports[-1], "GET", "/store/carts/%s" % cart)
        c = g.try_json().get("cart") if g.status == 200 else None
        ln = _line(c, variant)
        if len(ln) != 1 or ln[0]["quantity"] not in oks:
            bad.append("round %d: the line ends at %s, not one of the quantities answered 200 %s"
                       % (rnd, [x["quantity"] for x in ln], oks))
        elif ln[0]["subtotal"] != ln[0]["unit_price"] * ln[0]["quantity"] or c["subtotal"] != ln[0]["subtotal"]:
            bad.append("round %d: totals of another quantity: %s" % (rnd, {k: ln[0].get(k) for k in
                                                                         ("quantity", "unit_price", "subtotal")}))
    note("%supdates: %d rounds of %d concurrent updates of one line over %d pool(s): answers %s"
         % (label, rounds, conns, len(ports), counts))
    check(not bad and counts.get(200, 0) > 0, "%sconcurrent updates of one line: each 200 answer shows its own "
          "quantity, the line ends at one of them with that quantity's totals" % label, "; ".join(bad[:4]))


def completes_one_cart(check, note, ports, region_id, variant, orders_of_cart, stock_of, conns=16, label=""):
    """conns connections complete ONE ready cart at once: every answer is 200 {type: order} naming the
    same order, there is one order row, the stock went down once."""
    before = stock_of(variant)
    cart = ready_cart(ports, region_id, variant, 2, email="race@example.com")

    def one(i):
        return request(ports[i % len(ports)], "POST", "/store/carts/%s/complete" % cart)
    res = _together(conns, one)
    ids = set()
    bad = []
    for r in res:
        j = r.try_json() if isinstance(r, Resp) else None
        if isinstance(r, Resp) and r.status == 200 and isinstance(j, dict) and j.get("type") == "order":
            ids.add((j.get("data") or {}).get("id"))
        else:
            bad.append(r.brief(200) if isinstance(r, Resp) else repr(r))
    if isinstance(res[0], Resp) and route_missing(res[0]):
        raise RouteMissing("POST /store/carts/:id/complete: not on the server yet")
    rows = orders_of_cart(cart)
    after = stock_of(variant)
    note("%scompletes: %d at once over %d pool(s): answers %s, order ids %s, order rows %s, stock %s -> %s"
         % (label, conns, len(ports), _statuses(res), sorted(ids), rows, before, after))
    check(not bad and len(ids) == 1, "%s%d concurrent completes of one cart: every answer 200 {type: order} naming "
          "the same order" % (label, conns), "%d others: %s; ids %s" % (len(bad), "; ".join(bad[:3]), ids))
    check(rows == 1 and after == before - 2, "%sone order row for the cart, the stock down by the line's 2 once "
          "(%s -> %s)" % (label, before, after), "order rows %s, stock %s -> %s" % (rows, before, after))
    return cart


def last_unit_race(check, note, ports, region_id, variant, reset_stock, stock_of, rounds=3, label=""):
    """Two ready carts of 1 x variant (stock set to 1 before each round) complete at once: one 200
    order, one 409 insufficient_inventory, the stock ends at 0, the loser cart is not completed."""
    bad = []
    outcomes = {}
    for rnd in range(rounds):
        reset_stock(variant, 1)
        carts = [ready_cart(ports[i % len(ports)], region_id, variant, 1, email="last%d@example.com" % i)
                 for i in range(2)]

        def one(i):
            return request(ports[i % len(ports)], "POST", "/store/carts/%s/complete" % carts[i])
        res = _together(2, one)
        if route_missing(res[0]):
            raise RouteMissing("POST /store/carts/:id/complete: not on the server yet")
        st = sorted(r.status for r in res)
        outcomes[str(st)] = outcomes.get(str(st), 0) + 1
        win = [r for r in res if r.status == 200]
        lose = [(i, r) for i, r in enumerate(res) if r.status == 409]
        if st != [200, 409] or (win[0].try_json() or {}).get("type") != "order":
            bad.append("round %d: %s" % (rnd, " / ".join(r.brief(200) for r in res)))
            continue
        i, r = lose[0]
        if error_code(r.try_json()) != ("not_allowed", "insufficient_inventory") or \
                r.header("Content-Type") != "application/json; charset=utf-8":
            bad.append("round %d: the 409 is not a JSON insufficient_inventory error: %s" % (rnd, r.brief(200)))
        g = request(ports[0], "GET", "/store/carts/%s" % carts[i])
        if g.status != 200 or (g.try_json().get("cart") or {}).get("completed_at") is not None:
            bad.append("round %d: the losing cart afterwards: %s" % (rnd, g.brief(200)))
        s = stock_of(variant)
        if s != 0:
            bad.append("round %d: stock %s after the race, want 0" % (rnd, s))
    note("%slast unit: %d rounds of two carts racing over %d pool(s): outcomes %s" % (label, rounds, len(ports), outcomes))
    check(not bad, "%stwo carts racing for the last unit, %d times: one order, one 409 insufficient_inventory, stock "
          "0, the losing cart still open" % (label, rounds), "; ".join(bad[:3]))


def adds_racing_complete(check, note, ports, region_id, variant, stock_of, conns=8, seconds=2.0, label=""):
    """A ready cart of 1 x variant gets adds from `conns` connections while 4 more complete it: the
    order holds exactly the quantity the cart shows afterwards (1 + the adds answered 200, none
    after the completion), its payment is its total, the stock went down by that quantity, and
    every answer is a 200 or a 4xx (adds after the completion)."""
    before = stock_of(variant)
    cart = ready_cart(ports, region_id, variant, 1, email="racing@example.com")
    stop = time.time() + seconds
    counts, lock = {}, threading.Lock()

    def worker(i):
        if i >= conns:  # the completers start once the adds are under way
            time.sleep(seconds / 4)
            return request(ports[i % len(ports)], "POST", "/store/carts/%s/complete" % cart)
        c = Conn(ports[i % len(ports)])
        try:
            while time.time() < stop:
                r = c.request("POST", "/store/carts/%s/line-items" % cart, {"variant_id": variant, "quantity": 1})
                with lock:
                    counts[r.status] = counts.get(r.status, 0) + 1
        finally:
            c.close()

    res = _together(conns + 4, worker)
    completes = [r for r in res[conns:]]
    if isinstance(completes[0], Resp) and route_missing(completes[0]):
        raise RouteMissing("POST /store/carts/:id/complete: not on the server yet")
    # a 503 says "nothing applied, retry later" (API.md section 10): under this many conflicts a
    # complete may spend its retry budget; a client (or nginx) sends it again, and then it must
    # answer the one order like every other complete
    first = _statuses(completes)
    for k, r in enumerate(completes):
        for _ in range(3):
            if not (isinstance(r, Resp) and r.status == 503):
                break
            r = request(ports[k % len(ports)], "POST", "/store/carts/%s/complete" % cart)
        completes[k] = r
    ids = {(r.try_json() or {}).get("data", {}).get("id") for r in completes if isinstance(r, Resp) and r.status == 200}
    g = request(ports[0], "GET", "/store/carts/%s" % cart)
    c = g.try_json().get("cart") if g.status == 200 else {}
    lines = _line(c, variant)
    order = None
    if len(ids) == 1:
        o = request(ports[-1], "GET", "/store/orders/%s" % next(iter(ids)))
        order = (o.try_json() or {}).get("order")
    olines = _line(order, variant)
    oq = olines[0]["quantity"] if len(olines) == 1 else None
    after = stock_of(variant)
    note("%sadds racing a complete: adds %s, completes %s (after resending 503s: %s), cart line %s, order line %s, "
         "stock %s -> %s" % (label, counts, first, _statuses(completes), [x["quantity"] for x in lines], oq, before,
                            after))
    bad = [k for k in counts if not (k == 200 or k == 503 or 400 <= k < 500)]
    check(len(ids) == 1 and all(isinstance(r, Resp) and r.status == 200 for r in completes) and not bad,
          "%sadds racing 4 completes of one cart: one order, every complete 200 (a 503 once resent), every add "
          "200, 503 or 4xx (after the completion)" % label, "adds %s completes %s" % (counts, [r.brief(150) if isinstance(r, Resp) else r
                                                              for r in completes]))
    check(order is not None and c.get("completed_at") and len(lines) == 1 and oq == lines[0]["quantity"] and
          order.get("paid_total") == order.get("total") and after == before - oq,
          "%sthe order holds what the completed cart shows, its payment is its total, the stock went down by it"
          % label, "cart %s order %s paid %s total %s stock %s -> %s" % (
              [x["quantity"] for x in lines], oq, (order or {}).get("paid_total"), (order or {}).get("total"),
              before, after))
    check(oq == 1 + counts.get(200, 0), "%sthe cart's quantity is 1 + the adds answered 200 (%d): none lost, none "
          "after the completion" % (label, counts.get(200, 0)), "order line %s" % oq)

