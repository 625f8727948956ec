/*
 * fuzz_cookie: libFuzzer target for session cookies (common/cookie.c).
 *
 * Each input is used two ways:
 *   1. as a whole Cookie header: cookie_verify() with a fixed secret (the
 *      reference transcripts' COOKIE_SECRET, so their connect.sid values in
 *      the seed corpus verify) and the default name, with the router's sid
 *      buffer (REQ_ID_MAX) and a tight one; an accepted sid must be
 *      NUL-terminated, non-empty and fit its buffer;
 *   2. as a session id: cookie_sign() of the bytes (up to the first NUL),
 *      then cookie_verify() of that value placed among other cookies must
 *      give the same sid back (express-session's signed value round trip).
 */
#include <string.h>

#include "common/cookie.h"
#include "tests/fuzz/fuzz.h"

static const char secret[] = "anchor-cookie-secret";
static const char name[] = "connect.sid";
#define SID_MAX 80 /* REQ_ID_MAX: the router's sid buffer */

static void as_header(const char *s, size_t n)
{
	char *h = malloc(n + 1);
	FUZZ_CHECK(h != NULL, "out of memory");
	memcpy(h, s, n);
	h[n] = '\0';

	char sid[SID_MAX];
	memset(sid, 'X', sizeof(sid));
	if (cookie_verify(h, name, secret, sid, sizeof(sid))) {
		size_t len = strnlen(sid, sizeof(sid));
		FUZZ_CHECK(len > 0 && len < sizeof(sid), "an accepted sid is empty or unterminated");
		/* signing the sid we accepted gives a value that verifies again */
		char value[COOKIE_VALUE_MAX * 3];
		if (cookie_sign(secret, sid, value, sizeof(value)) == 0) {
			char again[SID_MAX];
			char *hdr = malloc(strlen(value) + sizeof(name) + 2);
			FUZZ_CHECK(hdr != NULL, "out of memory");
			strcpy(hdr, name);
			strcat(hdr, "=");
			strcat(hdr, value);
			FUZZ_CHECK(cookie_verify(hdr, name, secret, again, sizeof(again)) && strcmp(again, sid) == 0,
				   "re-signing an accepted sid does not verify");
			free(hdr);
		}
	}
	/* the sid of a new session is 32 characters: a 33-byte buffer, and too small ones */
	char tight[COOKIE_SID_LEN + 1];
	if (cookie_verify(h, name, secret, tight, sizeof(tight)))
		FUZZ_CHECK(strnlen(tight, sizeof(tight)) < sizeof(tight), "an unterminated sid in a tight buffer");
	char one[1];
	FUZZ_CHECK(!cookie_verify(h, name, secret, one, sizeof(one)), "a sid accepted into a 1-byte buffer");
	/* other names and secrets walk the same parser differently */
	(void)cookie_verify(h, "", secret, sid, sizeof(sid));
	(void)cookie_verify(h, "a", "", sid, sizeof(sid));
	free(h);
}

static void as_sid(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *sid = malloc(len + 1);
	FUZZ_CHECK(sid != NULL, "out of memory");
	memcpy(sid, s, len);
	sid[len] = '\0';

	/* the size auth_start_session() gives cookie_sign() */
	char value[COOKIE_VALUE_MAX * 3];
	int rc = cookie_sign(secret, sid, value, sizeof(value));
	if (rc == 0) {
		size_t vlen = strlen(value);
		FUZZ_CHECK(vlen < sizeof(value), "cookie_sign() overran its buffer");
		for (size_t i = 0; i < vlen; i++)
			FUZZ_CHECK(value[i] > 0x20 && value[i] < 0x7f && !strchr(";,\" \\=", value[i]),
				   "a signed value with a byte a Cookie header cannot carry");
		char *hdr = malloc(vlen + 64);
		FUZZ_CHECK(hdr != NULL, "out of memory");
		snprintf(hdr, vlen + 64, "a=b; connect.sidx=1;%s=%s; %s=s%%3Aforged.sig", name, value, name);
		char got[SID_MAX];
		int ok = cookie_verify(hdr, name, secret, got, sizeof(got));
		if (len > 0 && len < sizeof(got)) {
			FUZZ_CHECK(ok, "a value signed by cookie_sign() does not verify");
			FUZZ_CHECK(strcmp(got, sid) == 0, "the verified sid differs from the signed one");
		} else {
			FUZZ_CHECK(!ok, "an empty or oversized sid was accepted");
		}
		/* the same value with another secret must not verify */
		FUZZ_CHECK(!cookie_verify(hdr, name, "another-secret", got, sizeof(got)), "a value verified under another secret");
		free(hdr);
	}
	/* a tiny output buffer: refuse, never overflow */
	char small[8];
	FUZZ_CHECK(cookie_sign(secret, sid, small, sizeof(small)) != 0, "a signed value fitted 8 bytes");
	free(sid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	as_header(s, size);
	as_sid(s, size);
	return 0;
}
