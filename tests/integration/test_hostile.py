#!/usr/bin/env python3
"""Hostile input through nginx: every case gets a 4xx JSON answer (or the documented
plain-text 401, or the 200 the contract promises for input JSON.parse accepts), never a
5xx, and after the whole corpus GET /health is 200 and no worker died.

Owns the hostile-input corpus: malformed and truncated JSON, top-level non-objects,
nesting depth, invalid UTF-8, NUL bytes (raw and \\u0000), duplicate keys, numbers
JavaScript reads as Infinity or rounds (1e999, 2^64, 400-digit integers), long strings
(255-character limit, 1 MB values against MAX_BODY), bodies past the limits, missing or
wrong Content-Type (treated as {} like Express), chunked bodies and lying Content-Length
(raw sockets), huge query strings, percent-encoding errors in path parameters, garbage
credentials and unknown methods.

Answers nginx produces itself (400 / 405 / 414 before any worker sees the request) must
be JSON too (nginx/medusa-c.conf.in maps them with error_page): an HTML page fails. The worker-side check is /status?json (loopback): the worker pids and the
restart counter are the same before and after the corpus.

Expectations follow /work/shared/API.md; where it is silent, what Express + body-parser +
JSON.parse do in Medusa 1.20 (notes at each case). Env: BASE_URL, JWT_SECRET,
COOKIE_SECRET.
"""

import json
import os
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
from common import Tap, request, TransportError, short, unique_email  # noqa: E402

JSON_CT = "application/json; charset=utf-8"
TEXT_CT = "text/plain; charset=utf-8"
ME = "/store/customers/me"
ADDR = ME + "/addresses"
MAX_BODY = int(os.environ.get("MAX_BODY", "102400"))
JSON_DEPTH = int(os.environ.get("JSON_DEPTH", "32"))

tap = Tap()


class Abort(Exception):
    pass


# --------------------------------------------------------------------------
# helpers


def send(method, path, body=None, ct="application/json", token=None, headers=None, timeout=30):
    try:
        return request(method, path, body=body, content_type=ct if body is not None else None, token=token,
                       headers=headers, timeout=timeout)
    except TransportError as e:
        return e


def check_answer(r, name, status=None, message=None):
    """A JSON error {type, message} with the one status the server gives (None: a 4xx,
    for the cases below that say why they cannot pin one); never a 5xx, never HTML."""
    return tap.errors(common.error_problems(r, status, message=message), name)


def check_401(r, name):
    return tap.errors(common.unauthorized_problems(r), name)


def raw_response(p):
    """parse_raw()'s (status, headers, body) as a common.Response, for the checks above."""
    return common.Response(p[0], "", list(p[1].items()), p[2], 0.0)


def check_200(r, name):
    if isinstance(r, TransportError):
        tap.not_ok(name, "no answer: %s" % r)
        return None
    if r.status != 200 or r.header("Content-Type") != JSON_CT:
        tap.not_ok(name, r.brief())
        return None
    j = r.try_json()
    if j is None:
        tap.not_ok(name, "body not JSON: %s" % short(r.body))
        return None
    tap.ok(name)
    return j


class Account:
    pass


def fresh(tag="hst", password=None):
    a = Account()
    a.email = unique_email(tag)
    a.password = password or "pw-" + common.RUN
    r = send("POST", "/store/customers", json.dumps({"email": a.email, "password": a.password}))
    if isinstance(r, TransportError) or r.status != 200:
        tap.not_ok("setup: register %s" % a.email, r if isinstance(r, TransportError) else r.brief())
        raise Abort()
    a.id = r.json()["customer"]["id"]
    t = send("POST", "/store/auth/token", json.dumps({"email": a.email, "password": a.password}))
    if isinstance(t, TransportError) or t.status != 200:
        tap.not_ok("setup: token for %s" % a.email, t if isinstance(t, TransportError) else t.brief())
        raise Abort()
    a.token = t.json()["access_token"]
    return a


def get_me(a):
    r = send("GET", ME, token=a.token)
    if isinstance(r, TransportError) or r.status != 200:
        tap.not_ok("setup: GET /me", r if isinstance(r, TransportError) else r.brief())
        raise Abort()
    return r.json()["customer"]


def status_json():
    r = send("GET", "/status?json")
    if isinstance(r, TransportError) or r.status != 200:
        return None
    return r.try_json()


def raw_exchange(data, timeout=30.0, half_close=False):
    """Send raw bytes on a new connection; (seconds, response bytes, timed_out)."""
    s = socket.create_connection((common.HOST, common.PORT), timeout=timeout)
    t0 = time.time()
    out = b""
    timed_out = False
    try:
        s.sendall(data)
        if half_close:
            s.shutdown(socket.SHUT_WR)
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except socket.timeout:
        timed_out = True
    except OSError:
        pass
    finally:
        s.close()
    return time.time() - t0, out, timed_out


def parse_raw(out):
    """(status, headers dict lower-case, body) of the first HTTP answer in out, or None."""
    head, sep, body = out.partition(b"\r\n\r\n")
    if not sep:
        return None
    lines = head.decode("latin-1").split("\r\n")
    m = re.match(r"HTTP/1\.[01] (\d{3})", lines[0])
    if not m:
        return None
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "content-length" in hdrs:
        body = body[:int(hdrs["content-length"])]
    return int(m.group(1)), hdrs, body


def raw_head(method, path, token, extra):
    return ("%s %s HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nConnection: close\r\n%s\r\n" % (method, path, token, extra)).encode()


# --------------------------------------------------------------------------
# 1. malformed, truncated and non-object JSON


MALFORMED = [
    b'{', b'}', b']', b'{"a"', b'{"a":}', b'{"a":1,}', b'{,}', b"{'first_name':'x'}", b'{"first_name":NaN}',
    b'{"first_name":Infinity}', b'{"metadata":{"n":01}}', b'{"metadata":{"n":.5}}', b'{"metadata":{"n":1.}}',
    b'{"metadata":{"n":-}}', b'{"metadata":{"n":+1}}', b'{"metadata":{"n":0x10}}', b'{"first_name":"\\x41"}',
    b'{"first_name":"\\u12"}', b'{"first_name":"\\u12G4"}', b'{"first_name":tru}', b'{"first_name":nul}',
    b'{"first_name":"x"}//c', b'/*c*/{"first_name":"x"}', b'{"first_name":"x"} x', b'{"a":1}{"b":2}',
    b'{"first_name":"tab\there"}', b'{"first_name":"nl\nhere"}', b'{"a" 1}', b'{"a":[1,2}', b'{"a":{"b":1]}',
    b'{"a":1 "b":2}', b'{"first_name":"unterminated}', b'{"first_name":"x"\x00}', b' ', b'\r\n', b'\xef\xbb\xbf',
    b'{"a":True}', b'{"a":undefined}', b'{a:1}', b'{"a":"\\"}', b'[', b'[1,', b'{"a":-0.e1}', b'{"a":1e}',
    b'{"a":1e+}', b'{"\\ud800":1',
]


def t_malformed(a):
    for body in MALFORMED:
        for path in (ME, "/store/customers", "/store/auth/token"):
            r = send("POST", path, body, token=a.token if path == ME else None)
            check_answer(r, "malformed JSON %s to %s -> 400 JSON" % (short(body, 40), path), 400)
    # positions are reported as an offset, never as a raw echo of the input
    r = send("POST", ME, b'{"first_name":', token=a.token)
    check_answer(r, "truncated body names the position", 400, "Invalid JSON in request body at position 14")
    r = send("POST", ME, b'{"first_name":"x"} x', token=a.token)
    check_answer(r, "trailing data names the position", 400, "Unexpected data after the JSON value at position 19")


def t_truncated(a):
    full = json.dumps({"first_name": "Trunc", "last_name": "Ation", "metadata": {"a": [1, 2.5, {"b": None}], "c": True},
                       "billing_address": {"first_name": "T", "last_name": "A", "address_1": "Via 1", "city": "Roma",
                                           "country_code": "it", "postal_code": "00100"}},
                      separators=(",", ":")).encode()
    bad = []
    for n in range(1, len(full)):
        r = send("POST", ME, full[:n], token=a.token)
        if isinstance(r, TransportError) or r.status != 400 or r.header("Content-Type") != JSON_CT or \
                not isinstance(r.try_json(), dict):
            bad.append("%d bytes: %s" % (n, r if isinstance(r, TransportError) else r.brief(120)))
    tap.errors(bad, "every proper prefix of a %d-byte body (%d requests) -> 400 JSON" % (len(full), len(full) - 1))
    r = send("POST", ME, full, token=a.token)
    check_200(r, "the whole body is accepted (control)")


def t_top_level(a):
    cases = [(b'[]', "an unknown value was passed to the validate function"),
             (b'[1,2]', "an unknown value was passed to the validate function"),
             (b'[{"first_name":"x"}]', "an unknown value was passed to the validate function"),
             (b'"str"', None), (b'42', None), (b'-1.5e3', None), (b'true', None), (b'false', None), (b'null', None)]
    for body, msg in cases:
        for path in (ME, "/store/customers", ADDR, "/store/customers/password-reset"):
            r = send("POST", path, body, token=a.token)
            check_answer(r, "top-level %s to %s -> 400 JSON" % (body.decode(), path), 400, msg)


def t_depth(a):
    deep_arr = b'{"metadata":{"d":' + b'[' * 10000 + b']' * 10000 + b'}}'
    deep_obj = b'{"metadata":' + b'{"a":' * 10000 + b'1' + b'}' * 10000 + b'}'
    unclosed = b'{"metadata":' + b'[' * 10000
    too_deep = re.compile(r"nested deeper than %d levels" % JSON_DEPTH)
    for name, body in (("10,000 nested arrays", deep_arr), ("10,000 nested objects", deep_obj),
                       ("10,000 unclosed arrays", unclosed)):
        for path in (ME, "/store/customers", ADDR):
            r = send("POST", path, body, token=a.token)
            check_answer(r, "%s to %s -> 400 JSON" % (name, path), 400, too_deep)
    # the limit itself: JSON_DEPTH levels in total pass, one more does not
    ok_body = b'{"metadata":{"deep":' + b'[' * (JSON_DEPTH - 2) + b']' * (JSON_DEPTH - 2) + b'}}'
    j = check_200(send("POST", ME, ok_body, token=a.token), "nesting of exactly JSON_DEPTH=%d levels -> 200" % JSON_DEPTH)
    if j:
        got = j["customer"]["metadata"].get("deep")
        want = json.loads(b'[' * (JSON_DEPTH - 2) + b']' * (JSON_DEPTH - 2))
        tap.check(got == want, "the deep value comes back as sent", short(got))
    r = send("POST", ME, b'{"metadata":{"deep":' + b'[' * (JSON_DEPTH - 1) + b']' * (JSON_DEPTH - 1) + b'}}',
             token=a.token)
    check_answer(r, "nesting of JSON_DEPTH+1 levels -> 400", 400, too_deep)
    send("POST", ME, b'{"metadata":{"deep":""}}', token=a.token)


# --------------------------------------------------------------------------
# 2. UTF-8 and NUL


def t_utf8(a):
    bad = {"lone continuation": b'\x80', "0xff": b'\xff', "0xfe": b'\xfe', "overlong /": b'\xc0\xaf',
           "overlong NUL": b'\xc0\x80', "encoded surrogate": b'\xed\xa0\x80', "above U+10FFFF": b'\xf4\x90\x80\x80',
           "0xf5 lead": b'\xf5\x80\x80\x80', "truncated 3-byte": b'\xe2\x82', "truncated 4-byte": b'\xf0\x9f\x98',
           "latin-1 e-acute": b'\xe9'}
    for name, seq in bad.items():
        r = send("POST", ME, b'{"first_name":"a' + seq + b'b"}', token=a.token)
        check_answer(r, "invalid UTF-8 (%s) in a value -> 400" % name, 400, "Request body is not valid UTF-8")
    r = send("POST", ME, b'{"metadata":{"k\xff":1}}', token=a.token)
    check_answer(r, "invalid UTF-8 in a metadata key -> 400", 400, "Request body is not valid UTF-8")
    r = send("POST", "/store/customers", b'{"email":"x\xc3@example.com","password":"p"}')
    check_answer(r, "invalid UTF-8 in a registration email -> 400", 400, "Request body is not valid UTF-8")
    r = send("POST", ME, b'{"first_name":"a\x00b"}', token=a.token)
    check_answer(r, "raw NUL byte inside a string -> 400", 400)
    r = send("POST", ME, b'{"first_name":"x"}\x00', token=a.token)
    check_answer(r, "raw NUL byte after the document -> 400", 400)
    # valid multibyte text passes untouched (control)
    name = "Zo\u00eb \u6771\u4eac \U0001f600"
    j = check_200(send("POST", ME, json.dumps({"first_name": name}, ensure_ascii=False), token=a.token),
                  "valid UTF-8 (2-, 3- and 4-byte) -> 200")
    if j:
        tap.check(j["customer"]["first_name"] == name, "multibyte first_name comes back unchanged",
                  short(j["customer"]["first_name"]))


def nul_roundtrip(a, name, body, pick, want):
    """\\u0000 inside a JSON string: JSON.parse keeps it, PostgreSQL refuses it in text and
    jsonb; we refuse it with a 400 (a silently shortened value would be data corruption),
    and nothing of the body is stored."""
    r = send("POST", ME, body, token=a.token)
    check_answer(r, "%s: refused with 400 JSON" % name, 400)
    tap.check(pick(get_me(a)) != want, "%s: nothing stored" % name)


def t_nul_escape(a):
    nul_roundtrip(a, "\\u0000 in first_name", b'{"first_name":"ab\\u0000cd"}', lambda c: c["first_name"], "ab\x00cd")
    nul_roundtrip(a, "\\u0000 in a metadata value", b'{"metadata":{"nulv":"x\\u0000y"}}',
                  lambda c: (c["metadata"] or {}).get("nulv"), "x\x00y")
    # a key truncated at its NUL would let {"role\u0000x": ..} write the key "role"
    before = (get_me(a)["metadata"] or {})
    nul_roundtrip(a, "\\u0000 in a metadata key", b'{"metadata":{"nk\\u0000evil":"v"}}',
                  lambda c: "nk\x00evil" if "nk\x00evil" in (c["metadata"] or {}) else
                  ("(key became %r)" % [k for k in (c["metadata"] or {}) if k not in before]), "nk\x00evil")
    # a password with a NUL must not be the same password as its prefix
    email = unique_email("nulpw")
    r = send("POST", "/store/customers", json.dumps({"email": email, "password": "secret-prefix\u0000rest"}))
    check_answer(r, "a password containing \\u0000 is refused with 400 JSON", 400)
    r1 = send("POST", "/store/auth/token", json.dumps({"email": email, "password": "secret-prefix"}))
    check_401(r1, "password 'secret-prefix\\u0000rest' refused: no account, its prefix does not log in")


def t_surrogates(a):
    # JSON.parse keeps a lone surrogate; PostgreSQL jsonb rejects it (Medusa: 500). We store
    # U+FFFD for each lone surrogate (200); never a 5xx, never invalid UTF-8 out.
    for name, body, want in (("lone high surrogate", b'{"metadata":{"sur":"\\ud800"}}', "\ufffd"),
                             ("reversed pair", b'{"metadata":{"sur":"\\udc00\\ud800"}}', "\ufffd\ufffd")):
        j = check_200(send("POST", ME, body, token=a.token), "%s -> 200, valid UTF-8 JSON" % name)
        if j:
            tap.eq(j["customer"]["metadata"].get("sur"), want, "%s: stored as U+FFFD" % name)
    r = send("POST", ME, b'{"metadata":{"pair":"\\ud83d\\ude00"}}', token=a.token)
    j = check_200(r, "a proper surrogate pair -> 200")
    if j:
        tap.check(j["customer"]["metadata"].get("pair") == "\U0001f600", "the pair decodes to U+1F600",
                  short(j["customer"]["metadata"].get("pair")))


# --------------------------------------------------------------------------
# 3. duplicate keys and numbers


def t_duplicates(a):
    j = check_200(send("POST", ME, b'{"first_name":"First","first_name":"Last"}', token=a.token),
                  "duplicate first_name -> 200")
    if j:
        tap.check(j["customer"]["first_name"] == "Last", "duplicate keys: the last one wins (JSON.parse)",
                  short(j["customer"]["first_name"]))
    j = check_200(send("POST", ME, b'{"metadata":{"dup":1,"dup":2}}', token=a.token), "duplicate metadata key -> 200")
    if j:
        tap.check(j["customer"]["metadata"].get("dup") == 2, "duplicate metadata key: last wins",
                  short(j["customer"]["metadata"]))
    # one validation for the surviving value only: a bad first value is forgotten, like JSON.parse
    j = check_200(send("POST", ME, b'{"first_name":42,"first_name":"Ok"}', token=a.token),
                  "duplicate key: an invalid first value is overridden by a valid last one -> 200")
    r = send("POST", ME, b'{"first_name":"Ok","first_name":42}', token=a.token)
    check_answer(r, "duplicate key: a valid first value and an invalid last one -> 400", 400,
                 "first_name must be a string")
    email1, email2 = unique_email("dupa"), unique_email("dupb")
    body = '{"email":"%s","password":"pw-1234","email":"%s"}' % (email1, email2)
    j = check_200(send("POST", "/store/customers", body), "registration with two email keys -> 200")
    if j:
        tap.check(j["customer"]["email"] == email2, "registration: the last email wins", j["customer"]["email"])


# JSON.parse + JSON.stringify (Medusa stores metadata and answers what it stored); a number
# beyond a double (JSON.parse: Infinity, stored as null) is refused instead (issue 10): BEYOND
NUMBERS = [
    ("1e-999", "0"), ("18446744073709551616", "18446744073709552000"),
    ("9223372036854775808", "9223372036854776000"), ("-9223372036854775809", "-9223372036854776000"),
    ("99999999999999999999", "100000000000000000000"), ("-99999999999999999999", "-100000000000000000000"),
    ("123456789012345678901234567890", "1.2345678901234568e+29"),
    ("9007199254740993", "9007199254740992"), ("1e21", "1e+21"), ("1E2", "100"), ("-0", "0"), ("0.1", "0.1"),
    ("5e-324", "5e-324"), ("2.5e-7", "2.5e-7"), ("1.7976931348623157e308", "1.7976931348623157e+308"),
]
BEYOND = ["1e999", "-1e999", "1" + "0" * 400, "-" + "9" * 400, "1.7976931348623159e308"]
NUM_RE = re.compile(rb'[{,]"num":(null|-?[0-9][0-9.eE+-]*)[,}]')


def t_numbers(a):
    for lit, want in NUMBERS:
        r = send("POST", ME, '{"metadata":{"num":%s}}' % lit, token=a.token)
        if isinstance(r, TransportError) or r.status != 200:
            tap.not_ok("metadata number %s -> 200 (JSON.parse accepts it)" % short(lit, 40),
                       r if isinstance(r, TransportError) else r.brief())
            continue
        m = NUM_RE.search(r.body)
        got = m.group(1).decode() if m else "(no num key: %s)" % short(r.body[-200:])
        tap.check(got == want, "metadata number %s is answered as %s (JSON.parse + JSON.stringify)" % (
            short(lit, 40), want), "got %s" % got)
    for lit in BEYOND:
        r = send("POST", ME, '{"metadata":{"num":%s}}' % lit, token=a.token)
        check_answer(r, "metadata number %s (beyond a double) -> 400, never a silent null" % short(lit, 40), 400,
                     "Request body contains a number out of range at position 19")


# --------------------------------------------------------------------------
# 4. sizes


def t_sizes(a):
    for field in ("first_name", "last_name", "phone"):
        r = send("POST", ME, json.dumps({field: "x" * 256}), token=a.token)
        check_answer(r, "%s of 256 chars -> 400" % field, 400,
                     "%s must be shorter than or equal to 255 characters" % field)
    j = check_200(send("POST", ME, json.dumps({"first_name": "x" * 255}), token=a.token), "first_name of 255 chars -> 200")
    j = check_200(send("POST", ME, json.dumps({"first_name": "\u00e9" * 255}, ensure_ascii=False), token=a.token),
                  "first_name of 255 two-byte chars (510 bytes) -> 200: the limit counts characters")
    if j:
        tap.check(j["customer"]["first_name"] == "\u00e9" * 255, "255 two-byte chars stored whole",
                  "length %d" % len(j["customer"]["first_name"] or ""))
    j = check_200(send("POST", ME, json.dumps({"first_name": "\U0001f600" * 255}, ensure_ascii=False), token=a.token),
                  "first_name of 255 emoji (1020 bytes) -> 200 (validator.js counts code points)")
    if j:
        tap.check(j["customer"]["first_name"] == "\U0001f600" * 255, "255 emoji stored whole",
                  "length %d" % len(j["customer"]["first_name"] or ""))
    r = send("POST", ME, json.dumps({"first_name": "\u00e9" * 256}, ensure_ascii=False), token=a.token)
    check_answer(r, "first_name of 256 two-byte chars -> 400", 400,
                 "first_name must be shorter than or equal to 255 characters")
    r = send("POST", ADDR, json.dumps({"address": {"first_name": "a", "last_name": "b", "address_1": "y" * 300,
                                                   "city": "c", "country_code": "it", "postal_code": "1"}}),
             token=a.token)
    check_answer(r, "address_1 of 300 chars -> 400", 400, "address_1 must be shorter than or equal to 255 characters")
    r = send("POST", ME, json.dumps({"first_name": "z" * (MAX_BODY - 100)}), token=a.token)
    check_answer(r, "first_name just under MAX_BODY bytes -> 400 length message", 400,
                 "first_name must be shorter than or equal to 255 characters")
    # a metadata value within the limit (64 KiB as stored, API.md section 10) is stored whole
    # (the exact boundary is checked by test_growth.py)
    r = send("POST", ME, json.dumps({"metadata": {"big": "m" * (MAX_BODY - 2000)}}), token=a.token)
    check_answer(r, "metadata value of %d bytes (under MAX_BODY, over 64 KiB stored) -> 400" % (MAX_BODY - 2000),
                 400, "metadata must be at most 65536 bytes as stored (after the merge)")
    big = "m" * 60000
    j = check_200(send("POST", ME, json.dumps({"metadata": {"big": big}}), token=a.token),
                  "metadata value of %d bytes -> 200" % len(big))
    if j:
        tap.check(j["customer"]["metadata"].get("big") == big, "the big metadata value comes back whole",
                  "length %d" % len(j["customer"]["metadata"].get("big") or ""))
    send("POST", ME, json.dumps({"metadata": {"big": ""}}), token=a.token)
    too_large = re.compile(r"larger than the limit|entity too large")
    r = send("POST", ME, json.dumps({"metadata": {"v": "x" * 1000000}}), token=a.token)
    check_answer(r, "1 MB metadata value (over MAX_BODY, under nginx's 1m) -> 413 JSON", 413,
                 "Request body is larger than the limit of %d bytes" % MAX_BODY)
    r = send("POST", ME, json.dumps({"first_name": "x" * 1000000}), token=a.token)
    check_answer(r, "1 MB first_name -> 413 JSON (the body limit comes first)", 413, too_large)
    r = send("POST", ME, b'{"metadata":{"v":"' + b"x" * (2 << 20) + b'"}}', token=a.token)
    check_answer(r, "2 MB body (over nginx's client_max_body_size) -> 413 JSON", 413, too_large)
    r = send("POST", "/store/customers", b'{"email":"' + b"x" * 200000 + b'@example.com","password":"p"}')
    check_answer(r, "200 kB registration body -> 413 JSON", 413, too_large)
    r = send("POST", ME, b"x" * (MAX_BODY + 1), ct="text/plain", token=a.token)
    check_answer(r, "non-JSON body over MAX_BODY -> 413 JSON (the limit applies to every body)", 413, too_large)
    # both stay under the 64 KiB a customer's metadata may hold: stored whole (200)
    j = check_200(send("POST", ME, json.dumps({"metadata": {"k%d" % i: i for i in range(5000)}}), token=a.token),
                  "5,000 metadata keys in one body -> 200")
    if j:
        n = len(j["customer"]["metadata"])
        tap.check(n >= 5000, "5,000 metadata keys: every key stored", "%d keys" % n)
    send("POST", ME, json.dumps({"metadata": {"k%d" % i: "" for i in range(5000)}}), token=a.token)
    j = check_200(send("POST", ME, json.dumps({"metadata": {"a" * 50000: 1}}), token=a.token),
                  "a 50,000-char metadata key -> 200")
    if j:
        tap.check(("a" * 50000) in j["customer"]["metadata"], "a 50,000-char metadata key: stored whole")
    send("POST", ME, json.dumps({"metadata": {"a" * 50000: ""}}), token=a.token)


# --------------------------------------------------------------------------
# 5. content types


def t_content_types(a):
    before = get_me(a)
    body = b'{"first_name":"ViaWrongType"}'
    for ct in (None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
               "application/jsonx", "application/json-patch+json", "application/xml", "json", ""):
        hdrs = None
        if ct is None:
            r = send("POST", ME, body, ct=None, token=a.token)
        else:
            r = send("POST", ME, body, ct=ct, token=a.token, headers=hdrs)
        j = check_200(r, "Content-Type %r: body ignored, treated as {} -> 200" % ct)
        if j:
            tap.check(j["customer"]["first_name"] == before["first_name"] and
                      j["customer"]["updated_at"] == before["updated_at"],
                      "Content-Type %r: nothing changed" % ct, "first_name %r updated_at %s -> %s" % (
                          j["customer"]["first_name"], before["updated_at"], j["customer"]["updated_at"]))
    for ct in ("APPLICATION/JSON", "application/json; charset=utf-8", "Application/Json;charset=UTF-8"):
        j = check_200(send("POST", ME, body, ct=ct, token=a.token), "Content-Type %r is JSON -> 200" % ct)
        if j:
            tap.check(j["customer"]["first_name"] == "ViaWrongType", "Content-Type %r: the body was applied" % ct,
                      short(j["customer"]["first_name"]))
        send("POST", ME, json.dumps({"first_name": before["first_name"]}), token=a.token)
    # body-parser answers 415 for a non-UTF charset; we parse it as UTF-8 instead (a known
    # difference, pinned: the answer is 200 and the value is applied)
    r = send("POST", ME, b'{"first_name":"Latin"}', ct="application/json; charset=latin1", token=a.token)
    j = check_200(r, "charset=latin1 -> 200 (parsed as UTF-8; Medusa answers 415)")
    if j:
        tap.check(j["customer"]["first_name"] == "Latin", "charset=latin1: the body was applied",
                  short(j["customer"]["first_name"]))
    # registration with a non-JSON type sees {}: the validation messages of an empty body
    r = send("POST", "/store/customers", json.dumps({"email": unique_email("ct"), "password": "pw-12345"}),
             ct="text/plain")
    check_answer(r, "registration with Content-Type text/plain -> 400 (body ignored)", 400,
                 re.compile(r"^email must be an email"))
    r = send("POST", "/store/auth/token", b"", ct="application/json")
    check_answer(r, "empty application/json body to login -> 400 validation", 400)


# --------------------------------------------------------------------------
# 6. transport: chunked, lying Content-Length, query strings, paths, headers


def t_chunked(a):
    body = b'{"first_name":"Chunky"}'
    req = raw_head("POST", ME, a.token, "Transfer-Encoding: chunked\r\n") + b"5\r\n" + body[:5] + b"\r\n" + \
        ("%x\r\n" % (len(body) - 5)).encode() + body[5:] + b"\r\n0\r\n\r\n"
    secs, out, to = raw_exchange(req)
    p = parse_raw(out)
    ok = p and p[0] == 200 and b'"first_name":"Chunky"' in p[2]
    tap.check(ok, "chunked request body (2 chunks) -> 200, applied", short(out[:300]))
    big = b"".join(b"4000\r\n" + b" " * 0x4000 + b"\r\n" for _ in range(8)) + b"2\r\n{}\r\n0\r\n\r\n"
    secs, out, to = raw_exchange(raw_head("POST", ME, a.token, "Transfer-Encoding: chunked\r\n") + big)
    p = parse_raw(out)
    tap.check(p and p[0] == 413 and p[1].get("content-type") == JSON_CT,
              "chunked body of 128 kB (over MAX_BODY) -> 413 JSON", short(out[:300]))
    secs, out, to = raw_exchange(raw_head("POST", ME, a.token, "Transfer-Encoding: chunked\r\n") + b"zz\r\n{}\r\n0\r\n\r\n")
    p = parse_raw(out)
    check_answer(raw_response(p) if p else common.TransportError(short(out[:200])),
                 "chunked body with a bad chunk size -> 400 JSON (nginx)", 400)


def t_content_length(a):
    body = b'{"first_name":"Shorter"}'
    secs, out, to = raw_exchange(raw_head("POST", ME, a.token, "Content-Length: 10\r\n") + body)
    p = parse_raw(out)
    tap.check(p and p[0] == 400 and p[1].get("content-type") == JSON_CT and secs < 10,
              "Content-Length shorter than the body -> 400 JSON (the first 10 bytes are not JSON)",
              "%.1fs %s" % (secs, short(out[:300])))
    for cl, why in (("abc", "non-numeric"), ("-1", "negative"), ("1, 2", "list"), ("99999999999999999999", "huge")):
        secs, out, to = raw_exchange(raw_head("POST", ME, a.token, "Content-Length: %s\r\n" % cl) + body, timeout=20)
        p = parse_raw(out)
        tap.check(not to, "Content-Length %s (%s): answered quickly" % (cl, why), "%.1fs" % secs)
        # nginx refuses a Content-Length it cannot parse itself (error_page: JSON 400)
        check_answer(raw_response(p) if p else common.TransportError(short(out[:200])),
                     "Content-Length %s (%s) -> 400 JSON" % (cl, why), 400)
    secs, out, to = raw_exchange(raw_head("POST", ME, a.token, "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n") +
                                 b"2\r\n{}\r\n0\r\n\r\n")
    p = parse_raw(out)
    check_answer(raw_response(p) if p else common.TransportError(short(out[:200])),
                 "Content-Length and Transfer-Encoding together -> 400 JSON (smuggling guard)", 400)


def long_content_length(token, result):
    """Content-Length 100, 24 bytes sent, then silence: nginx's client_body_timeout (15 s)
    ends it; the worker never waits on it. Runs in a thread while the rest goes on."""
    body = b'{"first_name":"Longer"}'
    secs, out, to = raw_exchange(raw_head("POST", ME, token, "Content-Length: 100\r\n") + body, timeout=40)
    result["long"] = (secs, out, to)
    # and a client that half-closes after a short body: nginx sees EOF at once
    secs, out, to = raw_exchange(raw_head("POST", ME, token, "Content-Length: 100\r\n") + body, timeout=40,
                                 half_close=True)
    result["halfclose"] = (secs, out, to)


def check_long_content_length(result):
    # nginx closes the connection without an answer in both cases (client_body_timeout, or
    # EOF before the announced length): no status at all, so none can be a 5xx
    secs, out, to = result.get("long", (None, b"", True))
    tap.check(secs is not None and not to and secs < 30 and out == b"",
              "Content-Length longer than the body: nginx closes the connection within its timeout, no answer",
              "%s s, timed out %s, answer %s" % (secs, to, short(out[:200])))
    secs, out, to = result.get("halfclose", (None, b"", True))
    tap.check(secs is not None and not to and secs < 30 and out == b"",
              "Content-Length longer than the body, client half-closes: closed at once, no answer",
              "%s s, timed out %s, answer %s" % (secs, to, short(out[:200])))


def t_query(a):
    r = send("GET", ME + "?" + "a" * 9000, token=a.token)
    check_answer(r, "9 kB query string -> nginx 414 JSON", 414, "Request URI too long")
    r = send("GET", ME + "?" + "q=" + "%41" * 2000, token=a.token)
    tap.check(not isinstance(r, TransportError) and r.status == 200,
              "6 kB query string on a route without parameters -> 200 (ignored)",
              r if isinstance(r, TransportError) else r.brief())
    orders = ME + "/orders?"
    # each query's one answer: 200, or the 400 of Medusa's validation (qs + class-validator)
    cases = [("limit=-1", 400), ("limit=abc", 400), ("offset=1e999", 400), ("offset=-5", 400), ("limit[]=1", 400),
             ("limit=1%00", 400), ("status[]=", 400), ("status[][a]=1", 400), ("status[]=x&" * 500, 400),
             ("fulfillment_status[]=" + "%ff" * 10, 400), ("payment_status[]=%", 400), ("status[" * 300 + "=1", 400),
             ("limit=" + "9" * 400, 400), ("offset=" + "1" * 1000, 400), ("status[99999999]=pending", 200),
             ("status[]=pending&" * 400, 200), ("%zz=1", 400), ("limit=%", 400), ("&&&&=&=&", 200),
             ("limit=1&limit=2", 400)]
    for q, want in cases:
        r = send("GET", orders + q, token=a.token)
        if want == 200:
            tap.check(not isinstance(r, TransportError) and r.status == 200 and r.header("Content-Type") == JSON_CT
                      and isinstance(r.try_json(), dict), "orders query %s -> 200 JSON" % short(q, 40),
                      r if isinstance(r, TransportError) else r.brief())
        else:
            check_answer(r, "orders query %s -> 400 JSON" % short(q, 40), 400)


def t_paths(a):
    # nginx refuses a malformed escape itself (HTML 400), before any worker
    for m, path in (("GET", "/store/auth/%E0%A4%A"), ("GET", "/store/auth/%ZZ"),
                    ("POST", ADDR + "/%ZZ"), ("DELETE", ADDR + "/%ZZ"), ("GET", "/store/auth/%00"),
                    ("DELETE", ADDR + "/%00")):
        r = send(m, path, b"{}" if m == "POST" else None, token=a.token)
        check_answer(r, "%s %s -> 400 JSON (nginx)" % (m, path), 400)
    # well-formed escapes of invalid UTF-8 reach the worker: decodeURIComponent's URIError
    for m, path in (("GET", "/store/auth/%E0%A4"), ("GET", "/store/auth/%C0%80"), ("GET", "/store/auth/%ED%A0%80"),
                    ("GET", "/store/auth/%FF"), ("DELETE", ADDR + "/%E0%A4"), ("POST", ADDR + "/%C0%80"),
                    ("POST", ADDR + "/%FF%FE")):
        r = send(m, path, b'{"first_name":"x"}' if m == "POST" else None, token=a.token)
        check_answer(r, "%s %s -> 400 JSON" % (m, path), 400, "URI malformed")
    for m, path, want in (("GET", "/store/auth/%25", 200), ("GET", "/store/auth/a%2Fb", 200),
                          ("GET", "/store/auth/" + "a" * 3000, 200), ("GET", "/store/auth/%27%20OR%201%3D1", 200)):
        r = send(m, path, token=a.token)
        tap.check(not isinstance(r, TransportError) and r.status == want and r.try_json() == {"exists": False},
                  "%s %s -> %d {exists:false}" % (m, short(path, 50), want),
                  r if isinstance(r, TransportError) else r.brief())
    for m, path in (("POST", ADDR + "/" + "a" * 3000), ("POST", ADDR + "/addr_%27%3B--"),
                    ("POST", ADDR + "/%2e%2e%2f%2e%2e")):
        r = send(m, path, b'{"first_name":"x"}', token=a.token)
        # Medusa's answer for an unknown id on update (transcript 48)
        check_answer(r, "%s %s (no such address) -> 400 JSON" % (m, short(path, 50)), 400,
                     "Could not find address for customer")
    for m, path in (("DELETE", ADDR + "/" + "a" * 3000), ("DELETE", ADDR + "/addr_%27%3B--")):
        r = send(m, path, token=a.token)
        # Medusa's delete is idempotent: the customer with its addresses, 200
        j = check_200(r, "%s %s (no such address) -> 200 (idempotent), JSON" % (m, short(path, 50)))
        if j:
            tap.check(j["customer"]["id"] == a.id, "%s %s: the answer is the caller's customer" % (m, short(path, 50)))
    for m, path in (("GET", ME + "/../me"), ("GET", ME + "//"), ("GET", "/store//customers/me"),
                    ("PUT", ME), ("PATCH", ME), ("FOO", ME), ("GET", "/" + "x" * 3000), ("GET", "/store/\u00e9".encode(
                        "utf-8").decode("latin-1"))):
        try:
            r = send(m, path, token=a.token)
        except UnicodeEncodeError:
            continue
        check_answer(r, "%s %s -> 404 JSON" % (m, short(path, 40)), 404)
    r = send("TRACE", ME, token=a.token)
    check_answer(r, "TRACE -> 405 JSON from nginx", 405)


def t_headers(a):
    cases = [("Authorization", "Bearer " + "x" * 3000), ("Authorization", "Bearer a.b.c"),
             ("Authorization", "Bearer ..."), ("Authorization", "Bearer " + a.token + "x"),
             ("Authorization", "Bearer " + a.token[:-2]), ("Authorization", "Basic Zm9vOmJhcg=="),
             ("Authorization", "Bearer"), ("Authorization", "Bearer  "), ("Authorization", "Bearer \t" + "e" * 40),
             ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJ9.x"), ("Authorization", "Bearer %s.%s.%s" % (
                 "e" * 500, "e" * 500, "e" * 500)),
             ("Cookie", "connect.sid=" + "x" * 3000), ("Cookie", "connect.sid=s%3A"),
             ("Cookie", "connect.sid=s%3Aabc.%ZZ"), ("Cookie", "connect.sid=%"), ("Cookie", "connect.sid=s:."),
             ("Cookie", "connect.sid=s:" + "a" * 100 + "." + "b" * 43), ("Cookie", "connect.sid"),
             ("Cookie", "=; ; ;;connect.sid=;"), ("Cookie", "connect.sid=s%3A%00.%00"),
             ("Cookie", "connect.sid=s:\x7f\x7f.x")]
    for k, v in cases:
        r = send("GET", ME, headers=[(k, v)])
        check_401(r, "GET /me with %s: %s -> 401" % (k, short(v, 50)))
    r = send("GET", ME, headers=[("Authorization", "Bearer " + "x" * 10000)])
    # nginx: a header over large_client_header_buffers is its 494, mapped to a JSON 400
    check_answer(r, "10 kB Authorization header -> nginx 400 JSON (header too large)", 400, "Bad request")


# --------------------------------------------------------------------------
# main


def main():
    common.require_health(tap)
    st0 = status_json()
    tap.check(st0 is not None and "workers" in st0, "GET /status?json from loopback before the corpus", short(st0))
    try:
        a = fresh()
    except Abort:
        tap.finish()
        return
    result = {}
    th = threading.Thread(target=long_content_length, args=(a.token, result), daemon=True)
    th.start()
    for t in (t_malformed, t_truncated, t_top_level, t_depth, t_utf8, t_nul_escape, t_surrogates, t_duplicates,
              t_numbers, t_sizes, t_content_types, t_chunked, t_content_length, t_query, t_paths, t_headers):
        try:
            t(a)
        except Abort:
            pass
        except TransportError as e:
            tap.not_ok("%s: transport" % t.__name__, str(e))
    th.join(45)
    check_long_content_length(result)

    r = send("GET", "/health")
    tap.check(not isinstance(r, TransportError) and r.status == 200 and r.body == b"OK",
              "after the corpus: GET /health -> 200 OK", r if isinstance(r, TransportError) else r.brief())
    st1 = status_json()
    if st0 and st1:
        p0 = sorted(w["pid"] for w in st0["workers"])
        p1 = sorted(w["pid"] for w in st1["workers"])
        recycled = st1.get("recycled", 0) - st0.get("recycled", 0)
        tap.check(st1.get("restarts") == st0.get("restarts") and st1.get("killed") == st0.get("killed"),
                  "after the corpus: no worker restarted or was killed (restarts %s -> %s, killed %s -> %s)" % (
                      st0.get("restarts"), st1.get("restarts"), st0.get("killed"), st1.get("killed")), short(st1))
        tap.check(p0 == p1 or recycled > 0, "after the corpus: the same worker pids %s" % p0,
                  "now %s (recycled %d)" % (p1, recycled))
    else:
        tap.not_ok("after the corpus: /status?json readable", short(st1))
    me = get_me(a)
    tap.check(me["id"] == a.id, "the corpus customer still loads")
    tap.finish()


if __name__ == "__main__":
    main()
