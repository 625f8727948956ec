#!/usr/bin/env python3
"""Concurrent writers on the same rows, through nginx, with every request released at once.

Owns: lost-update checks (32 clients each merging a different metadata key into one
customer: every key is there at the end), billing address races (16 concurrent billing
objects, then 16 concurrent links to the customer's own address ids: exactly one billing
address linked, one of the customer's, no orphan billing rows beyond what the requests
explain, checked in the database), shipping address races (concurrent adds and deletes),
uniqueness races (16 registrations of one email: exactly one 200, the rest 422
duplicate_error; 8 customers taking one new email), and never a 5xx anywhere.

Every request runs in its own thread on its own connection; a barrier releases them
together. Database checks use the mariadb client on $VAR/mysqld.sock (user root, database
medusa); without VAR they print TAP "# SKIP" lines. Env: BASE_URL, JWT_SECRET, COOKIE_SECRET, VAR.
"""

import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, request, TransportError, short, unique_email  # noqa: E402

ME = "/store/customers/me"
ADDR = ME + "/addresses"
VAR = os.environ.get("VAR", "")
DUP_TYPE, DUP_CODE, DUP_STATUS = "duplicate_error", "invalid_request_error", 422

tap = Tap()


class Abort(Exception):
    pass


class Db:
    def __init__(self, var):
        self.argv = ["mariadb", "--no-defaults", "--socket=" + os.path.join(var, "mysqld.sock"), "--user=root",
                     "--batch", "--raw", "--skip-column-names", "--default-character-set=utf8mb4", "medusa"]

    def run(self, sql):
        p = subprocess.run(self.argv + ["-e", sql], capture_output=True, text=True, timeout=30)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.strip())
        return [line.split("\t") for line in p.stdout.splitlines()]


DB = Db(VAR) if VAR and os.path.exists(os.path.join(VAR, "mysqld.sock")) else None


def q(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def burst(jobs):
    """jobs: list of (method, path, body, token). All start together; returns Responses or
    TransportErrors in job order."""
    barrier = threading.Barrier(len(jobs))
    out = [None] * len(jobs)

    def run(i, method, path, body, token):
        try:
            barrier.wait(30)
        except threading.BrokenBarrierError:
            pass
        try:
            out[i] = request(method, path, json_body=body, token=token, timeout=60)
        except TransportError as e:
            out[i] = e

    threads = [threading.Thread(target=run, args=(i,) + tuple(j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    return out


def statuses(results):
    s = {}
    for r in results:
        k = "no answer" if isinstance(r, TransportError) or r is None else r.status
        s[k] = s.get(k, 0) + 1
    return s


def no_5xx(results, name):
    bad = [r.brief(200) if not isinstance(r, TransportError) and r is not None else str(r) for r in results
           if r is None or isinstance(r, TransportError) or r.status >= 500]
    return tap.errors(bad, "%s: no 5xx, every request answered" % name)


class Account:
    pass


def fresh(tag="conc"):
    a = Account()
    a.email = unique_email(tag)
    a.password = "pw-" + common.RUN
    r = request("POST", "/store/customers", json_body={"email": a.email, "password": a.password})
    if r.status != 200:
        tap.not_ok("setup: register %s" % a.email, r.brief())
        raise Abort()
    a.id = r.json()["customer"]["id"]
    t = request("POST", "/store/auth/token", json_body={"email": a.email, "password": a.password})
    if t.status != 200:
        tap.not_ok("setup: token", t.brief())
        raise Abort()
    a.token = t.json()["access_token"]
    return a


def me(a):
    r = request("GET", ME, token=a.token)
    if r.status != 200:
        tap.not_ok("setup: GET /me", r.brief())
        raise Abort()
    return r.json()["customer"]


def address(tag, i, **kw):
    d = {"first_name": "Conc", "last_name": "Urrent", "address_1": "%s %s %d" % (tag, common.RUN, i),
         "city": "Torino", "country_code": "it", "postal_code": "10100"}
    d.update(kw)
    return d


# --------------------------------------------------------------------------


def t_metadata_merge():
    a = fresh()
    n = 32
    res = burst([("POST", ME, {"metadata": {"key%02d" % i: "value%02d" % i}}, a.token) for i in range(n)])
    no_5xx(res, "32 concurrent metadata merges")
    tap.check(statuses(res) == {200: n}, "32 concurrent metadata merges: all 200", short(statuses(res)))
    md = me(a)["metadata"] or {}
    missing = ["key%02d" % i for i in range(n) if md.get("key%02d" % i) != "value%02d" % i]
    tap.check(not missing, "32 concurrent metadata merges: every key present at the end (no lost update)",
              "missing %s of %d" % (missing, n))
    # mixed with removals of keys others are adding: each key's own request decides it
    res = burst([("POST", ME, {"metadata": {"key%02d" % i: "" if i % 2 else "v2-%02d" % i}}, a.token) for i in range(n)])
    no_5xx(res, "32 concurrent metadata set/remove")
    md = me(a)["metadata"] or {}
    wrong = [i for i in range(n) if (("key%02d" % i) in md) == bool(i % 2) or
             (i % 2 == 0 and md.get("key%02d" % i) != "v2-%02d" % i)]
    tap.check(not wrong, "32 concurrent set/remove: odd keys gone, even keys updated", "wrong keys %s: %s" % (
        wrong, short(md)))
    # first_name races: the final value is one of those sent
    res = burst([("POST", ME, {"first_name": "Name%02d" % i, "metadata": {"fn%02d" % i: i}}, a.token)
                 for i in range(16)])
    no_5xx(res, "16 concurrent name + metadata updates")
    c = me(a)
    tap.check(c["first_name"] in ["Name%02d" % i for i in range(16)] and
              all((c["metadata"] or {}).get("fn%02d" % i) == i for i in range(16)),
              "16 concurrent name updates: the name is one of those sent and every metadata key kept",
              short(c))


def billing_rows(tag):
    return DB.run("SELECT id, IFNULL(customer_id, 'NULL'), deleted_at IS NULL FROM address WHERE address_1 LIKE %s"
                  % q("%s %s %%" % (tag, common.RUN)))


def orphans(tag):
    """Rows of this test (by address_1) that nobody owns and no customer links."""
    return DB.run("SELECT a.id FROM address a WHERE a.customer_id IS NULL AND a.address_1 LIKE %s AND NOT EXISTS "
                  "(SELECT 1 FROM customer c WHERE c.billing_address_id = a.id)" % q("%s %s %%" % (tag, common.RUN)))


def t_billing_race():
    a = fresh()
    n = 16
    res = burst([("POST", ME, {"billing_address": address("BillObj", i)}, a.token) for i in range(n)])
    no_5xx(res, "16 concurrent billing objects")
    tap.check(statuses(res) == {200: n}, "16 concurrent billing objects: all 200", short(statuses(res)))
    c = me(a)
    ba = c["billing_address"] or {}
    sent = ["BillObj %s %d" % (common.RUN, i) for i in range(n)]
    tap.check(c["billing_address_id"] and ba.get("id") == c["billing_address_id"] and ba.get("address_1") in sent,
              "16 concurrent billing objects: one billing address linked, holding one of the sent values", short(ba))
    ids = {r.json()["customer"]["billing_address_id"] for r in res if not isinstance(r, TransportError) and r.status == 200}
    tap.check(ids == {c["billing_address_id"]}, "16 concurrent billing objects: every answer names the same billing row",
              "ids in answers: %s" % sorted(ids))
    if DB:
        rows = billing_rows("BillObj")
        tap.check(len(rows) == 1 and rows[0][0] == c["billing_address_id"] and rows[0][1] == "NULL",
                  "16 concurrent billing objects: exactly one address row created (customer_id NULL), no duplicates",
                  short(rows))
        tap.check(orphans("BillObj") == [], "16 concurrent billing objects: no orphan billing row",
                  short(orphans("BillObj")))
        linked = DB.run("SELECT COUNT(*) FROM customer WHERE billing_address_id = %s" % q(c["billing_address_id"]))
        tap.check(linked == [["1"]], "16 concurrent billing objects: the row is linked by exactly one customer",
                  short(linked))
    else:
        tap.skip("billing rows in the database", "VAR is not set")
    first_bill = c["billing_address_id"]

    # then links to the customer's own shipping addresses
    own = []
    for i in range(4):
        r = request("POST", ADDR, json_body={"address": address("Ship", i)}, token=a.token)
        if r.status != 200:
            tap.not_ok("setup: add shipping address %d" % i, r.brief())
            return
        own = [s["id"] for s in r.json()["customer"]["shipping_addresses"]]
    res = burst([("POST", ME, {"billing_address": own[i % len(own)]}, a.token) for i in range(n)])
    no_5xx(res, "16 concurrent billing links to own addresses")
    tap.check(statuses(res) == {200: n}, "16 concurrent billing links: all 200", short(statuses(res)))
    c = me(a)
    tap.check(c["billing_address_id"] in own and (c["billing_address"] or {}).get("id") == c["billing_address_id"],
              "16 concurrent billing links: the linked id is one of the customer's own addresses",
              "billing %s, own %s" % (c["billing_address_id"], own))
    tap.check(sorted(s["id"] for s in c["shipping_addresses"]) == sorted(own),
              "16 concurrent billing links: the shipping addresses are untouched", short(c["shipping_addresses"]))
    if DB:
        orph = orphans("BillObj")
        tap.check([r[0] for r in orph] in ([], [first_bill]),
                  "16 concurrent billing links: at most the replaced billing row is left unlinked (Medusa keeps it)",
                  short(orph))
        tap.check(orphans("Ship") == [] and len(billing_rows("Ship")) == 4,
                  "16 concurrent billing links: no address row created by a link", short(billing_rows("Ship")))
    # objects and links mixed
    res = burst([("POST", ME, {"billing_address": own[i % 4] if i % 2 else address("Mixed", i)}, a.token)
                 for i in range(n)])
    no_5xx(res, "16 concurrent billing objects and links mixed")
    tap.check(statuses(res) == {200: n}, "mixed billing: all 200", short(statuses(res)))
    c = me(a)
    tap.check((c["billing_address"] or {}).get("id") == c["billing_address_id"] and c["billing_address_id"],
              "mixed billing: one billing address linked", short(c["billing_address"]))
    if DB:
        # each object request either updated the linked row or created one new row; a row
        # created and then replaced by a later link is explained, but never two rows at once
        live = DB.run("SELECT COUNT(*) FROM customer WHERE billing_address_id = %s" % q(c["billing_address_id"]))
        tap.check(live == [["1"]], "mixed billing: the billing row is linked by exactly one customer", short(live))
        created = billing_rows("Mixed")
        tap.check(len(created) <= n // 2, "mixed billing: at most one row per object request (%d)" % len(created),
                  short(created))


def t_shipping_race():
    a = fresh()
    n = 16
    res = burst([("POST", ADDR, {"address": address("Add", i)}, a.token) for i in range(n)])
    no_5xx(res, "16 concurrent address adds")
    c = me(a)
    got = sorted(s["address_1"] for s in c["shipping_addresses"])
    tap.check(statuses(res) == {200: n} and got == sorted("Add %s %d" % (common.RUN, i) for i in range(n)),
              "16 concurrent address adds: all 200 and all 16 present", "%s %s" % (short(statuses(res)), got))
    victim = c["shipping_addresses"][0]["id"]
    res = burst([("DELETE", ADDR + "/" + victim, None, a.token) for _ in range(n)])
    no_5xx(res, "16 concurrent deletes of one address")
    tap.check(statuses(res) == {200: n}, "16 concurrent deletes of one address: all 200 (idempotent)",
              short(statuses(res)))
    c = me(a)
    tap.check(len(c["shipping_addresses"]) == n - 1 and victim not in [s["id"] for s in c["shipping_addresses"]],
              "16 concurrent deletes: exactly that address is gone", short(len(c["shipping_addresses"])))
    # updates of one address racing with its delete: each answer is 200 or the documented 400
    # (two statuses on purpose: which request wins the race decides, not the server)
    target = c["shipping_addresses"][0]["id"]
    jobs = [("POST", ADDR + "/" + target, {"city": "City%02d" % i}, a.token) for i in range(12)]
    jobs += [("DELETE", ADDR + "/" + target, None, a.token) for _ in range(4)]
    res = burst(jobs)
    no_5xx(res, "updates racing a delete of the same address")
    bad = [r.brief(150) for r in res if not isinstance(r, TransportError) and r.status not in (200, 400)]
    bad += [r.brief(150) for r in res if not isinstance(r, TransportError) and r.status == 400 and
            (r.try_json() or {}).get("message") != "Could not find address for customer"]
    tap.errors(bad, "updates racing a delete: 200, or 400 'Could not find address for customer' once deleted")
    c = me(a)
    tap.check(target not in [s["id"] for s in c["shipping_addresses"]], "updates racing a delete: the address is gone")


def t_registration_race():
    email = unique_email("race")
    n = 16
    res = burst([("POST", "/store/customers", {"email": email, "password": "pw-race-%d" % i}, None) for i in range(n)])
    no_5xx(res, "16 concurrent registrations of one email")
    st = statuses(res)
    tap.check(st == {200: 1, DUP_STATUS: n - 1}, "16 concurrent registrations: exactly one 200, fifteen 422", short(st))
    bad = []
    for r in res:
        if isinstance(r, TransportError) or r.status != DUP_STATUS:
            continue
        j = r.try_json() or {}
        if j.get("type") != DUP_TYPE or j.get("code") != DUP_CODE or not j.get("message"):
            bad.append(r.brief(200))
    tap.errors(bad, "16 concurrent registrations: every refusal is 422 duplicate_error / invalid_request_error")
    winner = [i for i, r in enumerate(res) if not isinstance(r, TransportError) and r.status == 200]
    if winner:
        r = request("POST", "/store/auth/token", json_body={"email": email, "password": "pw-race-%d" % winner[0]})
        tap.check(r.status == 200, "16 concurrent registrations: the winner's password logs in", r.brief())
    if DB:
        rows = DB.run("SELECT COUNT(*) FROM customer WHERE email = %s AND deleted_at IS NULL" % q(email))
        tap.check(rows == [["1"]], "16 concurrent registrations: one customer row", short(rows))
    # mixed case: the server lower-cases, so they are all the same email
    email2 = unique_email("race")
    variants = [email2.upper() if i % 2 else email2 for i in range(8)]
    res = burst([("POST", "/store/customers", {"email": e, "password": "pw-race"}, None) for e in variants])
    no_5xx(res, "8 concurrent registrations, mixed case")
    tap.check(statuses(res) == {200: 1, DUP_STATUS: 7}, "8 concurrent registrations, mixed case: one 200, seven 422",
              short(statuses(res)))


def t_email_race():
    accounts = [fresh("emr") for _ in range(8)]
    target = unique_email("taken")
    res = burst([("POST", ME, {"email": target}, a.token) for a in accounts])
    no_5xx(res, "8 customers taking one new email")
    tap.check(statuses(res) == {200: 1, DUP_STATUS: 7}, "8 customers taking one new email: one 200, seven 422",
              short(statuses(res)))
    owners = [a for a in accounts if me(a)["email"] == target]
    tap.check(len(owners) == 1, "8 customers taking one new email: exactly one has it", "%d have it" % len(owners))
    # registration racing an update to the same email
    target2 = unique_email("taken")
    jobs = [("POST", ME, {"email": target2}, a.token) for a in accounts[:4]]
    jobs += [("POST", "/store/customers", {"email": target2, "password": "pw-x"}, None) for _ in range(4)]
    res = burst(jobs)
    no_5xx(res, "updates and registrations racing for one email")
    tap.check(statuses(res) == {200: 1, DUP_STATUS: 7}, "updates and registrations racing: one 200, seven 422",
              short(statuses(res)))


def main():
    common.require_health(tap)
    for t in (t_metadata_merge, t_billing_race, t_shipping_race, t_registration_race, t_email_race):
        try:
            t()
        except Abort:
            pass
        except RuntimeError as e:
            tap.not_ok("%s: database" % t.__name__, str(e))
    r = request("GET", "/health")
    tap.check(r.status == 200, "after the races: GET /health -> 200", r.brief())
    tap.finish()


if __name__ == "__main__":
    main()
