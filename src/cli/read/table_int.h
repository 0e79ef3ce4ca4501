/* table_int.h -- the table's private state, shared by table.c (the handle,
 * columns, levels and the memory budget), read_csv.c and read_libsvm.c. */
#ifndef MLPB_CLI_TABLE_INT_H
#define MLPB_CLI_TABLE_INT_H

#include "base/names.h"
#include "read/format.h"
#include "read/stream.h"
#include "read/table.h"

/* A string column's levels. Keys: the float's bits for a number (one level
 * for "1" and "1.0"), the bytes for a string. Numeric columns keep nothing:
 * the numbers of the current chunk become levels when a string turns up. */
typedef struct col_state {
    cli_column     pub;
    size_t         lev_cap;
    float         *lev_num;    /* per level: its number, if lev_isnum */
    unsigned char *lev_isnum;
    uint32_t      *hash;       /* open addressing: level index + 1, 0 empty */
    size_t         hcap;       /* a power of two, or 0 */
    int            closed;     /* levels given by the caller; no more are added */
} col_state;

typedef enum { LIBSVM_LAB_BINARY, LIBSVM_LAB_MULTI, LIBSVM_LAB_NONE } libsvm_lab;

struct cli_table {
    cli_read_opts    o;
    cli_data_format format;
    cli_stream       s;
    char             delim;
    size_t           header_line;
    size_t           first_line; /* of the first record */
    struct first_rec *pending;   /* CSV without a header: the first record */
    size_t           ncols;
    col_state       *cols;       /* CSV: ncols */
    char            *names;      /* CSV: every column name, NUL-separated */
    size_t          *name_off;   /* CSV: where name j starts in names */
    cli_name_index   name_ix;    /* CSV: the names, indexed */
    long             index_col;  /* CSV: 0 when the first header name was empty, or -1 */
    size_t           renamed;    /* CSV: header names made distinct or non-empty */
    char             decimal;    /* CSV: '.' or ',' */
    int              decimal_detected;
    size_t           rows_read;  /* data rows delivered so far */
    int              done;       /* end of file reached */
    int              broken;     /* an error happened: only close is allowed */
    uint64_t         held;       /* bytes the table owns (levels, names, staging) */
    uint64_t         chunk_held; /* bytes of the chunk being filled */
    /* LIBSVM */
    libsvm_lab       lab;
    int              zero_based; /* decided: 1 zero-based, 0 one-based */
    int              base_fixed; /* the base can no longer change */
    int              saw_zero;   /* an index 0 was seen */
    size_t           max_raw;    /* largest index as written */
    int              any_idx;    /* some index was seen */
    size_t           max_raw_line, max_raw_col;
    struct svm_stage *stage;
    uint32_t        *feat;       /* compact: the columns' feature numbers */
    int32_t         *class_ids;  /* one label a row, read whole: the ids found when
                                    they are not 0/1 or -1/+1 (cli_table_class_ids) */
    size_t           n_class_ids;
    uint64_t         dropped;    /* drop_unknown: pairs skipped */
    size_t           drop_line, drop_index; /* the first of them */
};

/* The budget: may the table hold extra more bytes? Otherwise the message
 * (what, at line) is written and MLPB_E_NOMEM returned. */
mlpb_status tbl_budget(cli_table *t, uint64_t extra, size_t line, const char *what);
/* Grow a chunk buffer to need elements of elsize, by half, but to at most
 * limit (0: none) and within the budget. */
mlpb_status tbl_grow_chunk(cli_table *t, void **p, size_t *cap, size_t need, size_t limit,
                           size_t elsize, size_t line);
/* Account bytes the table itself allocates (negative to release). */
void        tbl_account(cli_table *t, int64_t delta);

/* Missing-value spellings: empty, NA, N/A, NaN, NULL, ? (any case). */
int tbl_is_missing(const char *text, size_t len);

/* Levels of column cs (table.c): -0 and 0 are one key; find returns the
 * index or -1; add appends one not present (within the budget). */
static inline float tbl_num_key(float v)
{
    return v == 0.0f ? 0.0f : v;
}
long        tbl_lev_find(const col_state *cs, int isnum, float v, const char *text, size_t len);
mlpb_status tbl_lev_add(cli_table *t, col_state *cs, int isnum, float v, const char *text,
                        size_t len, size_t line, size_t *idx);

mlpb_status csv_open(cli_table *t);
mlpb_status csv_read(cli_table *t, size_t max_rows, cli_chunk *c);
mlpb_status svm_open(cli_table *t);
mlpb_status svm_read(cli_table *t, size_t max_rows, cli_chunk *c);
void        svm_free_stage(cli_table *t);
void        csv_free_pending(cli_table *t);
void        tbl_free_columns(cli_table *t);

#endif /* MLPB_CLI_TABLE_INT_H */
