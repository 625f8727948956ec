#!/usr/bin/env python3
"""make bench: whole guest checkouts per second (tests/bench/run.sh).

Each of CONNECTIONS clients (PROCESSES processes x threads, one kept-alive connection each) runs
checkouts back to back for SECONDS: POST /store/carts, POST .../line-items (1 x the variant),
POST /store/carts/:id (email and shipping address), POST .../shipping-methods (the option
BENCH_OPTION), POST .../payment-sessions, POST .../payment-session (manual), POST .../complete.
A checkout counts when the complete answers 200 {"type":"order"}; any other answer ends that
checkout as failed (its first bad answer is kept for the report).

--fixed sends the same seven requests per checkout to the ceiling's /fixed (transport and this
driver only, no database): the same-run ceiling of this case.

Prints one line: "checkouts/s p50_ms p99_ms failed requests/s client_cpu%" (latency of a whole
checkout), then "# first failure: ..." when one failed and "# time per step ..." (where the
request time went: create, line-items, update, shipping-methods, payment-sessions,
payment-session, complete).
Usage: checkout.py PORT SECONDS CONNECTIONS REGION VARIANT OPTION [--fixed]
"""
import http.client
import json
import multiprocessing
import os
import resource
import sys
import threading
import time

ADDRESS = {"first_name": "Bench", "last_name": "Shopper", "address_1": "Kurfürstendamm 21", "city": "Berlin",
           "country_code": "de", "postal_code": "10719"}


def client(port, stop_at, region, variant, option, fixed, out):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    hdr = {"Content-Type": "application/json"}
    done, failed, lat, reqs, first_bad = 0, 0, [], 0, None
    steps_time = {}

    def post(path, body=None):
        nonlocal reqs, conn
        data = json.dumps(body).encode() if body is not None else b""
        reqs += 1
        step = path.rsplit("/", 1)[-1] if path.count("/") > 3 else ("update" if path.count("/") == 3 else "create")
        t = time.time()
        try:
            conn.request("POST", "/fixed" if fixed else path, body=data, headers=hdr)
            r = conn.getresponse()
            raw = r.read()
            if r.will_close:
                conn.close()
            steps_time[step] = steps_time.get(step, 0.0) + time.time() - t
            return r.status, raw
        except (OSError, http.client.HTTPException) as e:
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            return 0, str(e).encode()

    n = 0
    while time.time() < stop_at:
        n += 1
        t0 = time.time()
        st, raw = post("/store/carts", {"region_id": region})
        cart = None
        if st == 200:
            try:
                cart = "fixed" if fixed else json.loads(raw)["cart"]["id"]
            except (ValueError, KeyError):
                cart = None
        steps = [("/line-items", {"variant_id": variant, "quantity": 1}),
                 ("", {"email": "bench.%d.%d@example.com" % (os.getpid(), n), "shipping_address": ADDRESS}),
                 ("/shipping-methods", {"option_id": option}), ("/payment-sessions", None),
                 ("/payment-session", {"provider_id": "manual"}), ("/complete", None)]
        ok = cart is not None
        for suffix, body in steps if ok else []:
            st, raw = post("/store/carts/%s%s" % (cart, suffix), body)
            if st != 200:
                ok = False
                break
        if ok and not fixed:
            try:
                ok = json.loads(raw).get("type") == "order"
            except ValueError:
                ok = False
        if ok:
            done += 1
            lat.append(time.time() - t0)
        else:
            failed += 1
            if first_bad is None:
                first_bad = "HTTP %d %s" % (st, raw[:300].decode("utf-8", "replace"))
    conn.close()
    out.append((done, failed, lat, reqs, first_bad, steps_time))


def process(port, stop_at, threads, args, q):
    out = []
    ts = [threading.Thread(target=client, args=(port, stop_at) + args + (out,)) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    q.put((out, ru.ru_utime + ru.ru_stime))


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    port, secs, conns = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
    args = (sys.argv[4], sys.argv[5], sys.argv[6], "--fixed" in sys.argv[7:])
    procs = min(2, conns)
    stop_at = time.time() + secs
    q = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=process, args=(port, stop_at, conns // procs + (i < conns % procs), args, q))
          for i in range(procs)]
    t0 = time.time()
    for p in ps:
        p.start()
    results = [q.get() for _ in ps]
    for p in ps:
        p.join()
    elapsed = time.time() - t0
    done = failed = reqs = 0
    lat, first_bad, cpu, steps = [], None, 0.0, {}
    for out, c in results:
        cpu += c
        for d, f, lt, rq, fb, st in out:
            done, failed, reqs = done + d, failed + f, reqs + rq
            lat.extend(lt)
            first_bad = first_bad or fb
            for k, v in st.items():
                steps[k] = steps.get(k, 0.0) + v
    lat.sort()

    def pct(p):
        return "%.1fms" % (1000 * lat[min(len(lat) - 1, int(p * len(lat)))]) if lat else "?"
    print("%.1f %s %s %d %.0f %.0f%%" % (done / elapsed, pct(0.5), pct(0.99), failed, reqs / elapsed, 100 * cpu / elapsed))
    if first_bad:
        print("# first failure: %s" % first_bad.replace("\n", " "))
    total = sum(steps.values()) or 1.0
    print("# time per step (share of all request time): %s" % ", ".join(
        "%s %.0f%%" % (k, 100 * v / total) for k, v in sorted(steps.items(), key=lambda kv: -kv[1])))


if __name__ == "__main__":
    main()
