#!/usr/bin/env python3
"""The defects of issue 10 (Deliver 4 and 5), each checked through the real path.

Owns: numbers beyond a double refused (400, never a silent null); trailing spaces are a change
on the fast and the slow update path, and no column of the schema compares with PAD SPACE; a
token whose iat is near the end of 64 bits updates without overflow; unreadable stored metadata
is refused, never replaced; a login whose answer fails carries no Set-Cookie; the request logs
(workers and nginx) hold no email of GET /store/auth/:email; the binary refuses secrets under
32 bytes with one clear line, and as a CGI program without a usable configuration answers a
JSON 500 and one stderr line; reloads (SIGHUP) leak nothing (a private pool under valgrind or
the ASan build); and last, the database stopped and started under the running pool: 503s,
then service again, then the silent reconnect still works (it was disabled for good after one
failed connect).

Database access: the mariadb client on $VAR/mysqld.sock (user root, database medusa), as
tests/run.sh exports VAR. Env: BASE_URL, JWT_SECRET, COOKIE_SECRET, VAR, BIN.
"""

import glob
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, request, short, unique_email, jwt_encode  # noqa: E402

ME = "/store/customers/me"
VAR = os.environ.get("VAR", "")
BIN = os.environ.get("BIN", os.path.join(common.repo_root(), "build", "medusa-c"))
SOCK = os.path.join(VAR, "mysqld.sock") if VAR else ""
tap = Tap()


def sql(q):
    """Rows of one statement run as root on the stack's database."""
    p = subprocess.run(["mariadb", "--no-defaults", "--socket=" + SOCK, "--user=root", "--batch", "--raw",
                        "--skip-column-names", "--default-character-set=utf8mb4", "medusa", "-e", q],
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(p.stderr.strip())
    return [line.split("\t") for line in p.stdout.splitlines()]


def lit(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def account(tag):
    """A fresh customer with an account: (id, email, password, token)."""
    email, pw = unique_email(tag), "pw-%s-%s" % (tag, common.RUN)
    r = request("POST", "/store/customers", json_body={"email": email, "password": pw, "first_name": "Ann"})
    if r.status != 200:
        raise RuntimeError("registration failed: %s" % r.brief())
    cid = r.json()["customer"]["id"]
    r = request("POST", "/store/auth/token", json_body={"email": email, "password": pw})
    if r.status != 200:
        raise RuntimeError("token failed: %s" % r.brief())
    return cid, email, pw, r.json()["access_token"]


def outbox_count(cid):
    return int(sql("SELECT COUNT(*) FROM event_outbox WHERE event = 'customer.updated' "
                   "AND JSON_VALUE(data, '$.id') = %s" % lit(cid))[0][0])


def is_error(r, status, typ):
    b = r.try_json() or {}
    return r.status == status and b.get("type") == typ and isinstance(b.get("message"), str)


# --------------------------------------------------------------------------


def t_number_range():
    cid, _, _, tok = account("num")
    for label, body in (("metadata.n = 1e999999", b'{"metadata":{"n":1e999999}}'),
                        ("a nested -1e400", b'{"metadata":{"a":[1,{"b":-1e400}]}}'),
                        ("400 digits", b'{"metadata":{"n":1' + b"0" * 400 + b'}}'),
                        ("an unknown field 1e999", b'{"first_name":"X","zzz":1e999}')):
        r = request("POST", ME, body=body, headers={"Content-Type": "application/json"}, token=tok)
        tap.check(is_error(r, 400, "invalid_data") and "out of range" in r.json()["message"],
                  "a number beyond a double (%s) -> 400 invalid_data" % label, r.brief())
    r = request("POST", "/store/customers", body=b'{"email":"%s","password":"x","n":2e308}'
                % unique_email("num").encode(), headers={"Content-Type": "application/json"})
    tap.check(is_error(r, 400, "invalid_data"), "registration with 2e308 anywhere in the body -> 400", r.brief())
    rows = sql("SELECT COALESCE(metadata, 'NULL'), first_name FROM customer WHERE id = %s" % lit(cid))
    tap.eq(rows, [["NULL", "Ann"]], "nothing was written by the refused updates")
    # integers beyond 2^53 keep JavaScript's double value, as before
    r = request("POST", ME, body=b'{"metadata":{"n":9007199254740993,"m":1e308}}',
                headers={"Content-Type": "application/json"}, token=tok)
    tap.check(r.status == 200 and (r.try_json() or {}).get("customer", {}).get("metadata") ==
              {"n": 9007199254740992, "m": 1e308}, "2^53+1 reads as 2^53 and 1e308 is kept (200)", r.brief())


def t_trailing_spaces():
    cid, _, _, tok = account("pad")
    for path, extra in (("fast path", {}), ("slow path (with metadata)", {"metadata": {"k": "v"}})):
        base = "Pad%d" % len(extra)
        body = dict(extra, first_name=base)
        r = request("POST", ME, json_body=body, token=tok)
        before = (r.try_json() or {}).get("customer", {}).get("updated_at")
        n0 = outbox_count(cid)
        time.sleep(0.01)
        body = dict(extra, first_name=base + " ")
        r = request("POST", ME, json_body=body, token=tok)
        c = (r.try_json() or {}).get("customer", {})
        row = sql("SELECT CONCAT('[', first_name, ']'), DATE_FORMAT(updated_at, '%%Y-%%m-%%dT%%H:%%i:%%s.%%fZ') "
                  "FROM customer WHERE id = %s" % lit(cid))[0]
        tap.check(r.status == 200 and c.get("first_name") == base + " ", "%s: \"%s\" -> \"%s \" answered" %
                  (path, base, base), r.brief())
        tap.check(row[0] == "[%s ]" % base, "%s: the trailing space is stored" % path, row)
        tap.check(before and c.get("updated_at") and c.get("updated_at") > before,
                  "%s: a trailing space is a change: updated_at moves" % path,
                  "before %s after %s" % (before, c.get("updated_at")))
        tap.check(outbox_count(cid) == n0 + 1, "%s: one customer.updated outbox row for it" % path,
                  "%d -> %d" % (n0, outbox_count(cid)))
        # and the same value again is no change at all
        n1 = outbox_count(cid)
        r = request("POST", ME, json_body=body, token=tok)
        tap.check(r.status == 200 and r.json()["customer"]["updated_at"] == c.get("updated_at") and
                  outbox_count(cid) == n1, "%s: \"%s \" again: no change, no outbox row" % (path, base), r.brief())
    # every text column compares bytes (NO PAD): new tables must not bring PAD SPACE back
    rows = sql("SELECT CONCAT(c.table_name, '.', c.column_name, ' ', c.collation_name) FROM information_schema.columns c "
               "WHERE c.table_schema = 'medusa' AND c.collation_name IS NOT NULL "
               "AND c.collation_name NOT LIKE '%nopad%' AND c.collation_name <> 'binary'")
    tap.check(not rows, "no column of the schema compares under a PAD SPACE collation", [x[0] for x in rows][:10])
    rows = sql("SELECT default_collation_name FROM information_schema.schemata WHERE schema_name = 'medusa'")
    tap.eq(rows, [["utf8mb4_nopad_bin"]], "the database's default collation is utf8mb4_nopad_bin")


def t_huge_iat():
    # a customer whose credentials changed (credentials_at set), then a token whose iat is
    # near the top of 64 bits: (iat / 1000 + 1) * 1000 overflowed, and the update matched nothing
    cid, email, pw, tok = account("iat")
    r = request("POST", ME, json_body={"password": pw + "-2"}, token=tok)
    tap.check(r.status == 200, "password change sets credentials_at", r.brief())
    iat = 2 ** 62
    big = jwt_encode({"customer_id": cid, "domain": "store", "iat": iat, "exp": iat + 3600})
    r = request("POST", ME, json_body={"first_name": "Zed"}, token=big)
    tap.check(r.status == 200 and (r.try_json() or {}).get("customer", {}).get("first_name") == "Zed",
              "a token with iat 2^62 updates the profile (no overflow in the not-before bound)", r.brief())
    big = jwt_encode({"customer_id": cid, "domain": "store", "iat": 9.2e18, "exp": 9.3e18})
    r = request("POST", ME, json_body={"first_name": "Zoe"}, token=big)
    tap.check(r.status == 200 and (r.try_json() or {}).get("customer", {}).get("first_name") == "Zoe",
              "a token with iat 9.2e18 updates the profile", r.brief())


def t_unreadable_metadata():
    cid, _, _, tok = account("meta")
    log = os.path.join(VAR, "log", "medusa-c.log")
    off = os.path.getsize(log)
    for stored in ('[1,2]', '{"a":"x\\u0000y"}', '{"n":1e999}'):
        sql("UPDATE customer SET metadata = %s WHERE id = %s" % (lit(stored), lit(cid)))
        r = request("POST", ME, json_body={"metadata": {"added": "x"}}, token=tok)
        tap.check(is_error(r, 500, "database_error"), "merge into unreadable stored metadata (%s...) -> 500" %
                  stored[:12], r.brief())
        rows = sql("SELECT metadata = %s FROM customer WHERE id = %s" % (lit(stored), lit(cid)))
        tap.eq(rows, [["1"]], "the stored metadata is kept as it was, never replaced (%s...)" % stored[:12])
    time.sleep(0.2)
    with open(log, errors="replace") as f:
        f.seek(off)
        text = f.read()
    tap.check(("customer \"%s\": stored metadata is not a JSON object we can read" % cid) in text and " error " in text,
              "the refusal is logged as an error naming the customer", text[-300:])
    sql("UPDATE customer SET metadata = NULL WHERE id = %s" % lit(cid))


def t_no_cookie_on_error():
    cid, email, pw, _ = account("ck")
    n0 = int(sql("SELECT COUNT(*) FROM session WHERE customer_id = %s" % lit(cid))[0][0])
    # the login's answer lists the customer's orders: without the table, it fails after the
    # session was created
    sql("RENAME TABLE `order` TO order_away")
    try:
        r = request("POST", "/store/auth", json_body={"email": email, "password": pw})
    finally:
        sql("RENAME TABLE order_away TO `order`")
    tap.check(r.status == 500, "POST /store/auth whose answer fails -> 500", r.brief())
    tap.check(not r.header_all("Set-Cookie"), "the error answer carries no Set-Cookie", r.header_all("Set-Cookie"))
    n1 = int(sql("SELECT COUNT(*) FROM session WHERE customer_id = %s" % lit(cid))[0][0])
    tap.check(n1 == n0, "the session made for it is deleted again", "%d -> %d sessions" % (n0, n1))
    r = request("POST", "/store/auth", json_body={"email": email, "password": pw})
    tap.check(r.status == 200 and r.cookie(), "with the table back, login answers 200 with its cookie", r.brief())


def t_no_email_in_logs():
    email = unique_email("logged")
    r = request("GET", "/store/auth/" + email)
    tap.check(r.status == 200 and r.try_json() == {"exists": False}, "GET /store/auth/:email answers", r.brief())
    r = request("GET", "/store/auth/" + email.replace("@", "%40") + "/x")
    tap.check(r.status == 404, "an unknown path holding an email -> 404", r.brief())
    time.sleep(0.3)
    for name in ("medusa-c.log", "nginx-access.log"):
        path = os.path.join(VAR, "log", name)
        try:
            text = open(path, errors="replace").read()
        except OSError as e:
            tap.not_ok("%s readable" % name, str(e))
            continue
        local = email.split("@")[0]
        tap.check(local not in text, "%s holds no email of GET /store/auth/:email" % name,
                  [ln for ln in text.splitlines() if local in ln][:3])
    text = open(os.path.join(VAR, "log", "medusa-c.log"), errors="replace").read()
    tap.check(" GET /store/auth/:email 200 " in text, "the workers' log shows the route pattern instead")


def run_bin(env, args=(), stdin=b""):
    return subprocess.run([BIN] + list(args), env=env, input=stdin, capture_output=True, timeout=60)


def t_secrets_and_cgi():
    base = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "mysql://root@localhost/medusa?socket=" + SOCK}
    long_ = "k" * 32
    for name in ("JWT_SECRET", "COOKIE_SECRET"):
        env = dict(base, JWT_SECRET=long_, COOKIE_SECRET=long_, LISTEN="unix:/nonexistent/x.sock")
        env[name] = "x" * 31
        p = run_bin(env, ["--check-config"])
        err = p.stderr.decode(errors="replace")
        tap.check(p.returncode == 2 and ("%s: too short, must be at least 32 bytes" % name) in err and "x" * 31 not in err,
                  "%s of 31 bytes: refused at start with a clear line (no secret printed)" % name,
                  "rc %d: %s" % (p.returncode, short(err)))
    env = dict(base, JWT_SECRET=long_, COOKIE_SECRET=long_)
    p = run_bin(env, ["--check-config"])
    tap.check(p.returncode == 0, "32-byte secrets are accepted", short(p.stderr))

    cgi = {"GATEWAY_INTERFACE": "CGI/1.1", "REQUEST_METHOD": "GET", "REQUEST_URI": "/store/customers/me",
           "SERVER_PROTOCOL": "HTTP/1.1"}
    cases = (("no configuration at all", dict(cgi, PATH="/usr/bin:/bin")),
             ("a short JWT_SECRET", dict(base, JWT_SECRET="short", COOKIE_SECRET=long_, **cgi)),
             ("no COOKIE_SECRET, a POST body", dict(base, JWT_SECRET=long_, CONTENT_LENGTH="15",
                                                    CONTENT_TYPE="application/json",
                                                    **dict(cgi, REQUEST_METHOD="POST"))))
    for label, env in cases:
        p = run_bin(env, stdin=b'{"email":"a@b"}')
        out = p.stdout.decode(errors="replace")
        head, _, body = out.partition("\r\n\r\n")
        try:
            doc = json.loads(body)
        except ValueError:
            doc = None
        tap.check(head.startswith("Status: 500") and "Content-Type: application/json" in head,
                  "CGI with %s: Status: 500 and a JSON Content-Type" % label, short(out))
        tap.check(isinstance(doc, dict) and list(doc) == ["type", "message"] and doc["type"] == "unknown_error",
                  "CGI with %s: body {type: unknown_error, message}" % label, short(body))
        tap.check(not any(s in body for s in ("SECRET", "DATABASE_URL", "short", long_)),
                  "CGI with %s: the body names no setting" % label, short(body))
        err = p.stderr.decode(errors="replace")
        tap.check(err.count("\n") == 1 and err.endswith("\n") and "medusa-c: " in err and
                  ("SECRET" in err or "DATABASE_URL" in err) and long_ not in err,
                  "CGI with %s: the reason is one line on stderr" % label, short(err))


def t_reload_leaks():
    """A private pool: 4 SIGHUPs, then SIGTERM; the master's leak check must be clean."""
    sanitized = "build-san" in BIN
    if not sanitized and subprocess.run(["sh", "-c", "command -v valgrind"], capture_output=True).returncode != 0:
        tap.not_ok("reload leak check", "neither the ASan build nor valgrind is available")
        return
    d = tempfile.mkdtemp(prefix="medusa-c-hup.")
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": "mysql://root@localhost/medusa?socket=" + SOCK,
           "JWT_SECRET": common.JWT_SECRET, "COOKIE_SECRET": common.COOKIE_SECRET,
           "LISTEN": "unix:%s/s.sock" % d, "WORKERS": "1", "PASSWORD_SCRYPT_LOGN": "4"}
    report = os.path.join(d, "report")
    if sanitized:
        env["ASAN_OPTIONS"] = "detect_leaks=1:log_path=" + report
        env["UBSAN_OPTIONS"] = "print_stacktrace=1:log_path=" + report
        argv = [BIN]
    else:
        argv = ["valgrind", "--leak-check=full", "--show-leak-kinds=definite,indirect",
                "--errors-for-leak-kinds=definite,indirect", "--error-exitcode=99", "--child-silent-after-fork=yes",
                "--log-file=" + report + ".master", BIN]
    log = open(os.path.join(d, "pool.log"), "w+")
    p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                         start_new_session=True)

    def count(what):
        log.flush()
        return open(log.name, errors="replace").read().count(what)

    def wait_for(cond, secs):
        deadline = time.time() + secs
        while time.time() < deadline:
            if cond():
                return True
            time.sleep(0.1)
        return False

    try:
        tap.check(wait_for(lambda: count("listening on") == 1, 60), "private pool started", open(log.name).read()[-300:])
        time.sleep(1.0)
        for k in range(1, 5):
            os.kill(p.pid, signal.SIGHUP)
            ok = wait_for(lambda: count("reloading: replacing workers") >= k, 60)
            time.sleep(1.5 if sanitized else 4)
            if not ok:
                break
        tap.check(count("reloading: replacing workers") == 4, "4 reloads done", open(log.name).read()[-300:])
        os.kill(p.pid, signal.SIGTERM)
        p.wait(timeout=120)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    if sanitized:
        reps = [f for f in glob.glob(report + "*") if os.path.getsize(f) > 0]
        text = "".join(open(f, errors="replace").read() for f in reps)
        tap.check(not reps, "4 SIGHUPs: no LeakSanitizer report from the pool (ASan build)", text[:1500])
    else:
        text = open(report + ".master", errors="replace").read()
        lost = [ln for ln in text.splitlines() if " lost:" in ln or "are definitely lost" in ln]
        tap.check(p.returncode == 0 and "ERROR SUMMARY: 0 errors" in text,
                  "4 SIGHUPs: the master leaks nothing (valgrind, rc %s)" % p.returncode,
                  "; ".join(lost[:4]) or text[-800:])


def t_reconnect_after_outage():
    """Last: stops the stack's MariaDB under the running pool and starts it again."""
    cid, _, _, tok = account("outage")
    pidfile = os.path.join(VAR, "mariadb.pid")
    pid = int(open(pidfile).read().strip())
    argv = open("/proc/%d/cmdline" % pid, "rb").read().rstrip(b"\0").split(b"\0")
    tap.check(b"--socket=" + SOCK.encode() in argv, "the stack's mariadbd found", argv)
    subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + SOCK, "--user=root", "shutdown"],
                   capture_output=True, timeout=60)
    deadline = time.time() + 60
    while time.time() < deadline and os.path.exists("/proc/%d" % pid):
        time.sleep(0.1)
    statuses = [request("GET", ME, token=tok).status for _ in range(6)]
    tap.check(all(s == 503 for s in statuses), "database down: GET me -> 503 (6 of 6)", statuses)
    logf = open(os.path.join(VAR, "log", "mariadb.log"), "ab")
    subprocess.Popen([a.decode() for a in argv], stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                     start_new_session=True)
    up = False
    deadline = time.time() + 60
    while time.time() < deadline and not up:
        up = subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + SOCK, "--user=root",
                             "--connect-timeout=1", "ping"], capture_output=True).returncode == 0
        time.sleep(0.2)
    tap.check(up, "the database is back")
    # within a moment (the connect backoff is at most 500 ms) every worker answers again
    deadline = time.time() + 10
    statuses = []
    while time.time() < deadline:
        statuses = [request("GET", ME, token=tok).status for _ in range(8)]
        if all(s == 200 for s in statuses):
            break
        time.sleep(0.2)
    tap.check(all(s == 200 for s in statuses), "after the outage: GET me -> 200 again, workers not restarted", statuses)
    # the silent reconnect must still work: a connection killed while the worker is idle is
    # re-made by the first statement of the next request, which then succeeds
    for round_ in range(2):
        ids = sql("SELECT id FROM information_schema.processlist WHERE db = 'medusa' AND id <> CONNECTION_ID() "
                  "AND command <> 'Daemon'")
        for (i,) in ids:
            try:
                sql("KILL CONNECTION %d" % int(i))
            except RuntimeError:
                pass
        statuses = [request("GET", ME, token=tok).status for _ in range(8)]
        tap.check(all(s == 200 for s in statuses), "connections killed (%d, round %d): every next request -> 200 "
                  "(silent reconnect)" % (len(ids), round_ + 1), statuses)


def main():
    common.require_health(tap)
    if not VAR or not os.path.exists(SOCK):
        tap.not_ok("database access", "VAR is not set or $VAR/mysqld.sock is missing")
        tap.finish()
        return
    for t in (t_number_range, t_trailing_spaces, t_huge_iat, t_unreadable_metadata, t_no_cookie_on_error,
              t_no_email_in_logs, t_secrets_and_cgi, t_reload_leaks, t_reconnect_after_outage):
        try:
            t()
        except (RuntimeError, OSError, ValueError, KeyError, subprocess.SubprocessError) as e:
            tap.not_ok(t.__name__, "%s: %s" % (type(e).__name__, e))
    tap.finish()


if __name__ == "__main__":
    main()
