/* webhook: URL parsing, body, signature, request head and status line of the outbox relay. */
#include <string.h>

#include "common/buf.h"
#include "common/webhook.h"
#include "tests/unit/harness.h"

static int parses(const char *url, struct webhook_url *u)
{
	char err[160];
	return webhook_url_parse(url, u, err, sizeof(err)) == 0;
}

int main(void)
{
	struct webhook_url u;
	CHECK(parses("http://127.0.0.1:8099/hooks/medusa", &u));
	CHECK_STR(u.host, "127.0.0.1");
	CHECK_STR(u.port, "8099");
	CHECK_STR(u.authority, "127.0.0.1:8099");
	CHECK_STR(u.path, "/hooks/medusa");
	CHECK(parses("http://mailer.internal", &u));
	CHECK_STR(u.port, "80");
	CHECK_STR(u.path, "/");
	CHECK(parses("http://h?x=1#frag", &u));
	CHECK_STR(u.path, "/?x=1");
	CHECK(parses("http://[::1]:81/p", &u));
	CHECK_STR(u.host, "::1");
	CHECK_STR(u.port, "81");
	CHECK_STR(u.authority, "[::1]:81");
	CHECK(!parses("https://example.com/", &u));
	CHECK(!parses("ftp://example.com/", &u));
	CHECK(!parses("http://", &u));
	CHECK(!parses("http://h:0/", &u));
	CHECK(!parses("http://h:65536/", &u));
	CHECK(!parses("http://h:8x/", &u));
	CHECK(!parses("http://user:pw@h/", &u));
	CHECK(!parses("http://h/a b", &u));
	CHECK(!parses("http://h/a\r\nX: y", &u));
	CHECK(!parses("http://[::1/", &u));

	char err[256];
	const char *secret32 = "0123456789abcdef0123456789abcdef";
	CHECK(webhook_config_check("", "", err, sizeof(err)) == 0);
	CHECK(webhook_config_check("http://h/", secret32, err, sizeof(err)) == 0);
	CHECK(webhook_config_check("http://h/", "short", err, sizeof(err)) == -1);
	CHECK(strstr(err, "EVENTS_WEBHOOK_SECRET: at least 32 bytes") && !strstr(err, "short"));
	CHECK(webhook_config_check("https://h/", secret32, err, sizeof(err)) == -1);
	CHECK(strncmp(err, "EVENTS_WEBHOOK_URL: https://", 28) == 0);

	/* RFC 4231 test case 2 */
	char sig[WEBHOOK_SIG_LEN + 1];
	const char *data = "what do ya want for nothing?";
	CHECK(webhook_sign("Jefe", 4, data, strlen(data), sig) == 0);
	CHECK_STR(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");

	struct buf b = BUF_INIT;
	buf_init(&b);
	webhook_body(&b, "42", "customer.created", "2026-11-27 16:00:01.250", "{\"id\":\"cus_1\"}");
	CHECK_STR(b.data, "{\"id\":\"evt_42\",\"event\":\"customer.created\",\"created_at\":\"2026-11-27T16:00:01.250Z\","
			  "\"data\":{\"id\":\"cus_1\"}}");
	buf_reset(&b);
	CHECK(parses("http://127.0.0.1:8099/hooks", &u));
	webhook_head(&b, &u, "42", "customer.created", "sha256=ab", 17);
	CHECK_STR(b.data, "POST /hooks HTTP/1.1\r\nHost: 127.0.0.1:8099\r\nUser-Agent: medusa-c-relay\r\n"
			  "Content-Type: application/json\r\nContent-Length: 17\r\nX-Medusa-Event-Id: evt_42\r\n"
			  "X-Medusa-Event: customer.created\r\nX-Medusa-Signature: sha256=ab\r\nConnection: close\r\n\r\n");
	buf_release(&b);

	CHECK(webhook_status("HTTP/1.1 204 No Content\r\n", 25) == 204);
	CHECK(webhook_status("HTTP/1.0 500\r\n", 14) == 500);
	CHECK(webhook_status("HTTP/1.1 200 OK", 15) == -1); /* the line has not ended yet */
	CHECK(webhook_status("HTTP/1.1 2000 OK\r\n", 18) == -1);
	CHECK(webhook_status("HTTP/2 200\r\n", 12) == -1);
	CHECK(webhook_status("", 0) == -1);
	CHECK(webhook_status("SSH-2.0-OpenSSH\r\n", 17) == -1);
	HARNESS_EXIT();
}
