/*
 * fuzz_request: one whole request per input, through the worker's own
 * serve_one(): req_begin, the router, authentication, the JSON body, every
 * handler, sql/ and the MariaDB of a running test stack (DATABASE_URL), and
 * respond_send(). Only the transport differs: the request's FastCGI streams
 * are memory-backed FCGX_Stream objects (libfcgi's public struct), so no
 * production code needed a seam.
 *
 * Input (text, so the seeds are readable requests):
 *   METHOD SP URI LF
 *   Name: value LF   ->  HTTP_NAME (upper-case, '-' -> '_'); Content-Type and
 *                        Content-Length -> CONTENT_TYPE / CONTENT_LENGTH (it may lie);
 *                        "=NAME: value" sets the FastCGI parameter NAME itself
 *                        (REMOTE_ADDR, HTTPS, REQUEST_ID, ...)
 *   LF
 *   body             ->  the rest; CONTENT_LENGTH is its length unless a header gave one
 * Anywhere in the input, @TOKEN@, @COOKIE@, @EMAIL@, @PASSWORD@ and @ADDR@ become a
 * valid bearer token, session cookie value, email, password and address id of a
 * customer the harness registered through the same routes, so authenticated
 * handlers are reached (a fresh customer every REFRESH_EVERY inputs, or after
 * the fuzzer revoked or deleted what it had); @PRODUCT@ and @VARIANT@ the ids of
 * the first product of the stack's catalogue and of its first variant.
 *
 * Every answer must be a well-formed CGI answer: "Status: NNN reason", header
 * lines without CR/LF/NUL inside, one Content-Length equal to the body's length,
 * and a body that is strict UTF-8 JSON (an error is {..."type","message"} strings),
 * or one of the documented text bodies ("Unauthorized" with 401, "OK" from
 * /health, the status page). Never a 5xx other than 503, never a Set-Cookie on an
 * error. A broken rule aborts
 * (FUZZ_CHECK), so libFuzzer keeps the input; ASan/UBSan/LeakSanitizer findings
 * in any request are findings too.
 *
 * Environment: DATABASE_URL, JWT_SECRET, COOKIE_SECRET as for the pool (tests/run.sh
 * passes the test stack's); LOG_REQUESTS and PASSWORD_SCRYPT_LOGN default to 0 and 8.
 */
#include "tests/fuzz/fuzz.h"

#include <ctype.h>
#include <json-c/json.h>

/*
 * The worker itself: cgi/main.c's worker_init() and serve_one(), included so the
 * harness serves exactly as a pool worker does; its main() is renamed out of the way
 * of libFuzzer's.
 */
#define main medusa_c_main
int main(int argc, char **argv);
#include "cgi/main.c"
#undef main

int LLVMFuzzerInitialize(int *argc, char ***argv);

#define REFRESH_EVERY 400
#define MAX_PARAMS 64

static struct config fz_cfg;
static struct worker fz_w;
static struct req fz_r;

/* The harness customer: substituted for the @...@ placeholders. */
static struct {
	char email[96], password[40], token[1024], cookie[512], addr[64];
	unsigned long uses, generation;
	int stale;
} fz_cust;

/* The catalogue ids, looked up once ("none" without a catalogue). */
static char fz_product[64] = "none", fz_variant[64] = "none";

/* Per-status counts, printed at exit (the README's figures). */
static unsigned long fz_status[600], fz_total;

/* --- memory-backed FastCGI streams ---------------------------------------------------- */

struct capture {
	unsigned char chunk[4096];
	struct buf out;
};

static void in_fill(FCGX_Stream *s)
{
	s->isClosed = 1; /* the body ends where the input ends */
}

static void out_empty(FCGX_Stream *s, int do_close)
{
	struct capture *c = s->data;
	buf_add(&c->out, c->chunk, (size_t)(s->wrNext - c->chunk));
	s->wrNext = c->chunk;
	(void)do_close;
}

/* Serves one request; the whole answer (head and body) ends up in cap->out. */
static void serve_mem(char **envp, const char *body, size_t n, struct capture *cap)
{
	FCGX_Stream in, out;
	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	in.rdNext = in.stopUnget = (unsigned char *)body;
	in.stop = in.wrNext = (unsigned char *)body + n;
	in.isReader = 1;
	in.fillBuffProc = in_fill;
	out.wrNext = cap->chunk;
	out.stop = out.rdNext = cap->chunk + sizeof(cap->chunk);
	out.emptyBuffProc = out_empty;
	out.data = cap;
	buf_reset(&cap->out);
	serve_one(&fz_w, &fz_r, envp, &in, &out);
	out_empty(&out, 1);
	req_end(&fz_r);
}

/* --- the answer's checks ------------------------------------------------------------- */

struct answer {
	int status;
	const char *body;
	size_t body_len;
	char ctype[128];
	char set_cookie[512];
};

static int header_is(const char *line, size_t n, const char *name, const char **val)
{
	size_t k = strlen(name);
	if (n < k + 2 || strncasecmp(line, name, k) != 0 || line[k] != ':' || line[k + 1] != ' ')
		return 0;
	*val = line + k + 2;
	return 1;
}

/* Checks the rules above on the raw answer and fills a. */
static void check_answer(const char *data, size_t n, struct answer *a)
{
	memset(a, 0, sizeof(*a));
	FUZZ_CHECK(n >= 15 && memcmp(data, "Status: ", 8) == 0, "the answer starts with a Status line");
	FUZZ_CHECK(isdigit((unsigned char)data[8]) && isdigit((unsigned char)data[9]) &&
		   isdigit((unsigned char)data[10]) && data[11] == ' ', "Status: three digits and a space");
	a->status = (data[8] - '0') * 100 + (data[9] - '0') * 10 + (data[10] - '0');
	FUZZ_CHECK(a->status >= 200 && a->status <= 599, "a final status");
	if (a->status >= 500 && a->status != 503) {
		fprintf(stderr, "answer: %.*s\n", (int)(n > 600 ? 600 : n), data);
		FUZZ_CHECK(0, "no 5xx other than 503");
	}
	const char *p = data, *end = data + n;
	long long clen = -1;
	int nclen = 0, first = 1;
	for (;;) {
		const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
		FUZZ_CHECK(eol != NULL, "the head ends with an empty line");
		size_t len = (size_t)(eol - p);
		if (len == 0) {
			p = eol + 2;
			break;
		}
		FUZZ_CHECK(memchr(p, '\n', len) == NULL && memchr(p, '\r', len) == NULL && memchr(p, '\0', len) == NULL,
			   "no CR, LF or NUL inside a header line");
		const char *colon = memchr(p, ':', len);
		FUZZ_CHECK(colon && colon > p && colon + 1 < eol && colon[1] == ' ', "a header line is \"Name: value\"");
		for (const char *q = p; q < colon; q++)
			FUZZ_CHECK(isalnum((unsigned char)*q) || *q == '-', "a header name is a token");
		const char *v;
		if (first) {
			FUZZ_CHECK(header_is(p, len, "Status", &v), "Status comes first");
			first = 0;
		} else if (header_is(p, len, "Content-Length", &v)) {
			nclen++;
			char *e;
			clen = strtoll(v, &e, 10);
			FUZZ_CHECK(e == eol && clen >= 0, "Content-Length is a number");
		} else if (header_is(p, len, "Content-Type", &v)) {
			snprintf(a->ctype, sizeof(a->ctype), "%.*s", (int)(eol - v), v);
		} else if (header_is(p, len, "Set-Cookie", &v)) {
			snprintf(a->set_cookie, sizeof(a->set_cookie), "%.*s", (int)(eol - v), v);
		}
		p = eol + 2;
	}
	a->body = p;
	a->body_len = (size_t)(end - p);
	FUZZ_CHECK(nclen <= 1, "at most one Content-Length");
	/* an error never starts a session (issue 10: a failed request after auth_session_create) */
	FUZZ_CHECK(a->status < 400 || !a->set_cookie[0], "no Set-Cookie on an error answer");
	FUZZ_CHECK(clen == (long long)a->body_len || (clen < 0 && a->body_len == 0), "Content-Length is the body's length");
	if (a->status == 204) {
		FUZZ_CHECK(a->body_len == 0, "a 204 has no body");
		return;
	}
	FUZZ_CHECK(a->body_len > 0, "every answer but a 204 has a body");
	if (strcmp(a->ctype, "text/plain; charset=utf-8") == 0) {
		int ok = (a->status == 401 && a->body_len == 12 && memcmp(a->body, "Unauthorized", 12) == 0) ||
			 (a->status == 200 && a->body_len == 2 && memcmp(a->body, "OK", 2) == 0) ||
			 (a->status == 200 && a->body_len >= 10 && memcmp(a->body, "mode: cgi\n", 10) == 0);
		if (!ok)
			fprintf(stderr, "text body: %.*s\n", (int)(a->body_len > 300 ? 300 : a->body_len), a->body);
		FUZZ_CHECK(ok, "a text body is one of the documented ones");
		return;
	}
	FUZZ_CHECK(strcmp(a->ctype, "application/json; charset=utf-8") == 0, "JSON or a documented text body");
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *j = json_tokener_parse_ex(tok, a->body, (int)a->body_len);
	int parsed = j && json_tokener_get_error(tok) == json_tokener_success &&
		     json_tokener_get_parse_end(tok) == a->body_len;
	json_tokener_free(tok);
	if (!parsed)
		fprintf(stderr, "body: %.*s\n", (int)(a->body_len > 300 ? 300 : a->body_len), a->body);
	FUZZ_CHECK(parsed, "the body is one strict UTF-8 JSON value");
	FUZZ_CHECK(json_object_is_type(j, json_type_object) || json_object_is_type(j, json_type_array),
		   "the body is an object or an array");
	if (a->status >= 400) {
		struct json_object *t, *m;
		FUZZ_CHECK(json_object_object_get_ex(j, "type", &t) && json_object_is_type(t, json_type_string) &&
				   json_object_object_get_ex(j, "message", &m) && json_object_is_type(m, json_type_string),
			   "an error is {type, message} strings");
	}
	json_object_put(j);
}

/* --- building a request ---------------------------------------------------------------- */

struct params {
	char *env[MAX_PARAMS + 1];
	int n;
	struct buf store; /* "NAME=value\0" strings, pointed into after building */
	size_t off[MAX_PARAMS];
};

static void param_add(struct params *ps, const char *name, size_t nl, const char *val, size_t vl)
{
	if (ps->n == MAX_PARAMS)
		return;
	ps->off[ps->n++] = ps->store.len;
	buf_add(&ps->store, name, nl);
	buf_addc(&ps->store, '=');
	buf_add(&ps->store, val, vl);
	buf_addc(&ps->store, '\0');
}

static void params_seal(struct params *ps)
{
	for (int i = 0; i < ps->n; i++)
		ps->env[i] = ps->store.data + ps->off[i];
	ps->env[ps->n] = NULL;
}

/* Replaces the @...@ placeholders in in[0..n) into out. */
static void substitute(const char *in, size_t n, struct buf *out)
{
	static const char *names[] = { "@TOKEN@", "@COOKIE@", "@EMAIL@", "@PASSWORD@", "@ADDR@", "@PRODUCT@",
				       "@VARIANT@" };
	const char *vals[] = { fz_cust.token, fz_cust.cookie, fz_cust.email, fz_cust.password, fz_cust.addr, fz_product,
			       fz_variant };
	buf_reset(out);
	for (size_t i = 0; i < n;) {
		size_t k;
		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
			size_t l = strlen(names[k]);
			if (n - i >= l && memcmp(in + i, names[k], l) == 0) {
				buf_adds(out, vals[k]);
				i += l;
				fz_cust.uses++;
				break;
			}
		}
		if (k == sizeof(names) / sizeof(names[0]))
			buf_addc(out, in[i++]);
	}
}

/* Parses the text format above into FastCGI parameters; returns the body. */
static const char *build(const char *in, size_t n, struct params *ps, size_t *body_len)
{
	const char *end = in + n, *p = in;
	const char *eol = memchr(p, '\n', n);
	const char *line_end = eol ? eol : end;
	const char *sp = memchr(p, ' ', (size_t)(line_end - p));
	if (sp) {
		param_add(ps, "REQUEST_METHOD", 14, p, (size_t)(sp - p));
		param_add(ps, "REQUEST_URI", 11, sp + 1, (size_t)(line_end - sp - 1));
	} else {
		param_add(ps, "REQUEST_METHOD", 14, "GET", 3);
		param_add(ps, "REQUEST_URI", 11, p, (size_t)(line_end - p));
	}
	p = eol ? eol + 1 : end;
	int have_len = 0;
	char name[256];
	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		line_end = eol ? eol : end;
		if (line_end == p) {
			p++;
			break;
		}
		const char *colon = memchr(p, ':', (size_t)(line_end - p));
		if (colon && (size_t)(colon - p) < sizeof(name) - 6) {
			const char *v = colon + 1;
			if (v < line_end && *v == ' ')
				v++;
			size_t nl = 0;
			if (*p == '=') {
				for (const char *q = p + 1; q < colon; q++)
					name[nl++] = *q;
			} else {
				size_t hl = (size_t)(colon - p);
				int special = (hl == 12 && strncasecmp(p, "Content-Type", 12) == 0) ||
					      (hl == 14 && strncasecmp(p, "Content-Length", 14) == 0);
				if (!special) {
					memcpy(name, "HTTP_", 5);
					nl = 5;
				}
				for (const char *q = p; q < colon; q++)
					name[nl++] = *q == '-' ? '_' : (char)toupper((unsigned char)*q);
				if (hl == 14 && special)
					have_len = 1;
			}
			param_add(ps, name, nl, v, (size_t)(line_end - v));
		}
		p = eol ? eol + 1 : end;
	}
	*body_len = (size_t)(end - p);
	if (!have_len && *body_len) {
		char len[32];
		int l = snprintf(len, sizeof(len), "%zu", *body_len);
		param_add(ps, "CONTENT_LENGTH", 14, len, (size_t)l);
	}
	params_seal(ps);
	return p;
}

/* Serves the request text t (no placeholders) and checks the answer. */
static void request_text(const char *t, size_t n, struct capture *cap, struct answer *a)
{
	struct params ps;
	memset(&ps, 0, sizeof(ps));
	buf_init(&ps.store);
	size_t blen;
	const char *body = build(t, n, &ps, &blen);
	serve_mem(ps.env, body, blen, cap);
	buf_release(&ps.store);
	check_answer(cap->out.data ? cap->out.data : "", cap->out.len, a);
	if (a->status < 600) {
		fz_status[a->status]++;
		fz_total++;
	}
}

/* Copies the JSON string at key path k1(.k2) of the answer's body into dst. */
static void json_pick(const struct answer *a, const char *k1, const char *k2, char *dst, size_t cap)
{
	dst[0] = '\0';
	struct json_object *j = json_tokener_parse(a->body), *v = NULL;
	if (j && json_object_object_get_ex(j, k1, &v) && k2)
		json_object_object_get_ex(v, k2, &v);
	if (v && json_object_is_type(v, json_type_string))
		snprintf(dst, cap, "%s", json_object_get_string(v));
	json_object_put(j);
}

/* A new harness customer, made through the real routes: register, token, session, address. */
static void refresh_customer(void)
{
	struct capture cap;
	struct answer a;
	struct buf t = BUF_INIT;
	buf_init(&cap.out);
	fz_cust.generation++;
	snprintf(fz_cust.email, sizeof(fz_cust.email), "fuzz-%d-%lu-%lld@example.com", (int)getpid(),
		 fz_cust.generation, req_epoch_ms());
	snprintf(fz_cust.password, sizeof(fz_cust.password), "pw-fuzz-%lu", fz_cust.generation);
	buf_addf(&t, "POST /store/customers\nContent-Type: application/json\n\n"
		     "{\"email\":\"%s\",\"password\":\"%s\",\"first_name\":\"Fuzz\"}", fz_cust.email, fz_cust.password);
	request_text(t.data, t.len, &cap, &a);
	FUZZ_CHECK(a.status == 200, "setup: the harness customer registers (is the test stack up?)");
	buf_reset(&t);
	buf_addf(&t, "POST /store/auth/token\nContent-Type: application/json\n\n{\"email\":\"%s\",\"password\":\"%s\"}",
		 fz_cust.email, fz_cust.password);
	request_text(t.data, t.len, &cap, &a);
	json_pick(&a, "access_token", NULL, fz_cust.token, sizeof(fz_cust.token));
	FUZZ_CHECK(a.status == 200 && fz_cust.token[0], "setup: the harness customer gets a token");
	buf_reset(&t);
	buf_addf(&t, "POST /store/auth\nContent-Type: application/json\n\n{\"email\":\"%s\",\"password\":\"%s\"}",
		 fz_cust.email, fz_cust.password);
	request_text(t.data, t.len, &cap, &a);
	const char *c = strstr(a.set_cookie, "connect.sid=");
	FUZZ_CHECK(a.status == 200 && c, "setup: the harness customer gets a session cookie");
	snprintf(fz_cust.cookie, sizeof(fz_cust.cookie), "%.*s", (int)strcspn(c + 12, ";"), c + 12);
	buf_reset(&t);
	buf_addf(&t, "POST /store/customers/me/addresses\nAuthorization: Bearer %s\nContent-Type: application/json\n\n"
		     "{\"address\":{\"first_name\":\"F\",\"last_name\":\"Z\",\"address_1\":\"1 Fuzz St\",\"city\":\"Rome\","
		     "\"country_code\":\"it\",\"postal_code\":\"00100\"}}", fz_cust.token);
	request_text(t.data, t.len, &cap, &a);
	FUZZ_CHECK(a.status == 200, "setup: the harness customer adds an address");
	struct json_object *j = json_tokener_parse(a.body), *cu, *sa, *a0, *id;
	fz_cust.addr[0] = '\0';
	if (j && json_object_object_get_ex(j, "customer", &cu) && json_object_object_get_ex(cu, "shipping_addresses", &sa) &&
	    json_object_array_length(sa) > 0 && (a0 = json_object_array_get_idx(sa, 0)) &&
	    json_object_object_get_ex(a0, "id", &id))
		snprintf(fz_cust.addr, sizeof(fz_cust.addr), "%s", json_object_get_string(id));
	json_object_put(j);
	FUZZ_CHECK(fz_cust.addr[0], "setup: the new address has an id");
	buf_release(&t);
	buf_release(&cap.out);
	fz_cust.uses = 0;
	fz_cust.stale = 0;
}

/* The first product and variant of GET /store/products, for @PRODUCT@ / @VARIANT@. */
static void find_catalogue_ids(void)
{
	static const char list[] = "GET /store/products?limit=1\n\n";
	struct capture cap;
	struct answer a;
	buf_init(&cap.out);
	request_text(list, sizeof(list) - 1, &cap, &a);
	struct json_object *j = a.status == 200 ? json_tokener_parse(a.body) : NULL, *ps, *p0, *id, *vs, *v0;
	if (j && json_object_object_get_ex(j, "products", &ps) && json_object_array_length(ps) > 0 &&
	    (p0 = json_object_array_get_idx(ps, 0))) {
		if (json_object_object_get_ex(p0, "id", &id))
			snprintf(fz_product, sizeof(fz_product), "%s", json_object_get_string(id));
		if (json_object_object_get_ex(p0, "variants", &vs) && json_object_array_length(vs) > 0 &&
		    (v0 = json_object_array_get_idx(vs, 0)) && json_object_object_get_ex(v0, "id", &id))
			snprintf(fz_variant, sizeof(fz_variant), "%s", json_object_get_string(id));
	}
	json_object_put(j);
	buf_release(&cap.out);
	fprintf(stderr, "fuzz_request: catalogue ids: product %s, variant %s\n", fz_product, fz_variant);
}

static void print_stats(void)
{
	fprintf(stderr, "fuzz_request: %lu requests answered;", fz_total);
	for (int s = 0; s < 600; s++)
		if (fz_status[s])
			fprintf(stderr, " %d:%lu", s, fz_status[s]);
	fprintf(stderr, "; %lu harness customers\n", fz_cust.generation);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setenv("LOG_REQUESTS", "0", 0);
	setenv("PASSWORD_SCRYPT_LOGN", "8", 0);
	char err[4096];
	if (config_load(&fz_cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_request: bad configuration (DATABASE_URL of a running test stack?):\n%s", err);
		exit(2);
	}
	if (mysql_library_init(0, NULL, NULL)) {
		fprintf(stderr, "fuzz_request: cannot initialise the MariaDB client library\n");
		exit(2);
	}
	worker_init(&fz_w, &fz_cfg);
	memset(&fz_r, 0, sizeof(fz_r));
	arena_init(&fz_r.arena, 16384);
	db_ensure(&fz_w.db); /* as worker_main: a failure is retried per request */
	refresh_customer();
	find_catalogue_ids();
	atexit(print_stats);
	return 0;
}

/* 1 if the harness customer's token and cookie still authenticate. */
static int customer_alive(void)
{
	static const char *probes[] = { "GET /store/customers/me\nAuthorization: Bearer @TOKEN@\n\n",
					"GET /store/auth\nCookie: connect.sid=@COOKIE@\n\n" };
	struct capture cap;
	struct buf t = BUF_INIT;
	struct answer a;
	int alive = 1;
	buf_init(&cap.out);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]) && alive; i++) {
		substitute(probes[i], strlen(probes[i]), &t);
		request_text(t.data, t.len, &cap, &a);
		alive = a.status == 200;
	}
	buf_release(&t);
	buf_release(&cap.out);
	return alive;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct buf t = BUF_INIT;
	static struct capture cap;
	if (fz_cust.stale && customer_alive())
		fz_cust.stale = 0;
	if (fz_cust.stale || fz_cust.uses > REFRESH_EVERY)
		refresh_customer();
	unsigned long before = fz_cust.uses;
	substitute((const char *)data, size, &t);
	struct answer a;
	request_text(t.data ? t.data : "", t.len, &cap, &a);
	/* the customer's credentials were used and refused: mutated, or revoked (checked next time) */
	if (fz_cust.uses != before && a.status == 401)
		fz_cust.stale = 1;
	return 0;
}
