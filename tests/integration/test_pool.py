#!/usr/bin/env python3
"""The worker pool under load, with real processes and real signals.

Owns the pool behaviour checks: the status page (text and JSON), a worker
killed with SIGKILL under load (replaced, at most its in-flight requests
lost), SIGHUP under load (every worker replaced, no request lost), SIGTERM on
a pool of our own (in-flight requests complete, the master exits), and
MariaDB stopped and started under load (503 + Retry-After while it is down,
200 again once it is back, no acknowledged update lost).

Load comes from Python threads, each with its own keep-alive http.client
connection; every run is bounded in requests and time. The MariaDB case runs
last and restarts MariaDB in a finally block, because later test programs need
it. Pids killed here on purpose are appended to $VAR/test_pool.killed (one per
line) so a crash scan of the logs can tell them from real crashes.

Env (from tests/run.sh): BASE_URL, JWT_SECRET, COOKIE_SECRET, VAR, PORT, BIN,
WORKERS. Python 3 standard library only.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, request, TransportError, short, unique_email  # noqa: E402

ME = "/store/customers/me"
VAR = os.environ.get("VAR", "")
BIN = os.environ.get("BIN", os.path.join(common.repo_root(), "build", "medusa-c"))
WORKERS = int(os.environ.get("WORKERS", "2"))
NGINX_PORT = os.environ.get("PORT", str(common.PORT))
CLIENT_TIMEOUT = 10  # no request of this file may hang longer than this

tap = Tap()


class Abort(Exception):
    """A group's setup failed (already reported as not ok); the group stops."""


# --------------------------------------------------------------------------
# helpers: processes, status page, accounts


def alive(pid):
    """True if pid runs (a zombie counts as gone)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            st = f.read()
        return st[st.rindex(")") + 2:].split(" ", 1)[0] != "Z"
    except (OSError, ValueError):
        return False


def wait_gone(pid, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return not alive(pid)


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def note_killed(pid):
    """Record a pid this file killed on purpose (see the module comment)."""
    if VAR:
        try:
            with open(os.path.join(VAR, "test_pool.killed"), "a") as f:
                f.write("%d\n" % pid)
        except OSError:
            pass


def log_tail(path, since=0, limit=12):
    """The last lines of a log file written after byte offset since."""
    try:
        with open(path, "rb") as f:
            f.seek(since)
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return ["(cannot read %s: %s)" % (path, e)]
    return lines[-limit:]


def log_size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


APP_LOG = os.path.join(VAR, "log", "medusa-c.log") if VAR else ""


def status_json(base=None):
    r = request("GET", "/status?json", timeout=CLIENT_TIMEOUT) if base is None else base("GET", "/status?json")
    if r.status != 200:
        raise TransportError("GET /status?json: %s" % r.brief())
    return r.json()


def live(st):
    """Workers that accept new connections (a draining one no longer does)."""
    return [w for w in st["workers"] if w["state"] != "draining"]


def wait_status(pred, seconds, step=0.1):
    """Polls /status?json until pred(status) is true; returns (status, seconds taken) or (last, None)."""
    t0 = time.time()
    last = None
    while time.time() - t0 < seconds:
        try:
            last = status_json()
            if pred(last):
                return last, time.time() - t0
        except (TransportError, ValueError, KeyError):
            pass
        time.sleep(step)
    return last, None


def new_account(tag):
    email = unique_email(tag)
    password = "pw-" + common.RUN
    r = request("POST", "/store/customers", json_body={"email": email, "password": password}, timeout=CLIENT_TIMEOUT)
    if r.status != 200:
        tap.not_ok("setup: register %s" % email, r.brief())
        raise Abort()
    t = request("POST", "/store/auth/token", json_body={"email": email, "password": password},
                timeout=CLIENT_TIMEOUT)
    tok = (t.try_json() or {}).get("access_token") if t.status == 200 else None
    if not tok:
        tap.not_ok("setup: token for %s" % email, t.brief())
        raise Abort()
    return tok


# --------------------------------------------------------------------------
# load: threads with keep-alive connections


class Result:
    __slots__ = ("thread", "seq", "method", "path", "t0", "t1", "status", "headers", "body", "error")

    def ok(self):
        return self.error is None and self.status == 200

    def brief(self):
        if self.error is not None:
            return "%s %s -> transport error %s" % (self.method, self.path, self.error)
        return "%s %s -> HTTP %d %s" % (self.method, self.path, self.status, short(self.body, 200))


class KeepAlive:
    """One keep-alive connection; reopened after a transport error (which is still reported)."""

    def __init__(self, host=None, port=None, timeout=CLIENT_TIMEOUT):
        self.host = host or common.HOST
        self.port = port or common.PORT
        self.timeout = timeout
        self.conn = None

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, method, path, json_body=None, token=None):
        """(status, headers dict lower-case, body bytes); raises OSError/HTTPException."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        hdrs = {}
        body = None
        if json_body is not None:
            body = json.dumps(json_body, separators=(",", ":")).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            r = self.conn.getresponse()
            data = r.read()
            headers = {k.lower(): v for k, v in r.getheaders()}
            if r.will_close:
                self.close()
            return r.status, headers, data
        except BaseException:
            self.close()
            raise


class Load:
    """nthreads threads, each calling make(thread, seq) -> (method, path, json_body, token) in a loop
    on its own keep-alive connection until stop() or max_per_thread requests."""

    def __init__(self, nthreads, make, max_per_thread=4000, pause=0.0, host=None, port=None):
        self.make = make
        self.stop_ev = threading.Event()
        self.lock = threading.Lock()
        self.results = []
        self.max = max_per_thread
        self.pause = pause
        self.threads = [threading.Thread(target=self._run, args=(i, host, port), daemon=True)
                        for i in range(nthreads)]

    def _run(self, ti, host, port):
        c = KeepAlive(host, port)
        seq = 0
        while not self.stop_ev.is_set() and seq < self.max:
            method, path, body, token = self.make(ti, seq)
            res = Result()
            res.thread, res.seq, res.method, res.path = ti, seq, method, path
            res.status, res.headers, res.body, res.error = None, {}, b"", None
            res.t0 = time.time()
            try:
                res.status, res.headers, res.body = c.send(method, path, body, token)
            except (OSError, http.client.HTTPException) as e:
                res.error = "%s: %s" % (type(e).__name__, e)
            res.t1 = time.time()
            with self.lock:
                self.results.append(res)
            seq += 1
            if self.pause:
                time.sleep(self.pause)
        c.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self, join_timeout=CLIENT_TIMEOUT + 5):
        self.stop_ev.set()
        for t in self.threads:
            t.join(join_timeout)
        return [t for t in self.threads if t.is_alive()]

    def snapshot(self):
        with self.lock:
            return list(self.results)


def failures(results):
    return [r for r in results if not r.ok()]


def describe(fails, limit=4):
    return "; ".join(r.brief() for r in fails[:limit]) + (" (+%d more)" % (len(fails) - limit) if len(fails) > limit else "")


# --------------------------------------------------------------------------
# 1. status page


def test_status():
    r = request("GET", "/status", timeout=CLIENT_TIMEOUT)
    st = None
    try:
        st = status_json()
    except (TransportError, ValueError) as e:
        tap.not_ok("GET /status?json parses as JSON", str(e))
    text_ok = r.status == 200 and (r.header("Content-Type") or "").startswith("text/plain")
    tap.check(text_ok, "GET /status from loopback: 200 text/plain", r.brief())
    if st is None:
        return
    tap.ok("GET /status?json parses as JSON")
    errs = []
    for k in ("master_pid", "restarts", "recycled", "killed", "reloads"):
        if not isinstance(st.get(k), int) or isinstance(st.get(k), bool):
            errs.append("%s got %s, want an integer" % (k, short(st.get(k))))
    ws = st.get("workers")
    if not isinstance(ws, list):
        errs.append("workers got %s, want an array" % short(ws))
        ws = []
    for w in ws:
        for k in ("pid", "requests", "uptime_s"):
            if not isinstance(w.get(k), int):
                errs.append("worker %s: %s not an integer" % (short(w), k))
        if w.get("state") not in ("starting", "idle", "busy", "draining"):
            errs.append("worker %s: unknown state" % short(w))
    tap.errors(errs, "/status?json has master_pid, workers[] (pid, state, requests, uptime_s), restarts, "
                     "recycled, killed, reloads")
    mp = st.get("master_pid")
    want_mp = read_pid(os.path.join(VAR, "medusa-c.pid")) if VAR else None
    tap.check(want_mp is None or mp == want_mp, "/status?json master_pid is the pool master",
              "got %s, $VAR/medusa-c.pid says %s" % (mp, want_mp))
    tap.check(len(live(st)) == WORKERS, "/status?json lists WORKERS=%d workers" % WORKERS, short(ws))
    errs = []
    for w in ws:
        if not alive(w.get("pid", 0)):
            errs.append("pid %s is not a running process" % w.get("pid"))
        else:
            try:
                with open("/proc/%d/stat" % w["pid"]) as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                if ppid != mp:
                    errs.append("pid %d has parent %d, not the master %s" % (w["pid"], ppid, mp))
            except (OSError, ValueError, IndexError):
                pass
        if r.status == 200 and str(w.get("pid")) not in r.text:
            errs.append("text page lacks worker pid %s" % w.get("pid"))
    if r.status == 200 and "master pid: %s" % mp not in r.text:
        errs.append("text page lacks 'master pid: %s': %s" % (mp, short(r.text)))
    tap.errors(errs, "status workers are live children of the master and appear on the text page")


# --------------------------------------------------------------------------
# 2. kill -9 a worker under load


def test_kill_worker():
    token = new_account("poolkill")
    st0 = status_json()
    pids0 = {w["pid"] for w in st0["workers"]}
    victims = [w["pid"] for w in live(st0)]
    if not victims:
        tap.not_ok("kill -9: a live worker to kill", short(st0))
        return
    victim = victims[0]
    load = Load(4, lambda ti, seq: ("GET", ME, None, token)).start()
    time.sleep(1.0)
    before = len(load.snapshot())
    log0 = log_size(APP_LOG)
    t_kill = time.time()
    note_killed(victim)
    os.kill(victim, signal.SIGKILL)
    st, took = wait_status(lambda s: victim not in {w["pid"] for w in s["workers"]}
                           and len(live(s)) == WORKERS
                           and any(w["pid"] not in pids0 for w in live(s)), 8)
    t_back = time.time()
    time.sleep(1.5)
    n_mark = len(load.snapshot())
    time.sleep(1.5)
    stuck = load.stop()
    res = load.snapshot()
    tap.check(not stuck, "kill -9: no load thread hung", "%d threads still waiting" % len(stuck))
    tap.check(before > 20, "kill -9: requests flowed before the kill", "only %d requests in 1 s" % before)
    tap.check(took is not None, "kill -9 worker %d: replaced, %d workers again within 8 s" % (victim, WORKERS),
              "status: %s" % short(st))
    if took is not None:
        tap.note("kill -9: worker %d replaced in %.2f s, new pids %s" % (
            victim, took, sorted(w["pid"] for w in live(st) if w["pid"] not in pids0)))
    tap.check(not alive(victim), "kill -9: the killed worker is gone (reaped)", "pid %d still alive" % victim)
    st1 = status_json()
    tap.check(st1["restarts"] >= st0["restarts"] + 1, "kill -9: restarts grew",
              "restarts %d -> %d" % (st0["restarts"], st1["restarts"]))
    fails = failures(res)
    tap.note("kill -9: %d requests, %d failed (%s)" % (len(res), len(fails), describe(fails)))
    tap.check(len(fails) <= 4, "kill -9: at most the requests in flight on the killed worker failed (<= 4)",
              "%d of %d failed: %s; log: %s" % (len(fails), len(res), describe(fails),
                                                " | ".join(log_tail(APP_LOG, log0))))
    late = [r for r in res if r.t0 >= t_back + 0.2]
    late_f = failures(late)
    tap.check(len(late) > 20 and not late_f, "kill -9: requests keep succeeding after the replacement",
              "%d requests after, %d failed: %s" % (len(late), len(late_f), describe(late_f)))
    after_mark = res[n_mark:]
    tap.check(any(r.ok() for r in after_mark), "kill -9: still serving 1.5 s after the replacement",
              "%d requests in the last 1.5 s" % len(after_mark))


# --------------------------------------------------------------------------
# 3. SIGHUP under load


def test_reload():
    token = new_account("poolhup")
    st0 = status_json()
    master = st0["master_pid"]
    old = {w["pid"] for w in st0["workers"]}

    def make(ti, seq):
        if seq % 2 == 0:
            return "POST", ME, {"first_name": "hup%d-%d" % (ti, seq)}, token
        return "GET", ME, None, token

    load = Load(4, make).start()
    time.sleep(1.0)
    log0 = log_size(APP_LOG)
    os.kill(master, signal.SIGHUP)
    # old workers drain until nginx closes their kept connections (at most DRAIN_MS = 10 s)
    st, took = wait_status(lambda s: s["reloads"] > st0["reloads"] and len(s["workers"]) == WORKERS
                           and not ({w["pid"] for w in s["workers"]} & old), 16)
    time.sleep(1.0)
    stuck = load.stop()
    res = load.snapshot()
    tap.check(not stuck, "SIGHUP: no load thread hung", "%d threads still waiting" % len(stuck))
    tap.check(took is not None, "SIGHUP: every worker replaced (no old pid left, %d workers) within 16 s" % WORKERS,
              "old pids %s, status now %s" % (sorted(old), short(st)))
    if took is not None:
        tap.note("SIGHUP: all workers replaced in %.2f s: %s -> %s" % (
            took, sorted(old), sorted(w["pid"] for w in st["workers"])))
    tap.check(st is not None and st["reloads"] >= st0["reloads"] + 1, "SIGHUP: reloads grew",
              "reloads %s -> %s" % (st0["reloads"], st and st["reloads"]))
    gone_old = [p for p in old if alive(p)]
    tap.check(not gone_old, "SIGHUP: the old workers exited", "still running: %s" % gone_old)
    fails = failures(res)
    posts = sum(1 for r in res if r.method == "POST")
    tap.note("SIGHUP: %d requests (%d POST), %d failed" % (len(res), posts, len(fails)))
    tap.check(len(res) > 50 and not fails, "SIGHUP under load: zero failed requests",
              "%d of %d failed: %s; log: %s" % (len(fails), len(res), describe(fails),
                                                " | ".join(log_tail(APP_LOG, log0))))


# --------------------------------------------------------------------------
# 4. SIGTERM on a pool of our own: in-flight requests complete


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def test_sigterm():
    if not VAR or not os.path.exists(os.path.join(VAR, "nginx.conf")):
        tap.not_ok("SIGTERM: $VAR/nginx.conf to copy", "VAR=%r" % VAR)
        return
    tmp = tempfile.mkdtemp(prefix="mcpool.", dir="/tmp")
    sock = os.path.join(tmp, "p.sock")
    port = free_port()
    pool = None
    ngx_pid = None
    logf = open(os.path.join(tmp, "pool.log"), "ab")
    try:
        env = dict(os.environ)
        env.update({
            "LISTEN": "unix:" + sock,
            # the copied nginx.conf sends registrations to the password pool's socket
            "PASSWORD_LISTEN": "unix:" + os.path.join(tmp, "medusa-c-password.sock"),
            "WORKERS": "1",
            "DATABASE_URL": "mysql://root@localhost/medusa?socket=%s/mysqld.sock" % VAR,
            "JWT_SECRET": common.JWT_SECRET,
            "COOKIE_SECRET": common.COOKIE_SECRET,
            # a registration that takes a noticeable moment (scrypt N=2^16)
            "PASSWORD_SCRYPT_LOGN": "16",
        })
        pool = subprocess.Popen([BIN], env=env, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                                start_new_session=True)
        conf = open(os.path.join(VAR, "nginx.conf")).read()
        want_sock = VAR + "/medusa-c.sock"
        want_listen = "listen 127.0.0.1:%s;" % NGINX_PORT
        if want_sock not in conf or want_listen not in conf:
            tap.not_ok("SIGTERM: copy $VAR/nginx.conf", "no %r or %r in it" % (want_sock, want_listen))
            return
        conf = conf.replace(want_sock, sock).replace(want_listen, "listen 127.0.0.1:%d;" % port)
        conf = conf.replace(VAR + "/", tmp + "/")
        for d in ("log", "nginx"):
            os.makedirs(os.path.join(tmp, d), exist_ok=True)
        cpath = os.path.join(tmp, "nginx.conf")
        with open(cpath, "w") as f:
            f.write(conf)
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(sock) and pool.poll() is None:
            time.sleep(0.05)
        if not os.path.exists(sock):
            tap.not_ok("SIGTERM: own pool listens on %s" % sock, "pool exit %s; log: %s" % (
                pool.poll(), " | ".join(log_tail(os.path.join(tmp, "pool.log")))))
            return
        p = subprocess.run(["nginx", "-p", tmp + "/", "-c", cpath, "-e", os.path.join(tmp, "err.log")],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=20)
        if p.returncode != 0:
            tap.not_ok("SIGTERM: own nginx starts", p.stderr.strip())
            return
        ngx_pid = read_pid(os.path.join(tmp, "nginx.pid"))
        c = KeepAlive("127.0.0.1", port)
        healthy = False
        deadline = time.time() + 10
        while time.time() < deadline and not healthy:
            try:
                healthy = c.send("GET", "/health")[0] == 200
            except (OSError, http.client.HTTPException):
                pass
            if not healthy:
                time.sleep(0.1)
        c.close()
        if not healthy:
            tap.not_ok("SIGTERM: own nginx + pool answer GET /health", "err.log: %s" % " | ".join(
                log_tail(os.path.join(tmp, "err.log"))))
            return
        wst = json.loads(KeepAlive("127.0.0.1", port).send("GET", "/status?json")[2])
        worker_pids = [w["pid"] for w in wst["workers"]]

        # one slow registration first, alone, then SIGTERM while it runs
        results = {}

        def register(key):
            cl = KeepAlive("127.0.0.1", port, timeout=20)
            t0 = time.time()
            try:
                s, h, b = cl.send("POST", "/store/customers",
                                  {"email": unique_email("poolterm"), "password": "pw-" + common.RUN})
                results[key] = (s, b, time.time() - t0)
            except (OSError, http.client.HTTPException) as e:
                results[key] = (None, ("%s: %s" % (type(e).__name__, e)).encode(), time.time() - t0)
            cl.close()

        # how long is one registration here?
        register("probe")
        tap.check(results["probe"][0] == 200, "SIGTERM: own pool registers a customer",
                  "%s %s" % (results["probe"][0], short(results["probe"][1])))
        slow = results["probe"][2]
        tap.note("SIGTERM: one registration takes %.3f s on the own pool" % slow)

        ths = [threading.Thread(target=register, args=("r%d" % i,), daemon=True) for i in range(3)]
        for t in ths:
            t.start()
            time.sleep(0.02)
        # every request has reached nginx and the pool's socket; the first one is being hashed
        time.sleep(min(0.1, slow / 3))
        t_term = time.time()
        os.kill(pool.pid, signal.SIGTERM)
        for t in ths:
            t.join(25)
        try:
            pool.wait(20)
        except subprocess.TimeoutExpired:
            pass
        exit_s = time.time() - t_term
        statuses = {k: v[0] for k, v in results.items() if k != "probe"}
        tap.note("SIGTERM: 3 registrations in flight -> %s; master exited %.2f s after SIGTERM (rc %s)" % (
            sorted(statuses.items()), exit_s, pool.poll()))
        # r0 went first (on the connection nginx kept from the probe) and is being hashed when
        # SIGTERM arrives; r1 and r2 are on new connections waiting on the pool's socket
        pool_log = " | ".join(log_tail(os.path.join(tmp, "pool.log")))
        r0 = results.get("r0", (None, b"no answer", 0))
        tap.check(r0[0] == 200, "SIGTERM: the registration being processed when SIGTERM arrived completes with 200",
                  "got %s %s after %.2f s; pool log: %s" % (r0[0], short(r0[1], 200), r0[2], pool_log))
        bad = {k: (v[0], short(v[1], 200), round(v[2], 3)) for k, v in results.items()
               if k != "probe" and v[0] != 200}
        tap.check(len(statuses) == 3 and not bad,
                  "SIGTERM: every registration already sent to the pool's socket when SIGTERM arrived "
                  "completes with 200 (none dropped)",
                  "failed: %s; pool log: %s; nginx error log: %s" % (
                      bad, pool_log, " | ".join(log_tail(os.path.join(tmp, "log", "nginx-error.log"), limit=6))))
        tap.check(pool.poll() is not None and exit_s < 15, "SIGTERM: the master exits within 15 s",
                  "still running after %.1f s" % exit_s)
        tap.check(pool.poll() == 0, "SIGTERM: the master exits with status 0", "rc %s" % pool.poll())
        left = [p for p in worker_pids if alive(p)]
        tap.check(not left, "SIGTERM: its worker exited too", "still running: %s" % left)
    finally:
        if ngx_pid and alive(ngx_pid):
            os.kill(ngx_pid, signal.SIGTERM)
            if not wait_gone(ngx_pid, 10):
                os.kill(ngx_pid, signal.SIGKILL)
        if pool is not None and pool.poll() is None:
            try:
                os.killpg(pool.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pool.wait(10)
        logf.close()
        shutil.rmtree(tmp, ignore_errors=True)


# --------------------------------------------------------------------------
# 5. MariaDB stopped and started under load


def db_ping(sock):
    return subprocess.run(["mariadb-admin", "--no-defaults", "--socket=" + sock, "--user=root",
                           "--connect-timeout=1", "ping"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode == 0


def start_mariadb(cmd, cwd):
    """Starts mariadbd with the command line the stack used (its own session) and waits for ping."""
    sock = os.path.join(VAR, "mysqld.sock")
    with open(os.path.join(VAR, "log", "mariadb.log"), "ab") as lf:
        subprocess.Popen(cmd, cwd=cwd, stdin=subprocess.DEVNULL, stdout=lf, stderr=subprocess.STDOUT,
                         start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        if db_ping(sock):
            return True
        time.sleep(0.1)
    return False


def test_database_restart():
    pidfile = os.path.join(VAR, "mariadb.pid")
    dbpid = read_pid(pidfile)
    if not dbpid or not alive(dbpid):
        tap.not_ok("MariaDB restart: MariaDB pid from $VAR/mariadb.pid", "pid %s" % dbpid)
        return
    with open("/proc/%d/cmdline" % dbpid, "rb") as f:
        cmd = [a.decode() for a in f.read().split(b"\0") if a]
    cwd = os.readlink("/proc/%d/cwd" % dbpid)
    token = new_account("pooldb")
    nthreads = 3
    last_sent = [-1] * nthreads

    def make(ti, seq):
        if seq % 4 == 3:
            return "GET", ME, None, token
        last_sent[ti] = seq
        return "POST", ME, {"metadata": {"n_%d" % ti: seq}}, token

    stopped_ok = False
    load = None
    log0 = log_size(APP_LOG)
    try:
        load = Load(nthreads, make, pause=0.005).start()
        time.sleep(1.0)
        t_stop = time.time()
        os.kill(dbpid, signal.SIGTERM)
        stopped_ok = wait_gone(dbpid, 30)
        t_down = time.time()
        tap.check(stopped_ok, "MariaDB restart: mariadbd exits after SIGTERM",
                  "pid %d still running after 30 s" % dbpid)
        if not stopped_ok:
            return
        tap.note("MariaDB stopped in %.2f s" % (t_down - t_stop))
        time.sleep(2.0)
        t_restart = time.time()
        started = start_mariadb(cmd, cwd)
        t_up = time.time()
        tap.check(started, "MariaDB restart: mariadbd answers ping again", "no answer within 30 s")
        if not started:
            return
        # workers reconnect with a backoff of at most 0.5 s
        back = None
        deadline = t_up + 10
        while time.time() < deadline:
            ok_after = [r for r in load.snapshot() if r.t0 >= t_up and r.ok() and r.method == "POST"]
            if ok_after:
                back = min(r.t1 for r in ok_after) - t_up
                break
            time.sleep(0.05)
        time.sleep(1.5)
        t_end_mark = time.time()
        time.sleep(1.0)
        stuck = load.stop()
        res = load.snapshot()
        tap.check(not stuck, "MariaDB restart: no load thread hung", "%d threads still waiting" % len(stuck))

        down = [r for r in res if r.t0 >= t_down and r.t1 <= t_restart]
        errs = []
        for r in down:
            if r.error is not None:
                errs.append(r.brief())
                continue
            if r.status != 503:
                errs.append("%s: status %d, want 503" % (r.brief(), r.status))
                continue
            try:
                j = json.loads(r.body)
            except ValueError:
                errs.append("%s: body not JSON" % r.brief())
                continue
            if not isinstance(j, dict) or j.get("code") != "api_error" or j.get("type") != "database_error" \
                    or not isinstance(j.get("message"), str):
                errs.append("%s: want {code: api_error, type: database_error, message}" % r.brief())
            if not (r.headers.get("content-type") or "").startswith("application/json"):
                errs.append("%s: content-type %r" % (r.brief(), r.headers.get("content-type")))
            ra = r.headers.get("retry-after")
            if not (ra and ra.isdigit()):
                errs.append("%s: Retry-After %r" % (r.brief(), ra))
        tap.note("MariaDB down %.2f s: %d requests, %d answered 503" % (
            t_restart - t_down, len(down), sum(1 for r in down if r.status == 503)))
        tap.check(len(down) >= 3 * nthreads, "MariaDB down: requests kept being answered",
                  "only %d requests while down" % len(down))
        tap.errors(errs, "MariaDB down: 503 JSON {code: api_error, type: database_error} + Retry-After")
        slow = [r for r in res if r.t1 - r.t0 > 5]
        tap.check(not slow, "MariaDB stop/start: no request took more than 5 s",
                  "; ".join("%s in %.1f s" % (r.brief(), r.t1 - r.t0) for r in slow[:4]))
        tap.check(back is not None and back < 5, "MariaDB back: a POST answers 200 within 5 s",
                  "first 200 after %s s; log: %s" % (back, " | ".join(log_tail(APP_LOG, log0))))
        if back is not None:
            tap.note("MariaDB back: first 200 %.2f s after it answered ping" % back)
        late = [r for r in res if r.t0 >= t_end_mark - 1.0]
        late_f = failures(late)
        tap.check(late and not late_f, "MariaDB back: every request succeeds afterwards",
                  "%d of %d failed: %s" % (len(late_f), len(late), describe(late_f)))

        # no acknowledged update may be missing
        r = request("GET", ME, token=token, timeout=CLIENT_TIMEOUT)
        if r.status != 200:
            tap.not_ok("MariaDB restart: GET /me afterwards", r.brief())
            return
        meta = (r.json().get("customer") or {}).get("metadata") or {}
        errs = []
        for ti in range(nthreads):
            acked = [x.seq for x in res if x.thread == ti and x.method == "POST" and x.ok()]
            last_ack = max(acked) if acked else None
            got = meta.get("n_%d" % ti)
            if last_ack is None:
                errs.append("thread %d: no update acknowledged at all" % ti)
            elif not isinstance(got, int) or got < last_ack or got > last_sent[ti]:
                errs.append("thread %d: stored n_%d=%s, last acknowledged %s, last sent %s" % (
                    ti, ti, short(got), last_ack, last_sent[ti]))
        tap.errors(errs, "MariaDB restart: every thread's stored value is its last acknowledged one or a later one")
        tap.note("MariaDB restart: stored %s" % short(meta))
    finally:
        if load is not None:
            load.stop()
        # later test programs need MariaDB and a pool that reaches it
        if not db_ping(os.path.join(VAR, "mysqld.sock")):
            cur = read_pid(pidfile)
            if cur and alive(cur):
                wait_gone(cur, 30)
            if not start_mariadb(cmd, cwd):
                tap.not_ok("MariaDB restart: MariaDB restarted for the tests after this one", "no ping")
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if request("GET", ME, token=token, timeout=CLIENT_TIMEOUT).status == 200:
                    break
            except TransportError:
                pass
            time.sleep(0.2)


# --------------------------------------------------------------------------


def main():
    common.require_health(tap)
    if not VAR or not os.path.isdir(VAR):
        tap.not_ok("environment", "VAR (the stack's state directory) is not set or missing: %r" % VAR)
        tap.finish()
    t_all = time.time()
    for name, fn in (("status", test_status), ("kill -9", test_kill_worker), ("SIGHUP", test_reload),
                     ("SIGTERM", test_sigterm), ("MariaDB restart", test_database_restart)):
        t0 = time.time()
        try:
            fn()
        except Abort:
            pass
        except (TransportError, ValueError, KeyError, OSError) as e:
            tap.not_ok("%s: unexpected error" % name, "%s: %s" % (type(e).__name__, e))
        tap.note("%s took %.1f s" % (name, time.time() - t0))
    tap.note("test_pool took %.1f s" % (time.time() - t_all))
    tap.finish()


if __name__ == "__main__":
    main()
