/*
 * Unit tests of common/envelope.c: the list and one-entity envelopes exactly
 * as the recorded Medusa answers have them (separators, paging members in the
 * route's order, empty lists), keys escaped by the JSON writer, and members
 * added to an object another writer opened.
 */
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "common/envelope.h"
#include "tests/unit/harness.h"

static const char *text(struct buf *b)
{
	return b->data ? b->data : "";
}

int main(void)
{
	struct buf b = BUF_INIT;
	struct env e, l;
	buf_init(&b);

	/* a list envelope of already-rendered items (transcripts: GET /store/collections) */
	env_object(&e, &b);
	env_key_list(&e, "collections", &l);
	for (int i = 0; i < 3; i++) {
		env_item(&l);
		buf_addf(&b, "{\"i\":%d}", i);
	}
	env_end(&l);
	env_page(&e, 3, 10, 0, ENV_COUNT_LIMIT_OFFSET);
	env_end(&e);
	CHECK_STR(text(&b), "{\"collections\":[{\"i\":0},{\"i\":1},{\"i\":2}],\"count\":3,\"limit\":10,\"offset\":0}");

	/* an empty list: no separator at all; the other paging order, before the list (categories) */
	buf_reset(&b);
	env_object(&e, &b);
	env_page(&e, 0, 100, 20, ENV_COUNT_OFFSET_LIMIT);
	env_key_list(&e, "product_categories", &l);
	env_end(&l);
	env_end(&e);
	CHECK_STR(text(&b), "{\"count\":0,\"offset\":20,\"limit\":100,\"product_categories\":[]}");

	/* one item: no separator either */
	buf_reset(&b);
	env_list(&l, &b);
	env_item(&l);
	buf_adds(&b, "1");
	env_end(&l);
	CHECK_STR(text(&b), "[1]");
	buf_reset(&b);
	env_list(&l, &b);
	env_end(&l);
	CHECK_STR(text(&b), "[]");

	/* the whole answer of a list that is always empty */
	buf_reset(&b);
	env_empty_list(&b, "payment_methods");
	CHECK_STR(text(&b), "{\"payment_methods\":[]}");

	/* one entity */
	buf_reset(&b);
	env_one(&e, &b, "gift_card");
	buf_adds(&b, "{\"id\":\"gift_1\"}");
	env_end(&e);
	CHECK_STR(text(&b), "{\"gift_card\":{\"id\":\"gift_1\"}}");

	/* keys go through the JSON string writer: quotes, backslashes, controls, U+2028 */
	buf_reset(&b);
	env_one(&e, &b, "a\"b\\c\n\x01\xe2\x80\xa8");
	buf_adds(&b, "null");
	env_end(&e);
	CHECK_STR(text(&b), "{\"a\\\"b\\\\c\\n\\u0001\xe2\x80\xa8\":null}");
	buf_reset(&b);
	env_empty_list(&b, "x\"}");
	CHECK_STR(text(&b), "{\"x\\\"}\":[]}");

	/* typed members; string values escaped, NULL is null; rendered values kept as they are */
	buf_reset(&b);
	env_object(&e, &b);
	env_num(&e, "rate", 7.5);
	env_num(&e, "big", 1e21);
	env_int(&e, "n", -42);
	env_str(&e, "name", "Caf\xc3\xa9 \"x\"");
	env_str(&e, "code", NULL);
	env_bool(&e, "t", 1);
	env_bool(&e, "f", 0);
	env_raw(&e, "data", "{\"k\":[1]}");
	env_raw(&e, "none", NULL);
	env_raw(&e, "empty", "");
	env_end(&e);
	CHECK_STR(text(&b), "{\"rate\":7.5,\"big\":1e+21,\"n\":-42,\"name\":\"Caf\xc3\xa9 \\\"x\\\"\",\"code\":null,"
			    "\"t\":true,\"f\":false,\"data\":{\"k\":[1]},\"none\":null,\"empty\":null}");

	/* large counts stay exact integers; fractional paging numbers as JavaScript prints them */
	buf_reset(&b);
	env_object(&e, &b);
	env_page(&e, 9007199254740993LL, 1.5, 0, ENV_COUNT_LIMIT_OFFSET);
	env_end(&e);
	CHECK_STR(text(&b), "{\"count\":9007199254740993,\"limit\":1.5,\"offset\":0}");

	/* members added to an object another writer opened (resume after its members) */
	buf_reset(&b);
	buf_adds(&b, "{\"id\":1");
	env_resume(&e, &b, 1);
	env_int(&e, "total", 10);
	env_end(&e);
	CHECK_STR(text(&b), "{\"id\":1,\"total\":10}");
	buf_reset(&b);
	buf_addc(&b, '{');
	env_resume(&e, &b, 0);
	env_int(&e, "total", 10);
	env_end(&e);
	CHECK_STR(text(&b), "{\"total\":10}");

	/* nested: a list of objects inside an object inside a list */
	buf_reset(&b);
	struct env outer, item;
	env_list(&outer, &b);
	for (int i = 0; i < 2; i++) {
		env_item(&outer);
		env_object(&item, &b);
		env_int(&item, "i", i);
		env_key_list(&item, "xs", &l);
		for (int k = 0; k < i; k++) {
			env_item(&l);
			buf_addll(&b, k);
		}
		env_end(&l);
		env_end(&item);
	}
	env_end(&outer);
	CHECK_STR(text(&b), "[{\"i\":0,\"xs\":[]},{\"i\":1,\"xs\":[0]}]");

	buf_release(&b);
	HARNESS_EXIT();
}
