/* load.c -- model files read for the commands (model/load.h): loaded whole
 * or, after the whole file is verified, the header alone; failures printed
 * as "PATH: what". */
#include "model/load.h"

#include "base/msg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

int cli_model_error(const char *path, const char *what, mlpb_status s)
{
    if (s == MLPB_E_IO)
        return cli_fail("%s: %s: %s", path, what, strerror(errno));
    return cli_fail("%s: %s: %s", path, what, mlpb_strerror(s));
}

int cli_load_model(const char *path, mlpb_model **m)
{
    errno          = 0;
    mlpb_status st = mlpb_model_load(path, NULL, m);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    return CLI_OK;
}

int cli_load_model_header(const char *path, mlpb_model **m)
{
    *m             = NULL;
    errno          = 0;
    mlpb_status st = mlpb_model_verify_file(path);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    errno = 0;
    st    = mlpb_model_load_header(path, NULL, m);
    if (st != MLPB_OK)
        return cli_model_error(path, "cannot load the model", st);
    return CLI_OK;
}

void cli_arch_string(const mlpb_model *m, char *buf, size_t n)
{
    size_t        ns    = 0;
    const size_t *sizes = mlpb_model_sizes(m, &ns);
    size_t        off   = 0;
    buf[0]              = '\0';
    for (size_t i = 0; i < ns && off < n; i++) {
        int w = snprintf(buf + off, n - off, i ? "-%zu" : "%zu", sizes[i]);
        if (w < 0)
            break;
        off += (size_t)w;
    }
}
