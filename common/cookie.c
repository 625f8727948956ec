/*
 * cookie: sign/verify of connect.sid values (see cookie.h). Pure: no I/O,
 * no database. Secrets are only read, never copied or logged.
 */
#include "common/cookie.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/b64.h"

int cookie_new_sid(char sid[COOKIE_SID_LEN + 1])
{
	unsigned char raw[24];
	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return -1;
	b64_encode(raw, sizeof(raw), sid, 1, 0);
	OPENSSL_cleanse(raw, sizeof(raw));
	return 0;
}

/* base64(HMAC-SHA256(secret, sid)) without padding into sig[44]. */
static int signature(const char *secret, const char *sid, size_t sidlen, char sig[48])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	if (!HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)sid, sidlen, mac, &maclen))
		return -1;
	b64_encode(mac, maclen, sig, 0, 0);
	return 0;
}

static int unreserved(unsigned char c)
{
	/* encodeURIComponent keeps A-Z a-z 0-9 - _ . ! ~ * ' ( ) */
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr("-_.!~*'()", c) != NULL;
}

int cookie_sign(const char *secret, const char *sid, char *out, size_t outsz)
{
	char sig[48];
	if (signature(secret, sid, strlen(sid), sig) != 0)
		return -1;
	char raw[COOKIE_VALUE_MAX];
	size_t n = (size_t)snprintf(raw, sizeof(raw), "s:%s.%s", sid, sig);
	if (n >= sizeof(raw))
		return -1;
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)raw[i];
		if (o + 4 > outsz)
			return -1;
		if (c && unreserved(c)) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cookie_verify(const char *header, const char *name, const char *secret, char *sid_out, size_t sidsz)
{
	if (!header || !name || !secret)
		return 0;
	size_t nlen = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *eq = strchr(p, '=');
		const char *semi = strchr(p, ';');
		if (!eq || (semi && semi < eq)) {
			if (!semi)
				break;
			p = semi + 1;
			continue;
		}
		size_t klen = (size_t)(eq - p);
		while (klen && p[klen - 1] == ' ')
			klen--;
		const char *v = eq + 1;
		size_t vlen = semi ? (size_t)(semi - v) : strlen(v);
		if (klen == nlen && memcmp(p, name, nlen) == 0) {
			/* first cookie of that name wins, as the cookie npm package does */
			char val[COOKIE_VALUE_MAX];
			size_t o = 0;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			for (size_t i = 0; i < vlen; i++) {
				if (o + 1 >= sizeof(val))
					return 0;
				if (v[i] == '%' && i + 2 < vlen && hexval(v[i + 1]) >= 0 && hexval(v[i + 2]) >= 0) {
					val[o++] = (char)(hexval(v[i + 1]) * 16 + hexval(v[i + 2]));
					i += 2;
				} else {
					val[o++] = v[i];
				}
			}
			val[o] = '\0';
			if (o < 4 || val[0] != 's' || val[1] != ':' || memchr(val, '\0', o))
				return 0;
			const char *dot = strrchr(val + 2, '.');
			if (!dot)
				return 0;
			size_t sidlen = (size_t)(dot - (val + 2));
			if (sidlen == 0 || sidlen >= sidsz)
				return 0;
			char want[48];
			if (signature(secret, val + 2, sidlen, want) != 0)
				return 0;
			size_t wl = strlen(want), gl = strlen(dot + 1);
			if (wl != gl || CRYPTO_memcmp(want, dot + 1, wl) != 0)
				return 0;
			memcpy(sid_out, val + 2, sidlen);
			sid_out[sidlen] = '\0';
			return 1;
		}
		if (!semi)
			break;
		p = semi + 1;
	}
	return 0;
}

void cookie_http_date(long long t, char out[30])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 30, "Fri, 31 Dec 9999 23:59:59 GMT");
		return;
	}
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday % 7], tm.tm_mday % 100,
		 months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000, tm.tm_hour % 100, tm.tm_min % 100,
		 tm.tm_sec % 100);
}
