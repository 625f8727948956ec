/*
 * b64: RFC 4648 base64, standard ("+/") and URL-safe ("-_") alphabets, with
 * or without '=' padding. Pure functions over caller-owned buffers; nothing
 * here allocates.
 */
#ifndef B64_H
#define B64_H
#include <stddef.h>

/*
 * Encoded length (without NUL) of n input bytes; pad=0 drops the '=' padding.
 * The length does not depend on the alphabet. Callers bound n (it is always a
 * small in-memory buffer here), so the arithmetic cannot overflow in practice.
 */
size_t b64_encoded_len(size_t n, int pad);

/*
 * Encodes n bytes of in into out and NUL-terminates it. url=1 uses the "-_"
 * alphabet, pad=0 drops '='. out must hold b64_encoded_len(n, pad) + 1 bytes.
 * Returns the encoded length (without NUL).
 */
size_t b64_encode(const unsigned char *in, size_t n, char *out, int url, int pad);

/*
 * Decodes n chars of in (NUL not required) into out (capacity outcap) and
 * stores the byte count in *outlen. url selects the alphabet; the other
 * alphabet's two characters are invalid. Padding is optional, but when present
 * it must be correct and only at the end. Whitespace is invalid. Unused low
 * bits of the last character are ignored (like Node's Buffer).
 * Returns 0 on success, -1 on invalid input or if outcap is too small.
 */
int b64_decode(const char *in, size_t n, unsigned char *out, size_t outcap, size_t *outlen, int url);

#endif
