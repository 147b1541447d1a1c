/* SPDX-License-Identifier: BSD-2-Clause */
/* fuzz.h: what the libFuzzer targets share. */
#ifndef SM_FUZZ_H
#define SM_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

/* An invariant of the code under test: abort, so libFuzzer keeps the
 * input as a crash (exit() would not tell it which check failed). */
#define CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #cond); \
		abort(); \
	} \
} while (0)

#endif
