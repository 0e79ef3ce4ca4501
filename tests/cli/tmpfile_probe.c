/* tmpfile_probe.c -- test helper: exits 0 if the file system of directory
 * argv[1] takes O_TMPFILE (so the tool's outputs are unnamed until
 * committed), 1 if not. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
#ifdef O_TMPFILE
    int fd = open(argc > 1 ? argv[1] : ".", O_TMPFILE | O_WRONLY, 0600);
    if (fd >= 0 && access("/proc/self/fd", X_OK) == 0) {
        close(fd);
        return 0;
    }
#endif
    (void)argc;
    (void)argv;
    return 1;
}
