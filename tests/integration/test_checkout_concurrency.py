#!/usr/bin/env python3
"""Checkout under concurrency, over real HTTP (nginx -> workers -> MariaDB), API.md section 9:
  - 16 kept connections add the same variant to ONE cart for a few seconds: the line's quantity
    is 1 + the number of 200 answers, and the answers show 2..n+1 once each (real Medusa 1.20.11
    loses quantity here: 240 answers of 200, quantity 56);
  - 16 concurrent updates of one line, 4 rounds: each answer shows its own quantity, the line
    ends at one of the quantities answered 200, with that quantity's totals;
  - 16 concurrent completes of one cart: every answer is 200 {type: order} with the same order,
    one order row, the stock down once;
  - adds racing 4 completes of one cart: the order holds what the cart shows (no add after the
    completion), its payment is its total, the stock down by it;
  - two carts racing for the last unit (stock set to 1 by importing the test's own product
    again): one order, one 409 insufficient_inventory, stock 0, the loser cart still open.
The products are the test's own (imported into the stack's database with `medusa-c import`,
unique handles per run), so the seed's stock is left alone. The scenarios live in
checkout_util.py: tests/cluster/test_cluster_checkout.py runs the same ones over two pools.
A route not on the server yet makes its scenario pending (Tap.pending), never passed.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402
import checkout_util as cu  # noqa: E402

tap = common.Tap()
VAR = os.environ.get("VAR", "var")
SOCK = os.path.join(VAR, "mysqld.sock")
PORTS = [common.PORT]
SECONDS = float(os.environ.get("CONCURRENCY_SECONDS", "4"))


def stock_of(variant):
    return int(cu.sql(SOCK, "SELECT inventory_quantity FROM product_variant WHERE id = %s" % cu.quote(variant))[0][0])


def orders_of_cart(cart):
    return int(cu.sql(SOCK, "SELECT COUNT(*) FROM `order` WHERE cart_id = %s" % cu.quote(cart))[0][0])


def main():
    common.require_health(tap)
    bulk, last = "proof-bulk-" + common.RUN, "proof-last-" + common.RUN
    try:
        cu.import_products(SOCK, [cu.product(bulk, 1000000), cu.product(last, 1)])
        variants = {h: cu.variant_of(common.PORT, h) for h in (bulk, last)}
        eu = cu.region_ids(common.PORT)["EU"]
    except (cu.StepFailed, RuntimeError, OSError) as e:
        tap.not_ok("setup: the test's products imported and served", str(e))
        tap.finish()
    tap.ok("setup: two products of the test's own imported (stock 1000000 and 1) and served")

    def reset_stock(variant, n):
        cu.import_products(SOCK, [cu.product(last, n)])

    scenarios = [
        ("16 connections adding one variant to one cart",
         lambda: cu.adds_one_cart(tap.check, tap.note, PORTS, eu, variants[bulk], seconds=SECONDS)),
        ("concurrent updates of one line",
         lambda: cu.updates_one_line(tap.check, tap.note, PORTS, eu, variants[bulk])),
        ("16 concurrent completes of one cart",
         lambda: cu.completes_one_cart(tap.check, tap.note, PORTS, eu, variants[bulk], orders_of_cart, stock_of)),
        ("adds racing a complete of one cart",
         lambda: cu.adds_racing_complete(tap.check, tap.note, PORTS, eu, variants[bulk], stock_of)),
        ("two carts racing for the last unit",
         lambda: cu.last_unit_race(tap.check, tap.note, PORTS, eu, variants[last], reset_stock, stock_of)),
    ]
    for name, run in scenarios:
        try:
            run()
        except cu.RouteMissing as e:
            tap.pending(name, str(e))
        except (cu.StepFailed, RuntimeError, OSError, KeyError, TypeError, ValueError) as e:
            tap.not_ok(name, "%s: %s" % (type(e).__name__, e))
    tap.finish()


if __name__ == "__main__":
    main()
