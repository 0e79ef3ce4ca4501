/* alloc.c -- the default aligned allocator and overflow-checked size math.
 * Every block the library owns comes from mlpb__alloc, so a caller's allocator
 * (or a test's failing one) sees every allocation. */
#include "mlpb_internal.h"

#include <stdlib.h>

static void *default_alloc(void *ctx, size_t size, size_t align)
{
    (void)ctx;
    /* aligned_alloc wants a size that is a multiple of the alignment. */
    size_t rounded = (size + align - 1) / align * align;
    return rounded < size ? NULL : aligned_alloc(align, rounded);
}

static void default_free(void *ctx, void *p)
{
    (void)ctx;
    free(p);
}

mlpb_allocator mlpb__allocator(const mlpb_allocator *a)
{
    if (a != NULL && a->alloc != NULL && a->free != NULL)
        return *a;
    mlpb_allocator d = {default_alloc, default_free, NULL};
    return d;
}

void *mlpb__alloc(const mlpb_allocator *a, size_t size)
{
    if (size == 0 || size > SIZE_MAX - MLPB_ALIGN)
        return NULL;
    return a->alloc(a->ctx, (size + MLPB_ALIGN - 1) / MLPB_ALIGN * MLPB_ALIGN, MLPB_ALIGN);
}

void mlpb__free(const mlpb_allocator *a, void *p)
{
    if (p != NULL)
        a->free(a->ctx, p);
}

mlpb_status mlpb__mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return MLPB_E_OVERFLOW;
    *out = a * b;
    return MLPB_OK;
}

mlpb_status mlpb__add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return MLPB_E_OVERFLOW;
    *out = a + b;
    return MLPB_OK;
}

size_t mlpb__pad_floats(size_t n)
{
    const size_t line = MLPB_ALIGN / sizeof(float);
    return (n + line - 1) / line * line;
}
