/* test_memlimit.c -- the tool's memory limits (src/cli/base/memlimit.c): cgroup
 * v2 and v1 limits found through a /proc/self/cgroup file over a fake
 * cgroup tree (the least room over the cgroup and its ancestors, "max" and
 * v1's no-limit value as none), and the default budget under an
 * address-space limit, in a child process. */
#include "testutil.h"
#include "base/memlimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[256];

static void put(const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    /* Make the directories on the way. */
    for (char *p = path + strlen(root) + 1; *p != '\0'; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(path, 0755);
            *p = '/';
        }
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static uint64_t room(void)
{
    char cg[512], base[512];
    snprintf(cg, sizeof cg, "%s/cgroup", root);
    snprintf(base, sizeof base, "%s/fs", root);
    return cli_cgroup_room(cg, base);
}

static int setup(void **state)
{
    (void)state;
    snprintf(root, sizeof root, "/tmp/mlpb-memlimit-%ld", (long)getpid());
    mkdir(root, 0755);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_cgroup_v2(void **state)
{
    (void)state;
    put("cgroup", "0::/a/b\n");
    /* No files at all: no limit. */
    assert_true(room() == CLI_MEM_UNLIMITED);
    put("fs/a/b/memory.max", "max\n");
    put("fs/a/b/memory.current", "1000\n");
    assert_true(room() == CLI_MEM_UNLIMITED);
    /* The parent's limit applies: its room, less its own usage. */
    put("fs/a/memory.max", "1048576\n");
    put("fs/a/memory.current", "48576\n");
    assert_true(room() == 1000000);
    /* The tighter of the two. */
    put("fs/a/b/memory.max", "5000\n");
    assert_true(room() == 4000);
    /* Usage over the limit: no room. */
    put("fs/a/b/memory.current", "6000\n");
    assert_true(room() == 0);
    /* The root cgroup, and a hybrid layout's unified mount. */
    put("cgroup", "0::/\n");
    assert_true(room() == CLI_MEM_UNLIMITED);
    put("fs/unified/memory.max", "777\n");
    assert_true(room() == 777);
}

static void test_cgroup_v1(void **state)
{
    (void)state;
    put("cgroup", "5:cpu,cpuacct:/x\n4:memory:/job/7\n0::/\n");
    put("fs/memory/job/7/memory.limit_in_bytes", "9223372036854771712\n");
    put("fs/memory/job/7/memory.usage_in_bytes", "100\n");
    assert_true(room() == CLI_MEM_UNLIMITED);
    put("fs/memory/job/memory.limit_in_bytes", "300000\n");
    put("fs/memory/job/memory.usage_in_bytes", "100000\n");
    assert_true(room() == 200000);
    /* A controller list naming memory among others. */
    put("cgroup", "4:blkio,memory:/job/7\n");
    assert_true(room() == 200000);
    /* A damaged file is no limit, not zero. */
    put("fs/memory/job/memory.limit_in_bytes", "lots\n");
    assert_true(room() == CLI_MEM_UNLIMITED);
}

/* Under RLIMIT_AS the default budget is at most half the limit (it was
 * half the physical memory whatever the limit). */
static void test_default_under_rlimit(void **state)
{
    (void)state;
    cli_mem_room r;
    cli_memory_room(&r);
    const uint64_t lim = (uint64_t)8 << 30;
    if (r.phys != CLI_MEM_UNLIMITED && r.phys <= lim)
        skip(); /* the limit would not be the least */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {(rlim_t)lim, (rlim_t)lim};
        if (setrlimit(RLIMIT_AS, &rl) != 0)
            _exit(2);
        cli_mem_room c;
        cli_memory_room(&c);
        size_t def = cli_default_max_memory();
        _exit(c.as < lim && c.least == c.as && def == c.as / 2 ? 0 : 1);
    }
    int status = 0;
    assert_true(waitpid(pid, &status, 0) == pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cgroup_v2, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cgroup_v1, setup, teardown),
        cmocka_unit_test(test_default_under_rlimit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
