#!/usr/bin/env python3
"""Hostile input on every body and path parameter of the cart and order routes (issue 12, API.md
section 9): ids of other carts, lines and orders; another customer's address id or customer id in
a cart update; a return shipping option on a cart; negative, zero, huge, fractional and string
quantities; variants that are unknown or in another sales channel; a country outside the cart's
region; bad `fields` / `expand` on carts and orders; malformed, oversized and deeply nested bodies;
odd path parameters (NUL, 4 KiB, another kind of id).

Every answer must be a Medusa-style JSON error {type, message} with the status pinned here (the
recorded one where Medusa answers a 4xx, API.md section 9's where Medusa answers 500), never a
5xx or a hang; and nothing half-written: the cart (as GET answers it, updated_at included) and
the other carts it names are byte for byte what they were before, and the database holds no
line row the API does not show.

A route that is not on the server yet (404 "Cannot METHOD path" for a probe with an unknown cart)
makes its cases pending (one Tap.pending line per route), never passed.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import checkout_util as cu  # noqa: E402

tap = common.Tap()
VAR = os.environ.get("VAR", "var")
SOCK = os.path.join(VAR, "mysqld.sock")
JUNK_CART = "cart_01JUNKJUNKJUNKJUNKJUNKJUNK"
ANY4XX = None

# route -> a probe with an unknown cart; "Cannot ..." means the route is not built yet
PROBES = {
    "POST /store/carts/:id": ("POST", "/store/carts/%s" % JUNK_CART, {}),
    "POST line-items": ("POST", "/store/carts/%s/line-items" % JUNK_CART, {}),
    "POST line-items/:line_id": ("POST", "/store/carts/%s/line-items/item_x" % JUNK_CART, {}),
    "DELETE line-items/:line_id": ("DELETE", "/store/carts/%s/line-items/item_x" % JUNK_CART, None),
    "GET shipping-options/:cart_id": ("GET", "/store/shipping-options/%s" % JUNK_CART, None),
    "POST shipping-methods": ("POST", "/store/carts/%s/shipping-methods" % JUNK_CART, {}),
    "POST payment-sessions": ("POST", "/store/carts/%s/payment-sessions" % JUNK_CART, None),
    "POST payment-session": ("POST", "/store/carts/%s/payment-session" % JUNK_CART, {}),
    "POST payment-sessions/:provider": ("POST", "/store/carts/%s/payment-sessions/manual" % JUNK_CART, {}),
    "DELETE payment-sessions/:provider": ("DELETE", "/store/carts/%s/payment-sessions/manual" % JUNK_CART, None),
    "POST payment-sessions/:provider/refresh": ("POST", "/store/carts/%s/payment-sessions/manual/refresh" % JUNK_CART, None),
    "POST taxes": ("POST", "/store/carts/%s/taxes" % JUNK_CART, None),
    "DELETE discounts/:code": ("DELETE", "/store/carts/%s/discounts/NOPE" % JUNK_CART, None),
    "POST complete": ("POST", "/store/carts/%s/complete" % JUNK_CART, None),
    "POST complete-cart": ("POST", "/store/carts/%s/complete-cart" % JUNK_CART, None),
    "GET orders/:id": ("GET", "/store/orders/order_01JUNKJUNKJUNKJUNKJUNKJUNK", None),
    "GET orders/cart/:cart_id": ("GET", "/store/orders/cart/%s" % JUNK_CART, None),
    "GET orders lookup": ("GET", "/store/orders?display_id=1&email=a@example.com", None),
}


def send(method, path, body=None, token=None, raw=None, headers=None):
    try:
        if raw is not None:
            return common.request(method, path, body=raw, token=token, content_type="application/json",
                                  headers=headers, timeout=30)
        if body is None:
            return common.request(method, path, token=token, headers=headers, timeout=30)
        return common.request(method, path, json_body=body, token=token, headers=headers, timeout=30)
    except common.TransportError as e:
        return e


def missing(r):
    return not isinstance(r, common.TransportError) and r.status == 404 and \
        ((r.try_json() or {}).get("message") or "").startswith("Cannot ")


class Cases:
    def __init__(self):
        self.present = {}
        for name, (m, p, b) in PROBES.items():
            self.present[name] = not missing(send(m, p, b))
        self.pending = {}

    def have(self, route):
        if self.present[route]:
            return True
        self.pending[route] = self.pending.get(route, 0) + 1
        return False

    def flush_pending(self):
        for route, n in sorted(self.pending.items()):
            tap.pending("%d hostile case(s) on %s" % (n, route), "not built on the server yet (PROBES; for ?fields: ?fields=id answers the whole cart)")

    def error(self, route, name, method, path, body=None, status=ANY4XX, etype=None, message=None, token=None, raw=None,
              watch=(), code=None, plain_404=False):
        """The request gets the JSON error wanted, and every (cart id, token) in watch reads the same
        before and after. plain_404: Medusa's text/plain "Not Found" of an order lookup miss also passes."""
        if not self.have(route):
            return None
        before = [snapshot(c, t) for c, t in watch]
        r = send(method, path, body, token, raw)
        errs = common.error_problems(r, status, etype, message)
        if plain_404 and not isinstance(r, common.TransportError) and r.status == 404 and r.body == b"Not Found" and \
                (r.header("Content-Type") or "").startswith("text/plain"):
            errs = []
        if not errs and code is not None and cu.error_code(r.json())[1] != code:
            errs.append("code %r, want %r" % (cu.error_code(r.json())[1], code))
        if not errs and missing(r):
            errs.append("answered as an unknown route: %s" % r.brief())
        after = [snapshot(c, t) for c, t in watch]
        for (c, _), b, a in zip(watch, before, after):
            if b != a:
                errs.append("cart %s changed: %s" % (c, first_difference(b, a)))
        tap.errors(errs, "%s: %s -> %s" % (route, name, "a 4xx" if status is None else status))
        return r


def snapshot(cart, token=None):
    r = send("GET", "/store/carts/%s" % cart, token=token)
    if isinstance(r, common.TransportError) or r.status != 200:
        return "GET failed: %s" % (r if isinstance(r, common.TransportError) else r.brief())
    return r.body


def first_difference(a, b):
    a, b = (x.decode("utf-8", "replace") if isinstance(x, bytes) else x for x in (a, b))
    i = next((k for k, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return "at %d: before ...%s... after ...%s..." % (i, a[max(0, i - 60):i + 60], b[max(0, i - 60):i + 60])


def db_lines(cart):
    try:
        return int(cu.sql(SOCK, "SELECT COUNT(*) FROM line_item WHERE cart_id = %s" % cu.quote(cart))[0][0])
    except (RuntimeError, OSError, IndexError, ValueError) as e:
        return str(e)


def register(tag):
    email = common.unique_email(tag)
    r = send("POST", "/store/customers", {"email": email, "password": "supersecret", "first_name": "H", "last_name": "T"})
    t = send("POST", "/store/auth/token", {"email": email, "password": "supersecret"})
    tok = t.json()["access_token"]
    a = send("POST", "/store/customers/me/addresses", {"address": cu.ADDRESS}, token=tok)
    return {"id": r.json()["customer"]["id"], "token": tok, "email": email,
            "address": a.json()["customer"]["shipping_addresses"][0]["id"]}


def foreign_variant():
    """A variant of a product of the test's own that is only in a second sales channel (made with SQL:
    the import puts every product in the default channel). None when that fails (reported)."""
    handle = "proof-foreign-" + common.RUN
    try:
        cu.import_products(SOCK, [cu.product(handle, 100)])
        sc = "sc_PROOF" + common.RUN.upper()
        cu.sql(SOCK, "INSERT INTO sales_channel (id, created_at, updated_at, name, description, is_disabled) "
                     "VALUES (%s, NOW(3), NOW(3), 'Proof channel', '', 0)" % cu.quote(sc))
        cu.sql(SOCK, "UPDATE product_sales_channel SET sales_channel_id = %s WHERE product_id = "
                     "(SELECT id FROM product WHERE handle = %s)" % (cu.quote(sc), cu.quote(handle)))
        cu.sql(SOCK, "UPDATE catalogue_version SET version = version + 1 WHERE id = 1")
        rows = cu.sql(SOCK, "SELECT v.id FROM product_variant v JOIN product p ON p.id = v.product_id "
                            "WHERE p.handle = %s" % cu.quote(handle))
        return rows[0][0]
    except (cu.StepFailed, RuntimeError, OSError, IndexError) as e:
        tap.not_ok("setup: a variant only in another sales channel", str(e))
        return None


def main():
    common.require_health(tap)
    cs = Cases()
    tap.note("routes on the server: %s" % ", ".join(k for k, v in cs.present.items() if v))
    regions = cu.region_ids(common.PORT)
    eu, na = regions["EU"], regions["NA"]
    prods = send("GET", "/store/products?region_id=%s&limit=100" % eu).json()["products"]
    var = {p["handle"]: p["variants"][0]["id"] for p in prods}
    tshirt = var["t-shirt"]
    opts = send("GET", "/store/shipping-options").json()["shipping_options"]
    ret_eu = next(o["id"] for o in opts if o["region_id"] == eu and o["is_return"])
    out_na = next(o["id"] for o in opts if o["region_id"] == na and not o["is_return"])
    x, y = register("hostx"), register("hosty")
    foreign = foreign_variant()

    # cart A (a guest's, with one line), cart B (another guest's, with one line), cart X (customer x's)
    a = cu.new_cart(common.PORT, eu)
    b = cu.new_cart(common.PORT, eu)
    cx = cu.new_cart(common.PORT, eu, token=x["token"])
    item_a = item_b = None
    if cs.present["POST line-items"]:
        item_a = cu.add_line(common.PORT, a, tshirt, 1)["items"][0]["id"]
        item_b = cu.add_line(common.PORT, b, tshirt, 1)["items"][0]["id"]
        cu.add_line(common.PORT, cx, tshirt, 1, token=x["token"])
    A, B, X = (a, None), (b, None), (cx, x["token"])
    la = "/store/carts/%s/line-items" % a

    # --- POST /store/carts/:id/line-items
    r = "POST line-items"
    for name, q in (("quantity -1", -1), ("quantity 0", 0), ("quantity 1.5", 1.5), ('quantity "2"', "2"),
                    ("quantity true", True), ("quantity null", None), ("quantity []", []), ("quantity {}", {}),
                    ("quantity -2^53", -(2 ** 53)), ("quantity 1e20", 1e20), ("quantity 2^63", 2 ** 63),
                    ("quantity 1e308", 1e308)):
        cs.error(r, name, "POST", la, {"variant_id": tshirt, "quantity": q}, 400, watch=[A])
    cs.error(r, "quantity 1e999 (beyond a double)", "POST", la, raw='{"variant_id":"%s","quantity":1e999}' % tshirt,
             status=400, watch=[A])
    cs.error(r, "quantity missing", "POST", la, {"variant_id": tshirt}, 400, "invalid_data",
             "quantity must be an integer number", watch=[A])
    cs.error(r, "quantity 1000000000 (stock 100)", "POST", la, {"variant_id": tshirt, "quantity": 1000000000}, 400,
             "not_allowed", code="insufficient_inventory", watch=[A])
    junk_var = "variant_01JUNKJUNKJUNKJUNKJUNKJUNK"
    cs.error(r, "unknown variant", "POST", la, {"variant_id": junk_var, "quantity": 1}, 400, "invalid_data",
             "Unable to generate the line items, some variant has not been found: " + junk_var, watch=[A])
    for name, v in (("variant_id a number", 7), ("variant_id null", None), ('variant_id ""', ""),
                    ("variant_id 4 KiB", "variant_" + "A" * 4096), ("variant_id with NUL", tshirt + "\u0000"),
                    ("variant_id an object", {"id": tshirt}), ("variant_id of a product (prod_)", prods[0]["id"]),
                    ("variant_id with SQL", "' OR 1=1 -- ")):
        cs.error(r, name, "POST", la, {"variant_id": v, "quantity": 1}, 400, watch=[A])
    if foreign:
        cs.error(r, "variant of a product only in another sales channel", "POST", la,
                 {"variant_id": foreign, "quantity": 1}, 400, watch=[A])
    cs.error(r, "unknown property", "POST", la, {"variant_id": tshirt, "quantity": 1, "unit_price": 1}, 400,
             "invalid_data", "property unit_price should not exist", watch=[A])
    cs.error(r, "metadata of 70 KiB", "POST", la, {"variant_id": tshirt, "quantity": 1, "metadata": {"k": "v" * 70000}},
             400, watch=[A])
    cs.error(r, "metadata nested 300 deep", "POST", la,
             raw='{"variant_id":"%s","quantity":1,"metadata":%s1%s}' % (tshirt, '{"a":' * 300, "}" * 300),
             status=400, watch=[A])
    for name, raw in (("body an array", "[1]"), ("body a string", '"x"'), ("bad JSON", '{"variant_id":'),
                      ("body with NUL escape", '{"variant_id":"%s\\u0000","quantity":1}' % tshirt)):
        cs.error(r, name, "POST", la, raw=raw, status=400, watch=[A])
    cs.error(r, "body of 2 MB", "POST", la, raw='{"variant_id":"%s","quantity":1,"metadata":{"k":"%s"}}'
             % (tshirt, "v" * 2000000), status=413, watch=[A])
    cs.error(r, "unknown cart", "POST", "/store/carts/%s/line-items" % JUNK_CART, {"variant_id": tshirt, "quantity": 1},
             404, "not_found", "Cart with %s was not found" % JUNK_CART)

    # the Idempotency-Key of an add to cart A sent again on cart B's path: never cart A's answer
    if cs.have(r):
        key = "hostile-" + common.RUN
        body = {"variant_id": tshirt, "quantity": 1}
        first = send("POST", la, body, headers=[("Idempotency-Key", key)])
        before_b = snapshot(b)
        other = send("POST", "/store/carts/%s/line-items" % b, body, headers=[("Idempotency-Key", key)])
        leak = not isinstance(other, common.TransportError) and a.encode() in other.body
        tap.check(first.status == 200 and not leak and (other.status == 409 or other.status == 200) and
                  (other.status == 200 or snapshot(b) == before_b),
                  "%s: cart A's Idempotency-Key on cart B's path: 409 or B's own answer, never cart A's" % r,
                  "%s / %s" % (first.brief(120), other.brief(200) if not isinstance(other, common.TransportError) else other))
        # both lines back to 1 (each add merged into the cart's t-shirt line)
        send("POST", "/store/carts/%s/line-items/%s" % (b, item_b), {"quantity": 1})
        send("POST", "%s/%s" % (la, item_a), {"quantity": 1})

    # --- POST /store/carts/:id/line-items/:line_id
    r = "POST line-items/:line_id"
    if item_b:
        cs.error(r, "the line of another cart", "POST", "%s/%s" % (la, item_b), {"quantity": 3}, watch=[A, B])
    cs.error(r, "unknown line", "POST", "%s/item_01JUNKJUNKJUNKJUNKJUNKJUNK" % la, {"quantity": 1}, 400, "invalid_data",
             "Could not find the line item", watch=[A])
    if item_a:
        for name, q in (("quantity -1", -1), ("quantity 1.5", 1.5), ('quantity "2"', "2"), ("quantity null", None),
                        ("quantity 1e20", 1e20)):
            cs.error(r, name, "POST", "%s/%s" % (la, item_a), {"quantity": q}, 400, watch=[A])
        cs.error(r, "quantity missing", "POST", "%s/%s" % (la, item_a), {}, 400, watch=[A])
        cs.error(r, "quantity 1000 (stock 100)", "POST", "%s/%s" % (la, item_a), {"quantity": 1000}, 400, "not_allowed",
                 "Inventory doesn't cover the desired quantity", code="insufficient_inventory", watch=[A])
        cs.error(r, "unknown property", "POST", "%s/%s" % (la, item_a), {"quantity": 1, "variant_id": foreign or tshirt},
                 400, "invalid_data", watch=[A])
        cs.error(r, "line id 4 KiB", "POST", "%s/item_%s" % (la, "A" * 4096), {"quantity": 1}, watch=[A])

    # --- DELETE /store/carts/:id/line-items/:line_id: another cart's line is not deleted
    r = "DELETE line-items/:line_id"
    if item_b and cs.have(r):
        before_b = snapshot(b)
        d = send("DELETE", "%s/%s" % (la, item_b))
        ok = not isinstance(d, common.TransportError) and (d.status == 200 or not common.error_problems(d)) and \
            d.status < 500 and snapshot(b) == before_b
        tap.check(ok, "%s: the line of another cart -> 200 (Medusa: nothing to delete) or a 4xx, that cart unchanged" % r,
                  d.brief() if not isinstance(d, common.TransportError) else str(d))

    # --- POST /store/carts/:id
    r = "POST /store/carts/:id"
    pa = "/store/carts/%s" % a
    cs.error(r, "customer_id of another customer (guest)", "POST", pa, {"customer_id": y["id"]}, 400, "not_allowed",
             watch=[A])
    cs.error(r, "customer_id of another customer (logged in)", "POST", "/store/carts/%s" % cx, {"customer_id": y["id"]},
             400, "not_allowed", token=x["token"], watch=[X])
    cs.error(r, "another customer's address id as shipping_address", "POST", "/store/carts/%s" % cx,
             {"shipping_address": y["address"]}, 404, token=x["token"], watch=[X])
    cs.error(r, "another customer's address id as billing_address", "POST", "/store/carts/%s" % cx,
             {"billing_address": y["address"]}, 404, token=x["token"], watch=[X])
    cs.error(r, "a customer's address id on a guest cart", "POST", pa, {"shipping_address": x["address"]}, 404, watch=[A])
    cs.error(r, "unknown address id", "POST", pa, {"billing_address": "addr_01JUNKJUNKJUNKJUNKJUNKJUNK"}, 404, watch=[A])
    cs.error(r, "shipping address in a country outside the region", "POST", pa, {"shipping_address": cu.ADDRESS_US},
             400, "invalid_data", "Shipping country must be in the cart region", watch=[A])
    cs.error(r, "shipping address in an unknown country", "POST", pa,
             {"shipping_address": dict(cu.ADDRESS, country_code="zz")}, watch=[A])
    cs.error(r, "shipping address not an object", "POST", pa, {"shipping_address": [cu.ADDRESS]}, 400, watch=[A])
    cs.error(r, "unknown region", "POST", pa, {"region_id": "reg_01JUNKJUNKJUNKJUNKJUNKJUNK"}, 404, watch=[A])
    cs.error(r, "invalid email", "POST", pa, {"email": "not-an-email"}, 400, "invalid_data", "email must be an email",
             watch=[A])
    cs.error(r, "email of 300 characters", "POST", pa, {"email": "a" * 290 + "@example.com"}, 400, watch=[A])
    cs.error(r, "unknown property", "POST", pa, {"nickname": "x"}, 400, "invalid_data",
             "property nickname should not exist", watch=[A])
    cs.error(r, "unknown sales channel", "POST", pa, {"sales_channel_id": "sc_01JUNKJUNKJUNKJUNKJUNKJUNK"}, watch=[A])
    cs.error(r, "context nested 300 deep", "POST", pa, raw='{"context":%s1%s}' % ('{"a":' * 300, "}" * 300),
             status=400, watch=[A])
    cs.error(r, "metadata of 70 KiB", "POST", pa, {"metadata": {"k": "v" * 70000}}, 400, watch=[A])
    cs.error(r, "region_id a number", "POST", pa, {"region_id": 5}, 400, watch=[A])
    cs.error(r, "body an array", "POST", pa, raw="[]", status=400, watch=[A])
    cs.error(r, "body of 2 MB", "POST", pa, raw='{"metadata":{"k":"%s"}}' % ("v" * 2000000), status=413, watch=[A])
    cs.error(r, "unknown cart", "POST", "/store/carts/%s" % JUNK_CART, {"email": "a@example.com"}, 404, "not_found",
             "Cart with %s was not found" % JUNK_CART)

    # --- shipping
    r = "GET shipping-options/:cart_id"
    cs.error(r, "unknown cart", "GET", "/store/shipping-options/%s" % JUNK_CART, status=404)
    r = "POST shipping-methods"
    ps = "/store/carts/%s/shipping-methods" % a
    cs.error(r, "a return shipping option", "POST", ps, {"option_id": ret_eu}, 400, "not_allowed", watch=[A])
    cs.error(r, "an option of another region", "POST", ps, {"option_id": out_na}, 400, "invalid_data",
             "The shipping option is not available in the cart's region", watch=[A])
    cs.error(r, "unknown option", "POST", ps, {"option_id": "so_01JUNKJUNKJUNKJUNKJUNKJUNK"}, 404, "not_found",
             "Shipping Option with so_01JUNKJUNKJUNKJUNKJUNKJUNK was not found", watch=[A])
    cs.error(r, "option_id missing", "POST", ps, {}, 400, "invalid_data", "option_id must be a string", watch=[A])
    cs.error(r, "option_id a number", "POST", ps, {"option_id": 1}, 400, watch=[A])
    cs.error(r, "data nested 300 deep", "POST", ps, raw='{"option_id":"%s","data":%s1%s}'
             % (ret_eu, '{"a":' * 300, "}" * 300), status=400, watch=[A])
    cs.error(r, "unknown cart", "POST", "/store/carts/%s/shipping-methods" % JUNK_CART, {"option_id": ret_eu}, 404)

    # --- payment
    r = "POST payment-session"
    cs.error(r, "a provider the region does not have", "POST", "/store/carts/%s/payment-session" % a,
             {"provider_id": "stripe"}, 400, watch=[A])
    cs.error(r, "provider_id a number", "POST", "/store/carts/%s/payment-session" % a, {"provider_id": 5}, 400, watch=[A])
    cs.error(r, "provider_id missing", "POST", "/store/carts/%s/payment-session" % a, {}, 400, watch=[A])
    cs.error(r, "manual before any session exists (Medusa: 500)", "POST", "/store/carts/%s/payment-session" % a,
             {"provider_id": "manual"}, watch=[A])
    r = "POST payment-sessions/:provider"
    cs.error(r, "a session that does not exist", "POST", "/store/carts/%s/payment-sessions/stripe" % a, {"data": {}},
             watch=[A])
    r = "POST payment-sessions/:provider/refresh"
    cs.error(r, "a session that does not exist", "POST", "/store/carts/%s/payment-sessions/stripe/refresh" % a,
             watch=[A])
    r = "POST payment-sessions"
    cs.error(r, "unknown cart", "POST", "/store/carts/%s/payment-sessions" % JUNK_CART, status=404)
    r = "POST taxes"
    cs.error(r, "unknown cart", "POST", "/store/carts/%s/taxes" % JUNK_CART, status=404)

    # --- complete
    for r in ("POST complete", "POST complete-cart"):
        tail = r.split()[1]
        cs.error(r, "unknown cart (Medusa: 500)", "POST", "/store/carts/%s/%s" % (JUNK_CART, tail), status=404)
        cs.error(r, "a cart without email, address or payment", "POST", "/store/carts/%s/%s" % (a, tail), status=400,
                 watch=[A])
        empty = cu.new_cart(common.PORT, eu)
        cs.error(r, "an empty cart", "POST", "/store/carts/%s/%s" % (empty, tail), status=400, etype="invalid_data",
                 message="Cannot create order from empty cart", watch=[(empty, None)])
        cs.error(r, "an order id in place of the cart id", "POST", "/store/carts/order_01JUNKJUNKJUNKJUNKJUNKJUNK/%s"
                 % tail, status=404)

    # --- GET /store/carts/:id: fields, expand, odd ids
    r = "GET /store/carts/:id"
    cs.present[r] = True
    # fields/expand not read yet when ?fields=id answers the whole cart (the plain GET)
    cs.present["GET /store/carts/:id?fields"] = send("GET", "/store/carts/%s?fields=id" % a).body != snapshot(a)
    for q in ("expand=nope", "fields=nope", "expand=items.variant.nope", "fields=id,nope",
              "fields=" + "a" * 5000, "expand=region.countries.nope", "fields=id&expand=%00"):
        cs.error(r + "?fields", "?" + q[:60], "GET", "/store/carts/%s?%s" % (a, q), status=400, watch=[A])
    for name, pid in (("NUL in the id", "cart_%00"), ("id of 4 KiB", "cart_" + "A" * 4096),
                      ("an order id", "order_01JUNKJUNKJUNKJUNKJUNKJUNK"), ("a malformed escape", "cart_%zz")):
        cs.error(r, name, "GET", "/store/carts/%s" % pid)

    # --- orders
    r = "GET orders/:id"
    cs.error(r, "unknown order", "GET", "/store/orders/order_01JUNKJUNKJUNKJUNKJUNKJUNK", status=404, etype="not_found",
             message="Order with id order_01JUNKJUNKJUNKJUNKJUNKJUNK was not found")
    cs.error(r, "a cart id in place of the order id", "GET", "/store/orders/%s" % a, status=404)
    cs.error(r, "NUL in the id", "GET", "/store/orders/order_%00")
    r = "GET orders/cart/:cart_id"
    cs.error(r, "a cart that is not completed", "GET", "/store/orders/cart/%s" % a, status=404, etype="not_found",
             message="Order with cart id %s was not found" % a)
    r = "GET orders lookup"
    for q, status in (("display_id=abc&email=a@example.com", 400), ("display_id=1", 400),
                      ("display_id=-1&email=a@example.com", ANY4XX), ("display_id=1e99&email=a@example.com", ANY4XX),
                      ("display_id=1&email=a@example.com&fields=nope", ANY4XX)):
        cs.error(r, "?" + q, "GET", "/store/orders?" + q, status=status, plain_404=status is ANY4XX)
    order = None
    if cs.present["POST complete"] and cs.present["GET orders/:id"]:
        try:
            done = cu.ready_cart(common.PORT, eu, tshirt, 1, email="hostile@example.com")
            c = send("POST", "/store/carts/%s/complete" % done)
            order = (c.json().get("data") or {}).get("id") if c.status == 200 else None
            tap.check(order, "setup: an order to read with bad fields/expand", c.brief())
        except cu.RouteMissing as e:
            tap.pending("setup: an order to read with bad fields/expand", "a step before complete is not built yet: %s" % e)
        except cu.StepFailed as e:
            tap.not_ok("setup: an order to read with bad fields/expand", str(e))
    if order:
        for q, msg in (("fields=nope", "Requested fields [nope] are not valid"),
                       ("expand=nope", "Requested fields [nope] are not valid"), ("expand=items.nope", None),
                       ("fields=id,%00", None)):
            cs.error(r, "?" + q, "GET", "/store/orders/%s?%s" % (order, q), status=400, etype="invalid_data", message=msg)
        cs.error("POST line-items", "a line on a completed cart", "POST", "/store/carts/%s/line-items" % done,
                 {"variant_id": tshirt, "quantity": 1}, watch=[(done, None)])
    else:
        cs.pending["GET orders/:id with fields/expand"] = 4

    # --- nothing half-written: the database holds no line the API does not show
    for cart, tok in (A, B, X):
        g = send("GET", "/store/carts/%s" % cart, token=tok)
        shown = len(g.json()["cart"].get("items") or []) if g.status == 200 else None
        tap.check(db_lines(cart) == shown, "cart %s: line rows in the database (%s) = lines the API shows (%s)"
                  % (cart[-6:], db_lines(cart), shown), g.brief())
    cs.flush_pending()
    tap.finish()


if __name__ == "__main__":
    main()
