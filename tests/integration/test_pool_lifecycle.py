"""Pool behaviours that need their own pool (own settings), next to the shared stack:

- MAX_REQUESTS: workers are recycled after that many requests, with no failed request;
- REQUEST_TIMEOUT: a worker stuck in one request longer than that is killed and replaced,
  the stuck request gets an error answer (not a hang), and the pool keeps serving;
- a worker that dies as soon as it starts is restarted with a growing delay, not in a loop.

Each case starts this binary ($BIN) on its own socket against the stack's MariaDB
($VAR/mysqld.sock), and a copy of the stack's nginx.conf on a free port.
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

tap = common.Tap()
VAR = os.environ.get("VAR")
BIN = os.environ.get("BIN")
STACK_PORT = str(common.PORT)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class OwnPool:
    """A pool + nginx of our own; stop() always cleans up."""

    def __init__(self, **settings):
        self.tmp = tempfile.mkdtemp(prefix="mclife.", dir="/tmp")
        self.sock = os.path.join(self.tmp, "p.sock")
        self.port = free_port()
        self.pool = None
        self.ngx_started = False
        env = dict(os.environ)
        env.update({"LISTEN": "unix:" + self.sock,
                    "DATABASE_URL": "mysql://root@localhost/medusa?socket=%s/mysqld.sock" % VAR,
                    "JWT_SECRET": common.JWT_SECRET, "COOKIE_SECRET": common.COOKIE_SECRET})
        # "{tmp}" in a setting: this pool's directory (PASSWORD_LISTEN="unix:{tmp}/medusa-c-password.sock"
        # for the password socket the copied nginx.conf names)
        env.update({k: str(v).replace("{tmp}", self.tmp) for k, v in settings.items()})
        self.log = os.path.join(self.tmp, "pool.log")
        self.pool = subprocess.Popen([BIN], env=env, stdin=subprocess.DEVNULL, stdout=open(self.log, "ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        conf = open(os.path.join(VAR, "nginx.conf")).read()
        conf = conf.replace(VAR + "/medusa-c.sock", self.sock)
        conf = conf.replace("listen 127.0.0.1:%s;" % STACK_PORT, "listen 127.0.0.1:%d;" % self.port)
        conf = conf.replace(VAR + "/", self.tmp + "/")
        for d in ("log", "nginx"):
            os.makedirs(os.path.join(self.tmp, d), exist_ok=True)
        with open(os.path.join(self.tmp, "nginx.conf"), "w") as f:
            f.write(conf)
        deadline = time.time() + 10
        while time.time() < deadline and not os.path.exists(self.sock):
            time.sleep(0.05)
        subprocess.run(["nginx", "-p", self.tmp + "/", "-c", os.path.join(self.tmp, "nginx.conf"),
                        "-e", os.path.join(self.tmp, "err.log")], check=True, timeout=20,
                       stdin=subprocess.DEVNULL, capture_output=True)
        self.ngx_started = True
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                if self.get("/health")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)

    def get(self, path, timeout=10):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return r.status, body

    def status(self):
        return json.loads(self.get("/status?json")[1])

    def stop(self):
        if self.ngx_started:
            pidf = os.path.join(self.tmp, "nginx.pid")
            if os.path.exists(pidf):
                try:
                    os.kill(int(open(pidf).read().strip()), signal.SIGTERM)
                except (OSError, ValueError):
                    pass
        if self.pool and self.pool.poll() is None:
            self.pool.send_signal(signal.SIGTERM)
            try:
                self.pool.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.pool.pid, signal.SIGKILL)
                self.pool.wait(5)
        time.sleep(0.2)
        shutil.rmtree(self.tmp, ignore_errors=True)


def test_recycle():
    p = OwnPool(WORKERS=2, MAX_REQUESTS=25)
    try:
        before = p.status()
        pids0 = {w["pid"] for w in before["workers"]}
        # which worker accepts a connection is up to the kernel: on a busy machine one worker
        # (and then its successor) can take every request while the other stays idle. So the
        # requests go on, in rounds over kept connections, until neither first worker serves.
        bad = []
        sent = 0
        st = before
        pids1 = pids0
        deadline = time.time() + 30
        while time.time() < deadline:
            c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=10)
            for i in range(50):
                sent += 1
                try:
                    c.request("GET", "/health")
                    r = c.getresponse()
                    r.read()
                    if r.status != 200:
                        bad.append(r.status)
                except (OSError, http.client.HTTPException) as e:
                    bad.append(repr(e))
                    c.close()
                    c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=10)
            c.close()
            st = p.status()
            pids1 = {w["pid"] for w in st["workers"] if w["state"] != "draining"}
            if sent >= 150 and pids1 and not (pids1 & pids0):
                break
            time.sleep(0.2)
        tap.check(not bad, "MAX_REQUESTS=25: %d requests over kept connections, none failed" % sent, bad[:5])
        # a worker past MAX_REQUESTS stops accepting and drains: it still answers on the
        # connections nginx keeps open to it until nginx closes them (keepalive_requests 100 /
        # keepalive_timeout 5s); it counts as recycled when it has exited
        deadline = time.time() + 15
        while time.time() < deadline and st["recycled"] < 2:
            time.sleep(0.2)
            st = p.status()
        tap.check(st["recycled"] >= 2, "MAX_REQUESTS=25: workers recycled", st)
        tap.check(pids1 and not (pids1 & pids0), "MAX_REQUESTS: the serving workers are new processes",
                  "%s -> %s after %d requests" % (sorted(pids0), sorted(pids1), sent))
        tap.check(st["restarts"] == 0, "recycling is not counted as a crash restart", st)
    finally:
        p.stop()


def test_stuck_worker():
    # a customer whose row we lock, so an update through the pool waits for the lock
    email = common.unique_email("stuck")
    r = common.request("POST", "/store/customers", json_body={"email": email, "password": "pw-stuck-1"})
    cid = (r.try_json() or {}).get("customer", {}).get("id")
    r = common.request("POST", "/store/auth/token", json_body={"email": email, "password": "pw-stuck-1"})
    tok = (r.try_json() or {}).get("access_token")
    tap.check(bool(cid and tok), "stuck: a customer and a token", r.brief())
    p = OwnPool(WORKERS=1, REQUEST_TIMEOUT=2)
    holder = None
    try:
        st0 = p.status()
        pid0 = st0["workers"][0]["pid"]
        holder = subprocess.Popen(
            ["mariadb", "--no-defaults", "-S", os.path.join(VAR, "mysqld.sock"), "-u", "root", "medusa", "-e",
             "START TRANSACTION; SELECT id FROM customer WHERE id = '%s' FOR UPDATE; SELECT SLEEP(8); ROLLBACK;"
             % cid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        t0 = time.time()
        c = http.client.HTTPConnection("127.0.0.1", p.port, timeout=30)
        c.request("POST", "/store/customers/me", body=json.dumps({"metadata": {"k": 1}}),
                  headers={"Content-Type": "application/json", "Authorization": "Bearer " + tok})
        resp = c.getresponse()
        body = resp.read()
        took = time.time() - t0
        c.close()
        # the worker is killed mid-request: nginx's 502, which its error_page answers as the JSON 503
        ans = common.Response(resp.status, resp.reason, resp.getheaders(), body, took)
        tap.check(not common.error_problems(ans, 503, "unknown_error") and took < 6,
                  "REQUEST_TIMEOUT=2: the stuck request ends with the JSON 503 within seconds, not a hang",
                  "HTTP %d after %.1f s: %r %s" % (resp.status, took, body[:200], common.error_problems(ans, 503)))
        deadline = time.time() + 5
        st = p.status()
        while time.time() < deadline and not (st["killed"] >= 1 and st["workers"] and
                                              st["workers"][0]["pid"] != pid0):
            time.sleep(0.1)
            st = p.status()
        tap.check(st["killed"] >= 1, "REQUEST_TIMEOUT: the master counted a killed stuck worker", st)
        tap.check(st["workers"] and st["workers"][0]["pid"] != pid0, "REQUEST_TIMEOUT: a new worker replaced it", st)
        log = open(p.log, errors="replace").read()
        tap.check("stuck in one request" in log, "REQUEST_TIMEOUT: the log says why the worker was killed",
                  log[-300:])
        holder.wait(15)
        holder = None
        s, b = p.get("/health")
        tap.check(s == 200, "after the kill the pool serves again", s)
    finally:
        if holder and holder.poll() is None:
            holder.kill()
        p.stop()


def children(pid):
    kids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            stat = open("/proc/%s/stat" % d).read()
        except OSError:
            continue
        # the ppid is the 2nd field after the ")" that ends the command name
        fields = stat[stat.rindex(")") + 2:].split()
        # workers only: the pool's relay process (README "Events") has its own restart delay
        if stat[stat.index("(") + 1:stat.rindex(")")] == "medusa-c-relay":
            continue
        if len(fields) > 1 and fields[1] == str(pid):
            kids.append(int(d))
    return kids


def test_crash_backoff():
    """A worker that dies at start-up must not make the master fork in a loop."""
    p = OwnPool(WORKERS=1)
    try:
        master = p.pool.pid
        killed = set()
        t_end = time.time() + 4.0
        while time.time() < t_end:
            for k in children(master):
                if k not in killed:
                    try:
                        os.kill(k, signal.SIGKILL)
                        killed.add(k)
                    except OSError:
                        pass
            time.sleep(0.005)
        # the master checks its workers every 200 ms: without a backoff ~20 workers would have
        # been forked in 4 s; with 100 ms doubling to 5 s it is 6-7
        tap.check(1 <= len(killed) <= 10, "a worker killed as soon as it starts: the master backs off",
                  "%d workers forked and killed in 4 s" % len(killed))
        tap.note("crash loop: %d workers forked in 4 s" % len(killed))
        deadline = time.time() + 10
        ok = False
        while time.time() < deadline and not ok:
            try:
                ok = p.get("/health", timeout=2)[0] == 200
            except OSError:
                pass
            if not ok:
                time.sleep(0.2)
        tap.check(ok, "after the crash loop ends, a worker serves again within 10 s")
        # the master counts a restart when it reaps the killed worker and forks the next; under
        # the sanitizers that can come a moment after /health answers: wait for it (2 s at most)
        st = p.status()
        t_count = time.time() + 2
        while st["restarts"] < len(killed) and time.time() < t_count:
            time.sleep(0.1)
            st = p.status()
        tap.check(st["restarts"] >= len(killed), "the master counted the restarts", st)
    finally:
        p.stop()


def main():
    common.require_health(tap)
    if not VAR or not BIN:
        tap.skip("own pools", "VAR and BIN are needed")
        tap.finish()
    test_recycle()
    test_stuck_worker()
    test_crash_backoff()
    tap.finish()


if __name__ == "__main__":
    main()
