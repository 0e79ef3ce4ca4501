/* memlimit.h -- how much memory this process may use, for the tool's
 * default memory budget: the smallest of the physical memory, the room left
 * under the address-space and data limits (RLIMIT_AS, RLIMIT_DATA), and the
 * room left under the memory limit of the process's cgroup and of each
 * cgroup above it (v2 memory.max less memory.current, v1
 * memory.limit_in_bytes less memory.usage_in_bytes). */
#ifndef MLPB_CLI_MEMLIMIT_H
#define MLPB_CLI_MEMLIMIT_H

#include <stddef.h>
#include <stdint.h>

/* No limit found. */
#define CLI_MEM_UNLIMITED UINT64_MAX

/* The room left under the cgroup limits that apply to the process whose
 * cgroup membership is the file cgroup_file (a /proc/PID/cgroup), looked up
 * under the cgroup file systems mounted at root ("/sys/fs/cgroup": v2 at
 * root or root/unified, v1 at root/memory). CLI_MEM_UNLIMITED when none is
 * set or none can be read. */
uint64_t cli_cgroup_room(const char *cgroup_file, const char *root);

/* The smallest of the limits above for this process (CLI_MEM_UNLIMITED when
 * none is known), and what each was, for a message: phys, as, data,
 * cgroup, each CLI_MEM_UNLIMITED when not set or not known. */
typedef struct cli_mem_room {
    uint64_t phys, as, data, cgroup;
    uint64_t least;
} cli_mem_room;
void cli_memory_room(cli_mem_room *r);

/* The tool's default --max-memory: half of cli_memory_room's least (the
 * rest is for the libraries, the BLAS buffers and what the budget does not
 * count), 4 GiB when nothing is known. */
size_t cli_default_max_memory(void);

#endif /* MLPB_CLI_MEMLIMIT_H */
