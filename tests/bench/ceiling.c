/*
 * ceiling: the yardstick for `make bench`. A FastCGI responder behind the
 * same nginx that does only the transport and the same SQL round trips as
 * the endpoint being measured: no auth, no validation, no JSON building.
 *   GET  /fixed                -> fixed JSON, no database
 *   GET  /store/customers/me   -> the customer+addresses SELECT medusa-c runs
 *   POST /store/customers/me   -> a small update (plain columns):
 *                                   BEGIN; UPDATE customer; INSERT outbox; COMMIT; SELECT
 *                                 metadata: BEGIN; SELECT ... FOR UPDATE; UPDATE customer; INSERT outbox; COMMIT
 *                                 billing_address: BEGIN; SELECT ... FOR UPDATE; UPDATE address; COMMIT
 *   (the customer row changes, so medusa-c writes a customer.updated outbox row; a billing
 *   address edit leaves the customer row alone and writes none)
 *   GET  /store/products...    -> the catalogue version point select medusa-c runs per request,
 *                                 then the bytes of medusa-c's own answer (CEIL_LIST_BODY for the
 *                                 list, CEIL_PRODUCT_BODY for /store/products/:id, files)
 *   GET  /store/carts/:id      -> medusa-c's own cart read statement (sql/cart_read_sql.h: the cart
 *                                 with its addresses, channel, payment, customer and the catalogue
 *                                 versions, its lines, methods and sessions in one UNION ALL), then
 *                                 the bytes of medusa-c's answer for the bench cart (CEIL_CART_BODY).
 *                                 medusa-c makes a second statement only for a cart with shipping
 *                                 methods (their tax rates) or persisted tax lines: the bench cart
 *                                 has neither, so neither does the ceiling
 *   POST /store/carts/:id/line-items -> medusa-c's 8 round trips (ADD_SQL): BEGIN; the cart row
 *                                 FOR UPDATE with its cart_lock row written, in one statement; the
 *                                 cart read above; the variant's stock; UPDATE that line's quantity
 *                                 (INSERT a line when there is none); the lines again (the answer);
 *                                 the commit marker; COMMIT; then medusa-c's answer bytes
 *   (a yardstick of what a cart read or write cannot do without, not a copy of medusa-c's SQL)
 * Env: LISTEN (socket path), DB_SOCKET, DB_NAME, BENCH_CUSTOMER, WORKERS, CEIL_*_BODY.
 */
#include <fcgiapp.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <mysql.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sql/cart_read_sql.h"

static const char SEL[] =
	"SELECT c.id, c.created_at, c.updated_at, c.deleted_at, c.email, c.first_name, c.last_name, "
	"c.billing_address_id, c.phone, c.has_account, c.metadata, c.password_hash, c.credentials_at, "
	"a.id, a.created_at, a.updated_at, a.deleted_at, a.customer_id, a.company, a.first_name, a.last_name, "
	"a.address_1, a.address_2, a.city, a.country_code, a.province, a.postal_code, a.phone, a.metadata "
	"FROM customer c LEFT JOIN address a ON a.deleted_at IS NULL "
	"AND (a.customer_id = c.id OR a.id = c.billing_address_id) "
	"WHERE c.id = ? AND c.deleted_at IS NULL";
static const char SEL_LOCK_SUFFIX[] = " FOR UPDATE";
static const char UPD[] = "UPDATE customer SET first_name = ?, updated_at = NOW(3) WHERE id = ?";
static const char EVT[] = "INSERT INTO event_outbox (event, data, created_at) "
	"VALUES ('customer.updated', JSON_OBJECT('id', ?), NOW(3))";
static const char UPD_ADDR[] = "UPDATE address SET address_1 = ?, updated_at = NOW(3) WHERE id = "
	"(SELECT billing_address_id FROM customer WHERE id = ?)";

static const char VER[] = "SELECT version FROM catalogue_version WHERE id = 1";

/* the cart read: medusa-c's own statement (the cart id four times) */
static const char *const CART_READ[] = { CART_READ_SQL };
#define CART_READS (sizeof(CART_READ) / sizeof(CART_READ[0]))
/* adding a line: what a locked cart write reads and writes (the statements of ADD_SQL, in order) */
enum { ADD_LOCK, ADD_LINES, ADD_STOCK, ADD_LINE_UPD, ADD_LINE_INS, ADD_MARK, ADD_N };
static const char *const ADD_SQL[ADD_N] = {
	/* the cart row locked and the Galera lock row written (migration 023) */
	[ADD_LOCK] = "INSERT INTO cart_lock (cart_id, n) SELECT id, 1 FROM cart WHERE id = ? AND deleted_at IS NULL "
		     "FOR UPDATE ON DUPLICATE KEY UPDATE n = n + 1",
	/* the lines alone: what the answer re-reads after the write (a taxed cart) */
	[ADD_LINES] = "SELECT id, created_at, updated_at, cart_id, order_id, swap_id, claim_order_id, original_item_id, "
		      "order_edit_id, title, description, thumbnail, is_return, is_giftcard, should_merge, allow_discounts, "
		      "has_shipping, unit_price, variant_id, quantity, fulfilled_quantity, returned_quantity, "
		      "shipped_quantity, metadata FROM line_item WHERE cart_id = ? ORDER BY created_at, id",
	[ADD_STOCK] = "SELECT inventory_quantity, allow_backorder, manage_inventory FROM product_variant WHERE id = ?",
	[ADD_LINE_UPD] = "UPDATE line_item SET quantity = quantity + 1, updated_at = NOW(3) "
			 "WHERE cart_id = ? AND variant_id = ?",
	[ADD_LINE_INS] = "INSERT INTO line_item (id, cart_id, variant_id, title, unit_price, quantity) "
			 "VALUES (?, ?, ?, 'ceiling', 1000, 1)",
	/* the commit marker medusa-c writes in every request transaction (sql/db.c) */
	[ADD_MARK] = "INSERT INTO tx_marker (worker, txid, updated_at) VALUES (?, 1, UTC_TIMESTAMP(3)) "
		     "ON DUPLICATE KEY UPDATE txid = txid + 1, updated_at = UTC_TIMESTAMP(3)",
};

/* A whole file into memory (the answer the ceiling sends for a catalogue case); "" without one. */
static char *slurp(const char *path, size_t *len)
{
	*len = 0;
	FILE *f = path ? fopen(path, "rb") : NULL;
	if (!f)
		return "";
	size_t cap = 1 << 20;
	char *data = malloc(cap);
	if (data)
		*len = fread(data, 1, cap, f);
	fclose(f);
	return data ? data : "";
}

static MYSQL_STMT *prep(MYSQL *m, const char *sql)
{
	MYSQL_STMT *s = mysql_stmt_init(m);
	if (!s || mysql_stmt_prepare(s, sql, (unsigned long)strlen(sql))) {
		fprintf(stderr, "ceiling: prepare failed: %s\n", mysql_error(m));
		exit(1);
	}
	return s;
}

static int run(MYSQL_STMT *s, const char **vals, int n)
{
	MYSQL_BIND b[4];
	memset(b, 0, sizeof(b));
	for (int i = 0; i < n; i++) {
		b[i].buffer_type = MYSQL_TYPE_STRING;
		b[i].buffer = (void *)vals[i];
		b[i].buffer_length = (unsigned long)strlen(vals[i]);
	}
	if ((n && mysql_stmt_bind_param(s, b)) || mysql_stmt_execute(s))
		return -1;
	if (mysql_stmt_field_count(s)) {
		/* fetch every row, as the real endpoint does */
		if (mysql_stmt_store_result(s))
			return -1;
		while (mysql_stmt_fetch(s) == 0)
			;
		mysql_stmt_free_result(s);
	}
	return 0;
}

/* the string value of "key":"..." in a JSON body, into out (empty when absent) */
static void json_str(const char *body, const char *key, char *out, size_t cap)
{
	out[0] = '\0';
	const char *p = strstr(body, key);
	if (!p || !(p = strchr(p + strlen(key), '"')))
		return;
	p++;
	size_t i = 0;
	while (p[i] && p[i] != '"' && i + 1 < cap) {
		out[i] = p[i];
		i++;
	}
	out[i] = '\0';
}

static void worker(int fd)
{
	MYSQL *m = mysql_init(NULL);
	if (!mysql_real_connect(m, "localhost", "root", NULL, getenv("DB_NAME"), 0, getenv("DB_SOCKET"), 0)) {
		fprintf(stderr, "ceiling: connect: %s\n", mysql_error(m));
		exit(1);
	}
	char lock[sizeof(SEL) + sizeof(SEL_LOCK_SUFFIX)];
	snprintf(lock, sizeof(lock), "%s%s", SEL, SEL_LOCK_SUFFIX);
	MYSQL_STMT *sel = prep(m, SEL), *sel_lock = prep(m, lock), *upd = prep(m, UPD), *upd_addr = prep(m, UPD_ADDR),
		   *evt = prep(m, EVT), *ver = prep(m, VER);
	MYSQL_STMT *cart_read[CART_READS];
	for (size_t i = 0; i < CART_READS; i++)
		cart_read[i] = prep(m, CART_READ[i]);
	MYSQL_STMT *add[ADD_N];
	for (size_t i = 0; i < ADD_N; i++)
		add[i] = prep(m, ADD_SQL[i]);
	char marker[33];
	snprintf(marker, sizeof(marker), "ceiling%d", (int)getpid());
	size_t cart_len;
	const char *cart_body = slurp(getenv("CEIL_CART_BODY"), &cart_len);
	size_t list_len, product_len;
	const char *list_body = slurp(getenv("CEIL_LIST_BODY"), &list_len);
	const char *product_body = slurp(getenv("CEIL_PRODUCT_BODY"), &product_len);
	const char *id = getenv("BENCH_CUSTOMER");
	/* the same transport as medusa-c's workers: kept connections and the
	 * listening socket polled together (see cgi/main.c) */
	static FCGX_Request conns[32];
	for (int i = 0; i < 32; i++)
		FCGX_InitRequest(&conns[i], -1, 0);
	static const char fixed[] = "{\"customer\":{\"id\":\"cus_01M8D3KGG222EC1538KXD4XNJN\",\"email\":\"a@b.co\"}}";
	char name[32];
	unsigned long counter = 0;
	for (;;) {
		struct pollfd pfd[33];
		int map[33], n = 0, free_slot = -1;
		for (int i = 0; i < 32; i++) {
			if (conns[i].ipcFd >= 0) {
				pfd[n].fd = conns[i].ipcFd;
				pfd[n].events = POLLIN;
				map[n++] = i;
			} else if (free_slot < 0) {
				free_slot = i;
			}
		}
		if (free_slot >= 0) {
			pfd[n].fd = fd;
			pfd[n].events = POLLIN;
			map[n++] = -1;
		}
		if (poll(pfd, (nfds_t)n, -1) < 0)
			continue;
		for (int k = 0; k < n; k++) {
		if (!pfd[k].revents)
			continue;
		FCGX_Request *rp;
		if (map[k] < 0) {
			int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			rp = &conns[free_slot];
			rp->ipcFd = c;
			rp->keepConnection = 1;
		} else {
			rp = &conns[map[k]];
		}
		if (FCGX_Accept_r(rp) < 0) {
			rp->ipcFd = -1;
			continue;
		}
		FCGX_Request r = *rp;
		const char *method = FCGX_GetParam("REQUEST_METHOD", r.envp);
		const char *uri = FCGX_GetParam("REQUEST_URI", r.envp);
		int ok = 0;
		if (uri && strncmp(uri, "/fixed", 6) == 0) {
			/* the body of a POST is read to its end, as every FastCGI answer on a kept
			 * connection must (the checkouts case posts its 7 requests here) */
			char sink[4096];
			while (FCGX_GetStr(sink, (int)sizeof(sink), r.in) > 0)
				;
			ok = 1;
		} else if (uri && strncmp(uri, "/store/carts/", 13) == 0 && cart_len) {
			char cart[80], variant[80] = "", item[64];
			size_t k3 = 0;
			for (const char *p = uri + 13; *p && *p != '/' && *p != '?' && k3 + 1 < sizeof(cart); p++)
				cart[k3++] = *p;
			cart[k3] = '\0';
			int is_add = method && strcmp(method, "POST") == 0, good;
			if (is_add) {
				/* medusa-c's round trips for an add to a cart of a taxed region without shipping
				 * methods: BEGIN; lock; the cart read (one statement); the stock; the line's
				 * UPDATE (or INSERT); the lines again for the answer; the marker; COMMIT */
				char body[4096];
				int got = 0, k2;
				while ((k2 = FCGX_GetStr(body + got, (int)sizeof(body) - 1 - got, r.in)) > 0)
					got += k2;
				body[got] = '\0';
				json_str(body, "\"variant_id\"", variant, sizeof(variant));
				const char *cv[2] = { cart, variant }, *v1[1] = { variant }, *c1[1] = { cart },
					   *w1[1] = { marker };
				const char *c4[4] = { cart, cart, cart, cart };
				good = mysql_query(m, "START TRANSACTION") == 0 && run(add[ADD_LOCK], c1, 1) == 0;
				for (size_t i = 0; good && i < CART_READS; i++)
					good = run(cart_read[i], c4, 4) == 0;
				good = good && run(add[ADD_STOCK], v1, 1) == 0 && run(add[ADD_LINE_UPD], cv, 2) == 0;
				if (good && mysql_stmt_affected_rows(add[ADD_LINE_UPD]) == 0) {
					snprintf(item, sizeof(item), "item_ceil%d_%lu", (int)getpid(), counter++);
					const char *iv[3] = { item, cart, variant };
					good = run(add[ADD_LINE_INS], iv, 3) == 0;
				}
				good = good && run(add[ADD_LINES], c1, 1) == 0 && run(add[ADD_MARK], w1, 1) == 0 &&
				       mysql_commit(m) == 0;
				if (!good)
					mysql_rollback(m);
			} else {
				/* the read gets the catalogue versions with the cart's rows */
				const char *c4[4] = { cart, cart, cart, cart };
				good = 1;
				for (size_t i = 0; good && i < CART_READS; i++)
					good = run(cart_read[i], c4, 4) == 0;
			}
			if (good) {
				FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
						    "Content-Length: %lu\r\n\r\n", (unsigned long)cart_len);
				FCGX_PutStr(cart_body, (int)cart_len, r.out);
			} else {
				FCGX_FPrintF(r.out, "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
			}
			FCGX_Finish_r(rp);
			continue;
		} else if (uri && strncmp(uri, "/store/products", 15) == 0 && list_len) {
			int one = uri[15] == '/';
			if (run(ver, NULL, 0) == 0) {
				FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
						    "Content-Length: %lu\r\n\r\n", (unsigned long)(one ? product_len : list_len));
				FCGX_PutStr(one ? product_body : list_body, (int)(one ? product_len : list_len), r.out);
			} else {
				FCGX_FPrintF(r.out, "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
			}
			FCGX_Finish_r(rp);
			continue;
		} else if (method && strcmp(method, "POST") == 0) {
			char body[4096];
			int got = 0, k2;
			while ((k2 = FCGX_GetStr(body + got, (int)sizeof(body) - 1 - got, r.in)) > 0)
				got += k2;
			body[got] = '\0';
			snprintf(name, sizeof(name), "n%lu", counter++ % 1000);
			const char *v1[1] = { id }, *v2[2] = { name, id };
			if (!strstr(body, "metadata") && !strstr(body, "billing_address")) {
				ok = mysql_query(m, "START TRANSACTION") == 0 && run(upd, v2, 2) == 0 &&
				     run(evt, v1, 1) == 0 && mysql_commit(m) == 0;
				if (!ok)
					mysql_rollback(m);
				ok = ok && run(sel, v1, 1) == 0;
			} else {
				/* as medusa-c: a billing-address edit writes the address row only
				 * (the customer row does not change), a metadata merge the customer row */
				int billing = strstr(body, "billing_address") != NULL;
				ok = mysql_query(m, "START TRANSACTION") == 0 && run(sel_lock, v1, 1) == 0 &&
				     (billing ? run(upd_addr, v2, 2) == 0 : run(upd, v2, 2) == 0 && run(evt, v1, 1) == 0) &&
				     mysql_commit(m) == 0;
				if (!ok)
					mysql_rollback(m);
			}
		} else {
			const char *v1[1] = { id };
			ok = run(sel, v1, 1) == 0;
		}
		if (ok)
			FCGX_FPrintF(r.out, "Status: 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
					    "Content-Length: %lu\r\n\r\n%s", (unsigned long)(sizeof(fixed) - 1), fixed);
		else
			FCGX_FPrintF(r.out, "Status: 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
		FCGX_Finish_r(rp);
		}
	}
}

int main(void)
{
	const char *listen = getenv("LISTEN");
	int workers = getenv("WORKERS") ? atoi(getenv("WORKERS")) : 2;
	if (!listen || workers < 1 || workers > 64) {
		fprintf(stderr, "ceiling: set LISTEN and WORKERS\n");
		return 2;
	}
	FCGX_Init();
	/* a socket file left by an earlier run would make the bind fail, and nginx would then reach
	 * whatever still listens on it (a previous run's workers): always a fresh one */
	unlink(listen);
	int fd = FCGX_OpenSocket(listen, 1024);
	if (fd < 0) {
		fprintf(stderr, "ceiling: cannot listen on %s\n", listen);
		return 1;
	}
	chmod(listen, 0666);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pid_t parent = getpid();
	for (int i = 0; i < workers; i++)
		if (fork() == 0) {
			/* the workers end with the parent (the bench kills only the parent; libfcgi's
			 * SIGTERM handler would keep a worker blocked in poll() alive) */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != parent)
				_exit(0);
			worker(fd);
			_exit(0);
		}
	signal(SIGTERM, SIG_DFL);
	while (wait(NULL) > 0)
		;
	return 0;
}
