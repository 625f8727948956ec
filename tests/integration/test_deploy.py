#!/usr/bin/env python3
"""Every deployment the users run, for real, on loopback ports (docs/DEPLOY.md).

Owns: rendering the deployment templates (apache/*.in, apache/htaccess.example,
apache/medusa-c.cgi.example, nginx/upstream-failover.conf.in) into a private temp
directory, starting a private Debian apache2 per setup (`apache2 -f <conf> -k start`,
its own Listen / PidFile / ErrorLog, modules loaded by path), and checking that:

  - the same requests give the same answers (status, Content-Type and body with ids,
    timestamps, emails and tokens masked) through nginx (the suite's stack, BASE_URL),
    Apache + mod_proxy_fcgi to the running pool, Apache + mod_cgid running $BIN per
    request, and Apache + a shared-hosting .htaccess with the CGI wrapper script;
  - the request id reaches the workers' log lines and comes back in X-Request-ID;
  - Apache's own 503 (pool unreachable) is the same JSON as nginx's;
  - no secret appears in any log Apache wrote, and no crash or sanitizer report;
  - nginx in front of two pools (the stack's and one started here) loses no request
    while one pool is stopped with SIGTERM in the middle of the traffic;
  - systemd/medusa-c.env.example is a valid configuration and the systemd units pass
    `systemd-analyze verify`.

Apache as root: Debian's apache2 refuses "User root" (built without BIG_SECURITY_HOLE),
so its children run as www-data. The pool's socket is 0666 and MariaDB's 0777, but the
suite's state directory is under a 0700 mktemp directory: the test adds search (x)
permission for others on the directories above $VAR that lack it and puts the old modes
back at the end. Started as another user, Apache runs as that user and nothing is changed.

Everything started here is stopped in `finally`, by pid. Python 3 standard library only.
Env (from tests/run.sh): VAR, BIN, BASE_URL, JWT_SECRET, COOKIE_SECRET; optional
STORE_CORS, PASSWORD_SCRYPT_LOGN (passed on to the CGI so it behaves like the pool),
APACHE2 (the apache2 binary), APACHE_MODULES (its module directory).
"""

import grp
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, parse_json, short  # noqa: E402

ROOT = common.repo_root()
VAR = os.environ.get("VAR", "")
BIN = os.environ.get("BIN", os.path.join(ROOT, "build", "medusa-c"))
JWT_SECRET = common.JWT_SECRET
COOKIE_SECRET = common.COOKIE_SECRET
APACHE2 = os.environ.get("APACHE2") or shutil.which("apache2") or "/usr/sbin/apache2"
MODULES = os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules")
AS_ROOT = os.geteuid() == 0

# Known gaps of the program, not of the setups: their checks print TAP "# SKIP" lines instead of failing.
# Remove a word when the gap is fixed.
#   cgi-drain: as a CGI program, a body over MAX_BODY is refused without reading stdin; mod_cgid
#              then fails writing the body (EPIPE) and drops the connection without an answer
#   kept-drain: in the pool, the same refusal leaves the rest of the body (FCGI_STDIN records)
#              unread on a kept connection; the next request the web server sends on it fails
#              (nginx retries a GET elsewhere, never a POST: the client gets a 503)
PENDING = set()

# Lines of an Apache error log that mean the program (or an Apache child serving it) crashed.
CRASH_RE = re.compile(r"AddressSanitizer|LeakSanitizer|runtime error|killed by signal|"
                      r"Segmentation fault|End of script output before headers|Premature end of script")
CRASHES = []

tap = Tap()
TMP = None           # this run's private directory
CLEANUPS = []        # callables run in reverse order at the end, each at most once
SECRETS = [s for s in (JWT_SECRET, COOKIE_SECRET) if s]


def scrub(text):
    """Text safe to print: the secrets replaced (log tails are printed on failure)."""
    for s in SECRETS:
        text = text.replace(s, "(secret)")
    return text


def tail(path, n=15):
    try:
        with open(path, "r", errors="replace") as f:
            lines = f.read().splitlines()[-n:]
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return scrub(" | ".join(lines))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def render(template, dest, values, mode=0o644):
    """Replace every @NAME@ in template (a repo path) with values[NAME]; all must be known."""
    with open(os.path.join(ROOT, template)) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@%s@" % k, v)
    left = sorted(set(re.findall(r"@[A-Z][A-Z_]*@", text)))
    if left:
        raise RuntimeError("%s: placeholders left after rendering: %s" % (template, left))
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.chmod(dest, mode)
    return dest


# --------------------------------------------------------------------------
# HTTP to any of the front ends


def call(port, method, path, json_body=None, token=None, headers=None, timeout=30):
    """One request on a fresh connection to 127.0.0.1:port; a common.Response."""
    hdrs = list((headers or {}).items())
    body = None
    if json_body is not None:
        body = json.dumps(json_body, separators=(",", ":")).encode()
        hdrs.append(("Content-Type", "application/json"))
    if token:
        hdrs.append(("Authorization", "Bearer " + token))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    t0 = time.time()
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in hdrs:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        return common.Response(r.status, r.reason, r.getheaders(), data, time.time() - t0)
    except (OSError, http.client.HTTPException) as e:
        raise common.TransportError("%s %s on port %d: %s" % (method, path, port, e))
    finally:
        conn.close()


def wait_http(port, seconds, alive=None):
    """True once GET /health on port answers at all (any status)."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            call(port, "GET", "/health", timeout=2)
            return True
        except common.TransportError:
            pass
        if alive is not None and not alive():
            return False
        time.sleep(0.1)
    return False


# --------------------------------------------------------------------------
# permissions for Apache's unprivileged children


def apache_identity():
    """(user, group) for Apache's User/Group: www-data (or nobody) as root, else ourselves."""
    if AS_ROOT:
        for name in ("www-data", "nobody"):
            try:
                pw = pwd.getpwnam(name)
                return name, grp.getgrgid(pw.pw_gid).gr_name
            except KeyError:
                continue
        raise RuntimeError("no www-data or nobody user for Apache's children")
    pw = pwd.getpwuid(os.geteuid())
    return pw.pw_name, grp.getgrgid(os.getegid()).gr_name


def grant_search(path):
    """Add o+x to every directory from path up to / that lacks it; undone by a cleanup."""
    if not AS_ROOT:
        return
    d = os.path.realpath(path)
    changed = []
    while True:
        st = os.stat(d)
        if stat.S_ISDIR(st.st_mode) and not st.st_mode & stat.S_IXOTH:
            os.chmod(d, stat.S_IMODE(st.st_mode) | stat.S_IXOTH)
            changed.append((d, stat.S_IMODE(st.st_mode)))
        if d == "/":
            break
        d = os.path.dirname(d)
    if changed:
        tap.note("granted search permission to Apache's user on: %s" % ", ".join(c[0] for c in changed))

    def restore():
        for p, m in changed:
            try:
                os.chmod(p, m)
            except OSError:
                pass
    CLEANUPS.append(restore)


# --------------------------------------------------------------------------
# a private Apache


class Apache:
    def __init__(self, name, site_text_or_template, values=None):
        self.name = name
        self.dir = os.path.join(TMP, "apache-" + name)
        os.mkdir(self.dir)
        os.chmod(self.dir, 0o755)  # the children connect to the mod_cgid socket in it
        self.port = free_port()
        self.conf = os.path.join(self.dir, "httpd.conf")
        self.site = os.path.join(self.dir, "site.conf")
        self.pid = None
        vals = {"VHOST": "127.0.0.1:%d" % self.port, "SERVER_NAME": "localhost"}
        vals.update(values or {})
        if site_text_or_template.endswith(".in"):
            render(site_text_or_template, self.site, vals)
        else:
            with open(self.site, "w") as f:
                f.write(site_text_or_template.replace("@VHOST@", vals["VHOST"]))
        user, group = apache_identity()
        render("apache/httpd-standalone.conf.in", self.conf, {
            "MODULES": MODULES, "DIR": self.dir, "LISTEN": "127.0.0.1:%d" % self.port,
            "USER": user, "GROUP": group, "SITE": self.site})

    @property
    def error_log(self):
        return os.path.join(self.dir, "error.log")

    def start(self):
        # A minimal environment: the CGI must get its configuration from the site's SetEnv
        # lines (or the wrapper's env file), not from whatever the test runner exported.
        env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C"}
        p = subprocess.run([APACHE2, "-f", self.conf, "-k", "start"], env=env, cwd=self.dir,
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=30)
        CLEANUPS.append(self.stop)
        out = scrub(p.stdout.decode(errors="replace")).strip()
        if p.returncode != 0:
            tap.not_ok("apache %s: apache2 -k start" % self.name,
                       "exit %d: %s; error.log: %s" % (p.returncode, out, tail(self.error_log)))
            return False
        pidfile = os.path.join(self.dir, "httpd.pid")
        deadline = time.time() + 10
        while time.time() < deadline and self.pid is None:
            try:
                with open(pidfile) as f:
                    self.pid = int(f.read().strip())
            except (OSError, ValueError):
                time.sleep(0.05)
        if self.pid is None:
            tap.not_ok("apache %s: started" % self.name, "no pid file; error.log: %s" % tail(self.error_log))
            return False
        if not wait_http(self.port, 15, alive=lambda: pid_alive(self.pid)):
            tap.not_ok("apache %s: answers on 127.0.0.1:%d" % (self.name, self.port),
                       "error.log: %s" % tail(self.error_log))
            return False
        tap.ok("apache %s: started on 127.0.0.1:%d (pid %d)" % (self.name, self.port, self.pid))
        return True

    def stop(self, crashes=None):
        """Stop by pid. With a list, first append the error log's crash and sanitizer lines to
        it: read before the stop, as a crash while Apache shuts down is Apache's business."""
        if crashes is not None:
            try:
                with open(self.error_log, errors="replace") as f:
                    crashes += ["%s: %s" % (self.name, scrub(ln)) for ln in f.read().splitlines()
                                if CRASH_RE.search(ln)]
            except OSError:
                pass
        if self.pid is None:
            return
        pid, self.pid = self.pid, None
        subprocess.run([APACHE2, "-f", self.conf, "-k", "stop"], env={"PATH": "/usr/sbin:/usr/bin:/bin"},
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       timeout=30)
        if not wait_gone(pid, 10):
            kill_group(pid, signal.SIGKILL)
            wait_gone(pid, 5)


def pid_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_gone(pid, seconds):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if not pid_alive(pid):
            return True
        time.sleep(0.05)
    return not pid_alive(pid)


def kill_group(pid, sig):
    """Signal the process group led by pid (a daemon we started), or pid alone."""
    for target in (lambda: os.killpg(pid, sig), lambda: os.kill(pid, sig)):
        try:
            target()
            return
        except (ProcessLookupError, PermissionError):
            continue


# --------------------------------------------------------------------------
# the scenario every front end runs

ID_ANY = re.compile(r"^([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}$")


def mask(v, email):
    """Server-generated values replaced by their kind, so two setups can be compared."""
    if isinstance(v, dict):
        return {k: mask(x, email) for k, x in v.items()}
    if isinstance(v, list):
        return [mask(x, email) for x in v]
    if isinstance(v, str):
        m = ID_ANY.match(v)
        if m:
            return "<%s_id>" % m.group(1)
        if common.TS_RE.match(v):
            return "<timestamp>"
        if common.JWT_RE.match(v):
            return "<jwt>" if common.jwt_verify(v) else "<jwt not signed with JWT_SECRET>"
        if v == email:
            return "<email>"
    return v


def scenario(port, tag):
    """Run the fixed request list against one front end; a list of (label, status, ct, masked body)."""
    email = "deploy-%s.%s@example.com" % (tag, common.RUN)
    password = "pw-" + common.RUN
    out = []

    def step(label, method, path, **kw):
        try:
            r = call(port, method, path, **kw)
        except common.TransportError as e:
            out.append((label, 0, None, "no answer: %s" % e))
            return common.Response(0, "", [], b"", 0)
        ct = r.header("Content-Type")
        if ct and ct.startswith("application/json"):
            try:
                body = json.dumps(mask(parse_json(r.body), email), separators=(",", ":"))
            except ValueError as e:
                body = "(bad JSON: %s) %s" % (e, short(r.body))
        else:
            body = r.text
        out.append((label, r.status, ct, body))
        return r

    step("GET /health", "GET", "/health")
    step("GET /health?probe=1", "GET", "/health?probe=1")
    step("register", "POST", "/store/customers",
         json_body={"email": email, "password": password, "first_name": "Ann", "last_name": "Lee"})
    r = step("POST /store/auth/token", "POST", "/store/auth/token",
             json_body={"email": email, "password": password})
    token = (r.try_json() or {}).get("access_token") if r.status == 200 else None
    step("GET /store/auth/:email", "GET", "/store/auth/" + urllib.parse.quote(email, safe=""))
    step("GET /store/customers/me", "GET", "/store/customers/me", token=token or "none")
    step("POST /store/customers/me (metadata + billing_address)", "POST", "/store/customers/me",
         token=token or "none",
         json_body={"first_name": "Laury", "metadata": {"tier": "gold", "n": 1.5},
                    "billing_address": {"first_name": "Laury", "last_name": "Rossi", "address_1": "Via Roma 1",
                                        "city": "Milano", "country_code": "it", "postal_code": "20121"}})
    step("GET /store/customers/me after update", "GET", "/store/customers/me", token=token or "none")
    step("validation error", "POST", "/store/customers/me", token=token or "none",
         json_body={"first_name": 5})
    step("unknown route", "GET", "/store/no-such-route")
    step("no token", "GET", "/store/customers/me")
    step(BIG_BODY, "POST", "/store/customers/me", token=token or "none",
         json_body={"first_name": "x" * 200000})
    return out


BIG_BODY = "body over MAX_BODY (200 KB)"
# What nginx (the reference front end) must answer, so that equal answers mean right answers.
WANT_STATUS = [200, 200, 200, 200, 200, 200, 200, 200, 400, 404, 401, 413]


def compare(name, got, ref):
    for (label, st, ct, body), (_, rst, rct, rbody) in zip(got, ref):
        if (st, ct, body) == (rst, rct, rbody):
            tap.ok("%s: %s same as nginx (%d)" % (name, label, st))
        elif label == BIG_BODY and "cgi-drain" in PENDING and name in ("apache cgi", "apache htaccess"):
            tap.pending("%s: %s same as nginx" % (name, label), "cgi-drain: got %d %s" % (st, short(body, 200)))
        else:
            tap.not_ok("%s: %s same as nginx" % (name, label),
                       "got %d %r %s; nginx %d %r %s" % (st, ct, short(body, 400), rst, rct, short(rbody, 400)))


def check_request_id(name, port, log_path):
    rid = "deploy-%s-%s" % (name, common.RUN)
    r = call(port, "GET", "/health", headers={"X-Request-ID": rid})
    tap.check(r.header("X-Request-ID") == rid, "%s: X-Request-ID from the client comes back" % name,
              "got %r" % r.header("X-Request-ID"))
    found = False
    deadline = time.time() + 3
    while time.time() < deadline and not found:
        try:
            with open(log_path, errors="replace") as f:
                found = ("req %s GET /health 200" % rid) in f.read()
        except OSError:
            pass
        if not found:
            time.sleep(0.1)
    tap.check(found, "%s: the request id is in the worker's log line" % name,
              "no 'req %s GET /health 200' in %s" % (rid, log_path))
    r = call(port, "GET", "/health", headers={"X-Request-ID": "bad id\twith tab"})
    gen = r.header("X-Request-ID") or ""
    tap.check(re.match(r"^[A-Za-z0-9@_-]{16,}$", gen) is not None,
              "%s: an insane X-Request-ID is replaced by a generated one" % name, "got %r" % gen)


# --------------------------------------------------------------------------
# the setups


def cgi_env_extra():
    """(name, value) pairs the CGI gets besides the three required ones: what makes it behave
    like the suite's pool, and the sanitizer options of a SANITIZE run without log_path (the
    reports then go to Apache's error log, which this test reads)."""
    out = []
    for k in ("STORE_CORS", "PASSWORD_SCRYPT_LOGN", "ASAN_OPTIONS", "UBSAN_OPTIONS"):
        v = os.environ.get(k)
        if k.endswith("SAN_OPTIONS") and v:
            v = ":".join(o for o in v.split(":") if o and not o.startswith("log_path="))
        if v:
            out.append((k, v))
    return out


def apache_setups(ref):
    if not os.path.exists(APACHE2):
        tap.not_ok("apache2 is installed", "no %s (Debian: apt-get install apache2-bin)" % APACHE2)
        return
    if not os.path.isdir(MODULES):
        tap.not_ok("apache2 modules are installed", "no %s" % MODULES)
        return
    # The secrets go between quotes into an Apache file and a shell-sourced file.
    if not all(re.match(r"^[A-Za-z0-9_.,:;+=/@%-]+$", x) for x in SECRETS + [VAR, BIN]):
        tap.not_ok("secrets and paths are plain enough to quote", "JWT_SECRET, COOKIE_SECRET, VAR or BIN "
                   "has a character outside [A-Za-z0-9_.,:;+=/@%-]")
        return
    sock = os.path.join(VAR, "medusa-c.sock")
    mysock = os.path.join(VAR, "mysqld.sock")
    grant_search(VAR)
    grant_search(os.path.dirname(BIN))

    # (a) mod_proxy_fcgi to the running pool
    a = Apache("fcgi", "apache/medusa-c-fcgi.conf.in", {"SOCK": sock})
    if a.start():
        compare("apache fcgi", scenario(a.port, "fcgi"), ref)
        check_request_id("apache-fcgi", a.port, os.path.join(VAR, "log", "medusa-c.log"))
        a.stop(CRASHES)

    # (b) mod_cgid running the binary per request, configured by SetEnv in a 0600 include
    envconf = os.path.join(TMP, "medusa-c-env.conf")
    lines = ['SetEnv DATABASE_URL "mysql://root@localhost/medusa?socket=%s"' % mysock,
             'SetEnv JWT_SECRET "%s"' % JWT_SECRET, 'SetEnv COOKIE_SECRET "%s"' % COOKIE_SECRET]
    lines += ['SetEnv %s "%s"' % kv for kv in cgi_env_extra()]
    fd = os.open(envconf, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    b = Apache("cgi", "apache/medusa-c-cgi.conf.in",
               {"BIN": BIN, "BIN_DIR": os.path.dirname(BIN), "ENV_CONF": envconf})
    if b.start():
        compare("apache cgi", scenario(b.port, "cgi"), ref)
        check_request_id("apache-cgi", b.port, b.error_log)
        b.stop(CRASHES)

    # (c) shared hosting: a docroot with .htaccess and the wrapper script; the host's vhost
    # allows what most hosts allow (FileInfo and Options overrides, not AuthConfig).
    docroot = os.path.join(TMP, "public_html")
    appdir = os.path.join(TMP, "home-medusa-c")
    for d in (docroot, appdir):
        os.mkdir(d)
        os.chmod(d, 0o755)
    shutil.copyfile(os.path.join(ROOT, "apache", "htaccess.example"), os.path.join(docroot, ".htaccess"))
    os.chmod(os.path.join(docroot, ".htaccess"), 0o644)
    envfile = os.path.join(appdir, "medusa-c.env")
    lines = ["DATABASE_URL='mysql://root@localhost/medusa?socket=%s'" % mysock,
             "JWT_SECRET='%s'" % JWT_SECRET, "COOKIE_SECRET='%s'" % COOKIE_SECRET]
    lines += ["%s='%s'" % kv for kv in cgi_env_extra()]
    fd = os.open(envfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("\n".join(lines) + "\n")
    if AS_ROOT:  # the CGI runs as Apache's user here (suexec would run it as the site owner)
        pw = pwd.getpwnam(apache_identity()[0])
        os.chown(envfile, pw.pw_uid, pw.pw_gid)
    render("apache/medusa-c.cgi.example", os.path.join(docroot, "medusa-c.cgi"),
           {"ENV_FILE": envfile, "BIN": BIN}, mode=0o755)
    host_vhost = ('<VirtualHost @VHOST@>\n'
                  '    ServerName localhost\n'
                  '    DocumentRoot "%s"\n'
                  '    <Directory "%s">\n'
                  '        AllowOverride FileInfo Options\n'
                  '        Require all granted\n'
                  '    </Directory>\n'
                  '</VirtualHost>\n') % (docroot, docroot)
    c = Apache("htaccess", host_vhost)
    if c.start():
        compare("apache htaccess", scenario(c.port, "htaccess"), ref)
        check_request_id("apache-htaccess", c.port, c.error_log)
        r = call(c.port, "GET", "/not-the-api.html")
        tap.check(r.status == 404 and "json" not in (r.header("Content-Type") or ""),
                  "apache htaccess: paths outside /store/ and /health stay the host's", r.brief())
        c.stop(CRASHES)

    # (d) Apache's own answer when the pool is unreachable: nginx's JSON 503
    d = Apache("fcgi-down", "apache/medusa-c-fcgi.conf.in", {"SOCK": os.path.join(TMP, "no-pool.sock")})
    if d.start():
        r = call(d.port, "GET", "/store/customers/me")
        want = b'{"code":"unknown_error","type":"unknown_error","message":"An unknown error occurred."}'
        tap.check(r.status == 503 and r.body == want
                  and r.header("Content-Type") == "application/json; charset=utf-8"
                  and r.header("Retry-After") == "1",
                  "apache fcgi: pool unreachable -> 503 JSON with Retry-After, as nginx", r.brief())
        d.stop(CRASHES)

    leaked = []
    for inst in (a, b, c, d):
        for fn in os.listdir(inst.dir):
            if fn.endswith(".log"):
                with open(os.path.join(inst.dir, fn), errors="replace") as f:
                    text = f.read()
                leaked += ["%s/%s" % (inst.name, fn) for s in SECRETS if s in text]
    tap.check(not leaked, "no secret in any log Apache wrote", "found in %s" % sorted(set(leaked)))
    tap.check(not CRASHES, "no crash or sanitizer report while the setups served",
              " | ".join(CRASHES[:5]))


def failover():
    """nginx/upstream-failover.conf.in over the stack's pool and a second one started here."""
    fo = os.path.join(TMP, "failover")
    os.mkdir(fo)
    p2_sock = os.path.join(fo, "p2.sock")
    p2_log = os.path.join(fo, "p2.log")
    env = dict(os.environ)
    env.update({"DATABASE_URL": "mysql://root@localhost/medusa?socket=%s" % os.path.join(VAR, "mysqld.sock"),
                "LISTEN": "unix:" + p2_sock, "WORKERS": "1"})
    env.pop("GATEWAY_INTERFACE", None)
    with open(p2_log, "ab") as logf:
        p2 = subprocess.Popen([BIN], env=env, stdin=subprocess.DEVNULL, stdout=logf, stderr=subprocess.STDOUT,
                              cwd=fo, start_new_session=True)

    def stop_p2():
        if p2.poll() is None:
            p2.send_signal(signal.SIGTERM)
            try:
                p2.wait(15)
            except subprocess.TimeoutExpired:
                kill_group(p2.pid, signal.SIGKILL)  # the master and its workers (own session)
                p2.wait(5)
    CLEANUPS.append(stop_p2)

    deadline = time.time() + 10
    while time.time() < deadline and not os.path.exists(p2_sock) and p2.poll() is None:
        time.sleep(0.05)
    if not tap.check(os.path.exists(p2_sock), "failover: second pool listens on %s" % p2_sock,
                     "exit %r; log: %s" % (p2.poll(), tail(p2_log))):
        return

    port = free_port()
    site = render("nginx/upstream-failover.conf.in", os.path.join(fo, "site.conf"), {
        "LISTEN": "127.0.0.1:%d" % port, "SERVER_NAME": "localhost",
        "ACCESS_LOG": os.path.join(fo, "access.log"),
        "POOL_A": "unix:" + os.path.join(VAR, "medusa-c.sock"), "POOL_B": "unix:" + p2_sock})
    # The site file inside the smallest nginx.conf of its own (what /etc/nginx/nginx.conf is for
    # a system nginx). As root, workers run as root: they must reach the root-owned sockets.
    conf = os.path.join(fo, "nginx.conf")
    with open(conf, "w") as f:
        f.write("%s\nworker_processes 2;\npid \"%s/nginx.pid\";\nevents { worker_connections 1024; }\n"
                "http {\n    default_type application/octet-stream;\n" % ("user root;" if AS_ROOT else "", fo))
        for t in ("client_body", "fastcgi", "proxy", "uwsgi", "scgi"):
            f.write('    %s_temp_path "%s/%s";\n' % (t, fo, t))
        f.write('    include "%s";\n}\n' % site)
    errlog = os.path.join(fo, "err.log")
    t = subprocess.run(["nginx", "-q", "-t", "-p", fo + "/", "-c", conf, "-e", errlog],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    if not tap.check(t.returncode == 0, "failover: nginx accepts the rendered template",
                     t.stdout.decode(errors="replace")):
        return
    s = subprocess.run(["nginx", "-p", fo + "/", "-c", conf, "-e", errlog], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    ngx_pid = [None]

    def stop_nginx():
        pid = ngx_pid[0]
        if pid is None:
            try:
                with open(os.path.join(fo, "nginx.pid")) as f:
                    pid = int(f.read().strip())
            except (OSError, ValueError):
                return
        ngx_pid[0] = None
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        if not wait_gone(pid, 10):
            kill_group(pid, signal.SIGKILL)
    CLEANUPS.append(stop_nginx)
    if not tap.check(s.returncode == 0 and wait_http(port, 10), "failover: nginx started on 127.0.0.1:%d" % port,
                     "%s %s" % (s.stdout.decode(errors="replace"), tail(errlog))):
        return
    try:
        with open(os.path.join(fo, "nginx.pid")) as f:
            ngx_pid[0] = int(f.read().strip())
    except (OSError, ValueError):
        pass

    # a customer to read (GET /store/customers/me is idempotent: nginx may retry it)
    email = "deploy-failover.%s@example.com" % common.RUN
    call(port, "POST", "/store/customers", json_body={"email": email, "password": "pw-" + common.RUN})
    r = call(port, "POST", "/store/auth/token", json_body={"email": email, "password": "pw-" + common.RUN})
    token = (r.try_json() or {}).get("access_token")
    if not tap.check(r.status == 200 and token, "failover: register and log in through the pools", r.brief()):
        return

    slowest = [0.0, None]

    def one(i):
        try:
            if i % 2:
                r = call(port, "GET", "/store/customers/me", token=token, timeout=20)
                good = r.status == 200 and (r.try_json() or {}).get("customer", {}).get("email") == email
            else:
                r = call(port, "GET", "/health", timeout=20)
                good = r.status == 200 and r.body == b"OK"
            if r.elapsed > slowest[0]:
                slowest[0], slowest[1] = r.elapsed, i
            return None if good else r.brief()
        except common.TransportError as e:
            return str(e)

    # both pools serve
    errs = [e for e in (one(i) for i in range(40)) if e]
    served = open(p2_log, errors="replace").read().count(" info req ")
    tap.check(not errs, "failover: 40 requests through two pools all succeed", "; ".join(errs[:3]))
    tap.check(served > 0, "failover: the second pool served some of them", "p2 log: %s" % tail(p2_log))

    # request id: generated one and a front balancer's one both reach a pool's log line
    rid = "deploy-failover-%s" % common.RUN
    r = call(port, "GET", "/health", headers={"X-Request-ID": rid})
    tap.check(r.header("X-Request-ID") == rid, "failover: the front balancer's X-Request-ID is kept",
              "got %r" % r.header("X-Request-ID"))
    r2 = call(port, "GET", "/health")
    gen = r2.header("X-Request-ID") or ""
    tap.check(re.match(r"^[0-9a-f]{32}$", gen) is not None, "failover: without one, nginx's $request_id",
              "got %r" % gen)
    time.sleep(0.3)
    logs = open(p2_log, errors="replace").read() + open(os.path.join(VAR, "log", "medusa-c.log"),
                                                          errors="replace").read()
    tap.check(("req %s GET /health" % rid) in logs and ("req %s GET /health" % gen) in logs,
              "failover: both request ids are in a pool's log line", "ids %s %s" % (rid, gen))

    # 200 requests from 4 clients; the second pool gets SIGTERM after the first 50
    total, clients = 200, 4
    lock = threading.Lock()
    state = {"next": 0, "done": 0, "errors": [], "killed_at": None}

    def client():
        while True:
            with lock:
                i = state["next"]
                if i >= total:
                    return
                state["next"] += 1
            e = one(i)
            with lock:
                state["done"] += 1
                if e:
                    state["errors"].append("#%d: %s" % (i, e))
                if state["done"] == 50 and state["killed_at"] is None:
                    state["killed_at"] = i
                    p2.send_signal(signal.SIGTERM)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.time()
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    elapsed = time.time() - t0
    stopped = False
    try:
        p2.wait(15)
        stopped = True
    except subprocess.TimeoutExpired:
        pass
    with open(p2_log, errors="replace") as f:
        crashed = [ln for ln in f.read().splitlines() if "killed by signal" in ln]
    tap.check(state["killed_at"] is not None and stopped and p2.returncode == 0 and not crashed,
              "failover: the second pool was stopped with SIGTERM mid-traffic and exited 0, no worker crashed",
              "killed_at=%r exit=%r; log: %s" % (state["killed_at"], p2.poll(), tail(p2_log)))
    tap.check(state["done"] == total and not state["errors"],
              "failover: %d requests from %d clients, zero failures across the stop (%.1f s)"
              % (total, clients, elapsed),
              "%d done, %d failed: %s" % (state["done"], len(state["errors"]), "; ".join(state["errors"][:3])))
    # Not a failure, but worth seeing: a pool that drains keeps its listening socket open without
    # accepting, so a connection nginx opened to it meanwhile waits until the pool exits.
    tap.note("failover: slowest request %.2f s (#%s)" % (slowest[0], slowest[1]))
    errs = [e for e in (one(i) for i in range(20)) if e]
    tap.check(not errs, "failover: 20 more requests with one pool down all succeed", "; ".join(errs[:3]))


def kept_connection_probe(port):
    """A POST right after a refused oversized body, through nginx's kept connections."""
    email = "deploy-kept.%s@example.com" % common.RUN
    call(port, "POST", "/store/customers", json_body={"email": email, "password": "pw-" + common.RUN})
    r = call(port, "POST", "/store/auth/token", json_body={"email": email, "password": "pw-" + common.RUN})
    token = (r.try_json() or {}).get("access_token")
    if not tap.check(r.status == 200 and token, "kept connections: setup", r.brief()):
        return
    bad = []
    for i in range(20):
        big = call(port, "POST", "/store/customers/me", token=token, json_body={"first_name": "x" * 200000})
        r = call(port, "POST", "/store/customers/me", token=token, json_body={"last_name": "L%d" % i})
        if big.status != 413 or r.status != 200:
            bad.append("#%d: %d then %d" % (i, big.status, r.status))
    name = "kept connections: 20 x (413 for a 200 KB body, then a POST) through nginx all answer"
    if bad and "kept-drain" in PENDING:
        tap.pending(name, "kept-drain: %d of 20 failed (%s)" % (len(bad), "; ".join(bad[:3])))
    else:
        tap.check(not bad, name, "; ".join(bad[:5]))


def static_checks():
    """The files a user copies as they are: the env example is a valid configuration, the
    systemd units parse (systemd-analyze verify, with the install paths pointed at stand-ins)."""
    env = {"PATH": "/usr/bin:/bin"}
    example = os.path.join(ROOT, "systemd", "medusa-c.env.example")
    # with the two secrets a user must make (openssl rand -hex 32) the file is a valid configuration
    p = subprocess.run(["sh", "-c", 'set -a; . "$1"; JWT_SECRET=$3 COOKIE_SECRET=$4; set +a; exec "$2" --check-config',
                        "sh", example, BIN, "j" * 64, "c" * 64],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    tap.check(p.returncode == 0, "systemd/medusa-c.env.example: sh-sourceable and accepted by --check-config "
              "(with its secrets made)", scrub(p.stdout.decode(errors="replace")))
    # as copied, its placeholder secrets cannot go live: refused with a line naming them
    p = subprocess.run(["sh", "-c", 'set -a; . "$1"; set +a; exec "$2" --check-config', "sh", example, BIN],
                       env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    out = p.stdout.decode(errors="replace")
    tap.check(p.returncode == 2 and "JWT_SECRET: too short" in out and "COOKIE_SECRET: too short" in out,
              "systemd/medusa-c.env.example as copied: the placeholder secrets are refused", scrub(out))
    sa = shutil.which("systemd-analyze")
    if not sa:
        tap.note("systemd-analyze not installed: the unit files are not verified")
        return
    d = os.path.join(TMP, "systemd")
    os.mkdir(d)
    open(os.path.join(d, "env"), "w").close()
    units = []
    for name in ("medusa-c.service", "medusa-c-migrate.service"):
        with open(os.path.join(ROOT, "systemd", name)) as f:
            text = f.read()
        text = (text.replace("/opt/medusa-c/build/medusa-c", BIN)
                .replace("/opt/medusa-c/sql/migrate.sh", os.path.join(ROOT, "sql", "migrate.sh"))
                .replace("/etc/medusa-c/medusa-c.env", os.path.join(d, "env")))
        units.append(os.path.join(d, name))
        with open(units[-1], "w") as f:
            f.write(text)
    p = subprocess.run([sa, "verify"] + units, cwd=d, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=60)
    out = p.stdout.decode(errors="replace").strip()
    tap.check(p.returncode == 0 and not out, "systemd units pass systemd-analyze verify", out)


def main():
    global TMP
    if not VAR or not os.path.isdir(VAR):
        print("not ok - VAR is not the running stack's state directory: %r" % VAR)
        sys.exit(1)
    ref_port = common.PORT
    TMP = tempfile.mkdtemp(prefix="medusa-c-deploy.")
    os.chmod(TMP, 0o755)  # Apache's children (www-data) reach the mod_cgid sockets and the docroot
    try:
        static_checks()
        ref = scenario(ref_port, "nginx")
        got = [st for _, st, _, _ in ref]
        if tap.check(got == WANT_STATUS, "nginx (reference): the scenario answers as the API says",
                     "statuses %s, want %s; %s" % (got, WANT_STATUS, short([r for r in ref if r[1] >= 500], 600))):
            apache_setups(ref)
        kept_connection_probe(ref_port)
        failover()
    except Exception:  # a bug here must show as a failure, with its traceback
        tap.not_ok("test_deploy ran to the end", scrub(traceback.format_exc()))
    finally:
        for fn in reversed(CLEANUPS):
            try:
                fn()
            except Exception as e:  # keep cleaning up
                tap.note("cleanup: %s" % e)
        if tap.failed:
            tap.note("files kept in %s" % TMP)
        else:
            shutil.rmtree(TMP, ignore_errors=True)
    tap.finish()


if __name__ == "__main__":
    main()
