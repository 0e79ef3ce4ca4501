/* reserved.h -- the check of the reserved words at the end of the public
 * option structs (mlpblas.h, "Structs that grow"), shared by libmlpblas and
 * its MPI and ONNX libraries. Never installed. */
#ifndef MLPB_RESERVED_H
#define MLPB_RESERVED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether the n words are all zero: a caller that sets one was built against
 * a newer header and asks for an option this library does not have. */
static inline bool mlpb__words_zero(const uint64_t *w, size_t n)
{
    uint64_t any = 0;
    for (size_t i = 0; i < n; i++)
        any |= w[i];
    return any == 0;
}

/* Whether the options struct *s (any of those that end in reserved[N]) has
 * its reserved words zero. */
#define MLPB_RESERVED_ZERO(s) \
    mlpb__words_zero((s)->reserved, sizeof (s)->reserved / sizeof (s)->reserved[0])

#endif /* MLPB_RESERVED_H */
