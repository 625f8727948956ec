"""Shared helpers for the integration tests that drive the real stack over HTTP.

Owns: the environment (BASE_URL, JWT_SECRET, COOKIE_SECRET), a tiny HTTP client
(one connection per request, raw bytes kept so number formatting can be checked),
the TAP printer, JWT and connect.sid helpers (minted and verified with the same
secrets the stack runs with), the transcript parser, and the order-sensitive JSON
comparison used by replay.py and test_api.py.

Python 3 standard library only. Every assertion prints one line:
"ok - <name>" or "not ok - <name>: <why>"; "# ..." lines are comments and count
for nothing (skips are comments on purpose, so they can never pass as passed).
"""

import base64
import calendar
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import sys
import time
import urllib.parse

# --------------------------------------------------------------------------
# environment

BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:18081").rstrip("/")


def _stack_secret(name):
    """The stack's secret: from the environment, else from $VAR/secrets.env, which
    scripts/stack.sh generates when it was started without one (None if neither)."""
    if os.environ.get(name):
        return os.environ[name]
    try:
        with open(os.path.join(os.environ.get("VAR", "var"), "secrets.env")) as f:
            for line in f:
                if line.startswith(name + "="):
                    return line.split("=", 1)[1].strip()
    except OSError:
        pass
    return None


JWT_SECRET = _stack_secret("JWT_SECRET")
COOKIE_SECRET = _stack_secret("COOKIE_SECRET")

_u = urllib.parse.urlsplit(BASE_URL)
if _u.scheme != "http" or not _u.hostname:
    sys.stderr.write("BASE_URL must look like http://host:port, got %r\n" % BASE_URL)
    sys.exit(2)
HOST = _u.hostname
PORT = _u.port or 80

# Lower-case on purpose: the server lower-cases emails, so a suffix with capitals
# would make "what we sent" and "what is stored" differ for the wrong reason.
RUN = "r" + secrets.token_hex(4)
_counter = [0]


def unique_email(tag="t"):
    """A fresh lower-case address, unique across runs and within this run."""
    _counter[0] += 1
    return "%s.%s.%d@example.com" % (tag, RUN, _counter[0])


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def transcripts_dir():
    """<repo>/../shared/reference/transcripts unless TRANSCRIPTS overrides it."""
    d = os.environ.get("TRANSCRIPTS")
    if d:
        return d
    return os.path.normpath(os.path.join(repo_root(), "..", "shared", "reference", "transcripts"))


# --------------------------------------------------------------------------
# TAP output


def _one_line(s, limit=600):
    s = str(s).replace("\r", "\\r").replace("\n", "\\n")
    if len(s) > limit:
        s = s[:limit] + "...(%d more chars)" % (len(s) - limit)
    return s


def short(v, limit=300):
    """repr of a value, on one line and truncated, for got/want messages."""
    if isinstance(v, (bytes, bytearray)):
        r = repr(bytes(v))
    elif isinstance(v, (dict, list)):
        try:
            r = json.dumps(v, separators=(",", ":"), ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            r = repr(v)
    else:
        r = repr(v)
    return _one_line(r, limit)


class Tap:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.skipped = 0

    def ok(self, name):
        self.passed += 1
        print("ok - %s" % _one_line(name, 200), flush=True)

    def not_ok(self, name, why):
        self.failed += 1
        print("not ok - %s: %s" % (_one_line(name, 200), _one_line(why, 1200)), flush=True)

    def check(self, cond, name, why="condition false"):
        if cond:
            self.ok(name)
        else:
            self.not_ok(name, why)
        return bool(cond)

    def eq(self, got, want, name):
        """got == want with strict types and key order (see diff())."""
        d = diff(got, want)
        if d is None:
            self.ok(name)
            return True
        self.not_ok(name, d)
        return False

    def errors(self, errs, name):
        """Pass iff errs (a list of strings) is empty."""
        if not errs:
            self.ok(name)
            return True
        self.not_ok(name, "; ".join(errs[:6]) + (" (+%d more)" % (len(errs) - 6) if len(errs) > 6 else ""))
        return False

    def skip(self, name, reason):
        """A TAP skip: tests/run.sh counts it as skipped (never passed) and fails the run
        for it unless the part may skip (see LOCAL_SKIPPABLE there)."""
        self.skipped += 1
        print("ok - %s # SKIP %s" % (_one_line(name, 200).replace("#", "_"), _one_line(reason, 300)), flush=True)

    def pending(self, name, reason):
        """A check of a feature not built yet (say which issue): a TAP skip whose reason starts
        with "pending". tests/run.sh counts and lists it as skipped and, unlike any other skip,
        lets the run pass (in CI too): remove the call when the feature lands."""
        self.skip(name, "pending: " + reason)

    def note(self, msg):
        print("# %s" % _one_line(msg, 1000), flush=True)

    def finish(self):
        print("# %d passed, %d failed, %d skipped" % (self.passed, self.failed, self.skipped), flush=True)
        sys.exit(1 if self.failed else 0)


# --------------------------------------------------------------------------
# HTTP


class DuplicateKey(ValueError):
    pass


def _pairs_no_dup(pairs):
    d = {}
    for k, v in pairs:
        if k in d:
            raise DuplicateKey("duplicate key %r in response JSON" % k)
        d[k] = v
    return d


def parse_json(raw):
    """Parse bytes as UTF-8 JSON keeping key order; duplicate keys are an error."""
    return json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs_no_dup)


class Response:
    def __init__(self, status, reason, headers, body, elapsed):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value) as received
        self.body = body  # bytes
        self.elapsed = elapsed

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def header_all(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def json(self):
        return parse_json(self.body)

    def try_json(self):
        try:
            return parse_json(self.body)
        except (ValueError, UnicodeDecodeError):
            return None

    def cookie(self, name="connect.sid"):
        """Value of the named cookie in Set-Cookie (raw, still percent-encoded), or None."""
        for v in self.header_all("Set-Cookie"):
            first = v.split(";", 1)[0]
            if "=" in first:
                k, val = first.split("=", 1)
                if k.strip() == name:
                    return val.strip()
        return None

    def brief(self, limit=300):
        return "HTTP %d ct=%r body=%s" % (self.status, self.header("Content-Type"), short(self.body, limit))


class TransportError(Exception):
    pass


JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"


def error_problems(r, status=None, etype=None, message=None, code=None):
    """Why r is not the Medusa JSON error wanted; [] when it is.

    Whatever the caller pins, every error answer must carry the JSON Content-Type and a
    body that parses as an object with string "type" and "message": an HTML page where
    JSON is promised (nginx's own error page, say) is a failure, never a pass.
    status: the one status the server gives (int), or None for "a 4xx" where the
    status is checked elsewhere; etype, code: exact, or None; message: exact string,
    compiled regex, or None (any string).
    """
    if isinstance(r, TransportError):
        return ["no answer: %s" % r]
    errs = []
    assert status is None or isinstance(status, int), "pin one status (an int), got %r" % (status,)
    if status is not None and r.status != status:
        errs.append("status %d, want %d" % (r.status, status))
    elif status is None and not 400 <= r.status < 500:
        errs.append("status %d, want a 4xx" % r.status)
    if r.header("Content-Type") != JSON_CT:
        errs.append("Content-Type %r, want %r" % (r.header("Content-Type"), JSON_CT))
    j = r.try_json()
    if not isinstance(j, dict) or not isinstance(j.get("type"), str) or not isinstance(j.get("message"), str):
        errs.append("body is not a JSON error {type, message}: %s" % short(r.body, 200))
        return errs
    if etype is not None and j["type"] != etype:
        errs.append("type %r, want %r" % (j["type"], etype))
    if code is not None and j.get("code") != code:
        errs.append("code %r, want %r" % (j.get("code"), code))
    if message is not None:
        m = j["message"]
        if hasattr(message, "search"):
            if not message.search(m):
                errs.append("message %r does not match /%s/" % (m, message.pattern))
        elif m != message:
            errs.append("message %r, want %r" % (m, message))
    return errs


def unauthorized_problems(r):
    """Why r is not Medusa's plain-text 401 (status, Content-Type, body "Unauthorized")."""
    if isinstance(r, TransportError):
        return ["no answer: %s" % r]
    errs = []
    if r.status != 401:
        errs.append("status %d, want 401 (%s)" % (r.status, short(r.body, 160)))
    if r.header("Content-Type") != TEXT_CT or r.body != b"Unauthorized":
        errs.append("want text/plain 'Unauthorized', got %r %s" % (r.header("Content-Type"), short(r.body, 80)))
    return errs


def request(method, path, body=None, headers=None, json_body=None, token=None, cookie=None,
            content_type=None, timeout=60):
    """Send one request on a fresh connection and return a Response.

    body: bytes or str sent verbatim; json_body: an object serialised compactly
    (Content-Type application/json unless content_type says otherwise).
    token: adds "Authorization: Bearer <token>"; cookie: adds "Cookie: connect.sid=<cookie>".
    headers: list of (name, value) or dict, sent as given (after the ones above).
    """
    hdrs = []
    if json_body is not None:
        body = json.dumps(json_body, separators=(",", ":"), ensure_ascii=False)
        if content_type is None:
            content_type = "application/json"
    if isinstance(body, str):
        body = body.encode("utf-8")
    if content_type is not None:
        hdrs.append(("Content-Type", content_type))
    if token is not None:
        hdrs.append(("Authorization", "Bearer " + token))
    if cookie is not None:
        hdrs.append(("Cookie", "connect.sid=" + cookie))
    if headers:
        hdrs.extend(headers.items() if isinstance(headers, dict) else headers)
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    t0 = time.time()
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in hdrs:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Connection", "close")
        conn.endheaders()
        send_error = None
        if body:
            try:
                # Chunks, so a server that answers early (413) and stops reading
                # does not leave us stuck; the answer is read below either way.
                for i in range(0, len(body), 65536):
                    conn.send(body[i:i + 65536])
            except (BrokenPipeError, ConnectionResetError) as e:
                send_error = e
        try:
            r = conn.getresponse()
            data = r.read()
        except (http.client.HTTPException, OSError) as e:
            raise TransportError("%s %s: no response (%s%s)" % (
                method, path, e, "; send failed: %s" % send_error if send_error else ""))
        return Response(r.status, r.reason, r.getheaders(), data, time.time() - t0)
    except (OSError, http.client.HTTPException) as e:
        raise TransportError("%s %s: %s" % (method, path, e))
    finally:
        conn.close()


def require_health(tap):
    """GET /health must answer 200 "OK" before anything else runs."""
    try:
        r = request("GET", "/health")
    except TransportError as e:
        print("not ok - health precheck: %s" % e)
        print("Bail out! stack not reachable at %s" % BASE_URL)
        sys.exit(1)
    if r.status != 200 or r.body != b"OK":
        print("not ok - health precheck: got %s, want HTTP 200 body 'OK'" % r.brief())
        print("Bail out! stack not healthy at %s" % BASE_URL)
        sys.exit(1)
    tap.ok("health precheck: GET /health -> 200 OK")


# --------------------------------------------------------------------------
# JWT (HS256/384/512), minted and checked with the stack's JWT_SECRET

_ALGS = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}
JWT_RE = re.compile(r"^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(s):
    s = s.encode("ascii") if isinstance(s, str) else s
    return base64.urlsafe_b64decode(s + b"=" * (-len(s) % 4))


def jwt_encode(payload, secret=None, alg="HS256", header=None):
    """Compact JSON in the given key order, like jsonwebtoken does."""
    if header is None:
        header = {"alg": alg, "typ": "JWT"}
    h = b64url(json.dumps(header, separators=(",", ":")).encode())
    p = b64url(json.dumps(payload, separators=(",", ":")).encode())
    signing_input = (h + "." + p).encode("ascii")
    if alg in _ALGS:
        key = (JWT_SECRET if secret is None else secret).encode("utf-8")
        sig = b64url(hmac.new(key, signing_input, _ALGS[alg]).digest())
    else:
        sig = ""
    return h + "." + p + "." + sig


def jwt_decode(token):
    """(header, payload) as ordered dicts, without verifying; raises ValueError."""
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    return parse_json(b64url_decode(parts[0])), parse_json(b64url_decode(parts[1]))


def jwt_verify(token, secret=None):
    """True iff the signature verifies with the secret for the header's HS alg."""
    try:
        header, _ = jwt_decode(token)
        h = _ALGS[header["alg"]]
    except (ValueError, KeyError, TypeError):
        return False
    key = (JWT_SECRET if secret is None else secret).encode("utf-8")
    signing_input, sig = token.rsplit(".", 1)
    want = b64url(hmac.new(key, signing_input.encode("ascii"), h).digest())
    return hmac.compare_digest(want, sig)


# --------------------------------------------------------------------------
# connect.sid (express-session format: s:<sid>.<base64 HMAC-SHA256 without '='>)

SET_COOKIE_RE = re.compile(
    r"^connect\.sid=(?P<val>[^;]+); Path=/; Expires=(?P<exp>[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} "
    r"\d{2}:\d{2}:\d{2} GMT); HttpOnly$")


def cookie_problems(set_cookie_header):
    """[] if the Set-Cookie line is a well-formed connect.sid signed with COOKIE_SECRET."""
    errs = []
    m = SET_COOKIE_RE.match(set_cookie_header or "")
    if not m:
        return ["Set-Cookie %r does not look like 'connect.sid=s%%3A...; Path=/; Expires=<GMT>; HttpOnly'"
                % set_cookie_header]
    val = urllib.parse.unquote(m.group("val"))
    if not val.startswith("s:") or "." not in val:
        return ["cookie value %r is not s:<sid>.<sig>" % val]
    sid, sig = val[2:].rsplit(".", 1)
    want = base64.b64encode(hmac.new(COOKIE_SECRET.encode(), sid.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(want.decode().rstrip("="), sig):
        errs.append("cookie signature does not verify with COOKIE_SECRET")
    try:
        exp = calendar.timegm(time.strptime(m.group("exp"), "%a, %d %b %Y %H:%M:%S GMT"))
        ttl = exp - time.time()
        if not 10 * 3600 - 120 <= ttl <= 10 * 3600 + 120:
            errs.append("Expires is %+.0f s from now, want about 10 h" % ttl)
    except ValueError:
        errs.append("bad Expires date %r" % m.group("exp"))
    return errs


def cookie_is_clearing(set_cookie_header):
    """True if the Set-Cookie line deletes its cookie (Max-Age=0 or Expires in the past)."""
    attrs = [a.strip() for a in (set_cookie_header or "").split(";")[1:]]
    for a in attrs:
        k, _, v = a.partition("=")
        if k.lower() == "max-age" and v.strip().lstrip("-").isdigit() and int(v) <= 0:
            return True
        if k.lower() == "expires":
            try:
                if calendar.timegm(time.strptime(v.strip(), "%a, %d %b %Y %H:%M:%S GMT")) <= time.time():
                    return True
            except ValueError:
                return False
    return False


# --------------------------------------------------------------------------
# order-sensitive comparison with wildcards


class Any:
    """Matches anything (or anything passing pred)."""

    def __init__(self, what="anything", pred=None):
        self.what = what
        self.pred = pred

    def match(self, v):
        return self.pred is None or self.pred(v)

    def __repr__(self):
        return "<%s>" % self.what


TS_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
ID_RE = re.compile(r"^(cus|addr|cgrp|order)_[0-9A-Z]{26}$")
ULID_BODY = "[0-9A-HJKMNP-TV-Z]{26}"

TS = Any("timestamp", lambda v: isinstance(v, str) and bool(TS_RE.match(v)))
NONEMPTY_STR = Any("non-empty string", lambda v: isinstance(v, str) and v != "")


def ID(prefix):
    rx = re.compile("^%s_%s$" % (prefix, ULID_BODY))
    return Any(prefix + "_<ulid>", lambda v: isinstance(v, str) and bool(rx.match(v)))


def _tname(v):
    return type(v).__name__ if v is not None else "null"


def diff(got, want, path="$"):
    """First difference between got and want, or None.

    Dict key ORDER matters; bool/int/float are distinct types (so 42 != 42.0 and
    True != 1); an Any in want matches by predicate.
    """
    if isinstance(want, Any):
        return None if want.match(got) else "%s: got %s, want %r" % (path, short(got, 120), want)
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return "%s: got %s, want an object" % (path, short(got, 120))
        if list(got.keys()) != list(want.keys()):
            return "%s: keys got %s, want %s" % (path, list(got.keys()), list(want.keys()))
        for k in want:
            d = diff(got[k], want[k], "%s.%s" % (path, k))
            if d:
                return d
        return None
    if isinstance(want, list):
        if not isinstance(got, list):
            return "%s: got %s, want an array" % (path, short(got, 120))
        if len(got) != len(want):
            return "%s: array length got %d, want %d (got %s)" % (path, len(got), len(want), short(got, 200))
        for i, (g, w) in enumerate(zip(got, want)):
            d = diff(g, w, "%s[%d]" % (path, i))
            if d:
                return d
        return None
    if type(got) is not type(want) or got != want:
        return "%s: got %s (%s), want %s (%s)" % (path, short(got, 160), _tname(got), short(want, 160), _tname(want))
    return None


# --------------------------------------------------------------------------
# entity shapes (API.md section 2)

CUSTOMER_KEYS = ["id", "created_at", "updated_at", "deleted_at", "email", "first_name", "last_name",
                 "billing_address_id", "phone", "has_account", "metadata"]
ADDRESS_KEYS = ["id", "created_at", "updated_at", "deleted_at", "customer_id", "company", "first_name",
                "last_name", "address_1", "address_2", "city", "country_code", "province", "postal_code",
                "phone", "metadata"]


def customer_shape(**fields):
    """Expected store customer (GET/POST /store/customers*) in Medusa's key order."""
    c = {"id": ID("cus"), "created_at": TS, "updated_at": TS, "deleted_at": None, "email": NONEMPTY_STR,
         "first_name": None, "last_name": None, "billing_address_id": None, "phone": None,
         "has_account": True, "metadata": None, "billing_address": None, "shipping_addresses": []}
    for k, v in fields.items():
        if k not in c:
            raise KeyError(k)
        c[k] = v
    return c


def address_shape(**fields):
    a = {k: None for k in ADDRESS_KEYS}
    a.update({"id": ID("addr"), "created_at": TS, "updated_at": TS})
    for k, v in fields.items():
        if k not in a:
            raise KeyError(k)
        a[k] = v
    return a


# --------------------------------------------------------------------------
# transcripts

_TRANSCRIPT_NAME = re.compile(r"^(\d\d)-[a-z0-9-]+\.txt$")


def list_transcripts(d=None):
    d = d or transcripts_dir()
    return sorted(f for f in os.listdir(d) if _TRANSCRIPT_NAME.match(f))


class Transcript:
    pass


def _split_headers(lines):
    out = []
    for ln in lines:
        if not ln:
            continue
        k, _, v = ln.partition(":")
        out.append((k.strip(), v.strip()))
    return out


def parse_transcript(path):
    """Parse one NN-name.txt (format in transcripts/README.md) into a Transcript.

    The recorder appended one "\\n" after the response body; Content-Length (when
    present) says where each body really ends.
    """
    raw = open(path, "rb").read()
    t = Transcript()
    t.file = os.path.basename(path)
    t.nn = t.file[:2]
    req_mark, resp_mark = b"=== REQUEST ===\n", b"=== RESPONSE ===\n"
    i, j = raw.index(req_mark), raw.index(resp_mark)
    t.description = raw[:i].decode("utf-8").strip().splitlines()[0].lstrip("# ")
    req = raw[i + len(req_mark):j]
    head, _, rest = req.partition(b"\n\n")
    lines = head.decode("utf-8").split("\n")
    t.method, t.path, t.version = lines[0].split(" ", 2)
    t.req_headers = _split_headers(lines[1:])
    cl = next((int(v) for k, v in t.req_headers if k.lower() == "content-length"), 0)
    t.req_body = rest[:cl]
    resp = raw[j + len(resp_mark):]
    rhead, _, rbody = resp.partition(b"\r\n\r\n")
    rlines = rhead.decode("utf-8").split("\r\n")
    parts = rlines[0].split(" ", 2)
    t.status = int(parts[1])
    t.reason = parts[2] if len(parts) > 2 else ""
    t.resp_headers = _split_headers(rlines[1:])
    rcl = next((int(v) for k, v in t.resp_headers if k.lower() == "content-length"), None)
    if rcl is not None:
        t.resp_body = rbody[:rcl]
    else:
        t.resp_body = rbody[:-1] if rbody.endswith(b"\n") else rbody
    return t


def resp_header(t, name):
    name = name.lower()
    for k, v in t.resp_headers:
        if k.lower() == name:
            return v
    return None


def set_cookie_value(header_value):
    """connect.sid value (still percent-encoded) from one Set-Cookie line, or None."""
    if not header_value:
        return None
    first = header_value.split(";", 1)[0]
    k, _, v = first.partition("=")
    return v if k.strip() == "connect.sid" else None


# --------------------------------------------------------------------------
# recorded-vs-ours comparison with a substitution map


TS_ANY_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z")


class Matcher:
    """Compares a recorded Medusa JSON body with ours, learning what maps to what.

    map: recorded value -> our value for server-generated strings (ids, JWTs,
    cookies). A recorded id seen for the first time binds to ours at the same
    JSON place; afterwards it must always be that one, and two recorded ids may
    not bind to the same id of ours. Timestamps are masked (format checked),
    but per (entity id, field) the story must agree with the recording: when
    Medusa kept a timestamp we must keep ours, and when Medusa moved it we must
    move ours too.
    """

    def __init__(self, jwt_secret=None):
        self.map = {}
        self.reverse = {}
        self.ts_state = {}
        self.jwt_secret = JWT_SECRET if jwt_secret is None else jwt_secret

    # -- substitution

    def bind(self, rec, ours, errs, path):
        if rec in self.map:
            if self.map[rec] != ours:
                errs.append("%s: got %s, want %s (recorded %s was bound to it earlier)" % (
                    path, short(ours, 80), short(self.map[rec], 80), rec[:40]))
            return
        if ours in self.reverse and self.reverse[ours] != rec:
            errs.append("%s: our value %s already stands for recorded %s, now also for %s" % (
                path, short(ours, 80), self.reverse[ours][:40], rec[:40]))
            return
        self.map[rec] = ours
        self.reverse[ours] = rec

    def remap(self, rec, ours):
        """Deliberately point a recorded value at a different value of ours."""
        old = self.map.get(rec)
        if old is not None and self.reverse.get(old) == rec:
            del self.reverse[old]
        self.map[rec] = ours
        self.reverse[ours] = rec

    def subst(self, s):
        """Replace every known recorded value inside s (str or bytes)."""
        if not self.map:
            return s
        keys = sorted(self.map, key=len, reverse=True)
        if isinstance(s, bytes):
            for k in keys:
                s = s.replace(k.encode(), self.map[k].encode())
        else:
            for k in keys:
                s = s.replace(k, self.map[k])
        return s

    # -- structural comparison

    def compare(self, rec, ours, path="$"):
        errs = []
        self._walk(rec, ours, path, errs)
        return errs

    def _walk(self, rec, ours, path, errs):
        if isinstance(rec, dict):
            if not isinstance(ours, dict):
                errs.append("%s: got %s, want an object" % (path, short(ours, 120)))
                return
            if list(rec.keys()) != list(ours.keys()):
                errs.append("%s: keys got %s, want %s" % (path, list(ours.keys()), list(rec.keys())))
                return
            if "id" in rec:
                self._walk(rec["id"], ours["id"], path + ".id", errs)
            for k in rec:
                if k != "id":
                    self._walk(rec[k], ours[k], "%s.%s" % (path, k), errs)
            self._timestamps(rec, ours, path, errs)
            return
        if isinstance(rec, list):
            if not isinstance(ours, list):
                errs.append("%s: got %s, want an array" % (path, short(ours, 120)))
                return
            if len(rec) != len(ours):
                errs.append("%s: array length got %d, want %d" % (path, len(ours), len(rec)))
                return
            for i, (r, o) in enumerate(zip(rec, ours)):
                self._walk(r, o, "%s[%d]" % (path, i), errs)
            return
        if isinstance(rec, str):
            m = ID_RE.match(rec)
            if m:
                if not (isinstance(ours, str) and re.match("^%s_%s$" % (m.group(1), ULID_BODY), ours)):
                    if rec in self.map and ours == self.map[rec]:
                        return  # a non-ULID id of ours that we already know
                    errs.append("%s: got %s, want a %s_ id" % (path, short(ours, 80), m.group(1)))
                    return
                self.bind(rec, ours, errs, path)
                return
            if TS_RE.match(rec):
                if not (isinstance(ours, str) and TS_RE.match(ours)):
                    errs.append("%s: got %s, want a timestamp like 2026-11-26T23:41:09.795Z" % (path, short(ours, 80)))
                return
            if JWT_RE.match(rec):
                self._jwt(rec, ours, path, errs)
                return
            want = self.subst(rec)
            if ours != want:
                errs.append("%s: got %s, want %s" % (path, short(ours, 160), short(want, 160)))
            return
        if type(rec) is not type(ours) or rec != ours:
            errs.append("%s: got %s (%s), want %s (%s)" % (path, short(ours, 80), _tname(ours), short(rec, 80), _tname(rec)))

    def _timestamps(self, rec, ours, path, errs):
        rid = rec.get("id")
        oid = ours.get("id")
        if not isinstance(rid, str) or not isinstance(oid, str):
            return
        if rec.get("created_at") == rec.get("updated_at") and "created_at" in rec and \
                ours.get("created_at") != ours.get("updated_at"):
            errs.append("%s: created_at %s != updated_at %s, but Medusa had them equal (row never updated)" % (
                path, ours.get("created_at"), ours.get("updated_at")))
        for f in ("created_at", "updated_at", "deleted_at"):
            if f not in rec:
                continue
            key = (oid, f)
            if key in self.ts_state:
                prev_rec, prev_ours = self.ts_state[key]
                if rec[f] == prev_rec and ours[f] != prev_ours:
                    errs.append("%s.%s: changed %s -> %s but Medusa's stayed %s" % (path, f, prev_ours, ours[f], rec[f]))
                elif rec[f] != prev_rec and ours[f] == prev_ours:
                    errs.append("%s.%s: stayed %s but Medusa's changed %s -> %s" % (path, f, ours[f], prev_rec, rec[f]))
            self.ts_state[key] = (rec[f], ours[f])

    def _jwt(self, rec, ours, path, errs):
        if not (isinstance(ours, str) and JWT_RE.match(ours)):
            errs.append("%s: got %s, want a JWT" % (path, short(ours, 80)))
            return
        try:
            rh, rp = jwt_decode(rec)
            oh, op = jwt_decode(ours)
        except ValueError as e:
            errs.append("%s: undecodable JWT (%s)" % (path, e))
            return
        if list(oh.items()) != list(rh.items()):
            errs.append("%s: JWT header got %s, want %s" % (path, short(oh), short(rh)))
        if list(op.keys()) != list(rp.keys()):
            errs.append("%s: JWT claims got %s, want %s (order matters)" % (path, list(op.keys()), list(rp.keys())))
        else:
            for k in rp:
                if k in ("iat", "exp", "nbf"):
                    continue
                want = self.subst(rp[k]) if isinstance(rp[k], str) else rp[k]
                if op[k] != want:
                    errs.append("%s: JWT claim %s got %s, want %s" % (path, k, short(op[k]), short(want)))
            if "iat" in rp and "exp" in rp:
                if not (isinstance(op.get("iat"), int) and isinstance(op.get("exp"), int)):
                    errs.append("%s: iat/exp not integers: %s" % (path, short(op)))
                else:
                    if op["exp"] - op["iat"] != rp["exp"] - rp["iat"]:
                        errs.append("%s: exp-iat got %d, want %d" % (path, op["exp"] - op["iat"], rp["exp"] - rp["iat"]))
                    if abs(op["iat"] - time.time()) > 120:
                        errs.append("%s: iat %d is not now (%d)" % (path, op["iat"], int(time.time())))
        if not jwt_verify(ours, self.jwt_secret):
            errs.append("%s: our JWT does not verify with JWT_SECRET" % path)
        self.bind(rec, ours, errs, path)

    # -- raw bytes (formatting: compactness, number forms, escapes)

    def raw_problem(self, rec_raw, our_raw):
        want = TS_ANY_RE.sub("<ts>", self.subst(rec_raw.decode("utf-8")))
        got = TS_ANY_RE.sub("<ts>", our_raw.decode("utf-8", "replace"))
        if want == got:
            return None
        i = next((k for k, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
        return "raw bytes differ at offset %d: got ...%s..., want ...%s..." % (
            i, short(got[max(0, i - 30):i + 40], 120), short(want[max(0, i - 30):i + 40], 120))


# --------------------------------------------------------------------------
# the outbox relay's receiver (tests/integration/webhook_receiver.py, started by tests/run.sh)

RECEIVER_URL = os.environ.get("EVENTS_RECEIVER_URL", "").rstrip("/")


def receiver_call(method, path, obj=None):
    """One call to the receiver's control port; the decoded JSON answer."""
    u = urllib.parse.urlsplit(RECEIVER_URL)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        body = json.dumps(obj).encode() if obj is not None else None
        c.request(method, path, body=body, headers={"Content-Type": "application/json"} if body else {})
        return json.loads(c.getresponse().read() or b"null")
    finally:
        c.close()


def deliveries():
    """Every POST the relay made to the receiver, oldest first, each with its body decoded ("json")."""
    out = receiver_call("GET", "/deliveries")
    for d in out:
        try:
            d["json"] = json.loads(d["body"])
        except ValueError:
            d["json"] = None
    return out


def wait_delivery(match, timeout=10.0):
    """The newest delivery answered 2xx whose decoded body satisfies match(body), waiting up to timeout s;
    None if none came."""
    deadline = time.time() + timeout
    while True:
        for d in reversed(deliveries()):
            if d["answer"] // 100 == 2 and d.get("json") is not None and match(d["json"]):
                return d
        if time.time() > deadline:
            return None
        time.sleep(0.1)


def delivered_reset_token(customer_id, exclude=(), timeout=10.0):
    """The newest reset token delivered for customer_id that is not in exclude (None if none came in
    time). Reset tokens reach the mailer only through the relay (API.md section 10)."""
    d = wait_delivery(lambda j: j.get("event") == "customer.password_reset"
                      and (j.get("data") or {}).get("id") == customer_id
                      and (j.get("data") or {}).get("token") not in exclude, timeout)
    return d["json"]["data"]["token"] if d else None


# --------------------------------------------------------------------------
# helpers of the cart tests (issue 12)


def free_port():
    """A TCP port free on 127.0.0.1 right now (for a stack of a test's own)."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def store_recorded(name):
    """The JSON body of a recorded answer in transcripts-store (file name, e.g. 114-...txt)."""
    path = os.path.join(transcripts_dir(), "..", "transcripts-store", name)
    with open(path, "rb") as f:
        raw = f.read().split(b"=== RESPONSE ===", 1)[1]
    return json.loads(raw.split(b"\r\n\r\n", 1)[1])


def json_shape(v, loose=()):
    """The keys (in order) and value types of v, recursively, lists by their first element; the
    values of keys in loose are "?" (set in one answer, null in another)."""
    if isinstance(v, dict):
        return [(k, "?" if k in loose else json_shape(x, loose)) for k, x in v.items()]
    if isinstance(v, list):
        return ["list", json_shape(v[0], loose) if v else None]
    return type(v).__name__
