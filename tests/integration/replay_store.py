#!/usr/bin/env python3
"""Replay the recorded catalogue transcripts of a real Medusa 1.20.11 against our server.

Owns the catalogue replay (issue 11 item 7): the catalogue files of
../shared/reference/transcripts-store/ (recorded on store-seed.json) and of
../shared/reference/transcripts-store-extras/ (store-seed.json + store-extras.json).
Carts, orders and anything that needs them are the checkout issue's (CHECKOUT below).

Why a database of its own: transcripts-store expects a catalogue WITHOUT tags, collections
or return reasons (047, 063, 071) and the extras expect them, so one shared database cannot
answer both. The script creates a fresh database in the stack's MariaDB ($VAR/mysqld.sock),
migrates it, imports store-seed.json with `$BIN import`, starts a pool + nginx of its own on
it (test_pool_lifecycle.OwnPool), replays transcripts-store, imports the extras fixture into
the same database (an import must be visible to the next request of every worker, issue 11
item 8) and replays transcripts-store-extras. The database is dropped at the end.

What is compared (as replay.py does for the customer transcripts): the status, the
Content-Type, and the body after masking. Masking: every recorded id (prefix_ + ULID) is bound
to ours at the same JSON place and substituted into later requests; timestamps only need the
format (and must move/stay when Medusa's moved/stayed); category ids and gift card codes are
compared literally (the seed's literal pcat_ ids; the fixture's codes are the recorded ones).
Then the raw bytes: key order, number formatting and escapes must be Medusa's.
Lists whose order Medusa does not define (UNORDERED: rows with equal created_at, or no ORDER BY
at all) are matched element by element on a natural key; where Medusa sorts by created_at
DESC, ours must be sorted that way too. Transcripts where we answer differently on purpose are
listed in expected_differences_store.txt, each line quoting the API.md line that says why.

Transcripts of the routes in NOT_YET_ROUTES (products and variants: test_products.py replays
them) are not replayed here; they are listed in "# skip" comments (a comment never counts).

Env: BASE_URL (the shared stack, health only), VAR and BIN (as tests/run.sh exports them),
JWT_SECRET / COOKIE_SECRET, EXTRAS_FIXTURE (default tests/fixtures/store-extras.import.json, catdata's),
REPLAY_ONLY=store/001,extras/028 (replay only those), REPLAY_ALL=1 (replay the NOT_YET_ROUTES files too),
KEEP_DB=1 (do not drop the database, print its name).
Output: TAP lines; exit 1 on failure.
"""

import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import replay  # noqa: E402
from common import Tap, Matcher, TransportError, short  # noqa: E402

ROOT = common.repo_root()
REF = os.path.normpath(os.path.join(ROOT, "..", "shared", "reference"))
DIRS = (("store", os.environ.get("TRANSCRIPTS_STORE") or os.path.join(REF, "transcripts-store")),
        ("extras", os.environ.get("TRANSCRIPTS_EXTRAS") or os.path.join(REF, "transcripts-store-extras")))
SEED = os.environ.get("STORE_SEED") or os.path.join(REF, "store-seed.json")
EXTRAS_FIXTURE = os.environ.get("EXTRAS_FIXTURE") or os.path.join(ROOT, "tests", "fixtures", "store-extras.import.json")
SPECS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected_differences_store.txt")

# --------------------------------------------------------------------------
# Which transcripts are the catalogue's: selected by route.

CATALOGUE_ROUTES = [
    ("GET", "/store/regions"), ("GET", "/store/regions/:id"),
    ("GET", "/store/products"), ("GET", "/store/products/:id"), ("POST", "/store/products/search"),
    ("GET", "/store/variants"), ("GET", "/store/variants/:id"),
    ("GET", "/store/collections"), ("GET", "/store/collections/:id"),
    ("GET", "/store/product-categories"), ("GET", "/store/product-categories/:id"),
    ("GET", "/store/product-tags"), ("GET", "/store/product-types"),
    ("GET", "/store/shipping-options"),
    ("GET", "/store/return-reasons"), ("GET", "/store/return-reasons/:id"),
    ("GET", "/store/gift-cards/:code"),
    # not catalogue, but the extras story logs the VIP customer in with it (005 -> 006)
    ("POST", "/store/auth"),
]

# Catalogue routes whose answer depends on carts or orders made earlier in the recording:
# they belong to the checkout issue's replay.
CHECKOUT = {
    "store/143": "products priced for a cart (cart_id): needs the carts of 074-142",
    "extras/082": "gift card balance after order A", "extras/112": "gift card balance after order C",
    "extras/120": "gift card balance after order D",
}

# Routes whose transcripts this script does not replay, and why: a "# not replayed here" note for
# a route another script replays, a pending skip (Tap.pending) for one not implemented yet. Products and variants are replayed, with their own
# deliberate differences, by tests/integration/test_products.py (catcore's); a route that is
# not implemented yet would be listed here too until it lands.
NOT_YET_ROUTES = {
    "GET /store/products": "replayed by test_products.py",
    "GET /store/products/:id": "replayed by test_products.py",
    "POST /store/products/search": "replayed by test_products.py",
    "GET /store/variants": "replayed by test_products.py",
    "GET /store/variants/:id": "replayed by test_products.py",
}


def route_of(method, path):
    p = path.split("?", 1)[0].rstrip("/").lower()
    segs = p.split("/")
    for m, pat in CATALOGUE_ROUTES:
        ps = pat.split("/")
        if m == method and len(ps) == len(segs) and all(a.startswith(":") or a == b for a, b in zip(ps, segs)):
            return "%s %s" % (m, pat)
    return None


# --------------------------------------------------------------------------
# Lists whose order is not Medusa's contract. The transcripts' README: "Everything seeded shares
# one created_at (one transaction), so the default created_at DESC order leaves seeded rows in
# an order Postgres happens to return [...] Do not treat the order of seeded rows in a list as a
# contract." (001 lists NA, EU; 004 EU, NA.) Each rule: a regex on the JSON path (array indexes
# written []), the natural key of an element, and the order ours must keep (None: any).

def _k(*fields):
    return lambda e, m: tuple(m.subst(e.get(f)) if isinstance(e.get(f), str) else e.get(f) for f in fields)


UNORDERED = [
    (r"^\$\.regions$", _k("name"), "created_at desc"),
    (r"\.countries$", _k("iso_2"), None),                          # a join without ORDER BY
    (r"^\$\.product_tags$", _k("value"), "created_at desc"),
    (r"^\$\.product_types$", _k("value"), "created_at desc"),
    (r"^\$\.collections$", _k("handle"), "created_at desc"),
    (r"^\$\.shipping_options$", _k("region_id", "name"), None),    # no ORDER BY in Medusa
    (r"^\$\.return_reasons$", _k("value"), None),                  # no ORDER BY in Medusa
    (r"^\$\.products$", _k("handle"), "created_at desc"),
]


def reorder(rec, ours, m, path="$", notes=None):
    """Returns rec with every UNORDERED array put in the order of the same elements in ours
    (matched on the natural key), and a list of order problems of ours. Arrays whose keys do
    not match one to one are left alone, so the comparison reports them."""
    problems = [] if notes is None else notes
    if isinstance(rec, dict) and isinstance(ours, dict):
        return {k: reorder(v, ours.get(k), m, "%s.%s" % (path, k), problems)[0] for k, v in rec.items()}, problems
    if isinstance(rec, list) and isinstance(ours, list):
        for rx, key, order in UNORDERED:
            if not re.search(rx, path):
                continue
            if order == "created_at desc":
                ts = [e.get("created_at") for e in ours if isinstance(e, dict)]
                if all(isinstance(t, str) for t in ts) and ts != sorted(ts, reverse=True):
                    problems.append("%s: ours is not sorted by created_at descending: %s" % (path, short(ts, 200)))
            try:
                rk = [key(e, m) for e in rec]
                ok = [key(e, m) for e in ours]
            except AttributeError:
                break
            if sorted(map(repr, rk)) == sorted(map(repr, ok)) and len(set(map(repr, rk))) == len(rk):
                pos = {repr(k): i for i, k in enumerate(rk)}
                rec = [rec[pos[repr(k)]] for k in ok]
            break
        return [reorder(r, o, m, path + "[]", problems)[0] for r, o in zip(rec, ours)] + rec[len(ours):], problems
    return rec, problems


def js_dumps(v):
    """JSON.stringify of a parsed recorded body (Python's repr of floats is JavaScript's
    shortest form for every number these transcripts hold)."""
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------
# transcripts

NAME_RE = re.compile(r"^(\d{3})-[a-z0-9-]+\.txt$")


def load(tag, d):
    out = []
    for f in sorted(os.listdir(d)):
        mm = NAME_RE.match(f)
        if not mm:
            continue
        t = common.parse_transcript(os.path.join(d, f))
        t.nn = mm.group(1)
        t.key = "%s/%s" % (tag, t.nn)
        t.spec_name = "%s/%s" % (os.path.basename(d), f)
        t.route = route_of(t.method, t.path)
        out.append(t)
    return out


def recorded_json(t):
    if not t.resp_body.startswith((b"{", b"[")):
        return None
    try:
        return common.parse_json(t.resp_body)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# our database, importer and pool

class Db:
    def __init__(self, var, name):
        self.sock = os.path.join(var, "mysqld.sock")
        self.name = name
        self.url = "mysql://root@localhost/%s?socket=%s" % (name, self.sock)

    def sql(self, stmt, db=True):
        args = ["mariadb", "--no-defaults", "--socket=" + self.sock, "--user=root", "--batch",
                "--skip-column-names", "--default-character-set=utf8mb4", "-e", stmt]
        if db:
            args.append(self.name)
        r = subprocess.run(args, capture_output=True, timeout=60)
        if r.returncode != 0:
            raise RuntimeError("mariadb: %s" % r.stderr.decode("utf-8", "replace").strip())
        return [ln.split("\t") for ln in r.stdout.decode("utf-8").splitlines()]

    def create(self):
        self.sql("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" % self.name, db=False)
        env = dict(os.environ, MARIADB_SOCKET=self.sock, DB_NAME=self.name, DB_USER="root")
        r = subprocess.run([os.path.join(ROOT, "sql", "migrate.sh")], env=env, capture_output=True, timeout=300)
        if r.returncode != 0:
            raise RuntimeError("migrate.sh: %s" % (r.stdout + r.stderr).decode("utf-8", "replace")[-800:])

    def drop(self):
        self.sql("DROP DATABASE IF EXISTS `%s`" % self.name, db=False)

    def lit(self, s):
        return "'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'"


def run_import(tap, db, path, what):
    t0 = time.time()
    env = dict(os.environ, DATABASE_URL=db.url)
    try:
        r = subprocess.run([os.environ["BIN"], "import", path], env=env, capture_output=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired) as e:
        tap.not_ok("import %s" % what, str(e))
        return False
    out = (r.stdout + r.stderr).decode("utf-8", "replace")
    return tap.check(r.returncode == 0, "import %s (%.1f s)" % (what, time.time() - t0),
                     "exit %d: %s" % (r.returncode, out[-1200:]))


def check_pool_log(tap, pool, name):
    """A replay's own pool: no worker crashed or reported (tests/run.sh checks only the stack's)."""
    log = open(pool.log, "rb").read().decode("utf-8", "replace")
    bad = [ln for ln in log.splitlines() if re.search(r"killed by signal|failed with exit status|"
                                                       r"AddressSanitizer|runtime error", ln)]
    tap.check(not bad, name, "; ".join(bad[:5]))


def release(tap, pool, db):
    """Stops the replay's pool and drops its database (KEEP_DB=1 keeps it)."""
    if pool is not None:
        pool.stop()
    if os.environ.get("KEEP_DB") == "1":
        tap.note("kept database %s" % db.name)
    else:
        try:
            db.drop()
        except RuntimeError as e:
            tap.note("drop database: %s" % e)


# --------------------------------------------------------------------------
# ids that requests carry: bound to ours before the replay, from the natural keys the recorded
# answers show, so every file can run on its own (REPLAY_ONLY) and one failing file does not
# leave later requests with recorded ids.

ID_RE = re.compile(r"^(reg|prod|variant|pcol|ptag|ptyp|pcat|rr|so|sp|cus|gift|ma|pl|txr|opt|optval|img|cgrp|sc|"
                   r"addr|order)_[0-9A-Z]{26}$")
ID_IN_TEXT = re.compile(r"\b(?:reg|prod|variant|pcol|ptag|ptyp|rr|cus|so|gift)_[0-9A-Z]{26}\b")


def natural_keys(transcripts):
    """recorded id -> (kind, natural key...) from every recorded answer."""
    keys = {}

    def walk(v, parent_product=None):
        if isinstance(v, dict):
            i = v.get("id")
            if isinstance(i, str):
                pre = i.split("_", 1)[0]
                if pre == "reg" and "name" in v:
                    keys[i] = ("region", v["name"])
                elif pre == "prod" and "handle" in v:
                    keys[i] = ("product", v["handle"])
                elif pre == "variant" and "title" in v and isinstance(v.get("product_id"), str):
                    keys[i] = ("variant", v["product_id"], v["title"])
                elif pre in ("pcol",) and "handle" in v:
                    keys[i] = ("collection", v["handle"])
                elif pre in ("ptag", "ptyp", "rr") and "value" in v:
                    keys[i] = ({"ptag": "tag", "ptyp": "type", "rr": "return_reason"}[pre], v["value"])
                elif pre == "cus" and "email" in v:
                    keys[i] = ("customer", v["email"])
                elif pre == "so" and "name" in v and "region_id" in v:
                    keys[i] = ("shipping_option", v["region_id"], v["name"])
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for t in transcripts:
        walk(recorded_json(t))
    return keys


# SQL per kind: our id for a natural key (table and column names as Medusa's).
LOOKUP = {
    "region": "SELECT id FROM region WHERE name = {0} AND deleted_at IS NULL",
    "product": "SELECT id FROM product WHERE handle = {0} AND deleted_at IS NULL",
    "variant": "SELECT id FROM product_variant WHERE product_id = {0} AND title = {1} AND deleted_at IS NULL",
    "collection": "SELECT id FROM product_collection WHERE handle = {0} AND deleted_at IS NULL",
    "tag": "SELECT id FROM product_tag WHERE value = {0}",
    "type": "SELECT id FROM product_type WHERE value = {0}",
    "return_reason": "SELECT id FROM return_reason WHERE value = {0} AND deleted_at IS NULL",
    "customer": "SELECT id FROM customer WHERE email = {0} AND deleted_at IS NULL AND has_account = 1",
    "shipping_option": "SELECT id FROM shipping_option WHERE region_id = {0} AND name = {1} AND deleted_at IS NULL",
}


def prebind(tap, db, m, transcripts, keys):
    wanted = set()
    for t in transcripts:
        text = t.path + " " + " ".join(v for _, v in t.req_headers) + " " + t.req_body.decode("utf-8", "replace")
        wanted.update(ID_IN_TEXT.findall(text))
    missing, unknown = [], []

    def resolve(rec):
        """Our id for a recorded one (parents first: a variant's key names its product)."""
        if rec in m.map:
            return m.map[rec]
        k = keys.get(rec)
        if not k:
            # no recorded answer shows it: Medusa did not know it either (010's reg_01JUNK...)
            unknown.append(rec)
            return None
        args = [resolve(a) if ID_RE.match(str(a)) else a for a in k[1:]]
        if None in args:
            return None
        try:
            rows = db.sql(LOOKUP[k[0]].format(*[db.lit(str(a)) for a in args]))
        except RuntimeError as e:
            missing.append("%s %s: %s" % (rec, k, e))
            return None
        if len(rows) != 1:
            missing.append("%s %s: %d rows of ours" % (rec, k, len(rows)))
            return None
        errs = []
        m.bind(rec, rows[0][0], errs, "prebind")
        missing.extend(errs)
        return rows[0][0]

    for rec in sorted(wanted):
        resolve(rec)
    tap.check(not missing, "ids in requests bound to ours by natural key (%d)" % (len(wanted) - len(unknown)),
              "; ".join(missing[:8]))
    if unknown:
        tap.note("sent as recorded (no recorded answer shows them): %s" % ", ".join(sorted(unknown)))


def prebind_tokens(tap, m, transcripts, keys, pool_request):
    """A recorded bearer token (the VIP's, made by load-extras.sh, unrecorded) stands for a
    token of the same customer issued by us: log in with the fixture's password."""
    for t in transcripts:
        for k, v in t.req_headers:
            if k.lower() != "authorization" or not v.lower().startswith("bearer "):
                continue
            tok = v.split(" ", 1)[1].strip()
            if tok in m.map:
                continue
            try:
                cid = common.jwt_decode(tok)[1]["customer_id"]
            except (ValueError, KeyError):
                continue
            email = keys.get(cid, (None, None))[1]
            if not email:
                tap.not_ok("%s: bearer token" % t.key, "no recorded answer names customer %s" % cid)
                continue
            r = pool_request("POST", "/store/auth/token",
                             body=json.dumps({"email": email, "password": FIXTURE_PASSWORD}),
                             headers=[("Content-Type", "application/json")])
            j = r.try_json() if r.status == 200 else None
            if not tap.check(j and "access_token" in j, "log in as %s for the recorded bearer token" % email,
                             r.brief()):
                continue
            errs = []
            m.bind(tok, j["access_token"], errs, "token")
            ours_cid = common.jwt_decode(j["access_token"])[1]["customer_id"]
            m.bind(cid, ours_cid, errs, "token customer")
            for e in errs:
                tap.note(e)


FIXTURE_PASSWORD = "supersecret"  # store-extras.json registers vip@example.com with it

# --------------------------------------------------------------------------
# one file


def subst_json(m, v):
    """A parsed JSON value with every known recorded value replaced by ours."""
    if isinstance(v, dict):
        return {k: subst_json(m, x) for k, x in v.items()}
    if isinstance(v, list):
        return [subst_json(m, x) for x in v]
    return m.subst(v) if isinstance(v, str) else v



class Replayer:
    def __init__(self, tap, port, specs):
        self.tap = tap
        self.port = port
        self.specs = specs
        self.m = Matcher()

    def request(self, method, path, body=None, headers=None):
        saved = common.HOST, common.PORT
        common.HOST, common.PORT = "127.0.0.1", self.port
        try:
            return common.request(method, path, body=body, headers=headers)
        finally:
            common.HOST, common.PORT = saved

    @staticmethod
    def name_of(t):
        return t.key + "-" + t.file[4:-4]

    def send(self, t):
        """t's request with the recorded values replaced by ours: the Response, or None (said why)."""
        m = self.m
        path = m.subst(t.path)
        headers = [(k, m.subst(v)) for k, v in t.req_headers if k.lower() not in replay.DROP_REQ_HEADERS]
        body = m.subst(t.req_body) if t.req_body else None
        try:
            return self.request(t.method, path, body=body, headers=headers)
        except TransportError as e:
            self.tap.not_ok("%s: request" % self.name_of(t), str(e))
            return None

    def run(self, t):
        r = self.send(t)
        if r is not None:
            self.check_answer(self.name_of(t), t, r)
            self.cookies(self.name_of(t), t, r)

    def check_answer(self, name, t, r):
        """The status (the recorded one, or expected_differences' one), then the body."""
        spec = self.specs.get(t.spec_name)
        want_status = spec.status if spec is not None and spec.status is not None else t.status
        if not self.tap.check(r.status == want_status, "%s: status %d" % (name, want_status),
                              "got %s, want %d" % (r.brief(), want_status)):
            self.tap.note("%s: body not compared (status differs)" % name)
        else:
            self.check_body(name, t, r, spec)

    def check_body(self, name, t, r, spec):
        if spec is not None and spec.body != "=":
            self.check_ct(name, r)
            got = r.try_json()
            if got is None:
                self.tap.not_ok("%s: body" % name, "not JSON: %s" % short(r.body))
            else:
                self.tap.eq(got, replay.any_to_matcher(subst_json(self.m, spec.json)),
                            "%s: body (ours differs on purpose)" % name)
        else:
            self.compare(name, t, r)

    def check_ct(self, name, r):
        self.tap.check(r.header("Content-Type") == replay.JSON_CT, "%s: content-type" % name,
                       "got %r, want %r" % (r.header("Content-Type"), replay.JSON_CT))

    def compare(self, name, t, r):
        tap, m = self.tap, self.m
        rec_ct = common.resp_header(t, "Content-Type") or ""
        if not rec_ct.startswith("application/json"):
            tap.check(r.body == t.resp_body, "%s: body" % name, "got %s, want %s" % (short(r.body), short(t.resp_body)))
            return
        self.check_ct(name, r)
        try:
            ours = r.json()
        except ValueError as e:
            tap.not_ok("%s: body" % name, "not JSON (%s): %s" % (e, short(r.body)))
            return
        try:
            rec = common.parse_json(t.resp_body)
        except ValueError as e:
            tap.not_ok("%s: body" % name, "the recorded body is not JSON (%s)" % e)
            return
        rec2, order_errs = reorder(rec, ours, m)
        errs = m.compare(rec2, ours) + order_errs
        if not errs:
            raw = t.resp_body if rec2 == rec and js_dumps(rec2) == js_dumps(rec) else js_dumps(rec2).encode()
            problem = m.raw_problem(raw, r.body)
            if problem:
                errs.append(problem)
        tap.errors(errs, "%s: body" % name)

    def cookies(self, name, t, r):
        """API.md section 6: a cookie only when a login creates a session; a recorded session
        cookie then stands for ours."""
        ours = r.cookie()
        login = t.method == "POST" and t.path.lower().rstrip("/") == "/store/auth"
        if login and r.status == 200:
            rec = common.set_cookie_value(common.resp_header(t, "Set-Cookie"))
            if self.tap.check(ours is not None, "%s: set-cookie" % name, "a login must set connect.sid") and rec:
                errs = []
                self.m.bind(rec, ours, errs, "Set-Cookie")
                for e in errs:
                    self.tap.note(e)
        else:
            self.tap.check(not r.header_all("Set-Cookie"), "%s: no set-cookie" % name,
                           "got %r on a request that is not a login" % r.header_all("Set-Cookie"))


# --------------------------------------------------------------------------


def main():
    tap = Tap()
    common.require_health(tap)
    common.ID_RE = ID_RE  # the catalogue's id prefixes are ids too (Matcher reads common.ID_RE)
    var, binp = os.environ.get("VAR"), os.environ.get("BIN")
    if not var or not binp:
        tap.not_ok("environment", "VAR and BIN are needed (tests/run.sh exports them)")
        tap.finish()
    only = {x.strip() for x in os.environ.get("REPLAY_ONLY", "").split(",") if x.strip()}
    replay_all = os.environ.get("REPLAY_ALL") == "1"

    phases = []
    for tag, d in DIRS:
        try:
            phases.append((tag, load(tag, d)))
        except OSError as e:
            tap.not_ok("transcripts %s" % tag, "cannot read %s: %s" % (d, e))
            tap.finish()
    everything = [t for _, ts in phases for t in ts]
    keys = natural_keys(everything)

    specs = replay.load_specs(tap, SPECS)
    names = {t.spec_name for t in everything}
    for f in specs:
        if f not in names:
            tap.not_ok("expected_differences_store.txt names %s" % f, "no such transcript")

    db = Db(var, "replay_" + common.RUN)
    pool = None
    try:
        db.create()
        tap.ok("fresh database %s migrated" % db.name)
        if not run_import(tap, db, SEED, "store-seed.json"):
            tap.finish()
        from test_pool_lifecycle import OwnPool
        # the copied nginx.conf sends logins to a password pool's socket in the pool's directory
        pool = OwnPool(WORKERS=2, DATABASE_URL=db.url, PASSWORD_WORKERS=1,
                       PASSWORD_LISTEN="unix:{tmp}/medusa-c-password.sock")
        rp = Replayer(tap, pool.port, specs)
        for tag, ts in phases:
            if tag == "extras":
                if not os.path.exists(EXTRAS_FIXTURE):
                    tap.not_ok("extras fixture", "no file %s" % EXTRAS_FIXTURE)
                    break
                if not run_import(tap, db, EXTRAS_FIXTURE, os.path.basename(EXTRAS_FIXTURE)):
                    break
            selected, skipped = [], []
            for t in ts:
                if t.route is None or t.key in CHECKOUT:
                    continue
                if only and t.key not in only:
                    continue
                why = NOT_YET_ROUTES.get(t.route)
                if why and not replay_all:
                    skipped.append((t, why))
                    continue
                selected.append(t)
            for t, why in skipped:
                if why.startswith("replayed by"):  # checked and counted there: a note, not a skip
                    tap.note("not replayed here: %s %s, route %s %s" % (t.key, t.file, t.route, why))
                else:
                    tap.pending("%s %s" % (t.key, t.file), "route %s: %s" % (t.route, why))
            # Two recordings, two Medusa databases: the same region has another id in each.
            rp.m = Matcher()
            prebind(tap, db, rp.m, selected, keys)
            prebind_tokens(tap, rp.m, selected, keys, rp.request)
            for t in selected:
                rp.run(t)
        check_pool_log(tap, pool, "no worker of the replay's pool crashed")
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        tap.not_ok("replay setup", str(e))
    finally:
        release(tap, pool, db)
    tap.finish()


if __name__ == "__main__":
    main()
