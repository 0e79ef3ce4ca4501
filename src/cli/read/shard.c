/* shard.c -- the byte range of one rank's shard of a data file (shard.h). */
#include "read/shard.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCAN_BYTES 65536

/* The offset just past the first '\n' at or after from, or size. */
static int next_line_start(int fd, uint64_t from, uint64_t size, uint64_t *out)
{
    unsigned char buf[SCAN_BYTES];
    for (uint64_t at = from; at < size;) {
        ssize_t got = pread(fd, buf, sizeof buf, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        const unsigned char *nl = memchr(buf, '\n', (size_t)got);
        if (nl != NULL) {
            *out = at + (uint64_t)(nl - buf) + 1;
            return 0;
        }
        at += (uint64_t)got;
    }
    *out = size;
    return 0;
}

/* The end of the CSV header: past the first line that is neither blank nor a
 * '#' comment, a quoted line end inside it included (as the reader takes it). */
static int header_end(int fd, uint64_t size, uint64_t *out)
{
    unsigned char buf[SCAN_BYTES];
    int           at_start = 1, blank = 1, comment = 0, quoted = 0;
    for (uint64_t at = 0; at < size;) {
        ssize_t got = pread(fd, buf, sizeof buf, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        for (ssize_t i = 0; i < got; i++) {
            unsigned char c = buf[i];
            if (at_start) {
                at_start = 0;
                blank    = 1;
                comment  = c == '#';
            }
            if (c == '\n' && !quoted) {
                if (!blank && !comment) {
                    *out = at + (uint64_t)i + 1;
                    return 0;
                }
                at_start = 1;
                continue;
            }
            if (comment)
                continue;
            if (c == '"')
                quoted = !quoted;
            /* A byte-order mark and blanks do not make a line a record. */
            if (c != ' ' && c != '\t' && c != '\r' && !(at + (uint64_t)i < 3 && c >= 0xBB))
                blank = 0;
        }
        at += (uint64_t)got;
    }
    *out = size;
    return 0;
}

static int count_newlines(int fd, uint64_t start, uint64_t len, uint64_t *out)
{
    unsigned char buf[SCAN_BYTES];
    uint64_t      n = 0;
    for (uint64_t at = start; at < start + len;) {
        uint64_t want = start + len - at;
        ssize_t  got  = pread(fd, buf, want < sizeof buf ? (size_t)want : sizeof buf, (off_t)at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        for (const unsigned char *p = buf, *e = buf + got;
             (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++)
            n++;
        at += (uint64_t)got;
    }
    *out = n;
    return 0;
}

mlpb_status cli_shard_plan(const char *path, int csv_header, unsigned rank, unsigned ranks,
                           cli_shard *sh, char *err, size_t errlen)
{
    memset(sh, 0, sizeof *sh);
    if (strcmp(path, "-") == 0) {
        snprintf(err, errlen, "-: --mpi reads its shard of a file by byte ranges: standard "
                              "input cannot be split; give a file");
        return MLPB_E_INVALID_ARG;
    }
    if (ranks == 0 || rank >= ranks) {
        snprintf(err, errlen, "%s: bad rank %u of %u", path, rank, ranks);
        return MLPB_E_INVALID_ARG;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return MLPB_E_IO;
    }
    struct stat st;
    mlpb_status rc = MLPB_OK;
    unsigned char magic[2];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s: --mpi reads its shard of a file by byte ranges: not a "
                              "regular file", path);
        rc = MLPB_E_INVALID_ARG;
        goto out;
    }
    sh->size = (uint64_t)st.st_size;
    if (pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
        snprintf(err, errlen, "%s: gzip data cannot be read in shards (--mpi); decompress "
                              "the file first", path);
        rc = MLPB_E_FORMAT;
        goto out;
    }
    uint64_t head = 0, lo, hi;
    if (csv_header && header_end(fd, sh->size, &head) != 0)
        goto ioerr;
    /* Boundary q: past the line end at or after byte q * size / P - 1, so
     * that a boundary already at a line start stays there; never inside
     * the header. */
    uint64_t b[2];
    for (int e = 0; e < 2; e++) {
        unsigned q = rank + (unsigned)e;
        if (q == 0) {
            b[e] = 0;
            continue;
        }
        if (q == ranks) {
            b[e] = sh->size;
            continue;
        }
        /* floor(q * size / P) without overflow: q < P < 2^32. */
        uint64_t at = sh->size / ranks * q + sh->size % ranks * q / ranks;
        if (at <= head)
            b[e] = head;
        else if (next_line_start(fd, at - 1, sh->size, &b[e]) != 0)
            goto ioerr;
    }
    lo = b[0];
    hi = b[1] > lo ? b[1] : lo;
    sh->head_len = rank > 0 ? head : 0;
    sh->start    = lo;
    sh->len      = hi - lo;
    if (count_newlines(fd, lo, hi - lo, &sh->newlines) != 0)
        goto ioerr;
    goto out;
ioerr:
    snprintf(err, errlen, "%s: read error: %s", path, errno ? strerror(errno) : "short read");
    rc = MLPB_E_IO;
out:
    close(fd);
    return rc;
}
