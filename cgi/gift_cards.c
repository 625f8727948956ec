/*
 * gift_cards: GET /store/gift-cards/:code. Medusa selects id, code, value,
 * balance and the region (its columns, no relations); the code is matched
 * exactly (case-sensitive, extras transcript 045), and a disabled or
 * expired card is still answered (043, 044). The query string is ignored.
 */
#include "cgi/catalogue.h"
#include "cgi/catalogue_util.h"
#include "cgi/router.h"
#include "common/envelope.h"
#include "common/respond.h"
#include "sql/region_store.h"

static const struct rowj_col card_cols[] = {
	{ "id", RJ_STR }, { "code", RJ_STR }, { "value", RJ_INT }, { "balance", RJ_INT },
};
#define CARD_NCOLS (sizeof(card_cols) / sizeof(card_cols[0]))

enum api_err gift_cards_get(struct req *r)
{
	const char *code = catq_param(r, 0);
	if (!code)
		return r->err;
	struct db_rows rows;
	enum store_rc rc = gift_card_store_by_code(&r->w->db, &r->arena, code, &rows);
	if (rc != STORE_OK)
		return store_fail(rc);
	if (!rows.nrows)
		return respond_fail(r, E_NOT_FOUND, "Gift card with code: %s was not found", code);
	struct env ans, card;
	env_one(&ans, r->out, "gift_card");
	rowj_begin(&card, r->out, card_cols, CARD_NCOLS, rows.cells, NULL);
	env_key(&card, "region");
	rowj_object(r->out, region_cols, REGION_NCOLS, rows.cells + CARD_NCOLS, NULL);
	env_end(&card);
	env_end(&ans);
	return API_OK;
}
