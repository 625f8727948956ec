#!/usr/bin/env python3
"""make bench: what the checkout cases need, on the bench stack (tests/bench/run.sh).

Imports three products of the bench's own (one variant each, stock 10^9, so no run sells out),
makes a guest cart of three lines in EU (the cart read), 64 guest carts in EU (adding lines) and
finds the EU option PostFake Standard (whole checkouts). Prints shell assignments:
BENCH_CART, BENCH_CARTS, BENCH_VARIANTS, BENCH_OPTION, BENCH_REGION_EU, and BENCH_CHECKOUT_OK=1 when
one whole checkout went through (else 0 and the reason on stderr: the bench leaves that case out).
Exit 1 with the reason on stderr when the carts cannot be made (no cart cases at all).
Usage: checkout_setup.py PORT MYSQLD_SOCKET
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "integration"))
import checkout_util as cu  # noqa: E402


def main():
    port, sock = int(sys.argv[1]), sys.argv[2]
    run = "%x" % int(time.time())
    handles = ["bench-%s-%d" % (run, i) for i in range(3)]
    try:
        cu.import_products(sock, [cu.product(h, 10 ** 9, eur=1000 + 250 * i, usd=1200 + 300 * i)
                                  for i, h in enumerate(handles)])
        variants = [cu.variant_of(port, h) for h in handles]
        eu = cu.region_ids(port)["EU"]
        cart = cu.new_cart(port, eu)
        for i, v in enumerate(variants):
            cu.add_line(port, cart, v, i + 1)
        carts = [cu.new_cart(port, eu) for _ in range(64)]
        r = cu.expect(cu.request(port, "GET", "/store/shipping-options?region_id=%s" % eu), "GET /store/shipping-options")
        option = next(o["id"] for o in r.try_json()["shipping_options"]
                      if o["name"] == "PostFake Standard" and not o["is_return"])
    except (cu.StepFailed, cu.RouteMissing, RuntimeError, OSError, KeyError, StopIteration) as e:
        sys.stderr.write("checkout setup: %s: %s\n" % (type(e).__name__, e))
        return 1
    print("BENCH_CART=%s" % cart)
    print("BENCH_CARTS=%s" % ",".join(carts))
    print("BENCH_VARIANTS=%s" % ",".join(variants))
    print("BENCH_OPTION=%s" % option)
    print("BENCH_REGION_EU=%s" % eu)
    # one whole checkout, so the checkouts case does not start on a broken path
    try:
        done = cu.ready_cart(port, eu, variants[0], 1, email="bench.setup@example.com")
        cu.expect(cu.request(port, "POST", "/store/carts/%s/complete" % done), "POST /store/carts/:id/complete")
        print("BENCH_CHECKOUT_OK=1")
    except (cu.StepFailed, cu.RouteMissing, RuntimeError, OSError, KeyError) as e:
        sys.stderr.write("checkout setup: no whole checkout: %s: %s\n" % (type(e).__name__, e))
        print("BENCH_CHECKOUT_OK=0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
