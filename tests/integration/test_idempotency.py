"""Idempotency-Key and honest outcomes (API.md section 10), through nginx -> workers -> MariaDB.

On the shared stack:
  - a keyed registration answers with Idempotency-Key + Access-Control-Expose-Headers; the same
    key again gives the first answer (status, body, Set-Cookie), marked Idempotent-Replayed, and
    exactly one customer exists; the same key with another body or route is 409 conflict;
  - keys are per customer (another customer may use the same key); garbage keys are 400;
  - a keyed metadata merge replayed after a later change answers the first answer and changes
    nothing (the later value stays, one outbox event each);
  - 8 identical keyed registrations at once: one customer, eight identical 200s.
With pools of our own (this binary, $BIN, on the stack's MariaDB, FAULT_INJECT):
  - FAULT_INJECT is refused without MEDUSA_C_TEST_FAULTS=1;
  - drop-after-commit: the connection is cut after COMMIT is sent; the worker finds out that it
    was applied and answers 200; the same key again replays it; one customer, one merge;
  - lose-outcome: the same, and the worker cannot find out: 500 (never 503, which a balancer
    resends) with the outcome message; the same key sent again through the other pool answers
    the first 200 and nothing is applied twice;
  - drop-before-commit: the transaction is rolled back: 503, nothing in the database; the same
    key again applies it once.
"""
import os
import subprocess
import sys
import threading
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from test_pool_lifecycle import OwnPool  # noqa: E402

tap = common.Tap()
VAR = os.environ.get("VAR")
BIN = os.environ.get("BIN")
CONFLICT = {"code": "invalid_state_error", "type": "conflict",
            "message": "The request conflicted with another request. You may retry the request with the "
                       "provided Idempotency-Key."}
UNKNOWN_MSG = ("The database connection was lost while this request was being committed, so it may or may "
               "not have been applied. Send it again with the same Idempotency-Key to get its outcome; "
               "without one, check before sending it again.")


def sql(query):
    """One value from the stack's MariaDB (our own literals only)."""
    out = subprocess.run(["mariadb", "--no-defaults", "--socket=%s/mysqld.sock" % VAR, "-uroot", "medusa",
                          "-N", "-B", "-e", query], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError("sql failed: %s" % out.stderr.strip())
    return out.stdout.strip()


def post(path, body, key=None, token=None, port=None, method="POST"):
    headers = [("Idempotency-Key", key)] if key is not None else []
    saved = common.PORT
    if port:
        common.PORT = port
    try:
        return common.request(method, path, json_body=body, headers=headers, token=token)
    finally:
        common.PORT = saved


def register_body(email):
    return {"email": email, "password": "supersecret", "first_name": "Ann", "last_name": "Lee"}


def token_for(email):
    r = post("/store/auth/token", {"email": email, "password": "supersecret"})
    return r.json()["access_token"] if r.status == 200 else None


def count_customers(email):
    return int(sql("SELECT COUNT(*) FROM customer WHERE email = '%s'" % email))


def count_events(cid, event):
    return int(sql("SELECT COUNT(*) FROM event_outbox WHERE event = '%s' AND JSON_VALUE(data, '$.id') = '%s'"
                   % (event, cid)))


def same_answer(a, b):
    return a.status == b.status and a.body == b.body and a.header("Set-Cookie") == b.header("Set-Cookie")


def test_replay_and_conflict():
    email = common.unique_email("idem")
    key = "reg-" + str(uuid.uuid4())
    first = post("/store/customers", register_body(email), key=key)
    tap.check(first.status == 200 and first.header("Idempotency-Key") == key and
              first.header("Access-Control-Expose-Headers") == "Idempotency-Key" and
              first.header("Idempotent-Replayed") is None,
              "keyed registration: 200 with Idempotency-Key and Access-Control-Expose-Headers", first.brief())
    again = post("/store/customers", register_body(email), key=key)
    tap.check(same_answer(first, again) and again.header("Idempotent-Replayed") == "true" and
              again.header("Idempotency-Key") == key,
              "the same key again: the first answer (status, body, Set-Cookie), marked Idempotent-Replayed",
              "%s / %s" % (first.brief(120), again.brief(120)))
    tap.check(count_customers(email) == 1, "after the replay exactly one customer exists",
              "%s rows" % count_customers(email))
    other = post("/store/customers", register_body("x" + email), key=key)
    tap.eq((other.status, other.try_json()), (409, CONFLICT), "the same key with another body: 409 conflict")
    unkeyed = post("/store/customers", register_body(email))
    tap.check(unkeyed.status == 422 and unkeyed.header("Idempotency-Key") is None,
              "without a key the same registration is a new request (422 duplicate), no Idempotency-Key header",
              unkeyed.brief())

    tok = token_for(email)
    m1 = post("/store/customers/me", {"metadata": {"a": "1"}}, key="k-shared", token=tok)
    m2 = post("/store/customers/me/addresses", {"address": {"first_name": "A", "last_name": "B",
              "address_1": "x", "city": "y", "country_code": "it", "postal_code": "1"}}, key="k-shared", token=tok)
    tap.eq((m1.status, m2.status, m2.try_json()), (200, 409, CONFLICT),
           "one customer's key used again on another route: 409 conflict")
    email2 = common.unique_email("idem2")
    post("/store/customers", register_body(email2))
    n2 = post("/store/customers/me", {"metadata": {"a": "1"}}, key="k-shared", token=token_for(email2))
    tap.check(n2.status == 200 and n2.header("Idempotent-Replayed") is None and
              n2.json()["customer"]["email"] == email2,
              "keys are per customer: another customer's same key is its own request", n2.brief())


def test_bad_keys():
    msg = "Idempotency-Key must be 1 to 255 characters of A-Z, a-z, 0-9 and - _ . : ~ + / ="
    for name, key in (("256 characters", "k" * 256), ("a space", "a b"), ("a quote", 'a"b'),
                      ("empty", ""), ("non-ASCII", "clé")):
        raw = key.encode("utf-8").decode("latin-1")
        r = post("/store/customers", register_body(common.unique_email("bad")), key=raw)
        tap.eq((r.status, r.try_json()), (400, {"type": "invalid_data", "message": msg}),
               "Idempotency-Key with %s: 400 before anything runs" % name)
    r = post("/store/customers", register_body(common.unique_email("ok")), key=(uuid.uuid4().hex * 8)[:255])
    tap.check(r.status == 200, "a 255-character key is accepted", r.brief())


def test_nothing_written_nothing_stored():
    email = common.unique_email("nowrite")
    key = str(uuid.uuid4())
    bad = post("/store/customers", {"email": email}, key=key)
    good = post("/store/customers", register_body(email), key=key)
    tap.check(bad.status == 400 and good.status == 200 and good.header("Idempotent-Replayed") is None,
              "a keyed 400 (nothing written) is not the key's answer: the corrected request with that key applies",
              "%s / %s" % (bad.brief(100), good.brief(100)))
    t1 = post("/store/auth/token", {"email": email, "password": "supersecret"}, key=key + "-t")
    t2 = post("/store/auth/token", {"email": email, "password": "supersecret"}, key=key + "-t")
    tap.check(t1.status == 200 and t2.status == 200 and t2.header("Idempotent-Replayed") is None and
              t2.header("Idempotency-Key") == key + "-t" and
              int(sql("SELECT COUNT(*) FROM idempotency_key WHERE idem_key = '%s-t'" % key)) == 0,
              "a keyed login writes nothing: no stored answer, the key still comes back",
              "%s / %s" % (t1.brief(80), t2.brief(80)))


def test_merge_applied_once():
    email = common.unique_email("merge")
    cid = post("/store/customers", register_body(email)).json()["customer"]["id"]
    tok = token_for(email)
    first = post("/store/customers/me", {"metadata": {"n": "first"}}, key="merge-1", token=tok)
    later = post("/store/customers/me", {"metadata": {"n": "later"}}, token=tok)
    again = post("/store/customers/me", {"metadata": {"n": "first"}}, key="merge-1", token=tok)
    now = common.request("GET", "/store/customers/me", token=tok).json()["customer"]["metadata"]
    tap.check(first.status == 200 and later.status == 200 and same_answer(first, again) and
              again.json()["customer"]["metadata"] == {"n": "first"} and now == {"n": "later"},
              "a keyed merge sent again after a later change: the first answer, and the later value stays",
              "%s / %s / now %r" % (first.brief(100), again.brief(100), now))
    tap.check(count_events(cid, "customer.updated") == 2, "two changes, two customer.updated events",
              "%d events" % count_events(cid, "customer.updated"))


def test_concurrent_same_key():
    email = common.unique_email("race")
    race_key = str(uuid.uuid4())
    results = [None] * 8
    go = threading.Barrier(8)

    def one(i):
        go.wait()
        results[i] = post("/store/customers", register_body(email), key=race_key)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status for r in results)
    bodies = set(r.body for r in results)
    tap.check(statuses == [200] * 8 and len(bodies) == 1 and count_customers(email) == 1,
              "8 identical keyed registrations at once: eight identical 200s, one customer",
              "statuses %s, %d bodies, %d rows" % (statuses, len(bodies), count_customers(email)))


def test_fault_switch_refused():
    env = dict(os.environ, FAULT_INJECT="drop-after-commit:1", LISTEN="unix:/tmp/never.sock",
               DATABASE_URL="mysql://root@localhost/medusa?socket=%s/mysqld.sock" % VAR)
    env.pop("MEDUSA_C_TEST_FAULTS", None)
    r = subprocess.run([BIN, "--check-config"], env=env, capture_output=True, text=True, timeout=20)
    tap.check(r.returncode == 2 and "FAULT_INJECT" in r.stderr and "MEDUSA_C_TEST_FAULTS=1" in r.stderr,
              "FAULT_INJECT is refused at start without MEDUSA_C_TEST_FAULTS=1", "rc %d: %s" % (r.returncode, r.stderr))
    env["MEDUSA_C_TEST_FAULTS"] = "1"
    env["FAULT_INJECT"] = "drop-everything"
    r = subprocess.run([BIN, "--check-config"], env=env, capture_output=True, text=True, timeout=20)
    tap.check(r.returncode == 2 and "drop-after-commit:N" in r.stderr, "an unknown FAULT_INJECT mode is refused",
              "rc %d: %s" % (r.returncode, r.stderr))


def fault_pool(mode):
    return OwnPool(WORKERS=1, FAULT_INJECT=mode + ":1", MEDUSA_C_TEST_FAULTS=1, PASSWORD_SCRYPT_LOGN=12,
                   PASSWORD_LISTEN="unix:{tmp}/medusa-c-password.sock")


def pool_log(p):
    try:
        return open(p.log).read()
    except OSError:
        return ""


def test_drop_after_commit():
    p = fault_pool("drop-after-commit")
    try:
        email = common.unique_email("fault")
        key = "fault-" + str(uuid.uuid4())
        first = post("/store/customers", register_body(email), key=key, port=p.port)
        tap.check(first.status == 200 and "marker says it was applied" in pool_log(p),
                  "drop-after-commit: the connection is cut after COMMIT; the worker finds out it was applied: 200",
                  first.brief())
        again = post("/store/customers", register_body(email), key=key, port=p.port)
        tap.check(same_answer(first, again) and again.header("Idempotent-Replayed") == "true",
                  "drop-after-commit: the same key again answers the first 200", again.brief(150))
        tap.check(count_customers(email) == 1, "drop-after-commit: exactly one customer",
                  "%d rows" % count_customers(email))
        tap.note("drop-after-commit: POST /store/customers (key) -> %d, again -> %d %s, customer rows %d; pool log: %s"
                 % (first.status, again.status, again.header("Idempotent-Replayed"), count_customers(email),
                    " | ".join(l.split("] ")[-1] for l in pool_log(p).splitlines() if "commit" in l.lower())[:400]))
        cid = first.json()["customer"]["id"]
        tok = token_for(email)
        mkey = str(uuid.uuid4())
        m = post("/store/customers/me", {"metadata": {"k": "v"}}, key=mkey, token=tok, port=p.port)
        m2 = post("/store/customers/me", {"metadata": {"k": "v"}}, key=mkey, token=tok, port=p.port)
        tap.check(m.status == 200 and same_answer(m, m2) and count_events(cid, "customer.updated") == 1,
                  "drop-after-commit: a metadata merge answers 200 and is applied once (one customer.updated)",
                  "%s / %s / %d events" % (m.brief(100), m2.brief(100), count_events(cid, "customer.updated")))
        d = post("/store/customers/me", {"first_name": "Once"}, token=tok, port=p.port)
        tap.check(d.status == 200 and d.json()["customer"]["first_name"] == "Once",
                  "drop-after-commit: an unkeyed write is resolved by the worker's marker too: 200", d.brief())
    finally:
        p.stop()


def test_lose_outcome():
    p = fault_pool("lose-outcome")
    try:
        email = common.unique_email("lost")
        key = "lost-" + str(uuid.uuid4())
        first = post("/store/customers", register_body(email), key=key, port=p.port)
        tap.eq((first.status, first.try_json(), first.header("Set-Cookie")),
               (500, {"code": "api_error", "type": "database_error", "message": UNKNOWN_MSG}, None),
               "lose-outcome: the worker cannot find out: 500 with the outcome message and no cookie (never 503)")
        tap.check(count_customers(email) == 1, "lose-outcome: the registration was in fact committed",
                  "%d rows" % count_customers(email))
        again = post("/store/customers", register_body(email), key=key)
        cid = sql("SELECT id FROM customer WHERE email = '%s'" % email)
        tap.check(again.status == 200 and again.header("Idempotent-Replayed") == "true" and
                  again.json()["customer"]["id"] == cid and again.cookie() is not None,
                  "lose-outcome: the same key sent again through the other pool answers the first 200 (with its cookie)",
                  again.brief())
        tap.check(count_customers(email) == 1, "lose-outcome: still exactly one customer", "")
        tap.note("lose-outcome: POST /store/customers (key) via the fault pool -> %d, the same via the stack -> %d "
                 "replayed=%s, customer rows %d" % (first.status, again.status, again.header("Idempotent-Replayed"),
                                                    count_customers(email)))
        tok = token_for(email)
        mkey = str(uuid.uuid4())
        m = post("/store/customers/me", {"metadata": {"n": "first"}}, key=mkey, token=tok, port=p.port)
        later = post("/store/customers/me", {"metadata": {"n": "later"}}, token=tok)
        m2 = post("/store/customers/me", {"metadata": {"n": "first"}}, key=mkey, token=tok)
        now = common.request("GET", "/store/customers/me", token=tok).json()["customer"]["metadata"]
        tap.check(m.status == 500 and later.status == 200 and m2.status == 200 and
                  m2.json()["customer"]["metadata"] == {"n": "first"} and now == {"n": "later"} and
                  count_events(cid, "customer.updated") == 2,
                  "lose-outcome: a merge answered 500, sent again with its key elsewhere: the first answer, "
                  "applied once (the later value stays, two events)",
                  "%s / %s / now %r / %d events" % (m.brief(80), m2.brief(80), now, count_events(cid, "customer.updated")))
    finally:
        p.stop()


def test_drop_before_commit():
    p = fault_pool("drop-before-commit")
    try:
        email = common.unique_email("before")
        key = "before-" + str(uuid.uuid4())
        first = post("/store/customers", register_body(email), key=key, port=p.port)
        tap.check(first.status == 503 and first.header("Retry-After") and first.header("Set-Cookie") is None and
                  count_customers(email) == 0,
                  "drop-before-commit: rolled back, the worker finds out: 503 + Retry-After, nothing in the database",
                  "%s, %d rows" % (first.brief(), count_customers(email)))
        again = post("/store/customers", register_body(email), key=key)
        tap.note("drop-before-commit: POST /store/customers (key) -> %d, the same via the stack -> %d, customer rows %d"
                 % (first.status, again.status, count_customers(email)))
        tap.check(again.status == 200 and again.header("Idempotent-Replayed") is None and count_customers(email) == 1,
                  "drop-before-commit: the same key again applies it, once", again.brief())
    finally:
        p.stop()


def main():
    common.require_health(tap)
    test_replay_and_conflict()
    test_bad_keys()
    test_nothing_written_nothing_stored()
    test_merge_applied_once()
    test_concurrent_same_key()
    if not VAR or not BIN:
        tap.not_ok("fault injection", "VAR and BIN are needed (tests/run.sh sets them)")
        tap.finish()
    test_fault_switch_refused()
    test_drop_after_commit()
    test_lose_outcome()
    test_drop_before_commit()
    tap.finish()


if __name__ == "__main__":
    main()
