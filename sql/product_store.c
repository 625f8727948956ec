/*
 * product_store: reads the product side of the catalogue into a snapshot
 * (see the header for why). One statement per table, each ordered so the
 * rows arrive in the order the answers show them (import order: created_at,
 * id); rows are then hung onto their product or variant through id indexes.
 * Pre-rendered JSON fragments are built here once, so a request only
 * concatenates them.
 */
#include "sql/product_store.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/customer_json.h"
#include "common/json.h"

const char *const product_store_pcols[PP_COUNT + 1] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "subtitle", "description", "handle",
	"is_giftcard", "status", "thumbnail", "weight", "length", "height", "width", "hs_code",
	"origin_country", "mid_code", "material", "collection_id", "type_id", "discountable",
	"external_id", "metadata", NULL,
};

const char *const product_store_vcols[PV_COUNT + 1] = {
	"id", "created_at", "updated_at", "deleted_at", "title", "product_id", "sku", "barcode", "ean", "upc",
	"variant_rank", "inventory_quantity", "allow_backorder", "manage_inventory", "hs_code", "origin_country",
	"mid_code", "material", "weight", "length", "height", "width", "metadata", NULL,
};

/* How a column renders: S string, N number (text as is), B boolean, T timestamp, J JSON text. */
static const char PCOL_TYPES[] = "STTTSSSSBSSNNNNSSSSSSBSJ";
static const char VCOL_TYPES[] = "STTTSSSSSSNNBBSSSSNNNNJ";

static const char SQL_VERSIONS[] =
	"SELECT c.version, s.version FROM catalogue_version c JOIN stock_version s ON s.id = 1 WHERE c.id = 1";

static const char SQL_PRODUCTS[] =
	"SELECT p.id, p.created_at, p.updated_at, p.deleted_at, p.title, p.subtitle, p.description, p.handle, "
	"p.is_giftcard, p.status, p.thumbnail, p.weight, p.length, p.height, p.width, p.hs_code, "
	"p.origin_country, p.mid_code, p.material, p.collection_id, p.type_id, p.discountable, p.external_id, "
	"p.metadata, c.title "
	"FROM product p LEFT JOIN product_collection c ON c.id = p.collection_id AND c.deleted_at IS NULL "
	"WHERE p.deleted_at IS NULL ORDER BY p.created_at DESC, p.id";

static const char SQL_COLLECTIONS[] =
	"SELECT id, created_at, updated_at, deleted_at, title, handle, metadata "
	"FROM product_collection WHERE deleted_at IS NULL";

static const char SQL_TYPES[] =
	"SELECT id, created_at, updated_at, deleted_at, value, metadata FROM product_type WHERE deleted_at IS NULL";

static const char SQL_IMAGES[] =
	"SELECT pi.product_id, i.id, i.created_at, i.updated_at, i.deleted_at, i.url, i.metadata "
	"FROM product_images pi JOIN image i ON i.id = pi.image_id "
	"WHERE i.deleted_at IS NULL ORDER BY pi.product_id, pi.`rank`, i.created_at, i.id";

static const char SQL_OPTIONS[] =
	"SELECT id, created_at, updated_at, deleted_at, title, product_id, metadata "
	"FROM product_option WHERE deleted_at IS NULL ORDER BY created_at, id";

static const char SQL_VALUES[] =
	"SELECT id, created_at, updated_at, deleted_at, value, option_id, variant_id, metadata "
	"FROM product_option_value WHERE deleted_at IS NULL ORDER BY created_at, id";

static const char SQL_VARIANTS[] =
	"SELECT id, created_at, updated_at, deleted_at, title, product_id, sku, barcode, ean, upc, variant_rank, "
	"inventory_quantity, allow_backorder, manage_inventory, hs_code, origin_country, mid_code, material, "
	"weight, length, height, width, metadata "
	"FROM product_variant WHERE deleted_at IS NULL ORDER BY product_id, variant_rank, created_at, id";

/* what an order changes (order_store_take_stock: managed variants only) */
static const char SQL_STOCK[] =
	"SELECT id, updated_at, inventory_quantity FROM product_variant WHERE deleted_at IS NULL AND manage_inventory = 1";

static const char SQL_LISTS[] =
	"SELECT id, created_at, updated_at, deleted_at, name, description, type, status, starts_at, ends_at "
	"FROM price_list WHERE deleted_at IS NULL";

static const char SQL_LIST_GROUPS[] =
	"SELECT g.price_list_id, g.customer_group_id FROM price_list_customer_groups g "
	"JOIN customer_group cg ON cg.id = g.customer_group_id AND cg.deleted_at IS NULL "
	"ORDER BY g.price_list_id, g.customer_group_id";

static const char SQL_PRICES[] =
	"SELECT id, created_at, updated_at, deleted_at, currency_code, amount, min_quantity, max_quantity, "
	"price_list_id, region_id, variant_id "
	"FROM money_amount WHERE deleted_at IS NULL ORDER BY created_at, id";

static const char SQL_TAGS[] =
	"SELECT pt.product_id, t.id, t.created_at, t.updated_at, t.deleted_at, t.value, t.metadata "
	"FROM product_tags pt JOIN product_tag t ON t.id = pt.product_tag_id "
	"WHERE t.deleted_at IS NULL ORDER BY pt.product_id, t.created_at, t.id";

static const char SQL_PROFILES[] =
	"SELECT ps.product_id, s.id, s.created_at, s.updated_at, s.deleted_at, s.name, s.type, s.metadata "
	"FROM product_shipping_profile ps JOIN shipping_profile s ON s.id = ps.profile_id "
	"WHERE s.deleted_at IS NULL ORDER BY ps.product_id, s.created_at, s.id";

static const char SQL_CHANNELS[] =
	"SELECT pc.product_id, c.id, c.created_at, c.updated_at, c.deleted_at, c.name, c.description, "
	"c.is_disabled, c.metadata "
	"FROM product_sales_channel pc JOIN sales_channel c ON c.id = pc.sales_channel_id "
	"WHERE c.deleted_at IS NULL ORDER BY pc.product_id, c.created_at, c.id";

static const char SQL_CATEGORIES[] =
	"SELECT id, parent_category_id, is_active, is_internal FROM product_category";

static const char SQL_CATEGORY_PRODUCTS[] =
	"SELECT product_id, product_category_id FROM product_category_product ORDER BY product_id, product_category_id";

static const char SQL_TAX_RATES[] =
	"SELECT id, created_at, updated_at, rate, code, name, region_id, metadata FROM tax_rate";

/* A product's rates: its own, then its type's (extras 014: Reduced, then Bottoms). */
static const char SQL_PRODUCT_RATES[] =
	"SELECT x.product_id, x.rate_id FROM ("
	"SELECT r.product_id, r.rate_id, 0 AS k, r.created_at FROM product_tax_rate r "
	"UNION ALL SELECT p.id, t.rate_id, 1, t.created_at FROM product p "
	"JOIN product_type_tax_rate t ON t.product_type_id = p.type_id WHERE p.deleted_at IS NULL"
	") x ORDER BY x.product_id, x.k, x.created_at, x.rate_id";

static const char SQL_REGIONS[] =
	"SELECT id, currency_code, tax_rate, automatic_taxes FROM region WHERE deleted_at IS NULL";

static const char SQL_STORE[] = "SELECT default_sales_channel_id FROM store ORDER BY created_at LIMIT 1";

static const char SQL_KEYS[] = "SELECT id, revoked_at FROM publishable_api_key ORDER BY id";

static const char SQL_KEY_CHANNELS[] =
	"SELECT publishable_api_key_id, sales_channel_id FROM publishable_api_key_sales_channel "
	"ORDER BY publishable_api_key_id, sales_channel_id";

static const char SQL_GROUPS[] =
	"SELECT g.customer_group_id FROM customer_group_customers g "
	"JOIN customer_group cg ON cg.id = g.customer_group_id AND cg.deleted_at IS NULL "
	"WHERE g.customer_id = ? ORDER BY g.customer_group_id";

/* cart_id on the catalogue routes: only the cart's region matters (Medusa selects id, region_id) */
static const char SQL_CART_REGION[] = "SELECT region_id FROM cart WHERE id = ? AND deleted_at IS NULL";

static enum store_rc map_rc(enum db_rc rc)
{
	return rc == DB_GONE || rc == DB_RETRY ? STORE_UNAVAILABLE : STORE_ERROR;
}

/* ---- fragments ---- */

struct loader {
	struct db *db;
	struct arena *a;      /* the snapshot's */
	struct arena tmp;     /* result sets, dropped after the load */
	struct buf b;
};

static const char *frag(struct loader *l, const char *cell, char type)
{
	if (!cell)
		return "null";
	buf_reset(&l->b);
	switch (type) {
	case 'S':
		json_w_strz(&l->b, cell);
		break;
	case 'T':
		customer_json_time(&l->b, cell);
		break;
	case 'B':
		return strcmp(cell, "0") == 0 ? "false" : "true";
	default: /* N, J: the text is already JSON */
		return arena_strdup(l->a, cell);
	}
	return arena_strndup(l->a, l->b.data, l->b.len);
}

/* {"k1":v1,...} of a row's cells from col c0 on, with the given names and types; open = no closing brace */
static const char *object(struct loader *l, const struct db_rows *r, size_t row, unsigned c0,
			  const char *const *names, const char *types, int open)
{
	struct buf o = BUF_INIT;
	buf_addc(&o, '{');
	for (unsigned i = 0; names[i]; i++) {
		if (i)
			buf_addc(&o, ',');
		json_w_strz(&o, names[i]);
		buf_addc(&o, ':');
		buf_adds(&o, frag(l, db_cell(r, row, c0 + i), types[i]));
	}
	if (!open)
		buf_addc(&o, '}');
	const char *s = arena_strndup(l->a, o.data, o.len);
	buf_release(&o);
	return s;
}

static enum store_rc run(struct loader *l, const char *sql, struct db_rows *r)
{
	enum db_rc rc = db_exec(l->db, &l->tmp, sql, NULL, 0, r, NULL);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}

/* ---- id indexes ---- */

struct idx {
	const char *id;
	void *p;
};

static int idx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct idx *)a)->id, ((const struct idx *)b)->id);
}

static void *idx_find(const struct idx *ix, size_t n, const char *id)
{
	if (!id)
		return NULL;
	struct idx key = { id, NULL };
	const struct idx *f = bsearch(&key, ix, n, sizeof(*ix), idx_cmp);
	return f ? f->p : NULL;
}

static struct idx *idx_new(struct loader *l, size_t n)
{
	return arena_alloc(&l->tmp, sizeof(struct idx) * (n ? n : 1));
}

/* Grows a pointer array by one (arena; doubling through powers of two). */
static void push(struct arena *a, const char ***arr, size_t *n, const char *v)
{
	if ((*n & (*n - 1)) == 0) { /* n is 0 or a power of two: full */
		size_t cap = *n ? *n * 2 : 1;
		const char **nv = arena_alloc(a, cap * sizeof(*nv));
		if (*n)
			memcpy(nv, *arr, *n * sizeof(*nv));
		*arr = nv;
	}
	(*arr)[(*n)++] = v;
}

static long long ms_or(const char *db_ts, long long dflt)
{
	if (!db_ts)
		return dflt;
	long long ms = customer_db_time_ms(db_ts);
	return ms < 0 ? dflt : ms;
}

static const char *const collection_keys[] = { "id", "created_at", "updated_at", "deleted_at", "title", "handle", "metadata", NULL };
static const char *const value_keys[] = { "id", "created_at", "updated_at", "deleted_at", "value", "metadata", NULL };
static const char *const image_keys[] = { "id", "created_at", "updated_at", "deleted_at", "url", "metadata", NULL };
static const char *const option_keys[] = { "id", "created_at", "updated_at", "deleted_at", "title", "product_id", "metadata", NULL };
static const char *const optval_keys[] = { "id", "created_at", "updated_at", "deleted_at", "value", "option_id", "variant_id", "metadata", NULL };
static const char *const list_keys[] = { "id", "created_at", "updated_at", "deleted_at", "name", "description", "type", "status", "starts_at", "ends_at", NULL };
static const char *const price_keys[] = { "id", "created_at", "updated_at", "deleted_at", "currency_code", "amount", "min_quantity", "max_quantity", "price_list_id", "region_id", NULL };
static const char *const profile_keys[] = { "id", "created_at", "updated_at", "deleted_at", "name", "type", "metadata", NULL };
static const char *const channel_keys[] = { "id", "created_at", "updated_at", "deleted_at", "name", "description", "is_disabled", "metadata", NULL };
static const char *const rate_keys[] = { "id", "created_at", "updated_at", "rate", "code", "name", "region_id", "metadata", NULL };

/* Rows "product_id, <object columns>" hung onto their products as rendered objects (+ ids). */
static enum store_rc attach(struct loader *l, struct pc_snapshot *s, const struct idx *pix, const char *sql,
			    const char *const *keys, const char *types, size_t field)
{
	struct db_rows r;
	enum store_rc rc = run(l, sql, &r);
	if (rc != STORE_OK)
		return rc;
	for (size_t i = 0; i < r.nrows; i++) {
		struct pc_product *p = idx_find(pix, s->nproducts, db_cell(&r, i, 0));
		if (!p)
			continue;
		const char *obj = object(l, &r, i, 1, keys, types, 0);
		const char *id = arena_strdup(l->a, db_cell(&r, i, 1));
		switch (field) {
		case 0:
			push(l->a, &p->images, &p->nimages, obj);
			break;
		case 1:
			push(l->a, &p->tag_ids, &p->ntags, id);
			p->ntags--;
			push(l->a, &p->tags, &p->ntags, obj);
			break;
		case 2:
			if (!p->profile_id)
				p->profile_id = id;
			push(l->a, &p->profiles, &p->nprofiles, obj);
			break;
		case 3:
			push(l->a, &p->channel_ids, &p->nchannels, id);
			p->nchannels--;
			push(l->a, &p->channels, &p->nchannels, obj);
			break;
		}
	}
	return STORE_OK;
}

static enum store_rc load_products(struct loader *l, struct pc_snapshot *s, struct idx **pix_out)
{
	struct db_rows r, cr, tr;
	enum store_rc rc;
	if ((rc = run(l, SQL_PRODUCTS, &r)) || (rc = run(l, SQL_COLLECTIONS, &cr)) || (rc = run(l, SQL_TYPES, &tr)))
		return rc;
	struct idx *cix = idx_new(l, cr.nrows), *tix = idx_new(l, tr.nrows);
	for (size_t i = 0; i < cr.nrows; i++) {
		cix[i].id = db_cell(&cr, i, 0);
		cix[i].p = (void *)object(l, &cr, i, 0, collection_keys, "STTTSSJ", 0);
	}
	for (size_t i = 0; i < tr.nrows; i++) {
		tix[i].id = db_cell(&tr, i, 0);
		tix[i].p = (void *)object(l, &tr, i, 0, value_keys, "STTTSJ", 0);
	}
	qsort(cix, cr.nrows, sizeof(*cix), idx_cmp);
	qsort(tix, tr.nrows, sizeof(*tix), idx_cmp);
	s->nproducts = r.nrows;
	s->products = arena_alloc(l->a, sizeof(struct pc_product) * (r.nrows ? r.nrows : 1));
	memset(s->products, 0, sizeof(struct pc_product) * (r.nrows ? r.nrows : 1));
	struct idx *pix = idx_new(l, r.nrows);
	for (size_t i = 0; i < r.nrows; i++) {
		struct pc_product *p = &s->products[i];
		for (unsigned c = 0; c < PP_COUNT; c++)
			p->col[c] = frag(l, db_cell(&r, i, c), PCOL_TYPES[c]);
		p->id = arena_strdup(l->a, db_cell(&r, i, PP_ID));
		p->title = arena_strdup(l->a, db_cell(&r, i, PP_TITLE));
		p->description = arena_strdup(l->a, db_cell(&r, i, PP_DESCRIPTION));
		p->handle = arena_strdup(l->a, db_cell(&r, i, PP_HANDLE));
		p->status = arena_strdup(l->a, db_cell(&r, i, PP_STATUS));
		p->collection_id = arena_strdup(l->a, db_cell(&r, i, PP_COLLECTION_ID));
		p->type_id = arena_strdup(l->a, db_cell(&r, i, PP_TYPE_ID));
		p->collection_title = arena_strdup(l->a, db_cell(&r, i, PP_COUNT));
		p->is_giftcard = db_cell(&r, i, PP_IS_GIFTCARD) && strcmp(db_cell(&r, i, PP_IS_GIFTCARD), "0") != 0;
		p->created_ms = ms_or(db_cell(&r, i, PP_CREATED_AT), 0);
		p->updated_ms = ms_or(db_cell(&r, i, PP_UPDATED_AT), 0);
		p->collection = idx_find(cix, cr.nrows, p->collection_id);
		p->type = idx_find(tix, tr.nrows, p->type_id);
		p->rank = i;
		pix[i].id = p->id;
		pix[i].p = p;
	}
	qsort(pix, r.nrows, sizeof(*pix), idx_cmp);
	*pix_out = pix;
	return STORE_OK;
}

static enum store_rc load_lists(struct loader *l, struct idx **lix_out, size_t *nlists)
{
	struct db_rows r, g;
	enum store_rc rc;
	if ((rc = run(l, SQL_LISTS, &r)) || (rc = run(l, SQL_LIST_GROUPS, &g)))
		return rc;
	struct idx *lix = idx_new(l, r.nrows);
	for (size_t i = 0; i < r.nrows; i++) {
		struct pc_list *pl = arena_alloc(l->a, sizeof(*pl));
		memset(pl, 0, sizeof(*pl));
		pl->id = arena_strdup(l->a, db_cell(&r, i, 0));
		pl->type = arena_strdup(l->a, db_cell(&r, i, 6));
		pl->active = db_cell(&r, i, 7) && strcmp(db_cell(&r, i, 7), "active") == 0;
		pl->starts_ms = ms_or(db_cell(&r, i, 8), LLONG_MIN);
		pl->ends_ms = ms_or(db_cell(&r, i, 9), LLONG_MAX);
		pl->json = object(l, &r, i, 0, list_keys, "STTTSSSSTT", 0);
		lix[i].id = pl->id;
		lix[i].p = pl;
	}
	qsort(lix, r.nrows, sizeof(*lix), idx_cmp);
	for (size_t i = 0; i < g.nrows; i++) {
		struct pc_list *pl = idx_find(lix, r.nrows, db_cell(&g, i, 0));
		if (pl)
			push(l->a, &pl->groups, &pl->ngroups, arena_strdup(l->a, db_cell(&g, i, 1)));
	}
	*lix_out = lix;
	*nlists = r.nrows;
	return STORE_OK;
}

static long long int_or(const char *s, long long dflt)
{
	return s ? strtoll(s, NULL, 10) : dflt;
}

enum { PV_UPDATED_AT = 2, PV_INVENTORY_QUANTITY = 11 };

/* Copies fragment b into a variant's fixed buffer; one that cannot fit (no timestamp or integer
 * is that long) keeps the old value. */
static void put_frag(char *dst, size_t cap, const struct buf *b)
{
	if (b->len < cap) {
		memcpy(dst, b->data, b->len);
		dst[b->len] = '\0';
	}
}

/* The stock columns of v from their database text (b: scratch), in v's own buffers. */
static void set_stock(struct pc_variant *v, const char *updated_at, const char *quantity, struct buf *b)
{
	buf_reset(b);
	customer_json_time(b, updated_at);
	put_frag(v->updated_at, sizeof(v->updated_at), b);
	buf_reset(b);
	buf_adds(b, quantity ? quantity : "null");
	put_frag(v->inventory_quantity, sizeof(v->inventory_quantity), b);
	v->col[PV_UPDATED_AT] = v->updated_at;
	v->col[PV_INVENTORY_QUANTITY] = v->inventory_quantity;
}

static int by_id_cmp(const void *key, const void *elem)
{
	return strcmp(key, (*(struct pc_variant *const *)elem)->id);
}

static struct pc_variant *variant_by_id(const struct pc_snapshot *s, const char *id)
{
	if (!s || !id || !s->nvariants)
		return NULL;
	struct pc_variant *const *f = bsearch(id, s->by_id, s->nvariants, sizeof(*s->by_id), by_id_cmp);
	return f ? *f : NULL;
}

const struct pc_variant *product_store_variant(const struct pc_snapshot *s, const char *id)
{
	return variant_by_id(s, id);
}

static enum store_rc load_variants(struct loader *l, struct pc_snapshot *s, const struct idx *pix)
{
	struct db_rows r, o, v, m;
	struct idx *lix;
	size_t nlists;
	enum store_rc rc;
	if ((rc = run(l, SQL_VARIANTS, &r)) || (rc = run(l, SQL_OPTIONS, &o)) || (rc = run(l, SQL_VALUES, &v)) ||
	    (rc = run(l, SQL_PRICES, &m)) || (rc = load_lists(l, &lix, &nlists)))
		return rc;
	s->variants = arena_alloc(l->a, sizeof(struct pc_variant) * (r.nrows ? r.nrows : 1));
	memset(s->variants, 0, sizeof(struct pc_variant) * (r.nrows ? r.nrows : 1));
	struct idx *vix = idx_new(l, r.nrows);
	size_t nv = 0;
	for (size_t i = 0; i < r.nrows; i++) {
		struct pc_product *p = idx_find(pix, s->nproducts, db_cell(&r, i, 5));
		if (!p)
			continue;
		struct pc_variant *pv = &s->variants[nv];
		for (unsigned c = 0; c < PV_COUNT; c++)
			if (c != PV_UPDATED_AT && c != PV_INVENTORY_QUANTITY)
				pv->col[c] = frag(l, db_cell(&r, i, c), VCOL_TYPES[c]);
		set_stock(pv, db_cell(&r, i, PV_UPDATED_AT), db_cell(&r, i, PV_INVENTORY_QUANTITY), &l->b);
		pv->id = arena_strdup(l->a, db_cell(&r, i, 0));
		pv->product = p;
		vix[nv].id = pv->id;
		vix[nv].p = pv;
		nv++;
		const char **arr = (const char **)p->variants;
		push(l->a, &arr, &p->nvariants, (const char *)pv);
		p->variants = (struct pc_variant **)arr;
	}
	s->nvariants = nv;
	qsort(vix, nv, sizeof(*vix), idx_cmp);
	s->by_id = arena_alloc(l->a, sizeof(*s->by_id) * (nv ? nv : 1));
	for (size_t i = 0; i < nv; i++)
		s->by_id[i] = vix[i].p;

	/* options, then their values (file order); a variant lists its values in option order */
	struct idx *oix = idx_new(l, o.nrows);
	size_t no = 0;
	for (size_t i = 0; i < o.nrows; i++) {
		struct pc_product *p = idx_find(pix, s->nproducts, db_cell(&o, i, 5));
		if (!p)
			continue;
		if ((p->noptions & (p->noptions - 1)) == 0) {
			size_t cap = p->noptions ? p->noptions * 2 : 1;
			struct pc_option *n = arena_alloc(l->a, cap * sizeof(*n));
			if (p->noptions)
				memcpy(n, p->options, p->noptions * sizeof(*n));
			p->options = n;
		}
		struct pc_option *op = &p->options[p->noptions++];
		memset(op, 0, sizeof(*op));
		op->head = object(l, &o, i, 0, option_keys, "STTTSSJ", 1);
		oix[no].id = arena_strdup(&l->tmp, db_cell(&o, i, 0));
		oix[no].p = (void *)(uintptr_t)(p->noptions - 1);
		no++;
	}
	qsort(oix, no, sizeof(*oix), idx_cmp);
	for (size_t i = 0; i < v.nrows; i++) {
		struct pc_variant *pv = idx_find(vix, nv, db_cell(&v, i, 6));
		struct idx key = { db_cell(&v, i, 5), NULL };
		const struct idx *f = key.id ? bsearch(&key, oix, no, sizeof(*oix), idx_cmp) : NULL;
		if (!pv || !f || (size_t)(uintptr_t)f->p >= pv->product->noptions)
			continue;
		struct pc_option *op = &pv->product->options[(size_t)(uintptr_t)f->p];
		push(l->a, &op->values, &op->nvalues, object(l, &v, i, 0, optval_keys, "STTTSSSJ", 0));
	}
	/* a variant's own values: walk its product's options in order and pick the value of this variant */
	for (size_t i = 0; i < v.nrows; i++) {
		struct pc_variant *pv = idx_find(vix, nv, db_cell(&v, i, 6));
		if (pv)
			push(l->a, &pv->optvals, &pv->noptvals, object(l, &v, i, 0, optval_keys, "STTTSSSJ", 0));
	}

	/* prices */
	struct buf pb = BUF_INIT;
	for (size_t i = 0; i < m.nrows; i++) {
		struct pc_variant *pv = idx_find(vix, nv, db_cell(&m, i, 10));
		if (!pv)
			continue;
		if ((pv->nmas & (pv->nmas - 1)) == 0) {
			size_t cap = pv->nmas ? pv->nmas * 2 : 1;
			struct pc_ma *n = arena_alloc(l->a, cap * sizeof(*n));
			if (pv->nmas)
				memcpy(n, pv->mas, pv->nmas * sizeof(*n));
			pv->mas = n;
		}
		struct pc_ma *ma = &pv->mas[pv->nmas++];
		memset(ma, 0, sizeof(*ma));
		ma->list = idx_find(lix, nlists, db_cell(&m, i, 8));
		if (db_cell(&m, i, 8) && !ma->list) {
			pv->nmas--; /* in a deleted list */
			continue;
		}
		ma->pm.amount = int_or(db_cell(&m, i, 5), 0);
		ma->pm.min_quantity = int_or(db_cell(&m, i, 6), -1);
		ma->pm.max_quantity = int_or(db_cell(&m, i, 7), -1);
		ma->pm.currency_code = arena_strdup(l->a, db_cell(&m, i, 4));
		ma->pm.region_id = arena_strdup(l->a, db_cell(&m, i, 9));
		ma->pm.list_type = ma->list ? ma->list->type : NULL;
		buf_reset(&pb);
		buf_adds(&pb, object(l, &m, i, 0, price_keys, "STTTSNNNSS", 1));
		buf_adds(&pb, ",\"price_list\":");
		buf_adds(&pb, ma->list ? ma->list->json : "null");
		buf_adds(&pb, ",\"variant_id\":");
		buf_adds(&pb, pv->col[0]);
		buf_addc(&pb, '}');
		ma->json = arena_strndup(l->a, pb.data, pb.len);
	}
	buf_release(&pb);
	return STORE_OK;
}

static enum store_rc load_taxes(struct loader *l, struct pc_snapshot *s, const struct idx *pix)
{
	struct db_rows r, pr, rg;
	enum store_rc rc;
	if ((rc = run(l, SQL_TAX_RATES, &r)) || (rc = run(l, SQL_PRODUCT_RATES, &pr)) || (rc = run(l, SQL_REGIONS, &rg)))
		return rc;
	struct idx *rix = idx_new(l, r.nrows);
	for (size_t i = 0; i < r.nrows; i++) {
		struct pc_taxrate *t = arena_alloc(l->a, sizeof(*t));
		t->region_id = arena_strdup(l->a, db_cell(&r, i, 6));
		t->rate = arena_strdup(l->a, db_cell(&r, i, 3));
		t->code = arena_strdup(l->a, db_cell(&r, i, 4));
		t->name = arena_strdup(l->a, db_cell(&r, i, 5));
		t->json = object(l, &r, i, 0, rate_keys, "STTNSSSJ", 0);
		rix[i].id = db_cell(&r, i, 0);
		rix[i].p = t;
	}
	qsort(rix, r.nrows, sizeof(*rix), idx_cmp);
	for (size_t i = 0; i < pr.nrows; i++) {
		struct pc_product *p = idx_find(pix, s->nproducts, db_cell(&pr, i, 0));
		const struct pc_taxrate *t = idx_find(rix, r.nrows, db_cell(&pr, i, 1));
		if (p && t) {
			const char **arr = (const char **)p->rates;
			push(l->a, &arr, &p->nrates, (const char *)t);
			p->rates = (const struct pc_taxrate **)arr;
		}
	}
	s->nregions = rg.nrows;
	s->regions = arena_alloc(l->a, sizeof(struct pc_region) * (rg.nrows ? rg.nrows : 1));
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < rg.nrows; i++) {
		struct pc_region *reg = &s->regions[i];
		reg->id = arena_strdup(l->a, db_cell(&rg, i, 0));
		reg->currency_code = arena_strdup(l->a, db_cell(&rg, i, 1));
		reg->tax_rate = arena_strdup(l->a, db_cell(&rg, i, 2) ? db_cell(&rg, i, 2) : "0");
		reg->automatic_taxes = db_cell(&rg, i, 3) && strcmp(db_cell(&rg, i, 3), "0") != 0;
		buf_reset(&b);
		buf_adds(&b, "[{\"rate\":");
		buf_adds(&b, reg->tax_rate);
		buf_adds(&b, ",\"name\":\"default\",\"code\":\"default\"}]");
		reg->default_rate_json = arena_strndup(l->a, b.data, b.len);
	}
	buf_release(&b);
	return STORE_OK;
}

static enum store_rc load_scopes(struct loader *l, struct pc_snapshot *s, const struct idx *pix)
{
	struct db_rows st, k, kc, c, cp;
	enum store_rc rc;
	if ((rc = run(l, SQL_STORE, &st)) || (rc = run(l, SQL_KEYS, &k)) || (rc = run(l, SQL_KEY_CHANNELS, &kc)) ||
	    (rc = run(l, SQL_CATEGORIES, &c)) || (rc = run(l, SQL_CATEGORY_PRODUCTS, &cp)))
		return rc;
	s->default_channel_id = st.nrows ? arena_strdup(l->a, db_cell(&st, 0, 0)) : NULL;
	s->nkeys = k.nrows;
	s->keys = arena_alloc(l->a, sizeof(struct pc_key) * (k.nrows ? k.nrows : 1));
	for (size_t i = 0; i < k.nrows; i++) {
		struct pc_key *key = &s->keys[i];
		memset(key, 0, sizeof(*key));
		key->id = arena_strdup(l->a, db_cell(&k, i, 0));
		key->revoked = db_cell(&k, i, 1) != NULL;
	}
	/* both ordered by key id */
	for (size_t i = 0, j = 0; i < kc.nrows; i++) {
		while (j < k.nrows && strcmp(s->keys[j].id, db_cell(&kc, i, 0)) < 0)
			j++;
		if (j < k.nrows && strcmp(s->keys[j].id, db_cell(&kc, i, 0)) == 0)
			push(l->a, &s->keys[j].channels, &s->keys[j].nchannels, arena_strdup(l->a, db_cell(&kc, i, 1)));
	}
	s->ncategories = c.nrows;
	s->categories = arena_alloc(l->a, sizeof(struct pc_category) * (c.nrows ? c.nrows : 1));
	for (size_t i = 0; i < c.nrows; i++) {
		s->categories[i].id = arena_strdup(l->a, db_cell(&c, i, 0));
		s->categories[i].parent_id = arena_strdup(l->a, db_cell(&c, i, 1));
		s->categories[i].is_active = db_cell(&c, i, 2) && strcmp(db_cell(&c, i, 2), "0") != 0;
		s->categories[i].is_internal = db_cell(&c, i, 3) && strcmp(db_cell(&c, i, 3), "0") != 0;
	}
	for (size_t i = 0; i < cp.nrows; i++) {
		struct pc_product *p = idx_find(pix, s->nproducts, db_cell(&cp, i, 0));
		if (p)
			push(l->a, &p->category_ids, &p->ncategories, arena_strdup(l->a, db_cell(&cp, i, 1)));
	}
	return STORE_OK;
}

enum store_rc product_store_versions(struct db *db, long long *version, long long *stock_version)
{
	struct arena a;
	arena_init(&a, 512);
	struct db_rows r;
	enum db_rc rc = db_exec(db, &a, SQL_VERSIONS, NULL, 0, &r, NULL);
	*version = rc == DB_OK && r.nrows ? int_or(db_cell(&r, 0, 0), 0) : 0;
	*stock_version = rc == DB_OK && r.nrows ? int_or(db_cell(&r, 0, 1), 0) : 0;
	arena_release(&a);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}

enum store_rc product_store_stock(struct db *db, struct pc_snapshot *s, long long stock_version)
{
	struct arena a;
	arena_init(&a, 1 << 14);
	struct db_rows r;
	enum db_rc rc = db_exec(db, &a, SQL_STOCK, NULL, 0, &r, NULL);
	if (rc == DB_OK) {
		struct buf b = BUF_INIT;
		for (size_t i = 0; i < r.nrows; i++) {
			/* a variant the snapshot lacks came with an import, which reloads everything anyway */
			struct pc_variant *v = variant_by_id(s, db_cell(&r, i, 0));
			if (v)
				set_stock(v, db_cell(&r, i, 1), db_cell(&r, i, 2), &b);
		}
		buf_release(&b);
		s->stock_version = stock_version;
	}
	arena_release(&a);
	return rc == DB_OK ? STORE_OK : map_rc(rc);
}

enum store_rc product_store_load(struct db *db, struct pc_snapshot *s)
{
	struct loader l = { db, &s->arena, { 0 }, BUF_INIT };
	arena_init(&l.tmp, 1 << 16);
	struct idx *pix = NULL;
	enum store_rc rc = product_store_versions(db, &s->version, &s->stock_version);
	if (!rc)
		rc = load_products(&l, s, &pix);
	if (!rc)
		rc = load_variants(&l, s, pix);
	if (!rc)
		rc = attach(&l, s, pix, SQL_IMAGES, image_keys, "STTTSJ", 0);
	if (!rc)
		rc = attach(&l, s, pix, SQL_TAGS, value_keys, "STTTSJ", 1);
	if (!rc)
		rc = attach(&l, s, pix, SQL_PROFILES, profile_keys, "STTTSSJ", 2);
	if (!rc)
		rc = attach(&l, s, pix, SQL_CHANNELS, channel_keys, "STTTSSBJ", 3);
	if (!rc)
		rc = load_taxes(&l, s, pix);
	if (!rc)
		rc = load_scopes(&l, s, pix);
	arena_release(&l.tmp);
	buf_release(&l.b);
	return rc;
}

enum store_rc product_store_groups(struct db *db, struct arena *a, const char *customer_id, const char **out)
{
	struct db_param p[1] = { db_str(customer_id) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_GROUPS, p, 1, &r, NULL);
	*out = "";
	if (rc != DB_OK)
		return map_rc(rc);
	struct buf b = BUF_INIT;
	for (size_t i = 0; i < r.nrows; i++) {
		if (i)
			buf_addc(&b, ',');
		buf_adds(&b, db_cell(&r, i, 0));
	}
	if (b.len)
		*out = arena_strndup(a, b.data, b.len);
	buf_release(&b);
	return STORE_OK;
}

enum store_rc product_store_cart_region(struct db *db, struct arena *a, const char *cart_id, const char **region_id)
{
	struct db_param p[1] = { db_str(cart_id) };
	struct db_rows r;
	enum db_rc rc = db_exec(db, a, SQL_CART_REGION, p, 1, &r, NULL);
	*region_id = NULL;
	if (rc != DB_OK)
		return map_rc(rc);
	if (r.nrows)
		*region_id = arena_strdup(a, db_cell(&r, 0, 0));
	return STORE_OK;
}
