/*
 * Unit tests for common/password: Medusa's scrypt-kdf test vector, round
 * trips with real cost (logN 14 to stay fast), salts, rehash decisions and
 * malformed records.
 */
#include "tests/unit/harness.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include "common/b64.h"
#include "common/password.h"

/* password "test", scrypt-kdf 2.0.1 with logN=1, r=1, p=1, as Medusa stores it */
static const char medusa_vec[] =
	"c2NyeXB0AAEAAAABAAAAAVMdaddoGjwU1TafDLLlBKnOTQga7P2dbrfgf3fB+rCD/cJOMuGzAvRdKutbYkVpuJWTU39P7OpuWNkUVoEETOVLMJafbI8qs8Qx/7jMQXkN";

/* Decodes rec, applies one edit at byte off (xor), re-encodes into out. */
static void flip_byte(const char *rec, size_t off, unsigned char x, char out[PASSWORD_RECORD_B64_LEN + 1])
{
	unsigned char raw[96];
	size_t n = 0;

	if (b64_decode(rec, strlen(rec), raw, sizeof(raw), &n, 0) != 0 || n != 96) {
		out[0] = '\0';
		return;
	}
	raw[off] ^= x;
	b64_encode(raw, sizeof(raw), out, 0, 1);
}

static void test_medusa_vector(void)
{
	struct password_params p15 = { 15, 8, 1 }, p1 = { 1, 1, 1 };

	CHECK(password_verify("test", 4, medusa_vec) == 1);
	CHECK(password_verify("Test", 4, medusa_vec) == 0);
	CHECK(password_verify("test ", 5, medusa_vec) == 0);
	CHECK(password_verify("tes", 3, medusa_vec) == 0);
	CHECK(password_verify("", 0, medusa_vec) == 0);
	CHECK(password_verify(NULL, 0, medusa_vec) == 0);
	/* the length argument counts, not the NUL */
	CHECK(password_verify("testX", 4, medusa_vec) == 1);
	CHECK(password_needs_rehash(medusa_vec, &p15) == 1);
	CHECK(password_needs_rehash(medusa_vec, &p1) == 0);
}

static void test_round_trip(void)
{
	struct password_params pp = { 14, 8, 1 }, p15 = { 15, 8, 1 }, p_r = { 14, 9, 1 }, p_p = { 14, 8, 2 };
	char a[PASSWORD_RECORD_B64_LEN + 1], b[PASSWORD_RECORD_B64_LEN + 1];
	static const char pw[] = "correct horse \xc3\xa9 battery";

	CHECK(password_hash(pw, strlen(pw), &pp, a) == 0);
	CHECK(strlen(a) == PASSWORD_RECORD_B64_LEN);
	CHECK(strncmp(a, "c2NyeXB0", 8) == 0);
	/* header: "scrypt", version 0, logN 14 (0x0e), r 8, p 1 */
	CHECK(strncmp(a, "c2NyeXB0AA4AAAAIAAAAA", 21) == 0);
	CHECK(password_verify(pw, strlen(pw), a) == 1);
	CHECK(password_verify(pw, strlen(pw) - 1, a) == 0);
	CHECK(password_verify("correct horse battery", 21, a) == 0);
	CHECK(password_hash(pw, strlen(pw), &pp, b) == 0);
	CHECK(strcmp(a, b) != 0); /* fresh salt every time */
	CHECK(memcmp(a + 21, b + 21, 43) != 0); /* the salt region itself differs */
	CHECK(password_verify(pw, strlen(pw), b) == 1);
	CHECK(password_needs_rehash(a, &pp) == 0);
	CHECK(password_needs_rehash(a, &p15) == 1);
	CHECK(password_needs_rehash(a, &p_r) == 1);
	CHECK(password_needs_rehash(a, &p_p) == 1);
	/* empty password is hashable and verifiable */
	CHECK(password_hash("", 0, &pp, b) == 0 && password_verify("", 0, b) == 1 && password_verify("x", 1, b) == 0);
}

static void test_default_cost(void)
{
	/* the production default needs more than OpenSSL's 32 MiB maxmem default */
	struct password_params p15 = { 15, 8, 1 };
	char a[PASSWORD_RECORD_B64_LEN + 1];

	CHECK(password_hash("pw", 2, &p15, a) == 0);
	CHECK(password_verify("pw", 2, a) == 1);
	CHECK(password_needs_rehash(a, &p15) == 0);
}

static void test_bad_params(void)
{
	char a[PASSWORD_RECORD_B64_LEN + 1];
	struct password_params bad[] = { { 0, 8, 1 }, { 23, 8, 1 }, { 14, 0, 1 }, { 14, 8, 0 }, { 14, 1u << 20, 1u << 10 },
		                         { 22, 64, 1 } };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		strcpy(a, "junk");
		CHECK(password_hash("pw", 2, &bad[i], a) == -1 && a[0] == '\0');
	}
	CHECK(password_hash("pw", 2, NULL, a) == -1);
}

static void test_malformed(void)
{
	struct password_params p1 = { 1, 1, 1 };
	char rec[PASSWORD_RECORD_B64_LEN + 16];
	char buf[PASSWORD_RECORD_B64_LEN + 1];

	/* truncated */
	memcpy(rec, medusa_vec, 100);
	rec[100] = '\0';
	CHECK(password_verify("test", 4, rec) == 0);
	CHECK(password_needs_rehash(rec, &p1) == 1);
	CHECK(password_verify("test", 4, "") == 0);
	CHECK(password_verify("test", 4, NULL) == 0);
	CHECK(password_needs_rehash(NULL, &p1) == 1);
	/* one char short and one group too long */
	memcpy(rec, medusa_vec, 127);
	rec[127] = '\0';
	CHECK(password_verify("test", 4, rec) == 0);
	strcpy(rec, medusa_vec);
	strcat(rec, "AAAA");
	CHECK(password_verify("test", 4, rec) == 0);
	/* bad base64: a '*' and a url-alphabet char */
	strcpy(rec, medusa_vec);
	rec[40] = '*';
	CHECK(password_verify("test", 4, rec) == 0);
	CHECK(password_needs_rehash(rec, &p1) == 1);
	strcpy(rec, medusa_vec);
	rec[60] = '-';
	CHECK(password_verify("test", 4, rec) == 0);
	/* flipped checksum byte */
	flip_byte(medusa_vec, 50, 0x01, buf);
	CHECK(strlen(buf) == 128 && password_verify("test", 4, buf) == 0);
	/* flipped salt byte: checksum no longer matches */
	flip_byte(medusa_vec, 20, 0x80, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	/* flipped HMAC byte */
	flip_byte(medusa_vec, 95, 0x01, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	/* flipped checksum byte with a correctly recomputed HMAC: only the checksum check catches it */
	{
		unsigned char raw[96], dk[64];
		unsigned int ml = 0;
		size_t n = 0;

		CHECK(b64_decode(medusa_vec, strlen(medusa_vec), raw, sizeof(raw), &n, 0) == 0 && n == 96);
		CHECK(EVP_PBE_scrypt("test", 4, raw + 16, 32, 2, 1, 1, 0, dk, 64) == 1);
		raw[60] ^= 0x01;
		CHECK(HMAC(EVP_sha256(), dk + 32, 32, raw, 64, raw + 64, &ml) != NULL && ml == 32);
		b64_encode(raw, sizeof(raw), buf, 0, 1);
		CHECK(password_verify("test", 4, buf) == 0);
		/* the same construction without the flip reproduces the vector */
		raw[60] ^= 0x01;
		CHECK(HMAC(EVP_sha256(), dk + 32, 32, raw, 64, raw + 64, &ml) != NULL);
		b64_encode(raw, sizeof(raw), buf, 0, 1);
		CHECK_STR(buf, medusa_vec);
	}
	/* sanity: a zero flip keeps it valid, so the edits above are what failed */
	flip_byte(medusa_vec, 50, 0x00, buf);
	CHECK(password_verify("test", 4, buf) == 1);
}

/* The Medusa vector with other cost parameters and a recomputed, valid checksum. */
static void forge(unsigned logN, unsigned r, unsigned p, char out[PASSWORD_RECORD_B64_LEN + 1])
{
	unsigned char raw[96], sum[32];
	size_t n = 0;
	int i;

	b64_decode(medusa_vec, strlen(medusa_vec), raw, sizeof(raw), &n, 0);
	raw[7] = (unsigned char)logN;
	for (i = 0; i < 4; i++) {
		raw[8 + i] = (unsigned char)(r >> (24 - 8 * i));
		raw[12 + i] = (unsigned char)(p >> (24 - 8 * i));
	}
	SHA256(raw, 48, sum);
	memcpy(raw + 48, sum, 16);
	b64_encode(raw, sizeof(raw), out, 0, 1);
}

static void test_costly_records(void)
{
	char buf[PASSWORD_RECORD_B64_LEN + 1];

	/* checksum valid, but the parameters are refused before any scrypt work */
	forge(0, 1, 1, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	forge(23, 1, 1, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	forge(255, 1, 1, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	forge(1, 0, 1, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	forge(1, 0xffffffffu, 0xffffffffu, buf);
	CHECK(password_verify("test", 4, buf) == 0);
	forge(20, 1024, 1, buf); /* 128 GiB */
	CHECK(password_verify("test", 4, buf) == 0);
	/* same params as the vector: the forge helper itself is right */
	forge(1, 1, 1, buf);
	CHECK(strcmp(buf, medusa_vec) == 0);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	test_medusa_vector();
	test_round_trip();
	test_default_cost();
	test_bad_params();
	test_malformed();
	test_costly_records();
	HARNESS_EXIT();
}
