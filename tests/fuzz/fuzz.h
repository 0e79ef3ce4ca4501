/* fuzz.h -- the entry point every fuzz harness defines (libFuzzer's), and
 * the check that turns a broken invariant into a crash the fuzzer reports. */
#ifndef MLPB_FUZZ_H
#define MLPB_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Harnesses check what the API promises; a broken promise aborts, which
 * libFuzzer (and the replay driver under ctest) reports as a crash. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);               \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif /* MLPB_FUZZ_H */
