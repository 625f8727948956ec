#!/usr/bin/env python3
"""Carts (issue 12, first step): POST /store/carts and GET /store/carts/:id through the real stack
(nginx -> workers -> MariaDB, the seed catalogue imported by tests/run.sh).

Checks against the recorded answers of Medusa 1.20.11 (transcripts-store 074-083):
  - the cart's key set and order (074, 075: no body gets the first region, EU), and the shipping
    address made from country_code (076), also from an upper-case code;
  - region (unknown -> 404, 078), country outside the region -> 400 not_allowed (079), unknown
    body property -> 400 (080), unknown cart -> 404 (083), with Medusa's messages;
  - GET answers the cart as created; a logged-in customer's cart carries customer_id and email;
  - sales channel: the store's default, a named one, an unknown one -> 404;
  - Idempotency-Key: the same key again replays the first cart (one cart row, not two).
Line items, totals of carts with items and POST /store/carts/:id are pending (issue 12).
"""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

tap = common.Tap()
REF = os.path.join(common.transcripts_dir(), "..", "transcripts-store")


def recorded(name):
    """The JSON body of a recorded answer in transcripts-store."""
    with open(os.path.join(REF, name), "rb") as f:
        raw = f.read().split(b"=== RESPONSE ===", 1)[1]
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


def shape(v):
    """The keys (in order) and value types of v, recursively; lists by their first element."""
    if isinstance(v, dict):
        return [(k, shape(x)) for k, x in v.items()]
    if isinstance(v, list):
        return ["list", shape(v[0]) if v else None]
    return type(v).__name__


def cart_shape(c):
    """shape() of a cart without its region's tax rates (the seed has none; our fixture adds some)."""
    c = json.loads(json.dumps(c))
    if isinstance(c.get("region"), dict):
        c["region"].pop("tax_rates", None)
    return shape(c)


def post(path, body=None, headers=None, token=None):
    return common.request("POST", path, json_body=body if body is not None else {}, headers=headers, token=token)


def regions():
    r = common.request("GET", "/store/regions")
    return {x["name"]: x for x in r.json()["regions"]}


common.require_health(tap)
REG = regions()
EU, NA = REG["EU"]["id"], REG["NA"]["id"]
TOTALS = ["subtotal", "discount_total", "item_tax_total", "shipping_total", "shipping_tax_total", "tax_total",
          "gift_card_total", "gift_card_tax_total", "total"]

# 074: region_id
r = post("/store/carts", {"region_id": EU}, headers=[("User-Agent", "curl/7.88.1")])
tap.check(r.status == 200, "create with region_id: 200", r.brief())
cart = r.json()["cart"] if r.status == 200 else {}
want = recorded("074-cart-create.txt")["cart"]
tap.eq(cart_shape(cart), cart_shape(want), "create: the cart's keys, their order and types are Medusa's (074)")
tap.check(cart.get("region_id") == EU and cart.get("region", {}).get("id") == EU, "create: the region named",
          common.short(cart.get("region_id")))
tap.check(cart.get("id", "").startswith("cart_") and len(cart["id"]) == 31, "create: a cart_ ULID id", cart.get("id"))
tap.eq([cart.get(k) for k in TOTALS], [0] * len(TOTALS), "create: every total of an empty cart is 0")
tap.eq(cart.get("context"), {"ip": "127.0.0.1", "user_agent": "curl/7.88.1"}, "create: context {ip, user_agent}")
r = post("/store/carts", {"context": {"user_agent": "x", "a": [1]}})
tap.eq(r.json()["cart"].get("context") if r.status == 200 else r.brief(), {"a": [1], "ip": "127.0.0.1", "user_agent": "x"},
       "create: the body's context over the request's (jsonb key order)")
sc = cart.get("sales_channel") or {}
tap.check(sc.get("name") == "Default Sales Channel" and cart.get("sales_channel_id") == sc.get("id"),
          "create: the store's default sales channel", common.short(sc))
tap.check(cart.get("shipping_address") is None and cart.get("email") is None and cart.get("customer_id") is None,
          "create: no address (7 countries), no email, no customer", common.short(cart.get("shipping_address")))

# GET /store/carts/:id answers the same cart (082's key set is 074's)
g = common.request("GET", "/store/carts/%s" % cart.get("id"))
tap.check(g.status == 200, "get: 200", g.brief())
tap.eq(g.json() if g.status == 200 else None, {"cart": cart}, "get: the cart as created")
tap.eq(cart_shape(g.json()["cart"]) if g.status == 200 else None, cart_shape(recorded("082-cart-get.txt")["cart"]),
       "get: keys, order and types of 082")

# 075: no body -> the first region (EU in the recording and here)
r = common.request("POST", "/store/carts")
tap.check(r.status == 200 and r.json()["cart"]["region"]["name"] == "EU", "create without a body: the first region (EU)",
          r.brief())

# 076: country_code -> shipping address; upper case is lowered
for cc in ("ca", "CA"):
    r = post("/store/carts", {"region_id": NA, "country_code": cc})
    c = r.json().get("cart", {}) if r.status == 200 else {}
    a = c.get("shipping_address") or {}
    ok = r.status == 200 and a.get("country_code") == "ca" and c.get("shipping_address_id") == a.get("id")
    tap.check(ok, "create with country_code %s: a shipping address in ca" % cc, r.brief())
    tap.eq(shape(a), shape(recorded("076-cart-create-country.txt")["cart"]["shipping_address"]),
           "create with country_code %s: the address's keys (076)" % cc)

# errors with Medusa's messages
junk_region = "reg_01JUNKJUNKJUNKJUNKJUNKJUNK"
tap.errors(common.error_problems(post("/store/carts", {"region_id": junk_region}), 404, "not_found",
                                 "Region with %s was not found" % junk_region), "unknown region: 404 (078)")
tap.errors(common.error_problems(post("/store/carts", {"region_id": EU, "country_code": "us"}), 400, "not_allowed",
                                 "Shipping country not in region"), "country outside the region: 400 (079)")
tap.errors(common.error_problems(post("/store/carts", {"region_id": EU, "country_code": "zz"}), 400, "not_allowed",
                                 "Shipping country not in region"), "unknown country: 400 not_allowed")
tap.errors(common.error_problems(post("/store/carts", {"region_id": EU, "foo": 1}), 400, "invalid_data",
                                 "property foo should not exist"), "unknown property: 400 (080)")
tap.errors(common.error_problems(post("/store/carts", {"region_id": 7}), 400, "invalid_data",
                                 "region_id must be a string"), "region_id not a string: 400")
junk_cart = "cart_01JUNKJUNKJUNKJUNKJUNKJUNK"
tap.errors(common.error_problems(common.request("GET", "/store/carts/%s" % junk_cart), 404, "not_found",
                                 "Cart with %s was not found" % junk_cart), "unknown cart: 404 (083)")
tap.errors(common.error_problems(post("/store/carts", {"sales_channel_id": "sc_nope"}), 404, "not_found",
                                 "Sales channel with id sc_nope was not found"), "unknown sales channel: 404")
r = post("/store/carts", {"sales_channel_id": cart.get("sales_channel_id")})
tap.check(r.status == 200 and r.json()["cart"]["sales_channel_id"] == cart.get("sales_channel_id"),
          "a named sales channel", r.brief())

# a logged-in customer is attached with its email (156)
email = common.unique_email("cart")
reg = post("/store/customers", {"email": email, "password": "supersecret", "first_name": "C", "last_name": "T"})
tok = post("/store/auth/token", {"email": email, "password": "supersecret"})
token = tok.json().get("access_token") if tok.status == 200 else None
tap.check(reg.status == 200 and token, "register and log in a customer", tok.brief())
r = post("/store/carts", {"region_id": EU}, token=token)
c = r.json().get("cart", {}) if r.status == 200 else {}
tap.check(c.get("email") == email and c.get("customer_id") == reg.json()["customer"]["id"],
          "create with a bearer token: customer_id and email set", r.brief())

# Idempotency-Key: the same key again replays the first cart
key = str(uuid.uuid4())
a = post("/store/carts", {"region_id": NA}, headers=[("Idempotency-Key", key)])
b = post("/store/carts", {"region_id": NA}, headers=[("Idempotency-Key", key)])
tap.check(a.status == 200 and b.status == 200 and a.json()["cart"]["id"] == b.json()["cart"]["id"]
          and b.header("Idempotent-Replayed") == "true", "a keyed create sent twice: one cart, replayed", b.brief())

tap.pending("items on create, POST /store/carts/:id/line-items and totals of carts with items",
            "issue 12, next step (needs common/totals.c)")
tap.finish()
