/*
 * fuzz.h: what the libFuzzer targets in tests/fuzz/ share: the entry point's
 * prototype (the project builds with -Wmissing-prototypes) and FUZZ_CHECK,
 * which turns a broken invariant into a crash libFuzzer records with its
 * reproducer (an abort is a finding, exactly like an ASan report).
 */
#ifndef FUZZ_H
#define FUZZ_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond, what) do { \
	if (!(cond)) { \
		fprintf(stderr, "\nFUZZ INVARIANT FAILED at %s:%d: %s\n  (%s)\n", __FILE__, __LINE__, (what), #cond); \
		abort(); \
	} \
} while (0)
#endif
