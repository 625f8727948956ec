"""Credential hygiene and the event outbox, checked in the database itself.

- A password record with weaker scrypt parameters than configured (Medusa's
  N=2, r=1, p=1) still logs in, and is re-hashed at the configured cost by that
  successful login (API.md section 6); a failed login leaves it alone.
- customer.created / customer.updated / customer.password_reset rows land in
  event_outbox with the change they describe; a no-op update writes none; the
  reset token lives only in the outbox, never in an answer.

Needs VAR (the test stack's state dir: $VAR/mysqld.sock) to reach MariaDB.
"""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

MEDUSA_TEST_HASH = ("c2NyeXB0AAEAAAABAAAAAVMdaddoGjwU1TafDLLlBKnOTQga7P2dbrfgf3fB+rCD/cJOMuGzAvRdKutbYkVpuJWT"
                    "U39P7OpuWNkUVoEETOVLMJafbI8qs8Qx/7jMQXkN")

tap = common.Tap()
VAR = os.environ.get("VAR")


def sql(query, *args):
    """Runs one statement through the mariadb client; args are passed as user variables (no quoting games)."""
    pre = "".join("SET @a%d = FROM_BASE64('%s');" % (i, base64.b64encode(str(a).encode()).decode())
                  for i, a in enumerate(args))
    out = subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(VAR, "mysqld.sock"), "-u", "root",
                          "-N", "-B", "medusa", "-e", pre + query],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("\t") for line in out.stdout.splitlines()]


def record_params(rec):
    raw = base64.b64decode(rec)
    return raw[7], int.from_bytes(raw[8:12], "big"), int.from_bytes(raw[12:16], "big")


def token_for(email, password):
    r = common.request("POST", "/store/auth/token", json_body={"email": email, "password": password})
    return r, (r.try_json() or {}).get("access_token")


def main():
    common.require_health(tap)
    if not VAR:
        tap.skip("database checks", "VAR is not set")
        tap.finish()
    want_logn = int(os.environ.get("PASSWORD_SCRYPT_LOGN", "15"))

    # --- a Medusa-made hash (N=2) is upgraded at the next successful login
    email = common.unique_email("medusahash")
    cid = "cus_hygiene" + common.RUN
    sql("INSERT INTO customer (id, email, password_hash, has_account) VALUES (@a0, @a1, @a2, 1)",
        cid, email, MEDUSA_TEST_HASH)
    r, _ = token_for(email, "wrong")
    tap.check(r.status == 401, "Medusa hash: wrong password -> 401", r.brief())
    stored = sql("SELECT password_hash FROM customer WHERE id = @a0", cid)[0][0]
    tap.check(stored == MEDUSA_TEST_HASH, "Medusa hash: a failed login leaves the record alone", stored)
    r, tok = token_for(email, "test")
    tap.check(r.status == 200 and tok, "Medusa hash (N=2) verifies: login 200", r.brief())
    stored = sql("SELECT password_hash FROM customer WHERE id = @a0", cid)[0][0]
    tap.check(stored != MEDUSA_TEST_HASH, "Medusa hash: re-hashed after the successful login", stored[:24])
    logn, rr, pp = record_params(stored)
    tap.check((logn, rr, pp) == (want_logn, 8, 1), "Medusa hash: new record uses the configured cost",
              "got logN=%d r=%d p=%d, want logN=%d r=8 p=1" % (logn, rr, pp, want_logn))
    r, tok2 = token_for(email, "test")
    tap.check(r.status == 200 and tok2, "Medusa hash: the upgraded record still logs in", r.brief())
    stored2 = sql("SELECT password_hash FROM customer WHERE id = @a0", cid)[0][0]
    tap.check(stored2 == stored, "a record at the configured cost is not re-hashed again", stored2[:24])

    # --- outbox rows
    email = common.unique_email("outbox")
    r = common.request("POST", "/store/customers", json_body={"email": email, "password": "pw-outbox-1"})
    tap.check(r.status == 200, "register 200", r.brief())
    cid = ((r.try_json() or {}).get("customer") or {}).get("id")
    rows = sql("SELECT event, JSON_VALUE(data, '$.id') FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0 "
               "ORDER BY id", cid)
    tap.check(rows == [["customer.created", cid]], "customer.created row written with the registration", rows)
    _, tok = token_for(email, "pw-outbox-1")
    r = common.request("POST", "/store/customers/me", token=tok, json_body={"first_name": "Out"})
    tap.check(r.status == 200, "update 200", r.brief())
    r = common.request("POST", "/store/customers/me", token=tok, json_body={"first_name": "Out"})
    r2 = common.request("POST", "/store/customers/me", token=tok, json_body={})
    tap.check(r.status == 200 and r2.status == 200, "no-op updates 200", r.brief() + r2.brief())
    r = common.request("POST", "/store/customers/me", token=tok, json_body={"metadata": {"k": 1}})
    tap.check(r.status == 200, "metadata update 200", r.brief())
    rows = sql("SELECT event FROM event_outbox WHERE JSON_VALUE(data, '$.id') = @a0 ORDER BY id", cid)
    tap.eq([x[0] for x in rows], ["customer.created", "customer.updated", "customer.updated"],
           "one customer.updated per real change, none for no-op updates")
    r = common.request("POST", "/store/customers/password-token", json_body={"email": email})
    tap.check(r.status == 204 and not r.body, "password-token 204 without a body", r.brief())
    if common.RECEIVER_URL:
        # delivered by the relay, whose row is then deleted (test_growth.py checks that)
        d = common.wait_delivery(lambda j: j.get("event") == "customer.password_reset"
                                 and (j.get("data") or {}).get("id") == cid)
        data = d["json"]["data"] if d else {}
    else:
        rows = sql("SELECT data FROM event_outbox WHERE event = 'customer.password_reset' "
                   "AND JSON_VALUE(data, '$.id') = @a0", cid)
        data = json.loads(rows[0][0]) if rows else {}
    tap.check(list(data.keys()) == ["id", "email", "first_name", "last_name", "token"] and data.get("email") == email
              and data.get("first_name") == "Out", "customer.password_reset row: id, email, names, token", data)
    tok_reset = data.get("token", "")
    tap.check(tok_reset.count(".") == 2, "the reset token is a JWT", tok_reset[:20])
    log = open(os.path.join(VAR, "log", "medusa-c.log"), errors="replace").read()
    tap.check(tok_reset and tok_reset not in log, "the reset token never appears in the log")
    # the token resets the password once; the old session/token is revoked afterwards
    # (revocation compares whole seconds, the resolution of a JWT's iat: step past the token's second)
    time.sleep(1.1)
    r = common.request("POST", "/store/customers/password-reset",
                       json_body={"email": email, "token": tok_reset, "password": "pw-outbox-2"})
    tap.check(r.status == 200, "password-reset with the outbox token 200", r.brief())
    body = r.try_json() or {}
    tap.check(list((body.get("customer") or {}).keys()) == ["id", "created_at", "updated_at", "deleted_at", "email",
              "first_name", "last_name", "billing_address_id", "phone", "has_account", "metadata"],
              "password-reset answers the bare customer", body)
    r = common.request("POST", "/store/customers/password-reset",
                       json_body={"email": email, "token": tok_reset, "password": "pw-outbox-3"})
    tap.check(r.status == 401 and (r.try_json() or {}) == {"type": "unauthorized",
              "message": "Invalid or expired password reset token"}, "the same reset token a second time: 401", r.brief())
    r = common.request("GET", "/store/customers/me", token=tok)
    tap.check(r.status == 401, "a token issued before the reset is revoked", r.brief())
    r, _ = token_for(email, "pw-outbox-2")
    tap.check(r.status == 200, "the new password logs in", r.brief())
    tap.finish()


if __name__ == "__main__":
    main()
