/* peak_rss.c -- run a command and write its peak resident set size in KiB
 * (getrusage of the child, from wait4) to a file, for memory bounds in the
 * tool's tests that do not depend on timing.
 * Usage: peak_rss KIB_FILE CMD [ARGS...]; exits with CMD's status. */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fputs("usage: peak_rss KIB_FILE CMD [ARGS...]\n", stderr);
        return 2;
    }
    pid_t pid = fork();
    if (pid < 0)
        return perror("fork"), 2;
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int           status;
    struct rusage ru;
    if (wait4(pid, &status, 0, &ru) != pid)
        return perror("wait4"), 2;
    FILE *f = fopen(argv[1], "w");
    if (f == NULL || fprintf(f, "%ld\n", ru.ru_maxrss) < 0 || fclose(f) != 0)
        return perror(argv[1]), 2;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}
