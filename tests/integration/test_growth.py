"""Bounded growth (API.md section 10): metadata size, the janitor, and the outbox relay.

- metadata of a customer or an address is at most 64 KiB as stored, after the merge: beyond,
  400 invalid_data, and nothing is written (the row, updated_at and the outbox stay as they were).
- The pool's janitor (JANITOR_INTERVAL, 1 s in the suite) deletes expired sessions, reset tokens
  past their 15 minutes, delivered events past EVENTS_RETENTION and undelivered ones past
  EVENTS_MAX_AGE. Time passing is simulated by moving a row's timestamp back in the database.
- The relay delivers every customer.* event to the suite's receiver (webhook_receiver.py) signed
  with EVENTS_WEBHOOK_SECRET; a receiver that answers 500, drops connections or refuses them gets
  every event afterwards, without a storm of retries meanwhile; a delivered password reset row is
  deleted at once; two pools' relays on one database never send the same row twice.

Needs VAR (the stack's state directory) and EVENTS_RECEIVER_URL / EVENTS_WEBHOOK_SECRET (tests/run.sh).
"""
import base64
import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

tap = common.Tap()
VAR = os.environ.get("VAR")
SECRET = os.environ.get("EVENTS_WEBHOOK_SECRET", "")
RETENTION = int(os.environ.get("EVENTS_RETENTION", "86400"))
MAX_AGE = int(os.environ.get("EVENTS_MAX_AGE", "259200"))
LIMIT = 64 * 1024
TOO_LARGE = {"type": "invalid_data", "message": "metadata must be at most 65536 bytes as stored (after the merge)"}


def sql(query, *args):
    """One statement through the mariadb client; args are user variables @a0, @a1, ..."""
    pre = "".join("SET @a%d = FROM_BASE64('%s');" % (i, base64.b64encode(str(a).encode()).decode())
                  for i, a in enumerate(args))
    out = subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(VAR, "mysqld.sock"), "-u", "root",
                          "-N", "-B", "medusa", "-e", pre + query], capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("\t") for line in out.stdout.splitlines()]


def register(tag):
    email = common.unique_email(tag)
    pw = "pw-%s-%s" % (tag, common.RUN)
    r = common.request("POST", "/store/customers", json_body={"email": email, "password": pw, "first_name": "G"})
    if r.status != 200:
        raise RuntimeError("register %s: %s" % (email, r.brief()))
    cid = r.json()["customer"]["id"]
    t = common.request("POST", "/store/auth/token", json_body={"email": email, "password": pw})
    return cid, email, pw, t.json()["access_token"]


def events_of(cid):
    return sql("SELECT id, event, processed_at IS NOT NULL FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0 "
               "ORDER BY id", cid)


def wait_until(pred, timeout):
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v or time.time() > deadline:
            return v
        time.sleep(0.1)


def set_mode(mode):
    return common.receiver_call("POST", "/mode", {"mode": mode}).get("mode") == mode


# --------------------------------------------------------------------------
# metadata


def t_metadata():
    cid, _, _, tok = register("meta")

    def me():
        return common.request("GET", "/store/customers/me", token=tok).json()["customer"]

    def merge(md):
        return common.request("POST", "/store/customers/me", token=tok, json_body={"metadata": md})

    chunk = 30 * 1000
    r1, r2 = merge({"a": "x" * chunk}), merge({"b": "y" * chunk})
    tap.check(r1.status == 200 and r2.status == 200, "metadata: two 30 KB merges (60 KB stored) -> 200",
              r1.brief() + r2.brief())
    r3 = merge({"a": "z" * chunk})
    tap.check(r3.status == 200, "metadata: replacing a 30 KB key by another keeps it under 64 KiB -> 200", r3.brief())
    before = me()
    events_before = events_of(cid)
    r = merge({"c": "w" * chunk})
    tap.check(r.status == 400 and r.try_json() == TOO_LARGE,
              "metadata: the merge that crosses 64 KiB -> 400 invalid_data", r.brief())
    after = me()
    tap.check(after["metadata"] == before["metadata"] and after["updated_at"] == before["updated_at"],
              "metadata: the refused merge left metadata and updated_at unchanged",
              "keys %s, updated_at %s -> %s" % (sorted(after["metadata"]), before["updated_at"], after["updated_at"]))
    tap.eq(len(events_of(cid)), len(events_before), "metadata: the refused merge wrote no outbox row")
    r = common.request("POST", "/store/customers/me", token=tok,
                       json_body={"first_name": "Nope", "metadata": {"c": "w" * chunk}})
    tap.check(r.status == 400 and me()["first_name"] == "G",
              "metadata: a refused merge writes none of the other fields of its request either", r.brief())
    # the bound is on the stored form: {"a":"..."} is 8 bytes plus the value
    r = merge({"a": "", "b": "", "k": "v" * (LIMIT - 8)})
    stored = sql("SELECT LENGTH(metadata) FROM customer WHERE id = @a0", cid)[0][0]
    tap.check(r.status == 200 and stored == str(LIMIT), "metadata: exactly 65536 bytes stored -> 200",
              "%s, stored %s bytes" % (r.brief(), stored))
    r = merge({"k": "v" * (LIMIT - 7)})
    tap.check(r.status == 400 and r.try_json() == TOO_LARGE, "metadata: 65537 bytes -> 400", r.brief())
    r = merge({"k": ""})
    tap.check(r.status == 200 and r.json()["customer"]["metadata"] == {}, "metadata: deleting the key frees the room",
              r.brief())

    # addresses: their metadata is replaced, not merged; the same bound
    big = {"m": "q" * (LIMIT + 10)}
    n_before = sql("SELECT COUNT(*) FROM address WHERE customer_id = @a0", cid)[0][0]
    r = common.request("POST", "/store/customers/me/addresses", token=tok,
                       json_body={"address": {"first_name": "A", "last_name": "B", "address_1": "x", "city": "c",
                                              "country_code": "it", "postal_code": "1", "metadata": big}})
    tap.check(r.status == 400 and r.try_json() == TOO_LARGE, "address metadata over 64 KiB -> 400", r.brief())
    r = common.request("POST", "/store/customers/me", token=tok,
                       json_body={"billing_address": {"first_name": "A", "last_name": "B", "address_1": "x",
                                                      "city": "c", "country_code": "it", "postal_code": "1",
                                                      "metadata": big}})
    tap.check(r.status == 400 and r.try_json() == TOO_LARGE, "billing address metadata over 64 KiB -> 400", r.brief())
    n_after = sql("SELECT COUNT(*) FROM address WHERE customer_id = @a0 OR id = "
                  "(SELECT billing_address_id FROM customer WHERE id = @a0)", cid)[0][0]
    tap.check(n_before == "0" and n_after == "0", "no address row was written", "%s -> %s" % (n_before, n_after))


# --------------------------------------------------------------------------
# the janitor


def t_sessions():
    _, email, pw, _ = register("sess")
    sids = []
    for _ in range(2):
        r = common.request("POST", "/store/auth", json_body={"email": email, "password": pw})
        sids.append(r.cookie())
    rows = sql("SELECT sid FROM session WHERE customer_id = (SELECT id FROM customer WHERE email = @a0) "
               "ORDER BY created_at", email)
    if not tap.check(len(rows) >= 2, "janitor: two cookie sessions exist", rows):
        return
    dead, live = rows[0][0], rows[-1][0]
    sql("UPDATE session SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE sid = @a0", dead)
    gone = wait_until(lambda: not sql("SELECT 1 FROM session WHERE sid = @a0", dead), 6)
    tap.check(gone, "janitor: an expired session row is deleted within 6 s (JANITOR_INTERVAL=1)")
    tap.check(sql("SELECT 1 FROM session WHERE sid = @a0", live) == [["1"]], "janitor: a live session stays")


def t_idempotency_prune():
    """The janitor's rows for idem_store: answers older than 25 h, markers of workers silent for a day."""
    k_old, k_new, w_old = "old-" + common.RUN, "new-" + common.RUN, ("w" + common.RUN).ljust(32, "0")
    for k, age in ((k_old, 25 * 3600 + 60), (k_new, 3600)):
        sql("INSERT INTO idempotency_key (scope, idem_key, fingerprint, status, content_type, headers, body, "
            "created_at) VALUES ('growth-test', @a0, REPEAT('0', 64), 200, 'application/json', '', '{}', "
            "NOW(3) - INTERVAL @a1 SECOND)", k, age)
    sql("INSERT INTO tx_marker (worker, txid, updated_at) VALUES (@a0, 1, NOW(3) - INTERVAL 86460 SECOND)", w_old)
    gone = wait_until(lambda: not sql("SELECT 1 FROM idempotency_key WHERE idem_key = @a0", k_old)
                      and not sql("SELECT 1 FROM tx_marker WHERE worker = @a0", w_old), 6)
    tap.check(gone, "janitor: an Idempotency-Key answer older than 25 h and a day-old commit marker are deleted")
    tap.check(sql("SELECT 1 FROM idempotency_key WHERE idem_key = @a0", k_new) == [["1"]],
              "janitor: a one-hour-old Idempotency-Key answer stays")


def t_retention():
    """Delivered rows go EVENTS_RETENTION after delivery, not before."""
    a, _, _, _ = register("ret1")
    b, _, _, _ = register("ret2")
    ok = wait_until(lambda: all(e[2] == "1" for e in events_of(a) + events_of(b)), 10)
    if not tap.check(ok, "retention: both customer.created rows are marked delivered", events_of(a) + events_of(b)):
        return
    sql("UPDATE event_outbox SET processed_at = NOW(3) - INTERVAL @a1 SECOND WHERE JSON_VALUE(data, '$.id') = @a0",
        a, RETENTION + 1)
    sql("UPDATE event_outbox SET processed_at = NOW(3) - INTERVAL @a1 SECOND WHERE JSON_VALUE(data, '$.id') = @a0",
        b, max(RETENTION - 20, 0))
    gone = wait_until(lambda: not events_of(a), 6)
    tap.check(gone, "retention: a row delivered more than EVENTS_RETENTION (%d s) ago is pruned" % RETENTION)
    tap.check(len(events_of(b)) == 1, "retention: a row delivered less than EVENTS_RETENTION ago stays", events_of(b))


def t_undeliverable():
    """While the receiver fails, a reset token past its 15 minutes and any event past EVENTS_MAX_AGE go."""
    if not tap.check(set_mode("fail"), "receiver switched to answering 500"):
        return
    try:
        cid, email, _, _ = register("undel")
        common.request("POST", "/store/customers/password-token", json_body={"email": email})
        rows = wait_until(lambda: sql("SELECT event, attempts FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0 "
                                      "AND attempts > 0 ORDER BY id", cid), 8)
        tap.check(len(rows) >= 1, "undeliverable: failed attempts are counted on the rows", rows)
        sql("UPDATE event_outbox SET created_at = NOW(3) - INTERVAL 901 SECOND WHERE JSON_VALUE(data, '$.id') = @a0 "
            "AND event = 'customer.password_reset'", cid)
        gone = wait_until(lambda: not sql("SELECT 1 FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0 "
                                          "AND event = 'customer.password_reset'", cid), 6)
        tap.check(gone, "janitor: an undelivered reset token older than 15 minutes is deleted")
        tap.check(sql("SELECT event FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0", cid)
                  == [["customer.created"]], "janitor: the younger undelivered customer.created row stays")
        sql("UPDATE event_outbox SET created_at = NOW(3) - INTERVAL @a1 SECOND WHERE JSON_VALUE(data, '$.id') = @a0",
            cid, MAX_AGE + 1)
        gone = wait_until(lambda: not events_of(cid), 6)
        tap.check(gone, "janitor: an undelivered event older than EVENTS_MAX_AGE is deleted")
        log = open(os.path.join(VAR, "log", "medusa-c.log"), errors="replace").read()
        tap.check("janitor: deleted 1 undelivered events past EVENTS_MAX_AGE" in log,
                  "janitor: giving an event up is logged as a warning")
    finally:
        set_mode("ok")


# --------------------------------------------------------------------------
# the relay


def signature_ok(d):
    want = "sha256=" + hmac.new(SECRET.encode(), d["body"].encode(), hashlib.sha256).hexdigest()
    return hmac.compare_digest(d["headers"].get("x-medusa-signature", ""), want)


def t_every_event():
    cid, email, _, tok = register("relay")
    common.request("POST", "/store/customers/me", token=tok, json_body={"last_name": "Updated"})
    common.request("POST", "/store/customers/password-token", json_body={"email": email})
    want = ["customer.created", "customer.updated", "customer.password_reset"]

    def mine():
        return [d for d in common.deliveries() if d["answer"] // 100 == 2 and d.get("json")
                and (d["json"].get("data") or {}).get("id") == cid]

    got = wait_until(lambda: len(mine()) >= 3 and mine(), 10) or mine()
    tap.eq(sorted(d["json"]["event"] for d in got), sorted(want), "relay: created, updated and password_reset arrive")
    errs = []
    for d in got:
        j, h = d["json"], d["headers"]
        if list(j.keys()) != ["id", "event", "created_at", "data"]:
            errs.append("body keys %s" % list(j.keys()))
        if not (j["id"].startswith("evt_") and h.get("x-medusa-event-id") == j["id"]):
            errs.append("id %s / header %s" % (j["id"], h.get("x-medusa-event-id")))
        if h.get("x-medusa-event") != j["event"] or h.get("content-type") != "application/json":
            errs.append("headers %s" % h)
        if not common.TS_RE.match(j["created_at"] or ""):
            errs.append("created_at %r" % j["created_at"])
        if not (d["valid"] and signature_ok(d)):
            errs.append("%s: signature %s does not match" % (j["id"], h.get("x-medusa-signature")))
        if d["path"] != "/hooks/medusa":
            errs.append("path %s" % d["path"])
    tap.errors(errs, "relay: body {id, event, created_at, data}, X-Medusa-Event-Id/-Event headers, "
                     "X-Medusa-Signature = sha256=HMAC-SHA256(secret, body)")
    reset = [d for d in got if d["json"]["event"] == "customer.password_reset"]
    if reset:
        data = reset[0]["json"]["data"]
        tap.check(data.get("email") == email and common.JWT_RE.match(data.get("token") or ""),
                  "relay: the reset event carries the email and the token", data.keys())
    rows = wait_until(lambda: (lambda e: e if all(x[2] == "1" for x in e) else None)(events_of(cid)), 5) \
        or events_of(cid)
    tap.eq([x[1] for x in rows], ["customer.created", "customer.updated"],
           "relay: the delivered password_reset row (with its token) is deleted at once; the others are kept")
    tap.check(all(x[2] == "1" for x in rows), "relay: delivered rows carry processed_at", rows)


def t_failing_receiver(mode):
    if not tap.check(set_mode(mode), "receiver mode %s" % mode):
        return
    t0 = time.time()
    try:
        cid, email, _, tok = register("fail" + mode)
        common.request("POST", "/store/customers/me", token=tok, json_body={"first_name": "Later"})
        common.request("POST", "/store/customers/password-token", json_body={"email": email})
        attempted = wait_until(lambda: sql("SELECT MAX(attempts), MAX(last_error) FROM event_outbox "
                                           "WHERE JSON_VALUE(data, '$.id') = @a0 AND attempts > 0", cid)
                               [0][0] != "NULL", 8)
        state = sql("SELECT event, attempts, last_error, processed_at FROM event_outbox "
                    "WHERE JSON_VALUE(data, '$.id') = @a0 ORDER BY id", cid)
        tap.check(attempted and all(s[3] == "NULL" for s in state),
                  "receiver %s: attempts recorded, nothing marked delivered" % mode, state)
        time.sleep(3)
        tries = [d for d in common.deliveries() if d["t"] >= t0]
        # EVENTS_RETRY_MIN=1, _MAX=2 and one probe per round while failing: a handful, not hundreds
        tap.check(len(tries) <= 12, "receiver %s: backoff (%d attempts reached it in ~4 s)" % (mode, len(tries)))
        tap.check(not [d for d in common.deliveries() if d["t"] >= t0 and d["answer"] // 100 == 2
                       and ((d.get("json") or {}).get("data") or {}).get("id") == cid],
                  "receiver %s: nothing of this customer counted as delivered while failing" % mode)
    finally:
        set_mode("ok")

    def mine():
        return sorted(d["json"]["event"] for d in common.deliveries()
                      if d["answer"] // 100 == 2 and d.get("json") and (d["json"].get("data") or {}).get("id") == cid
                      and d["valid"])

    want = ["customer.created", "customer.password_reset", "customer.updated"]
    got = wait_until(lambda: mine() == want and mine(), 12) or mine()
    tap.eq(got, want, "receiver %s, then back: every event arrives later, signed" % mode)


def t_two_relays():
    """A second pool on the same database: its relay and ours claim rows; none is sent twice."""
    bin_ = os.environ.get("BIN")
    if not bin_:
        tap.not_ok("two relays: BIN is not set (tests/run.sh exports it)")
        return
    env = dict(os.environ)
    env.update({"LISTEN": "unix:%s/relay2.sock" % VAR, "WORKERS": "1",
                "DATABASE_URL": "mysql://root@localhost/medusa?socket=%s/mysqld.sock" % VAR,
                "EVENTS_WEBHOOK_URL": os.environ["EVENTS_WEBHOOK_URL"] + "/second"})
    log = open(os.path.join(VAR, "log", "relay2.log"), "ab")
    second = subprocess.Popen([bin_], env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                              start_new_session=True)
    try:
        time.sleep(1)
        ids = []
        for i in range(30):
            cid, _, _, tok = register("two%d" % i)
            common.request("POST", "/store/customers/me", token=tok, json_body={"last_name": "L%d" % i})
            ids.append(cid)
        want = set(ids)

        def done():
            seen = [d for d in common.deliveries() if d["answer"] // 100 == 2 and d.get("json")
                    and (d["json"].get("data") or {}).get("id") in want]
            return seen if len(seen) >= 2 * len(ids) else None

        seen = wait_until(done, 15) or []
        evt = [d["json"]["id"] for d in seen]
        by_second = sum(1 for d in seen if d["path"].endswith("/second"))
        tap.check(0 < by_second < len(seen), "two relays: both delivered a share (%d of %d by the second pool)"
                  % (by_second, len(seen)))
        tap.check(len(set(evt)) == 2 * len(ids), "two relays: all %d events arrived" % (2 * len(ids)),
                  "%d distinct" % len(set(evt)))
        dups = sorted(e for e in set(evt) if evt.count(e) > 1)
        tap.check(not dups, "two relays: no event sent twice", dups[:10])
        out = open(os.path.join(VAR, "log", "relay2.log"), errors="replace").read()
        tap.check("delivering event_outbox" in out, "two relays: the second pool ran its own relay")
    finally:
        second.send_signal(signal.SIGTERM)
        try:
            second.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait()
        log.close()


def relay_pids(master):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        if comm == "medusa-c-relay" and stat[stat.rindex(")") + 2:].split()[1] == str(master):
            out.append(int(d))
    return out


def t_relay_restarted():
    """The relay is a child of the pool master, not a worker, and comes back if it goes."""
    try:
        master = int(open(os.path.join(VAR, "medusa-c.pid")).read().strip())
    except (OSError, ValueError) as e:
        tap.not_ok("relay: the pool master's pid", str(e))
        return
    pids = relay_pids(master)
    if not tap.check(len(pids) == 1, "relay: one medusa-c-relay process, a child of the pool master", pids):
        return
    os.kill(pids[0], signal.SIGTERM)
    new = wait_until(lambda: [p for p in relay_pids(master) if p != pids[0]], 5)
    tap.check(new, "relay: stopped from outside, the master starts another within 5 s", new)
    cid, _, _, _ = register("restart")
    d = common.wait_delivery(lambda j: (j.get("data") or {}).get("id") == cid, 10)
    tap.check(d is not None, "relay: the new relay delivers")


def t_all_signed():
    errs = []
    for d in common.deliveries():
        if d["headers"].get("user-agent") != "medusa-c-relay":
            continue
        if not d["signed"] or not d["valid"] or not signature_ok(d):
            errs.append("%s: %s" % (d["headers"].get("x-medusa-event-id"), d["headers"].get("x-medusa-signature")))
    tap.errors(errs, "relay: none of the %d POSTs of this run arrived unsigned or with a bad signature"
               % len(common.deliveries()))
    # the receiver's check can fail: a body signed with another key is flagged
    forged = dict(common.deliveries()[-1])
    forged["body"] = forged["body"].replace("customer", "cust0mer", 1)
    tap.check(not signature_ok(forged), "a changed body does not verify (the check above can fail)")


def main():
    common.require_health(tap)
    if not VAR or not common.RECEIVER_URL or len(SECRET) < 32:
        tap.not_ok("growth: VAR, EVENTS_RECEIVER_URL and EVENTS_WEBHOOK_SECRET are needed (tests/run.sh sets them)")
        tap.finish()
    t_metadata()
    t_sessions()
    t_idempotency_prune()
    t_every_event()
    t_retention()
    t_undeliverable()
    for mode in ("fail", "drop", "refuse"):
        t_failing_receiver(mode)
    t_two_relays()
    t_relay_restarted()
    t_all_signed()
    tap.finish()


if __name__ == "__main__":
    main()
