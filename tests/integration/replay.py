#!/usr/bin/env python3
"""Replay the recorded Medusa transcripts against our stack, in order, as one story.

Owns the transcript replay: reads <repo>/../shared/reference/transcripts/NN-*.txt
(env TRANSCRIPTS overrides), sends each request to BASE_URL and compares status,
Content-Type and body with the recorded answer, or with the answer
expected_differences.txt says we give instead (each such line quotes API.md).

Why the rewriting: the story registers anchor.1@example.com etc., which would
collide with earlier runs, so every <local>@example.com gets a per-run suffix
in requests and expected bodies alike. Ids, tokens and cookies minted by the
recorded server do not exist here, so common.Matcher binds each recorded value
to ours where both answers hold one at the same JSON place (or in Set-Cookie)
and substitutes it into later requests.

Env: BASE_URL, JWT_SECRET, COOKIE_SECRET (as the stack runs), TRANSCRIPTS,
REPLAY_ONLY=01,02,09 (replay only those; include what they depend on),
REPLAY_ALL=1 (also replay the files NOT_YET lists, to see which can leave it),
STORE_CORS (what the stack was started with, default ""): with "*" 62/63 expect
our deliberate difference (the origin is allowed), with "" the recorded answer
and no Access-Control-Allow-Origin; any other value skips them.
Output: TAP lines; TAP "ok - ... # SKIP" lines for files not replayed; exit 1 on failure.
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, Matcher, request, TransportError, short  # noqa: E402

# --------------------------------------------------------------------------
# Not replayed yet: endpoints the server does not implement. Delete a line
# when its endpoint lands; the files then count like every other one.
NOT_YET = {}


def _not_yet(nns, why):
    for nn in nns.split():
        NOT_YET[nn] = why



# Features whose absence turns a check into a TAP "# SKIP" line. Remove when done.
#   sessions: POST /store/customers sets connect.sid (API.md section 5: "logs the new
#             customer into a session")
PENDING = set()

EMAIL_RE = re.compile(rb"([A-Za-z0-9._-]+)@example\.com")
RECORDED_VALUE_RE = re.compile(r"(?:cus|addr)_[0-9A-Z]{26}|eyJ[\w-]+\.[\w-]+\.[\w-]+|s%3A[\w-]{32}\.[\w%-]+")
DROP_REQ_HEADERS = {"host", "content-length", "connection"}
CORS_FILES = ("62", "63")
JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"


def rewrite_emails(b):
    return EMAIL_RE.sub(lambda m: m.group(1) + b"." + common.RUN.encode() + b"@example.com", b)


# --------------------------------------------------------------------------
# expected_differences.txt


class Spec:
    pass


def api_md_text():
    p = os.environ.get("API_MD") or os.path.normpath(
        os.path.join(common.repo_root(), "..", "shared", "API.md"))
    try:
        return open(p, encoding="utf-8").read()
    except OSError:
        return None


def load_specs(tap, path=None):
    """The expected differences of path (default expected_differences.txt); replay_store.py
    reads its own file with the same format."""
    name_of_file = os.path.basename(path) if path else "expected_differences.txt"
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected_differences.txt")
    specs = {}
    api = api_md_text()
    api_norm = " ".join(api.split()) if api else None
    for lineno, line in enumerate(open(path, encoding="utf-8"), 1):
        line = line.rstrip("\n")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name = "%s:%d" % (name_of_file, lineno)
        if " -- API.md: " not in line:
            tap.not_ok(name, "no ' -- API.md: <quote>' part")
            continue
        left, quote = line.split(" -- API.md: ", 1)
        toks = left.split(" ")
        s = Spec()
        s.file, s.quote = toks[0], quote.strip()
        s.status = None if toks[1] == "=" else int(toks[1])
        s.headers = []
        rest = toks[2:]
        while rest and rest[0].startswith("+"):
            t = rest.pop(0)[1:]
            m = re.match(r"^([A-Za-z0-9-]+)([=~])(.*)$", t)
            s.headers.append((m.group(1), m.group(2), m.group(3)))
        body = " ".join(rest)
        s.revokes = False
        if body.endswith(" !revokes-credentials"):
            s.revokes = True
            body = body[: -len(" !revokes-credentials")]
        s.body = body.strip()
        # JSON bodies start with { or [; the other forms ("=", "empty", "text:...", and
        # replay_checkout.py's "same-as:<file>", "subset:<json>") are read where they are used
        if s.body.startswith(("{", "[")):
            s.json = common.parse_json(s.body.encode())
        specs[s.file] = s
        if api_norm is None:
            tap.skip("%s quotes API.md" % s.file, "API.md not found (set API_MD)")
        else:
            tap.check(" ".join(s.quote.split()) in api_norm, "%s: its quote is in API.md" % s.file,
                      "quote %r not found in API.md" % s.quote)
    return specs


def any_to_matcher(v):
    """The "<any>" string in a spec body matches any non-empty string."""
    if isinstance(v, dict):
        return {k: any_to_matcher(x) for k, x in v.items()}
    if isinstance(v, list):
        return [any_to_matcher(x) for x in v]
    if v == "<any>":
        return common.NONEMPTY_STR
    return v


# --------------------------------------------------------------------------
# the story


class Story:
    def __init__(self, tap):
        self.tap = tap
        self.m = Matcher()
        self.replayed = set()
        self.skipped = set()
        self.cookie_origin = {}   # recorded cookie value -> (file nn, recorded customer id)
        self.token_owner = {}     # recorded token -> recorded customer id
        self.our_cookie_owner = {}  # our cookie value -> our customer id
        self.last_credential_at = 0.0
        self.pending_revocation = None
        self.forbid_headers = ()

    # -- request building

    def build(self, t):
        path = self.m.subst(rewrite_emails(t.path.encode()).decode())
        headers = []
        for k, v in t.req_headers:
            if k.lower() in DROP_REQ_HEADERS:
                continue
            headers.append((k, self.m.subst(rewrite_emails(v.encode()).decode())))
        body = self.m.subst(rewrite_emails(t.req_body)) if t.req_body else None
        headers = self.cookie_fallback(t, headers)
        leftovers = set()
        for s in [path] + [v for _, v in headers] + [body.decode("utf-8", "replace") if body else ""]:
            leftovers.update(x for x in RECORDED_VALUE_RE.findall(s) if x not in self.m.reverse)
        for x in sorted(leftovers):
            self.tap.note("%s: request still carries recorded value %s... (its origin was not replayed "
                          "or did not match)" % (t.file, x[:40]))
        return path, headers, body

    def cookie_fallback(self, t, headers):
        """A recorded session cookie whose login was not replayed (not implemented
        yet) is replaced by a bearer token of the same customer, so the update it
        carries still happens and the story stays intact."""
        out = []
        for k, v in headers:
            if k.lower() == "cookie" and v.startswith("connect.sid="):
                val = v[len("connect.sid="):]
                origin = self.cookie_origin.get(val)
                known = val in self.m.map or val in self.m.reverse
                if not known and origin and origin[0] in self.skipped:
                    tok = next((rt for rt, owner in self.token_owner.items()
                                if owner == origin[1] and rt in self.m.map), None)
                    if tok:
                        self.tap.note("%s: session cookie of %s (not replayed) replaced by the bearer token "
                                      "of the same customer" % (t.file, origin[0]))
                        out.append(("Authorization", "Bearer " + self.m.map[tok]))
                        continue
            out.append((k, v))
        return out

    # -- checks

    def run_file(self, t, spec):
        tap = self.tap
        name = t.file[:-4]
        if spec is not None and spec.revokes:
            self.wait_new_second()
        path, headers, body = self.build(t)
        # Timestamps have millisecond resolution; the story checks that ours move
        # when Medusa's moved, so two updates must not share a millisecond.
        time.sleep(0.002)
        try:
            r = request(t.method, path, body=body, headers=headers)
        except TransportError as e:
            tap.not_ok("%s: request" % name, str(e))
            return
        rec_body = rewrite_emails(t.resp_body)
        rec_ct = common.resp_header(t, "Content-Type") or ""
        want_status = spec.status if spec is not None and spec.status is not None else t.status

        # status
        status_ok = tap.check(r.status == want_status, "%s: status %d" % (name, want_status),
                              "got %s, want %d" % (r.brief(), want_status))

        # body and content type
        body_spec = spec.body if spec is not None else "="
        if not status_ok:
            tap.note("%s: body not compared (status differs)" % name)
        elif body_spec == "=":
            self.compare_recorded(name, t, rec_body, rec_ct, r)
        elif body_spec == "empty":
            tap.check(r.body == b"", "%s: empty body" % name, "got %s" % short(r.body))
        elif body_spec.startswith("text:"):
            tap.check(r.body == body_spec[5:].encode(), "%s: body %r" % (name, body_spec[5:]),
                      "got %s" % short(r.body))
        else:
            self.check_json_ct(name, r)
            got = r.try_json()
            if got is None:
                tap.not_ok("%s: body" % name, "not JSON: %s" % short(r.body))
            else:
                tap.eq(got, any_to_matcher(spec.json), "%s: body (ours differs on purpose)" % name)

        # headers required by the spec
        if spec is not None and spec.headers:
            errs = []
            for h, op, v in spec.headers:
                got = r.header(h)
                if op == "=" and got != v:
                    errs.append("%s: got %r, want %r" % (h, got, v))
                # a header may come several times (nginx adds its own "Vary: Accept-Encoding")
                tokens = [x.strip() for line in (r.header_all(h) or []) for x in line.split(",")]
                if op == "~" and v not in tokens:
                    errs.append("%s: got %r, want it to contain %r" % (h, r.header_all(h), v))
            tap.errors(errs, "%s: headers" % name)
        for h in self.forbid_headers:
            tap.check(r.header(h) is None, "%s: no %s" % (name, h), "got %s: %r" % (h, r.header(h)))

        self.check_cookie(name, t, r)
        self.learn(t, r, rec_body)
        if spec is not None and spec.revokes and r.status == 200:
            self.start_revocation(name, r)
        self.finish_revocation(name)

    def check_json_ct(self, name, r):
        self.tap.check(r.header("Content-Type") == JSON_CT, "%s: content-type" % name,
                       "got %r, want %r" % (r.header("Content-Type"), JSON_CT))

    def compare_recorded(self, name, t, rec_body, rec_ct, r):
        tap = self.tap
        if rec_ct.startswith("application/json"):
            self.check_json_ct(name, r)
            try:
                ours = r.json()
            except ValueError as e:
                tap.not_ok("%s: body" % name, "not JSON (%s): %s" % (e, short(r.body)))
                return
            rec = common.parse_json(rec_body)
            errs = self.m.compare(rec, ours)
            if not errs:
                raw = self.m.raw_problem(rec_body, r.body)
                if raw:
                    errs.append(raw)
            tap.errors(errs, "%s: body" % name)
            return
        if t.status == 401 and rec_body == b"Unauthorized":
            # API.md section 3: always text/plain, even where Medusa's guard sent none.
            tap.check(r.header("Content-Type") == TEXT_CT, "%s: content-type" % name,
                      "got %r, want %r" % (r.header("Content-Type"), TEXT_CT))
        elif rec_ct.startswith("text/plain"):
            tap.check(r.header("Content-Type") == rec_ct, "%s: content-type" % name,
                      "got %r, want %r" % (r.header("Content-Type"), rec_ct))
        tap.check(r.body == rec_body, "%s: body" % name, "got %s, want %s" % (short(r.body), short(rec_body)))

    def check_cookie(self, name, t, r):
        """API.md section 6: a cookie only when a login or registration creates a session."""
        tap = self.tap
        ours = r.header_all("Set-Cookie")
        login = t.method == "POST" and t.path.lower().rstrip("/") in ("/store/auth", "/store/customers")
        if login and r.status == 200:
            if not ours and "sessions" in PENDING and t.path.lower().rstrip("/") == "/store/customers":
                tap.pending("%s: set-cookie" % name, "registration sessions (PENDING in replay.py)")
                return
            if len(ours) != 1:
                tap.not_ok("%s: set-cookie" % name, "a login/registration must set exactly one connect.sid, got %r" % ours)
                return
            tap.errors(common.cookie_problems(ours[0]), "%s: set-cookie" % name)
        elif t.method == "DELETE" and t.path.lower().rstrip("/") == "/store/auth":
            # Logging out may tell the browser to drop the cookie, never hand out a new one.
            tap.check(all(common.cookie_is_clearing(c) for c in ours), "%s: no new set-cookie" % name,
                      "got Set-Cookie %r on logout" % ours)
        else:
            tap.check(not ours, "%s: no set-cookie" % name,
                      "got Set-Cookie %r on a request that is not a successful login/registration" % ours)

    # -- learning

    def learn(self, t, r, rec_body):
        rec_cookie = common.set_cookie_value(common.resp_header(t, "Set-Cookie"))
        our_cookie = r.cookie()
        rec_json = None
        if rec_body.startswith(b"{"):
            try:
                rec_json = common.parse_json(rec_body)
            except ValueError:
                rec_json = None
        our_json = r.try_json() if r.body.startswith(b"{") else None
        rec_cus = rec_json.get("customer", {}).get("id") if isinstance(rec_json, dict) and \
            isinstance(rec_json.get("customer"), dict) else None
        our_cus = our_json.get("customer", {}).get("id") if isinstance(our_json, dict) and \
            isinstance(our_json.get("customer"), dict) else None
        if rec_cookie and rec_cus:
            self.cookie_origin.setdefault(rec_cookie, (t.nn, rec_cus))
        if rec_cookie and our_cookie:
            errs = []
            self.m.bind(rec_cookie, our_cookie, errs, "Set-Cookie")
            for e in errs:
                self.tap.note("%s: %s" % (t.file, e))
            if our_cus:
                self.our_cookie_owner[our_cookie] = (our_cus, t.nn)
        if our_cookie or (isinstance(our_json, dict) and "access_token" in our_json):
            self.last_credential_at = time.time()
        if isinstance(rec_json, dict) and isinstance(rec_json.get("access_token"), str):
            try:
                self.token_owner[rec_json["access_token"]] = common.jwt_decode(rec_json["access_token"])[1]["customer_id"]
            except (ValueError, KeyError):
                pass

    # -- password change revokes credentials (API.md section 3 and 6)

    def wait_new_second(self):
        """iat has whole seconds: make every credential issued so far strictly older
        than the password change, so "issued before it" is unambiguous."""
        target = int(self.last_credential_at) + 1.05
        delay = target - time.time()
        if delay > 0:
            time.sleep(delay)

    def start_revocation(self, name, r):
        tap = self.tap
        owner = r.json()["customer"]["id"]
        old_tokens = [(rec, ours) for rec, ours in self.m.map.items()
                      if common.JWT_RE.match(ours) and common.jwt_decode(ours)[1].get("customer_id") == owner]
        old_cookies = [(self.our_cookie_owner[ours][1], ours) for ours in self.m.map.values()
                       if self.our_cookie_owner.get(ours, (None,))[0] == owner]
        for _, tok in old_tokens:
            x = request("GET", "/store/customers/me", token=tok)
            tap.check(x.status == 401 and x.body == b"Unauthorized", "%s: token issued before the change is refused" % name,
                      "GET /store/customers/me with it: %s, want 401 Unauthorized" % x.brief())
        for origin, ck in old_cookies:
            x = request("GET", "/store/customers/me", cookie=ck)
            tap.check(x.status == 401 and x.body == b"Unauthorized",
                      "%s: session from %s (before the change) is refused" % (name, origin),
                      "GET /store/customers/me with it: %s, want 401 Unauthorized" % x.brief())
        if not old_tokens:
            tap.note("%s: no earlier token of this customer to check" % name)
        self.pending_revocation = (name, owner, {rec for rec, _ in old_tokens}, {ours for _, ours in old_tokens})

    def finish_revocation(self, name):
        """Once a fresh token of that customer exists, later files' recorded old
        token stands for it (Medusa kept using the old one, which we refuse)."""
        if not self.pending_revocation:
            return
        who, owner, old_recs, old_ours = self.pending_revocation
        fresh = [ours for rec, ours in self.m.map.items() if common.JWT_RE.match(ours) and ours not in old_ours
                 and common.jwt_decode(ours)[1].get("customer_id") == owner]
        if fresh:
            for rec in old_recs:
                self.m.remap(rec, fresh[-1])
            self.tap.note("%s: later requests use the token from %s instead of the revoked one" % (who, name))
            self.pending_revocation = None


def main():
    tap = Tap()
    common.require_health(tap)
    tdir = common.transcripts_dir()
    try:
        files = common.list_transcripts(tdir)
    except OSError as e:
        tap.not_ok("transcripts", "cannot list %s: %s" % (tdir, e))
        tap.finish()
    tap.check(len(files) > 0, "transcripts found in %s" % tdir, "no NN-*.txt files")
    specs = load_specs(tap)
    for f in specs:
        if f not in files:
            tap.not_ok("expected_differences.txt names %s" % f, "no such transcript")
    only = {x.strip() for x in os.environ.get("REPLAY_ONLY", "").split(",") if x.strip()}
    cors = os.environ.get("STORE_CORS", "")
    replay_all = os.environ.get("REPLAY_ALL") == "1"
    tap.note("run suffix %s, transcripts %s" % (common.RUN, tdir))

    story = Story(tap)
    for f in files:
        t = common.parse_transcript(os.path.join(tdir, f))
        # Learn where recorded cookies come from even for files we skip, so the
        # cookie fallback knows whose session a later request meant.
        rc = common.set_cookie_value(common.resp_header(t, "Set-Cookie"))
        if rc and t.resp_body.startswith(b"{"):
            j = common.parse_json(rewrite_emails(t.resp_body))
            if isinstance(j.get("customer"), dict):
                story.cookie_origin.setdefault(rc, (t.nn, j["customer"]["id"]))
        if only and t.nn not in only:
            tap.skip(f, "not in REPLAY_ONLY")
            story.skipped.add(t.nn)
            continue
        if t.nn in NOT_YET and not replay_all:
            tap.pending(f, NOT_YET[t.nn])
            story.skipped.add(t.nn)
            continue
        spec = specs.get(f)
        story.forbid_headers = ()
        if t.nn in CORS_FILES and cors != "*":
            if cors != "":
                tap.skip(f, "needs STORE_CORS '*' or '' (stack runs with %r)" % cors)
                story.skipped.add(t.nn)
                continue
            # No origin allowed: exactly Medusa's recorded answer.
            spec = None
            story.forbid_headers = ("Access-Control-Allow-Origin",)
        story.run_file(t, spec)
        story.replayed.add(t.nn)

    if story.pending_revocation:
        tap.note("password change in %s: no later token of that customer seen, old token left mapped"
                 % story.pending_revocation[0])
    try:
        r = request("GET", "/health")
        tap.check(r.status == 200 and r.body == b"OK", "health after replay", r.brief())
    except TransportError as e:
        tap.not_ok("health after replay", str(e))
    tap.finish()


if __name__ == "__main__":
    main()
