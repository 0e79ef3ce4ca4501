/* onnx_common.c -- helpers of the ONNX exporter and importer: name lists in
 * metadata, float bytes, messages; and the import from a file, which reads
 * the file for mlpb_onnx_import_mem (onnx_import.c). */
#include "onnx_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *mlpb__onnx_join_names(const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t i = 0; i < n; i++) {
        for (const char *p = names[i]; *p; p++)
            len += (*p == '\n' || *p == '\\') ? 2 : 1;
        len += 1;
    }
    char *s = malloc(len), *o = s;
    if (s == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (i)
            *o++ = '\n';
        for (const char *p = names[i]; *p; p++) {
            if (*p == '\n' || *p == '\\') {
                *o++ = '\\';
                *o++ = *p == '\n' ? 'n' : '\\';
            } else {
                *o++ = *p;
            }
        }
    }
    *o = '\0';
    return s;
}

void mlpb__onnx_free_names(char **names, size_t n)
{
    if (names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

mlpb_status mlpb__onnx_split_names(const char *text, size_t n, char ***out)
{
    *out         = NULL;
    char **names = calloc(n ? n : 1, sizeof *names);
    if (names == NULL)
        return MLPB_E_NOMEM;
    const char *p = text;
    size_t      i = 0;
    for (; i < n; i++) {
        size_t len = 0;
        while (p[len] != '\0' && p[len] != '\n')
            len++;
        char *s = malloc(len + 1), *o = s;
        if (s == NULL) {
            mlpb__onnx_free_names(names, n);
            return MLPB_E_NOMEM;
        }
        names[i] = s;
        for (size_t j = 0; j < len; j++) {
            if (p[j] != '\\') {
                *o++ = p[j];
                continue;
            }
            if (j + 1 >= len || (p[j + 1] != 'n' && p[j + 1] != '\\')) {
                mlpb__onnx_free_names(names, n);
                return MLPB_E_FORMAT;
            }
            *o++ = p[++j] == 'n' ? '\n' : '\\';
        }
        *o = '\0';
        p += len;
        if (o == s || (i + 1 < n && *p != '\n') || (i + 1 == n && *p != '\0')) {
            mlpb__onnx_free_names(names, n);
            return MLPB_E_FORMAT;
        }
        if (*p == '\n')
            p++;
    }
    *out = names;
    return MLPB_OK;
}

void mlpb__onnx_put_f32(const float *x, size_t n, uint8_t *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &x[i], 4);
        out[4 * i]     = (uint8_t)u;
        out[4 * i + 1] = (uint8_t)(u >> 8);
        out[4 * i + 2] = (uint8_t)(u >> 16);
        out[4 * i + 3] = (uint8_t)(u >> 24);
    }
}

void mlpb__onnx_get_f32(const uint8_t *in, size_t n, float *x)
{
    for (size_t i = 0; i < n; i++) {
        const uint8_t *b = in + 4 * i;
        uint32_t u = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
                     (uint32_t)b[3] << 24;
        memcpy(&x[i], &u, 4);
    }
}

mlpb_status mlpb__onnx_msg(mlpb_status s, char *msg, size_t msglen, const char *fmt, ...)
{
    if (msg != NULL && msglen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, msglen, fmt, ap);
        va_end(ap);
    }
    return s;
}

void mlpb_onnx_free(void *buf)
{
    free(buf);
}

/* The file read whole, in growing steps up to MLPB_ONNX_MAX_BYTES. */
mlpb_status mlpb_onnx_import(const char *path, const mlpb_allocator *alloc, mlpb_model **out,
                             mlpb_onnx_import_info *info, char *msg, size_t msglen)
{
    if (out != NULL)
        *out = NULL;
    if (path == NULL || out == NULL)
        return MLPB_E_INVALID_ARG;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return mlpb__onnx_msg(MLPB_E_IO, msg, msglen, "%s", strerror(errno));
    /* Read in growing steps up to the limit, never trusting a size. */
    size_t         cap = 1 << 16, len = 0;
    unsigned char *buf = malloc(cap);
    mlpb_status    st  = buf ? MLPB_OK : MLPB_E_NOMEM;
    while (st == MLPB_OK) {
        if (len == cap) {
            if (cap > MLPB_ONNX_MAX_BYTES) {
                st = mlpb__onnx_msg(MLPB_E_OVERFLOW, msg, msglen, "more than %zu bytes: too "
                                    "large for an ONNX file here", MLPB_ONNX_MAX_BYTES);
                break;
            }
            unsigned char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                st = MLPB_E_NOMEM;
                break;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) {
            if (ferror(f))
                st = mlpb__onnx_msg(MLPB_E_IO, msg, msglen, "read error: %s", strerror(errno));
            break;
        }
    }
    fclose(f);
    if (st == MLPB_OK)
        st = mlpb_onnx_import_mem(buf, len, alloc, out, info, msg, msglen);
    free(buf);
    return st;
}
