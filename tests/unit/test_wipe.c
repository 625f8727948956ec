/*
 * Unit test: a password sent in a JSON body does not outlive its request in
 * worker memory. The body is read as a CGI request does (stdin), parsed by
 * body_parse(), the password taken with body_secret(); after req_end() the
 * arena's kept block (reused by the next request) and json-c's string hold
 * no byte of it.
 */
#include "tests/unit/harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/body.h"
#include "common/config.h"
#include "common/req.h"

#define PW "Wipe-Me-9f3c2a71-correct-horse"

static int holds(const void *mem, size_t n, const char *needle)
{
	return memmem(mem, n, needle, strlen(needle)) != NULL;
}

int main(void)
{
	static const char body[] = "{\"email\":\"wipe@example.com\",\"password\":\"" PW "\"}";
	FILE *f = tmpfile();
	CHECK(f != NULL);
	if (!f)
		HARNESS_EXIT();
	fwrite(body, 1, sizeof(body) - 1, f);
	rewind(f);
	CHECK(dup2(fileno(f), 0) == 0);

	char len[32];
	snprintf(len, sizeof(len), "CONTENT_LENGTH=%zu", sizeof(body) - 1);
	char *envp[] = { "REQUEST_METHOD=POST", "REQUEST_URI=/store/auth/token", "CONTENT_TYPE=application/json",
			 len, NULL };
	struct config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_body = 4096;
	cfg.json_depth = 32;
	struct buf out = BUF_INIT, headers = BUF_INIT;
	buf_init(&out);
	buf_init(&headers);
	struct req r;
	memset(&r, 0, sizeof(r));
	arena_init(&r.arena, 16384);
	r.cfg = &cfg;
	r.out = &out;
	r.headers = &headers;

	req_begin(&r, envp, NULL, NULL);
	CHECK(body_parse(&r) == API_OK);
	const char *pw = body_secret(&r, "password");
	CHECK(pw && strcmp(pw, PW) == 0);
	CHECK(holds(r.body, r.body_len, PW)); /* the raw body is in the arena while the request runs */
	/* keep json-c's string object alive past req_end() to look at its bytes afterwards */
	struct json_object *pwo = NULL;
	json_object_object_get_ex(r.json, "password", &pwo);
	json_object_get(pwo);
	req_end(&r);

	CHECK(!holds(json_object_get_string(pwo), (size_t)json_object_get_string_len(pwo), PW));
	CHECK(!holds(json_object_get_string(pwo), (size_t)json_object_get_string_len(pwo), "Wipe-Me"));
	json_object_put(pwo);
	/* the first block is kept and handed out again from its start: the next request's memory */
	unsigned char *next = arena_alloc(&r.arena, 12000);
	CHECK(!holds(next, 12000, PW));
	CHECK(!holds(next, 12000, "Wipe-Me"));
	CHECK(holds(next, 12000, "/store/auth/token")); /* the scan does see the old request's other bytes */

	arena_release(&r.arena);
	buf_release(&out);
	buf_release(&headers);
	HARNESS_EXIT();
}
