/* format.c -- the format of a data file guessed from its name (format.h). */
#include "read/format.h"

#include <string.h>

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    if (n < m)
        return 0;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != suffix[i])
            return 0;
    }
    return 1;
}

cli_data_format cli_data_guess_format(const char *path)
{
    if (path == NULL)
        return CLI_FORMAT_CSV;
    size_t n = strlen(path);
    if (ends_with(path, n, ".gz"))
        n -= 3;
    if (ends_with(path, n, ".svm") || ends_with(path, n, ".libsvm") ||
        ends_with(path, n, ".svmlight"))
        return CLI_FORMAT_LIBSVM;
    return CLI_FORMAT_CSV;
}
