/* Unit tests of common/cookie.c against cookies a real Medusa 1.20.11 set. */
#include <string.h>

#include "common/cookie.h"
#include "tests/unit/harness.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *secret = "anchor-cookie-secret";
	/* from reference/transcripts/23-update-me-full.txt */
	const char *medusa = "connect.sid=s%3A8Rf23effNNNkG44Uq6VmCyYKS3er__bd.1GiyKGs5ljFtPwjI%2BZu1e%2FiBSbHvnz8ju17LV08bkBs";
	char sid[64];
	CHECK(cookie_verify(medusa, "connect.sid", secret, sid, sizeof(sid)) == 1);
	CHECK_STR(sid, "8Rf23effNNNkG44Uq6VmCyYKS3er__bd");
	/* our signature of that sid is byte-identical to Medusa's */
	char v[256];
	CHECK(cookie_sign(secret, "8Rf23effNNNkG44Uq6VmCyYKS3er__bd", v, sizeof(v)) == 0);
	CHECK_STR(v, "s%3A8Rf23effNNNkG44Uq6VmCyYKS3er__bd.1GiyKGs5ljFtPwjI%2BZu1e%2FiBSbHvnz8ju17LV08bkBs");
	/* among other cookies, with spaces */
	CHECK(cookie_verify("a=1; connect.sid=s%3A8Rf23effNNNkG44Uq6VmCyYKS3er__bd.1GiyKGs5ljFtPwjI%2BZu1e%2FiBSbHvnz8ju17LV08bkBs; b=2",
			    "connect.sid", secret, sid, sizeof(sid)) == 1);
	/* wrong secret, tampered sid, tampered signature, unsigned, truncated, other name */
	CHECK(cookie_verify(medusa, "connect.sid", "other-secret", sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=s%3A9Rf23effNNNkG44Uq6VmCyYKS3er__bd.1GiyKGs5ljFtPwjI%2BZu1e%2FiBSbHvnz8ju17LV08bkBs",
			    "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=s%3A8Rf23effNNNkG44Uq6VmCyYKS3er__bd.1GiyKGs5ljFtPwjI%2BZu1e%2FiBSbHvnz8ju17LV08bkBt",
			    "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=8Rf23effNNNkG44Uq6VmCyYKS3er__bd", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=s%3A8Rf23eff.", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=s%3A", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("connect.sid=%", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify("", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify(";;;=;", "connect.sid", secret, sid, sizeof(sid)) == 0);
	CHECK(cookie_verify(medusa, "sid", secret, sid, sizeof(sid)) == 0);
	/* round trip of a fresh sid */
	char fresh[COOKIE_SID_LEN + 1], line[300];
	CHECK(cookie_new_sid(fresh) == 0 && strlen(fresh) == COOKIE_SID_LEN);
	CHECK(cookie_sign(secret, fresh, v, sizeof(v)) == 0);
	snprintf(line, sizeof(line), "connect.sid=%s", v);
	CHECK(cookie_verify(line, "connect.sid", secret, sid, sizeof(sid)) == 1 && strcmp(sid, fresh) == 0);
	char date[30];
	cookie_http_date(1795772326LL, date);
	CHECK_STR(date, "Fri, 27 Nov 2026 09:38:46 GMT");
	HARNESS_EXIT();
}
