#!/usr/bin/env python3
"""The catalogue routes beside products (regions, collections, categories, tags, types,
shipping options, return reasons, gift cards) where the recorded transcripts do not reach:
a category tree with internal and inactive branches, every filter and order of the lists,
paging, and hostile query strings and path parameters (each must be a JSON answer, never a
crash). replay_store.py compares the recorded answers; this file asserts the rules.

Data: a database of its own in the stack's MariaDB (as replay_store.py makes it) with
store-seed.json, tests/fixtures/store-extras.import.json and tests/fixtures/catalogue-tree.import.json
imported, served by a pool + nginx of its own. Env: VAR, BIN, JWT_SECRET, COOKIE_SECRET.
"""

import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, Any, TS, diff, short  # noqa: E402
import replay_store  # noqa: E402

tap = Tap()
ROOT = common.repo_root()
TREE = os.path.join(ROOT, "tests", "fixtures", "catalogue-tree.import.json")
PORT = [0]


def get(path):
    saved = common.HOST, common.PORT
    common.HOST, common.PORT = "127.0.0.1", PORT[0]
    try:
        return common.request("GET", path)
    finally:
        common.HOST, common.PORT = saved


def expect(path, status, check=None, name=None):
    """GET path: status must match, the body must be JSON; check(body) returns a problem or None."""
    name = name or "GET %s" % path
    r = get(path)
    if r.status != status:
        tap.not_ok(name, "got %s, want %d" % (r.brief(), status))
        return None
    if r.header("Content-Type") != "application/json; charset=utf-8":
        tap.not_ok(name, "content-type %r" % r.header("Content-Type"))
        return None
    body = r.try_json()
    problem = "not JSON: %s" % short(r.body) if body is None else check(body) if check else None
    tap.check(problem is None, "%s -> %d" % (name, status), problem)
    return body


def error(path, status, type_, message):
    expect(path, status, lambda b: diff(b, {"type": type_, "message": message}), "GET %s" % path)


def ids(key):
    return lambda b: [x["id"] for x in b[key]]


def field_list(body, key, field):
    return [x[field] for x in body[key]]


def is_(want):
    return lambda got: None if got == want else "got %s, want %s" % (short(got, 400), short(want, 400))


CAT_KEYS = ["id", "created_at", "updated_at", "name", "description", "handle", "parent_category_id", "rank",
            "metadata"]
FULL_KEYS = ["id", "created_at", "updated_at", "name", "description", "handle", "is_active", "is_internal",
             "parent_category_id", "rank", "metadata"]


def categories():
    q = "/store/product-categories"
    # the tree: only active, not internal categories exist for the store
    expect(q + "?parent_category_id=pcat_t_root", 200,
           lambda b: is_((1, ["pcat_t_a"]))((b["count"], ids("product_categories")(b))),
           "children of the root: the internal and the inactive ones are hidden")
    expect(q + "?handle=t-root", 200, lambda b: is_(
        [["pcat_t_a"], None])([[c["id"] for c in b["product_categories"][0]["category_children"]],
                               b["product_categories"][0]["parent_category"]]),
        "one level of category_children, parent_category null at the top")
    b = expect(q + "?handle=t-root&include_descendants_tree=true", 200,
               name="include_descendants_tree: the whole visible subtree")
    if b:
        root = b["product_categories"][0]
        a = root["category_children"][0]
        tap.eq(list(a.keys()), FULL_KEYS + ["category_children"],
               "tree nodes are whole rows (findDescendantsTree), then category_children")
        tap.eq(list(root.keys()), CAT_KEYS + ["category_children", "parent_category"], "the root keeps the select")
        tap.eq([c["id"] for c in a["category_children"]], ["pcat_t_a1"], "grandchild present")
        tap.eq(a["category_children"][0]["category_children"], [], "leaf has category_children []")
        tap.eq(a["category_children"][0]["metadata"], {"b": True, "zz": 1}, "metadata in jsonb key order")
    expect(q + "?q=ALPHA", 200, lambda b: is_(["pcat_t_a", "pcat_t_a1"])(sorted(ids("product_categories")(b))),
           "q matches name or handle, case-insensitively")
    expect(q + "?q=t-h", 200, lambda b: is_(["pcat_t_h1"])(ids("product_categories")(b)),
           "q on handle; the internal t-hidden is not listed")
    expect(q + "?parent_category_id=null&handle=t-a", 200, lambda b: is_(0)(b["count"]),
           "parent_category_id=null and a child's handle: nothing")
    b = expect(q + "/pcat_t_a", 200, name="retrieve a child")
    if b:
        c = b["product_category"]
        tap.eq(list(c.keys()), sorted(CAT_KEYS) + ["category_children", "parent_category"],
               "retrieve: own keys sorted, relations last")
        tap.eq(c["parent_category"]["id"] if c["parent_category"] else None, "pcat_t_root", "retrieve: the parent")
        tap.eq(list(c["parent_category"].keys()), sorted(CAT_KEYS), "retrieve: the parent's keys sorted too")
        kids = c["category_children"]
        tap.eq([(k["id"], list(k.keys()), k.get("category_children")) for k in kids],
               [("pcat_t_a1", sorted(CAT_KEYS) + ["category_children"], [])],
               "retrieve: the visible subtree, each node sorted with its category_children")
    b = expect(q + "/pcat_t_root?fields=handle&expand=category_children", 200, name="retrieve the root")
    if b:
        tap.eq(b["product_category"], {"handle": "t-root", "id": "pcat_t_root", "category_children": [
            {"handle": "t-a", "id": "pcat_t_a", "category_children": [
                {"handle": "t-a1", "id": "pcat_t_a1", "category_children": []}]}]},
            "retrieve: the whole visible tree (internal and inactive branches left out), fields on every node")
    error(q + "/pcat_t_a?include_descendants_tree=true", 400, "invalid_data",
          "property include_descendants_tree should not exist")
    expect(q + "?order=rank&handle=t-a", 200, lambda b: is_(1)(b["count"]), "order is accepted (Medusa sorts by rank)")
    error(q + "?order=is_internal", 400, "invalid_data", "Order field is_internal is not valid")
    error(q + "/pcat_t_hidden", 404, "not_found",
          "ProductCategory with id: pcat_t_hidden, is_internal: false, is_active: true was not found")
    error(q + "/pcat_t_off", 404, "not_found",
          "ProductCategory with id: pcat_t_off, is_internal: false, is_active: true was not found")
    expect(q + "/pcat_t_a?expand=parent_category&fields=name", 200,
           is_({"product_category": {"id": "pcat_t_a", "name": "Alpha",
                                     "parent_category": {"id": "pcat_t_root", "name": "Tree root"}}}),
           "retrieve with fields and expand: the relation's columns follow fields")
    error(q + "?expand=products", 400, "invalid_data", "Requested fields [products] are not valid")
    error(q + "?limit=-1", 400, "invalid_data", "limit must be a number conforming to the specified constraints")
    # optionalBooleanMapper maps anything but true/false/null/undefined to undefined: ignored
    expect(q + "?include_descendants_tree=maybe&handle=t-root", 200, lambda b: is_([])(
        b["product_categories"][0]["category_children"][0].get("category_children", [])),
        "include_descendants_tree=maybe is ignored (one level)")
    expect(q + "?limit=2&offset=100", 200, lambda b: is_([b["count"] > 0, [], 100, 2])(
        [b["count"] > 0, b["product_categories"], b["offset"], b["limit"]]), "an offset past the end: []")


def taxons():
    t = "/store/product-tags"
    expect(t + "?order=value", 200, lambda b: is_(["cotton", "kitchen", "summer"])(field_list(b, "product_tags", "value")),
           "tags order=value")
    expect(t + "?order=-value", 200, lambda b: is_(["summer", "kitchen", "cotton"])(field_list(b, "product_tags", "value")),
           "tags order=-value")
    expect(t + "?value[]=summer&value[]=cotton&order=value", 200,
           lambda b: is_((2, ["cotton", "summer"]))((b["count"], field_list(b, "product_tags", "value"))),
           "tags value[] filter")
    expect(t + "?q=UMM", 200, lambda b: is_(["summer"])(field_list(b, "product_tags", "value")), "tags q, ILIKE")
    b = expect(t + "?order=value&limit=1&offset=1", 200,
               lambda b: is_((3, 1, 1, ["kitchen"]))((b["count"], b["limit"], b["offset"],
                                                      field_list(b, "product_tags", "value"))),
               "tags paged: count before paging, envelope product_tags,count,offset,limit")
    if b:
        tap.eq(list(b.keys()), ["product_tags", "count", "offset", "limit"], "tags envelope order")
        kid = b["product_tags"][0]["id"]
        expect(t + "?id=" + kid, 200, lambda b: is_(["kitchen"])(field_list(b, "product_tags", "value")),
               "tags id filter")
    expect(t + "?created_at[lt]=2000-01-01", 200, lambda b: is_(0)(b["count"]), "tags created_at[lt] in the past: none")
    expect(t + "?created_at[gt]=2000-01-01T00:00:00Z", 200, lambda b: is_(3)(b["count"]), "tags created_at[gt]")
    error(t + "?created_at[lt]=nope", 400, "invalid_data", "lt must be a Date instance")
    error(t + "?expand=products", 400, "invalid_data", "property expand should not exist")
    p = "/store/product-types"
    expect(p + "?order=value", 200, lambda b: is_(["Bottoms", "Tops"])(field_list(b, "product_types", "value")),
           "types order=value")
    error(p + "?order=nope", 400, "invalid_data", "Order field nope is not valid")
    expect(p + "?q=top", 200, lambda b: is_(["Tops"])(field_list(b, "product_types", "value")), "types q")


def collections():
    c = "/store/collections"
    b = expect(c, 200, lambda b: is_(3)(b["count"]), "three collections")
    if b:
        tap.eq(list(b.keys()), ["collections", "count", "limit", "offset"], "collections envelope order")
        ts = [x["created_at"] for x in b["collections"]]
        tap.eq(ts, sorted(ts, reverse=True), "collections newest first")
    expect(c + "?handle[]=winter&handle[]=spring", 200,
           lambda b: is_(["spring", "winter"])(sorted(field_list(b, "collections", "handle"))), "handle[] filter")
    expect(c + "?handle[]=spring", 200,
           lambda b: is_({"season": 1})(b["collections"][0]["metadata"]), "metadata as stored")
    expect(c + "?limit=1&offset=2", 200, lambda b: is_((3, 1, 2, 1))(
        (b["count"], b["limit"], b["offset"], len(b["collections"]))), "collections paged")
    error(c + "?limit=abc", 400, "invalid_data", "limit must be an integer number")
    error(c + "?offset=1.5", 400, "invalid_data", "offset must be an integer number")
    error(c + "?fields=title", 400, "invalid_data", "property fields should not exist")
    error(c + "/pcol_nope", 404, "not_found", "Product collection with id: pcol_nope was not found")
    error(c + "/%C3%28", 400, "invalid_data", "URI malformed")


def regions_and_shipping():
    r = "/store/regions"
    b = expect(r + "?expand=", 200, lambda b: is_(["EU", "NA", "Switzerland"])(sorted(field_list(b, "regions", "name"))),
               "regions")
    eu = next((x["id"] for x in (b or {}).get("regions", []) if x["name"] == "EU"), "none")
    expect(r + "?created_at[lt]=2000-01-01", 200, lambda b: is_(0)(b["count"]), "regions created_at filter")
    error(r + "?fields=nope", 400, "invalid_data", "Requested fields [nope] are not valid")
    expect(r + "?order=name&expand=", 200, lambda b: is_(["EU", "NA", "Switzerland"])(field_list(b, "regions", "name")),
           "regions order=name")
    expect(r + "?order=-name&expand=", 200, lambda b: is_(["Switzerland", "NA", "EU"])(field_list(b, "regions", "name")),
           "regions order=-name")
    ch = next((x for x in (b or {}).get("regions", []) if x["name"] == "Switzerland"), {"id": "none"})
    tap.eq((ch.get("tax_rate"), ch.get("automatic_taxes")), (8.1, False), "a real tax rate as JavaScript prints it")
    error(r + "?order=nope", 400, "invalid_data", "Order field nope is not valid")
    expect(r + "/" + eu + "?limit=1&order=name&expand=", 200, lambda b: is_("EU")(b["region"]["name"]),
           "region retrieve validates the list's parameters and ignores them")
    expect(r + "/" + eu + "?expand=currency,countries&fields=name", 200,
           lambda b: is_(["id", "name", "countries", "currency"])(list(b["region"].keys())),
           "region: relations asked for, alphabetically after the columns")
    s = "/store/shipping-options"
    expect(s + "?is_return=false", 200, lambda b: is_([False] * 5)(field_list(b, "shipping_options", "is_return")),
           "is_return=false: the five outbound options")
    expect(s + "?is_return=1", 200, lambda b: is_([False] * 5)(field_list(b, "shipping_options", "is_return")),
           "is_return=1 passes validation but only \"true\" is true (Medusa compares the string)")
    error(s + "?is_return=maybe", 400, "invalid_data", "is_return must be a boolean string")
    error(s + "?region=x", 400, "invalid_data", "property region should not exist")
    expect(s + "?product_ids=", 200, is_({"shipping_options": []}), "product_ids given: [] (Medusa's quirk, 070)")
    expect(s + "?region_id=" + eu, 200, lambda b: is_(
        [("PostFake Standard", 1050, 50, [{"rate": 5, "name": "Shipping reduced", "code": "SHIPRED"}])])(
        [(o["name"], o["price_incl_tax"], o["tax_amount"], o["tax_rates"]) for o in b["shipping_options"]
         if o["name"] == "PostFake Standard"]), "a shipping tax rate replaces the region's default")
    expect(s + "?region_id=reg_nope", 200, is_({"shipping_options": []}), "unknown region: []")
    b = expect(s + "?region_id=" + ch["id"], 200, name="shipping options of a region without automatic taxes")
    if b:
        opts = b["shipping_options"]
        tap.eq([o["name"] for o in opts], ["Swiss Post"], "admin_only options are not listed")
        if opts:
            o = opts[0]
            tap.eq((o["price_incl_tax"], o["tax_rates"], o["tax_amount"]), (900, [], 0),
                   "no automatic taxes: no rates, no tax (M:services/pricing.ts)")
            tap.eq([(list(q.keys()), q["type"], q["amount"], q["shipping_option_id"] == o["id"], q["deleted_at"])
                    for q in o["requirements"]],
                   [(["id", "shipping_option_id", "type", "amount", "deleted_at"], "min_subtotal", 5000, True, None)],
                   "requirements with Medusa's keys")


def gift_cards_and_reasons():
    g = "/store/gift-cards/"
    expect(g + "S5OM%2DDMFV-DGVL-B4IE", 200, lambda b: is_("S5OM-DMFV-DGVL-B4IE")(b["gift_card"]["code"]),
           "gift card code percent-decoded like Express route parameters")
    error(g + "%C3%28", 400, "invalid_data", "URI malformed")
    code = "x' OR '1'='1"
    error(g + urllib.parse.quote(code), 404, "not_found", "Gift card with code: %s was not found" % code)
    b = expect("/store/return-reasons", 200, name="return reasons")
    if b:
        tap.eq([x["value"] for x in b["return_reasons"]], ["wrong_size", "damaged"], "top-level reasons only")
        tap.eq("metadata" in b["return_reasons"][0], False, "a listed reason has no metadata (store select)")
        tap.eq("metadata" in b["return_reasons"][0]["return_reason_children"][0], True,
               "its children have every column")
    error("/store/return-reasons/%C3%28", 400, "invalid_data", "URI malformed")


def hostile():
    for path in ["/store/product-categories?handle=%00", "/store/product-categories?q=%25%5F",
                 "/store/product-tags?value[a][b][c][d][e][f]=1", "/store/regions?limit=1e309",
                 "/store/regions?offset=99999999999999999999", "/store/collections?handle=" + "a" * 60000,
                 "/store/product-types?order=" + "-" * 300, "/store/shipping-options?region_id[]=x",
                 "/store/product-categories?fields=" + ",".join(["name"] * 2000),
                 "/store/gift-cards/" + "%41" * 3000]:
        r = get(path)
        ok = r.status in (200, 400, 404, 414) and (r.try_json() is not None)
        tap.check(ok, "hostile %s -> JSON %d" % (short(path, 80), r.status), r.brief())
    r = get("/health")
    tap.check(r.status == 200, "the pool still answers after the hostile requests", r.brief())


def main():
    common.require_health(tap)
    var, binp = os.environ.get("VAR"), os.environ.get("BIN")
    if not var or not binp:
        tap.not_ok("environment", "VAR and BIN are needed (tests/run.sh exports them)")
        tap.finish()
    db = replay_store.Db(var, "taxonomy_" + common.RUN)
    pool = None
    try:
        db.create()
        for f in (replay_store.SEED, replay_store.EXTRAS_FIXTURE, TREE):
            if not replay_store.run_import(tap, db, f, os.path.basename(f)):
                tap.finish()
        from test_pool_lifecycle import OwnPool
        pool = OwnPool(WORKERS=2, DATABASE_URL=db.url, PASSWORD_WORKERS=1,
                       PASSWORD_LISTEN="unix:{tmp}/medusa-c-password.sock")
        PORT[0] = pool.port
        categories()
        taxons()
        collections()
        regions_and_shipping()
        gift_cards_and_reasons()
        hostile()
        log = open(pool.log, "rb").read().decode("utf-8", "replace")
        bad = [ln for ln in log.splitlines() if "killed by signal" in ln or "AddressSanitizer" in ln
               or "runtime error" in ln or "failed with exit status" in ln]
        tap.check(not bad, "no worker of this pool crashed", "; ".join(bad[:5]))
    except (RuntimeError, OSError) as e:
        tap.not_ok("setup", str(e))
    finally:
        if pool is not None:
            pool.stop()
        try:
            db.drop()
        except RuntimeError as e:
            tap.note("drop database: %s" % e)
    tap.finish()


if __name__ == "__main__":
    main()
