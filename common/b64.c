/*
 * b64: base64 encode/decode (RFC 4648 sections 4 and 5) for JWT segments,
 * cookie signatures and scrypt password records. Works on caller buffers only;
 * decoding is strict about the alphabet because every input may be hostile.
 */
#include "common/b64.h"

#include <stdint.h>

static const char b64_std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char b64_url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t b64_encoded_len(size_t n, int pad)
{
	if (pad)
		return (n / 3 + (n % 3 != 0)) * 4;
	/* 4 chars per full group, then 2 or 3 chars for a 1- or 2-byte tail */
	return (n / 3) * 4 + (n % 3 ? n % 3 + 1 : 0);
}

size_t b64_encode(const unsigned char *in, size_t n, char *out, int url, int pad)
{
	const char *abc = url ? b64_url : b64_std;
	size_t i = 0, o = 0;

	for (; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		out[o++] = abc[v & 63];
	}
	if (n - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		if (pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = abc[v >> 18 & 63];
		out[o++] = abc[v >> 12 & 63];
		out[o++] = abc[v >> 6 & 63];
		if (pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* 0..63 for a character of the chosen alphabet, -1 for anything else */
static int b64_value(unsigned char c, int url)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == (url ? '-' : '+'))
		return 62;
	if (c == (url ? '_' : '/'))
		return 63;
	return -1;
}

int b64_decode(const char *in, size_t n, unsigned char *out, size_t outcap, size_t *outlen, int url)
{
	size_t data = n, pads = 0, i, o = 0, need;
	uint32_t acc = 0;
	int bits = 0;

	*outlen = 0;
	/* Padding: at most two '=', only at the end, and then the whole input is whole groups. */
	while (data > 0 && in[data - 1] == '=' && pads < 2) {
		data--;
		pads++;
	}
	if (pads && (n % 4 != 0 || (data % 4) + pads != 4))
		return -1;
	if (data % 4 == 1)
		return -1; /* a single trailing char carries only 6 bits: never valid */
	need = (data / 4) * 3 + (data % 4 ? data % 4 - 1 : 0);
	if (need > outcap)
		return -1;
	for (i = 0; i < data; i++) {
		int v = b64_value((unsigned char)in[i], url);
		if (v < 0)
			return -1;
		/* fewer than 8 bits are pending here, so keep only those and never overflow */
		acc = (acc & 0xff) << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (unsigned char)(acc >> bits & 0xff);
		}
	}
	*outlen = o;
	return 0;
}
