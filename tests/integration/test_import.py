"""`medusa-c import` (docs/IMPORT.md), run as a program against a scratch database.

A scratch database is created in the test stack's MariaDB ($VAR/mysqld.sock) and migrated
with sql/migrate.sh, so row counts are the file's alone:
- reference/store-seed.json: every table holds exactly what the file describes; ids of one
  import ascend in file order; a second import changes nothing (CHECKSUM TABLE of every
  catalogue table, updated_at included) and says "0 row change(s)";
- tests/fixtures/store-extras.import.json on top: the admin-only extras, also idempotent;
- a file with several mistakes (an unknown key, a wrong type, a missing reference, two entries
  with one natural key, ...): one line per mistake naming its path, exit status 1, and
  nothing changed (also the rows written before the first mistake);
- not JSON at all: one line, exit 1; demo/catalogue.json imports, twice without a change.

Needs VAR (the test stack's state dir) and the binary (BIN, else build/medusa-c).
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import common  # noqa: E402

tap = common.Tap()
VAR = os.environ.get("VAR")
ROOT = common.repo_root()
BIN = os.environ.get("BIN") or os.path.join(ROOT, "build", "medusa-c")
SEED = os.path.join(ROOT, "..", "shared", "reference", "store-seed.json")
EXTRAS = os.path.join(ROOT, "tests", "fixtures", "store-extras.import.json")
DEMO = os.path.join(ROOT, "demo", "catalogue.json")
DB = "import_test_%d" % os.getpid()

TABLES = ["store", "store_currencies", "sales_channel", "publishable_api_key", "publishable_api_key_sales_channel",
          "shipping_profile", "region", "country", "region_payment_providers", "region_fulfillment_providers",
          "tax_rate", "product_tax_rate", "product_type_tax_rate", "shipping_tax_rate", "product",
          "product_shipping_profile", "product_option", "product_option_value", "product_variant", "money_amount",
          "price_list", "price_list_customer_groups", "customer", "customer_group", "customer_group_customers",
          "image", "product_images", "product_tag", "product_tags", "product_type", "product_collection",
          "product_category", "product_category_product", "product_sales_channel", "shipping_option",
          "shipping_option_requirement", "return_reason", "gift_card", "discount", "discount_rule",
          "discount_regions", "discount_condition", "discount_condition_product_collection", "event_outbox",
          "catalogue_version"]


def sql(query, db=DB):
    out = subprocess.run(["mariadb", "--no-defaults", "-S", os.path.join(VAR, "mysqld.sock"), "-u", "root",
                          "-N", "-B", db, "-e", query], capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip())
    return [line.split("\t") for line in out.stdout.splitlines()]


def count(table, where=""):
    return int(sql("SELECT COUNT(*) FROM `%s` %s" % (table, where))[0][0])


def run_import(*files):
    env = dict(os.environ)
    env["DATABASE_URL"] = "mysql://root@localhost/%s?socket=%s" % (DB, os.path.join(VAR, "mysqld.sock"))
    return subprocess.run([BIN, "import"] + list(files), capture_output=True, text=True, env=env, timeout=300)


def snapshot():
    """Content checksum of every catalogue table (CHECKSUM TABLE covers every column, updated_at too)."""
    rows = sql("CHECKSUM TABLE " + ", ".join("`%s`" % t for t in TABLES))
    return {r[0]: r[1] for r in rows}


def check_unchanged(before, name):
    after = snapshot()
    changed = sorted(t for t in before if before[t] != after.get(t))
    tap.check(not changed, name, "tables changed: %s" % ", ".join(changed))


def seed_expectations(seed):
    products = seed["products"]
    variants = [v for p in products for v in p.get("variants", [])]
    return {
        "product": len(products),
        "product_variant": len(variants),
        "money_amount": sum(len(v.get("prices", [])) for v in variants),
        "product_option": sum(len(p.get("options", [])) for p in products),
        "product_option_value": sum(len(v.get("options", [])) for v in variants),
        "image": sum(len(p.get("images", [])) for p in products),
        "product_images": sum(len(p.get("images", [])) for p in products),
        "product_category_product": sum(len(p.get("categories", [])) for p in products),
        "product_category": len(seed.get("categories", [])),
        "product_sales_channel": len(products),
        "product_shipping_profile": len(products),
        "shipping_option": len(seed["shipping_options"]),
        "region": len(seed["regions"]),
        "region_payment_providers": sum(len(r.get("payment_providers", [])) for r in seed["regions"]),
        "store_currencies": len(seed["store"]["currencies"]),
    }


def main():
    if not VAR:
        tap.skip("import", "VAR is not set")
        tap.finish()
    if not os.access(BIN, os.X_OK):
        tap.not_ok("import: the binary exists", "no executable at %s" % BIN)
        tap.finish()
    sql("CREATE DATABASE `%s` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin" % DB, db="mysql")
    try:
        env = dict(os.environ, MARIADB_SOCKET=os.path.join(VAR, "mysqld.sock"), DB_NAME=DB)
        mig = subprocess.run([os.path.join(ROOT, "sql", "migrate.sh")], capture_output=True, text=True,
                             env=env, timeout=300)
        if not tap.check(mig.returncode == 0, "scratch database migrated", mig.stderr[-500:]):
            return
        with open(SEED, encoding="utf-8") as f:
            seed = json.load(f)

        # --- the seed, once
        r = run_import(SEED)
        tap.check(r.returncode == 0 and r.stderr == "", "seed: imported, exit 0",
                  "exit %d: %s" % (r.returncode, r.stderr[-800:]))
        for table, want in seed_expectations(seed).items():
            tap.eq(count(table), want, "seed: %s rows = what the file describes" % table)
        want_countries = sum(len(x["countries"]) for x in seed["regions"])
        tap.eq(count("country", "WHERE region_id IS NOT NULL"), want_countries, "seed: countries in regions")
        eu = sql("SELECT r.tax_rate, r.currency_code, GROUP_CONCAT(c.iso_2 ORDER BY c.iso_2) FROM region r "
                 "JOIN country c ON c.region_id = r.id WHERE r.name = 'EU' GROUP BY r.id")
        tap.eq(eu, [["20", "eur", "de,dk,es,fr,gb,it,se"]], "seed: region EU with its rate and countries")
        handles = [row[0] for row in sql("SELECT handle FROM product ORDER BY id")]
        tap.eq(handles, [p["handle"] for p in seed["products"]], "seed: product ids ascend in file order")
        titles = [row[0] for row in sql("SELECT v.title FROM product_variant v JOIN product p ON p.id = v.product_id "
                                        "WHERE p.handle = 't-shirt' ORDER BY v.id")]
        tap.eq(titles, [v["title"] for v in seed["products"][0]["variants"]], "seed: variant ids in file order")
        ranks = sql("SELECT id, `rank`, description, is_active FROM product_category ORDER BY `rank`")
        tap.eq(ranks, [[c["id"], str(i), "", "1"] for i, c in enumerate(seed["categories"])],
               "seed: category ids kept, ranks 0..n-1 in file order, description ''")
        created = sql("SELECT COUNT(DISTINCT created_at) FROM (SELECT created_at FROM product UNION ALL "
                      "SELECT created_at FROM product_variant UNION ALL SELECT created_at FROM region) t")
        tap.eq(created, [["1"]], "seed: one created_at for the whole import")
        tap.eq(sql("SELECT thumbnail FROM product WHERE handle = 'coffee-mug'"),
               [[seed["products"][6]["images"][0]]], "seed: thumbnail = first image")

        # --- the same file again changes nothing
        before = snapshot()
        r = run_import(SEED)
        tap.check(r.returncode == 0 and "0 row change(s)" in r.stdout, "seed again: exit 0, 0 row changes",
                  "exit %d, stdout %r, stderr %r" % (r.returncode, r.stdout, r.stderr[-500:]))
        check_unchanged(before, "seed again: no table changed (row counts, values, updated_at)")

        # --- the extras on top
        r = run_import(EXTRAS)
        tap.check(r.returncode == 0, "extras: imported", r.stderr[-800:])
        for table, want in [("price_list", 4), ("price_list_customer_groups", 1), ("tax_rate", 3),
                            ("product_tax_rate", 2), ("product_type_tax_rate", 1), ("shipping_tax_rate", 1),
                            ("gift_card", 5), ("discount", 8), ("discount_rule", 8), ("discount_condition", 1),
                            ("discount_regions", 10), ("return_reason", 3), ("customer_group", 1),
                            ("customer_group_customers", 1), ("product_tag", 3), ("product_tags", 6),
                            ("product_type", 2), ("product_collection", 1)]:
            tap.eq(count(table), want, "extras: %s rows" % table)
        tap.eq(count("money_amount", "WHERE price_list_id IS NOT NULL"), 10, "extras: 10 price list prices")
        tap.eq(sql("SELECT amount, min_quantity FROM money_amount m JOIN price_list l ON l.id = m.price_list_id "
                   "WHERE l.name = 'Overrides' AND m.currency_code = 'usd'"), [["2900", "3"]],
               "extras: the quantity tier keeps min_quantity")
        tap.eq(sql("SELECT rate FROM tax_rate WHERE code = 'BOT'"), [["7.5"]], "extras: a rate keeps its decimal text")
        tap.eq(sql("SELECT p.value FROM return_reason c JOIN return_reason p ON p.id = c.parent_return_reason_id "
                   "WHERE c.value = 'too_small'"), [["wrong_size"]], "extras: child return reason under its parent")
        tap.eq(sql("SELECT balance, tax_rate, is_disabled FROM gift_card WHERE code = 'NF1P-5LAK-GYE5-8SGD'"),
               [["1000", "20", "1"]], "extras: gift card balance = value, region rate, disabled")
        tap.eq(sql("SELECT handle FROM product WHERE collection_id IS NOT NULL ORDER BY handle"),
               [["shorts"], ["t-shirt"]], "extras: collection Summer on t-shirt and shorts")
        tap.eq(sql("SELECT title FROM product WHERE handle = 't-shirt'"), [["Medusa T-Shirt"]],
               "extras: a product entry by handle keeps what it does not mention")
        tap.eq(sql("SELECT has_account, password_hash LIKE 'c2NyeXB0%' FROM customer WHERE email = 'vip@example.com'"),
               [["1", "1"]], "extras: the VIP customer has an account with a scrypt hash")
        tap.eq(sql("SELECT event FROM event_outbox"), [["customer.created"]],
               "extras: the new customer's customer.created event")
        before = snapshot()
        r = run_import(SEED, EXTRAS)
        tap.check(r.returncode == 0 and r.stdout.count("0 row change(s)") == 2, "seed + extras again: 0 row changes",
                  "exit %d, stdout %r, stderr %r" % (r.returncode, r.stdout, r.stderr[-500:]))
        check_unchanged(before, "seed + extras again: no table changed (the password still verifies: hash kept)")

        # --- a broken file: every problem on its own line, nothing written
        bad = {
            "regions": [{"name": "Zed", "currency_code": "eur", "countries": ["pt"]},
                        {"name": "XX", "currency_code": "zzz"}],
            "products": [
                {"title": "No handle"},
                {"handle": "new-thing", "title": "New", "status": "live"},
                {"handle": "t-shirt", "colour": "red", "categories": [{"id": "pcat_nope"}]},
                {"handle": "t-shirt", "title": "Twice in one file"},
            ],
            "price_lists": [{"name": "PL", "prices": [{"product": "t-shirt", "variant": "XXL",
                                                       "currency_code": "eur", "amount": 1}]}],
            "gift_cards": [{"code": "X", "region": "Mars", "value": 10}],
            "discounts": [{"code": "bad", "rule": {"type": "percentage", "value": 1}, "ends_at": "2020-13-01"}],
            "bogus": 1,
        }
        want_paths = ["bogus", "regions[1].currency_code", "products[0].handle", "products[1].status",
                      "products[2].colour", "products[2].categories[0]", "products[3]", "price_lists[0].prices[0]",
                      "gift_cards[0].region", "discounts[0].ends_at"]
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(bad, f)
            bad_path = f.name
        try:
            before = snapshot()
            r = run_import(bad_path)
            lines = r.stderr.splitlines()
            tap.eq(r.returncode, 1, "broken file: exit status 1")
            problems = [ln for ln in lines if not ln.endswith("nothing was imported")]
            got_paths = [ln[len(bad_path) + 2:].split(": ", 1)[0] for ln in problems]
            tap.eq(sorted(got_paths), sorted(want_paths), "broken file: one line per problem, naming its path")
            tap.check(all(ln.startswith(bad_path + ": ") and len(ln.split(": ")) >= 3 for ln in problems),
                      "broken file: lines read 'FILE: path: what is wrong'", repr(problems[:3]))
            tap.check(lines and lines[-1].endswith("%d problem(s); nothing was imported" % len(want_paths)),
                      "broken file: a closing line with the count", repr(lines[-1:]))
            check_unchanged(before, "broken file: nothing changed, not even the valid region before the problems")
            tap.eq(count("region", "WHERE name = 'Zed'"), 0, "broken file: region Zed was rolled back")
            with open(bad_path, "w") as f2:
                f2.write('{"products": [ }')
            r = run_import(bad_path)
            tap.check(r.returncode == 1 and len(r.stderr.splitlines()) == 1 and "not valid JSON" in r.stderr,
                      "not JSON: exit 1, one line", repr(r.stderr))
        finally:
            os.unlink(bad_path)

        # --- the project's demo catalogue
        r = run_import(DEMO)
        tap.check(r.returncode == 0, "demo catalogue: imported", r.stderr[-800:])
        tap.eq(count("region", "WHERE name IN ('Europe', 'Australia')"), 2, "demo: two regions")
        tap.eq(sql("SELECT mpath FROM product_category WHERE handle = 'notebooks'"),
               [["pcat_demo_stationery.pcat_demo_notebooks."]], "demo: a nested category with its mpath")
        before = snapshot()
        r = run_import(DEMO)
        tap.check(r.returncode == 0 and "0 row change(s)" in r.stdout, "demo again: 0 row changes", r.stdout)
        check_unchanged(before, "demo again: no table changed")
    finally:
        sql("DROP DATABASE IF EXISTS `%s`" % DB, db="mysql")


if __name__ == "__main__":
    main()
    tap.finish()
