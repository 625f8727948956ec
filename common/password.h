/*
 * password: scrypt password records in the scrypt-kdf 2.0.1 format Medusa v1
 * stores (API.md section 7; reference/medusa-v1-behaviour.md section 6):
 * base64 (standard alphabet, 128 chars) of 96 bytes =
 *   "scrypt" | 0x00 | logN | r (BE32) | p (BE32) | salt[32] |
 *   SHA-256(bytes 0..47)[0..15] | HMAC-SHA256(DK[32..63], bytes 0..63)
 * with DK = scrypt(pw, salt, N = 2^logN, r, p, 64). Callers own all buffers;
 * no password or derived key outlives a call (OPENSSL_cleanse).
 */
#ifndef PASSWORD_H
#define PASSWORD_H
#include <stddef.h>
#include <stdint.h>

#define PASSWORD_RECORD_B64_LEN 128

/* scrypt cost: N = 2^logN; API.md default for new hashes is {15, 8, 1} */
struct password_params {
	unsigned logN;
	uint32_t r, p;
};

/*
 * Hashes pw[0..pwlen) with a fresh 32-byte salt from RAND_bytes; out receives
 * the 128-char base64 record and a NUL. Returns 0, or -1 on bad params or an
 * OpenSSL failure (out is then "").
 */
int password_hash(const char *pw, size_t pwlen, const struct password_params *pp, char out[PASSWORD_RECORD_B64_LEN + 1]);

/*
 * 1 if pw matches the NUL-terminated record, 0 otherwise (mismatch, malformed
 * record, checksum wrong, unsupported or too costly logN/r/p). Cost parameters
 * are read from the record, so Medusa's N=2, r=1, p=1 hashes verify.
 */
int password_verify(const char *pw, size_t pwlen, const char *record);

/*
 * 1 if the record's logN, r or p is lower than pp's, or the record is
 * malformed; else 0. Used to upgrade Medusa's cheap hashes at login.
 */
int password_needs_rehash(const char *record, const struct password_params *pp);

#endif
