/* names.h -- names of columns and options: an index that finds a name in
 * O(1) (a header of a million columns is searched as fast as one of ten),
 * the repair of a header's empty and repeated names the way pandas reads
 * them back, and the nearest names to a misspelt one ("did you mean").
 * Nothing here prints. */
#ifndef MLPB_CLI_NAMES_H
#define MLPB_CLI_NAMES_H

#include "mlpblas.h"

#include <stddef.h>
#include <stdint.h>

/* An index over n names kept by the caller (text + off[j]: NUL-terminated
 * name j) until cli_name_index_free. */
typedef struct cli_name_index {
    const char   *text;
    const size_t *off;
    size_t        n;
    uint32_t     *slot; /* open addressing: name index + 1, 0 empty */
    size_t        cap;  /* a power of two, at least 2n */
} cli_name_index;

/* Build ix over the names. Returns MLPB_OK, MLPB_E_NOMEM, MLPB_E_INVALID_ARG
 * (n over 2^31). With repeated names, find returns the first. */
mlpb_status cli_name_index_init(cli_name_index *ix, const char *text, const size_t *off,
                                size_t n);
/* Bytes init allocates for n names. */
uint64_t cli_name_index_bytes(size_t n);
/* The index of the name of len bytes at s, or -1. */
long cli_name_index_find(const cli_name_index *ix, const char *s, size_t len);
void cli_name_index_free(cli_name_index *ix);

/* Make n names unique and non-empty as pandas' read_csv does (its C
 * parser, pandas 1.x and 2.x): an empty name of column j (0-based) becomes
 * "Unnamed: j"; then, the named columns first and the unnamed after, a name
 * met before becomes NAME.k for the first k = 1, 2, ... whose name is
 * neither in the header nor given yet (",a,b,a,,a.1,a" reads as "Unnamed: 0",
 * a, b, a.2, "Unnamed: 4", a.1, a.3). The names are text + off[j]; the
 * result is a new NUL-separated text (*out, malloc'd, *out_len bytes) and
 * off rewritten to point into it. *changed: how many names were changed.
 * Linear in the names' bytes (amortised). Returns MLPB_OK, MLPB_E_NOMEM. */
mlpb_status cli_names_repair(const char *text, size_t *off, size_t n, char **out,
                             size_t *out_len, size_t *changed);

/* Edit distance (insertions, deletions, substitutions and swaps of two
 * neighbours) between a (na bytes) and b; (size_t)-1 for names of 40 bytes
 * or more, which are not compared. */
size_t cli_edit_distance(const char *a, size_t na, const char *b);

/* The name nearest to want (wlen bytes) among name(ctx, 0..n-1): within two
 * edits and a third of its length, or the same but for case; -1 if none. */
long cli_names_nearest(const char *want, size_t wlen, const char *(*name)(const void *, size_t),
                       const void *ctx, size_t n);

/* A hint for a name not found, appended to buf (len bytes, NUL-terminated):
 * "; did you mean \"X\"?" where one is near, and the list of the names
 * when there are at most max_list of them. */
void cli_names_hint(const char *want, size_t wlen, const char *(*name)(const void *, size_t),
                    const void *ctx, size_t n, size_t max_list, char *buf, size_t len);

#endif /* MLPB_CLI_NAMES_H */
