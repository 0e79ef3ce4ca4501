/* memlimit.c -- the memory this process may use (see memlimit.h). Half the
 * physical memory alone overstated it wherever a ulimit or a container's
 * cgroup allowed less: a gzip bomb then ran into a failed malloc ("out of
 * memory", no line) instead of the budget's message. */
#include "base/memlimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* The number in the file at path ("max": CLI_MEM_UNLIMITED); 0 if it cannot
 * be read. */
static int read_u64(const char *path, uint64_t *v)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    char buf[64];
    int  ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    if (!ok)
        return 0;
    if (strncmp(buf, "max", 3) == 0) {
        *v = CLI_MEM_UNLIMITED;
        return 1;
    }
    char              *end;
    unsigned long long x = strtoull(buf, &end, 10);
    if (end == buf || (*end != '\n' && *end != '\0'))
        return 0;
    /* v1 writes "no limit" as the largest page multiple below 2^63. */
    *v = x >= (1ULL << 62) ? CLI_MEM_UNLIMITED : (uint64_t)x;
    return 1;
}

/* The least room (limit - usage) over dir and each directory above it up
 * to base (dir is base followed by the cgroup's path). */
static uint64_t walk_up(char *dir, size_t base_len, const char *limit_name,
                        const char *usage_name)
{
    uint64_t least = CLI_MEM_UNLIMITED;
    char     path[4096 + 64];
    for (;;) {
        uint64_t lim, use;
        snprintf(path, sizeof path, "%s/%s", dir, limit_name);
        if (read_u64(path, &lim) && lim != CLI_MEM_UNLIMITED) {
            snprintf(path, sizeof path, "%s/%s", dir, usage_name);
            if (!read_u64(path, &use) || use == CLI_MEM_UNLIMITED)
                use = 0;
            uint64_t room = use < lim ? lim - use : 0;
            if (room < least)
                least = room;
        }
        char *slash = strrchr(dir, '/');
        if (slash == NULL || (size_t)(slash - dir) < base_len)
            break;
        *slash = '\0';
    }
    return least;
}

uint64_t cli_cgroup_room(const char *cgroup_file, const char *root)
{
    FILE *f = fopen(cgroup_file, "r");
    if (f == NULL)
        return CLI_MEM_UNLIMITED;
    uint64_t least = CLI_MEM_UNLIMITED;
    char     line[4096];
    while (fgets(line, sizeof line, f) != NULL) {
        /* "ID:CONTROLLERS:PATH"; v2 has ID 0 and no controllers. */
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (c2 == NULL || c2[1] != '/')
            continue;
        *c1 = *c2 = '\0';
        const char *ctrl = c1 + 1, *cg = c2 + 1;
        int         v2   = strcmp(line, "0") == 0 && ctrl[0] == '\0';
        int         v1   = 0;
        for (const char *p = ctrl; !v2 && *p != '\0';) {
            size_t n = strcspn(p, ",");
            v1 |= n == 6 && memcmp(p, "memory", 6) == 0;
            p += n + (p[n] == ',');
        }
        char     dir[4096 + 32];
        uint64_t room = CLI_MEM_UNLIMITED;
        if (v2) {
            static const char *const mounts[] = {"", "/unified"};
            for (size_t i = 0; i < 2; i++) {
                int    n    = snprintf(dir, sizeof dir, "%s%s", root, mounts[i]);
                size_t base = (size_t)n;
                if (snprintf(dir + n, sizeof dir - (size_t)n, "%s", strcmp(cg, "/") ? cg : "") <
                    (int)(sizeof dir - (size_t)n)) {
                    uint64_t r = walk_up(dir, base, "memory.max", "memory.current");
                    room       = r < room ? r : room;
                }
            }
        } else if (v1) {
            int n = snprintf(dir, sizeof dir, "%s/memory", root);
            if (snprintf(dir + n, sizeof dir - (size_t)n, "%s", strcmp(cg, "/") ? cg : "") <
                (int)(sizeof dir - (size_t)n))
                room = walk_up(dir, (size_t)n, "memory.limit_in_bytes", "memory.usage_in_bytes");
        }
        least = room < least ? room : least;
    }
    fclose(f);
    return least;
}

/* The room under a resource limit, given what is used of it now. */
static uint64_t rlimit_room(int resource, uint64_t used)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
        return CLI_MEM_UNLIMITED;
    return (uint64_t)rl.rlim_cur > used ? (uint64_t)rl.rlim_cur - used : 0;
}

void cli_memory_room(cli_mem_room *r)
{
    long               pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    unsigned long long size = 0, data = 0, skip;
    r->phys = pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : CLI_MEM_UNLIMITED;
    /* What is mapped now (libraries, thread stacks, the BLAS buffers) counts
     * against the limits already: /proc/self/statm, in pages. */
    FILE *f = fopen("/proc/self/statm", "r");
    if (f != NULL) {
        if (fscanf(f, "%llu %llu %llu %llu %llu %llu", &size, &skip, &skip, &skip, &skip,
                   &data) != 6)
            size = data = 0;
        fclose(f);
    }
    uint64_t pg = page > 0 ? (uint64_t)page : 4096;
    r->as       = rlimit_room(RLIMIT_AS, (uint64_t)size * pg);
    r->data     = rlimit_room(RLIMIT_DATA, (uint64_t)data * pg);
    r->cgroup   = cli_cgroup_room("/proc/self/cgroup", "/sys/fs/cgroup");
    r->least    = r->phys;
    if (r->as < r->least)
        r->least = r->as;
    if (r->data < r->least)
        r->least = r->data;
    if (r->cgroup < r->least)
        r->least = r->cgroup;
}

size_t cli_default_max_memory(void)
{
    cli_mem_room r;
    cli_memory_room(&r);
    if (r.least == CLI_MEM_UNLIMITED)
        return (size_t)4 << 30; /* nothing known: 4 GiB */
    uint64_t half = r.least / 2;
    return half > SIZE_MAX ? SIZE_MAX : (size_t)half;
}
