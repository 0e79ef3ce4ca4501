/* replay_main.c -- runs a fuzz harness without libFuzzer: every regular file
 * named on the command line, or found directly in a directory named there, is
 * passed once to LLVMFuzzerTestOneInput. ctest uses it to replay the seed
 * corpus and the inputs of past crashes in every build, sanitizers or not. */
#include "fuzz.h"

#include <dirent.h>
#include <string.h>
#include <sys/stat.h>

/* Read a whole file into an exactly sized heap block, so that a read past
 * the input's end is caught by AddressSanitizer as it would be by libFuzzer. */
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    size_t got;
    while (buf != NULL && (got = fread(buf + len, 1, cap - len, f)) > 0) {
        len += got;
        if (len == cap) {
            unsigned char *b = realloc(buf, cap *= 2);
            if (b == NULL)
                free(buf);
            buf = b;
        }
    }
    const int bad = buf == NULL || ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(buf);
        return 1;
    }
    unsigned char *exact = malloc(len > 0 ? len : 1);
    if (exact == NULL) {
        free(buf);
        return 1;
    }
    memcpy(exact, buf, len);
    free(buf);
    LLVMFuzzerTestOneInput(exact, len);
    free(exact);
    return 0;
}

int main(int argc, char **argv)
{
    size_t runs = 0;
    int failed = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: not found\n", argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            failed |= run_file(argv[i]);
            runs++;
            continue;
        }
        DIR *dir = opendir(argv[i]);
        if (dir == NULL) {
            fprintf(stderr, "%s: cannot list\n", argv[i]);
            return 1;
        }
        const struct dirent *e;
        while ((e = readdir(dir)) != NULL) {
            char path[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
                continue;
            failed |= run_file(path);
            runs++;
        }
        closedir(dir);
    }
    printf("replayed %zu inputs\n", runs);
    /* An empty corpus would make the test pass without testing anything. */
    return failed || runs == 0 ? 1 : 0;
}
