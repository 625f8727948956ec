/*
 * password: scrypt-kdf 2.0.1 compatible hashing and verification with
 * OpenSSL's EVP_PBE_scrypt. Owns the record layout, the cost limits a record
 * may ask for (a record is trusted data from our database, but a corrupt one
 * must not make a worker allocate gigabytes) and constant-time comparisons.
 * Everything lives on the stack of one call and is cleansed before return.
 */
#include "common/password.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "common/b64.h"

#define PASSWORD_RECORD_LEN 96
#define PASSWORD_SALT_LEN 32
#define PASSWORD_DK_LEN 64
#define PASSWORD_MAX_LOGN 22
/* Refuse parameter sets whose scrypt working memory exceeds this. */
#define PASSWORD_MAX_MEM (1024ULL * 1024 * 1024)

/*
 * Working memory EVP_PBE_scrypt needs for these parameters (its B and V
 * arrays: 128*r*p + 128*r*(N+2)), or 0 if the set is invalid or too costly.
 * The result is also passed as maxmem, since OpenSSL's 32 MiB default is
 * below N=2^15, r=8.
 */
static uint64_t password_mem(unsigned logN, uint32_t r, uint32_t p)
{
	uint64_t n, mem;

	if (logN == 0 || logN > PASSWORD_MAX_LOGN || r == 0 || p == 0)
		return 0;
	if ((uint64_t)r * p >= (1ULL << 30)) /* scrypt's own bound (RFC 7914) */
		return 0;
	n = 1ULL << logN;
	/* r * p < 2^30 and n <= 2^22 keep these products below 2^64 */
	mem = 128ULL * r * p + 128ULL * r * (n + 2);
	if (mem > PASSWORD_MAX_MEM)
		return 0;
	return mem;
}

static void password_put_be32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t password_get_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes a record string into its 96 bytes; 0 ok, -1 if malformed. */
static int password_decode(const char *record, unsigned char rec[PASSWORD_RECORD_LEN])
{
	size_t n, got;

	if (record == NULL)
		return -1;
	/* anything much longer than 128 chars cannot decode to 96 bytes */
	n = strnlen(record, PASSWORD_RECORD_B64_LEN + 8);
	if (b64_decode(record, n, rec, PASSWORD_RECORD_LEN, &got, 0) != 0 || got != PASSWORD_RECORD_LEN)
		return -1;
	return 0;
}

/* DK = scrypt(pw, salt, 2^logN, r, p, 64); 0 ok, -1 on failure */
static int password_derive(const char *pw, size_t pwlen, const unsigned char *salt, unsigned logN, uint32_t r,
                           uint32_t p, unsigned char dk[PASSWORD_DK_LEN])
{
	uint64_t mem = password_mem(logN, r, p);

	if (mem == 0)
		return -1;
	if (pw == NULL) {
		if (pwlen != 0)
			return -1;
		pw = "";
	}
	/* a little slack above the exact need, so OpenSSL's own rounding cannot refuse it */
	if (EVP_PBE_scrypt(pw, pwlen, salt, PASSWORD_SALT_LEN, 1ULL << logN, r, p, mem + 65536, dk,
	                   PASSWORD_DK_LEN) != 1)
		return -1;
	return 0;
}

/* HMAC-SHA256 with the second half of DK over the first 64 record bytes */
static int password_mac(const unsigned char dk[PASSWORD_DK_LEN], const unsigned char rec[PASSWORD_RECORD_LEN],
                        unsigned char mac[32])
{
	unsigned int maclen = 0;

	if (HMAC(EVP_sha256(), dk + 32, 32, rec, 64, mac, &maclen) == NULL || maclen != 32)
		return -1;
	return 0;
}

int password_hash(const char *pw, size_t pwlen, const struct password_params *pp, char out[PASSWORD_RECORD_B64_LEN + 1])
{
	unsigned char rec[PASSWORD_RECORD_LEN];
	unsigned char dk[PASSWORD_DK_LEN];
	unsigned char sum[SHA256_DIGEST_LENGTH];
	int ret = -1;

	out[0] = '\0';
	if (pp == NULL || password_mem(pp->logN, pp->r, pp->p) == 0)
		goto out;
	memcpy(rec, "scrypt", 6);
	rec[6] = 0;
	rec[7] = (unsigned char)pp->logN;
	password_put_be32(rec + 8, pp->r);
	password_put_be32(rec + 12, pp->p);
	if (RAND_bytes(rec + 16, PASSWORD_SALT_LEN) != 1)
		goto out;
	if (SHA256(rec, 48, sum) == NULL)
		goto out;
	memcpy(rec + 48, sum, 16);
	if (password_derive(pw, pwlen, rec + 16, pp->logN, pp->r, pp->p, dk) != 0)
		goto out;
	if (password_mac(dk, rec, rec + 64) != 0)
		goto out;
	b64_encode(rec, PASSWORD_RECORD_LEN, out, 0, 1);
	ret = 0;
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(rec, sizeof(rec));
	return ret;
}

int password_verify(const char *pw, size_t pwlen, const char *record)
{
	unsigned char rec[PASSWORD_RECORD_LEN];
	unsigned char dk[PASSWORD_DK_LEN];
	unsigned char sum[SHA256_DIGEST_LENGTH];
	unsigned char mac[32];
	int ok = 0;

	memset(dk, 0, sizeof(dk));
	memset(mac, 0, sizeof(mac));
	if (password_decode(record, rec) != 0)
		goto out;
	/* Like scrypt-kdf, magic and version bytes are not checked; the checksum covers them. */
	if (SHA256(rec, 48, sum) == NULL || CRYPTO_memcmp(sum, rec + 48, 16) != 0)
		goto out;
	if (password_derive(pw, pwlen, rec + 16, rec[7], password_get_be32(rec + 8), password_get_be32(rec + 12),
	                    dk) != 0)
		goto out;
	if (password_mac(dk, rec, mac) != 0)
		goto out;
	ok = CRYPTO_memcmp(mac, rec + 64, 32) == 0;
out:
	OPENSSL_cleanse(dk, sizeof(dk));
	OPENSSL_cleanse(mac, sizeof(mac));
	OPENSSL_cleanse(rec, sizeof(rec));
	return ok;
}

int password_needs_rehash(const char *record, const struct password_params *pp)
{
	unsigned char rec[PASSWORD_RECORD_LEN];
	int ret;

	if (pp == NULL || password_decode(record, rec) != 0)
		return 1;
	ret = rec[7] < pp->logN || password_get_be32(rec + 8) < pp->r || password_get_be32(rec + 12) < pp->p;
	OPENSSL_cleanse(rec, sizeof(rec));
	return ret;
}
