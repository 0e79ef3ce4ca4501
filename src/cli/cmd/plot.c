/* plot.c -- `mlpblas plot`: the learning curve of a CSV written by
 * `train --log`, read back by plot_log.c, drawn by svg.c. */
#include "base/args.h"
#include "base/msg.h"
#include "cmd/cmd.h"
#include "out/plot_log.h"
#include "out/svg.h"
#include "out/write.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char plot_help[] =
    "Usage: mlpblas plot LOG.csv --out FILE.svg [--title TEXT]\n"
    "\n"
    "Draw the learning curve in LOG.csv, the per-epoch CSV that 'mlpblas train'\n"
    "writes with its log option, as an SVG chart: training and validation loss\n"
    "against the epoch, the best epoch marked, and the validation AUC (else\n"
    "accuracy) on a second axis.\n"
    "'-' reads the log from standard input.\n"
    "\n"
    "Options:\n"
    "  -o, --out FILE.svg  the chart ('-': standard output; replaced atomically)\n"
    "  --title TEXT        the chart's title (default: from the log's file name)\n"
    "  -V, --version       print the version and exit\n";

int cli_cmd_plot(int argc, char **argv)
{
    static const cli_optdef defs[] = {{"--out", 1}, {"--title", 1}, {NULL, 0}};
    static const char *const help[] = {plot_help, NULL};
    const char *path = NULL, *out = NULL, *title = NULL;
    size_t      npos = 0;
    int         r, rc;
    cli_args    a;
    cli_args_init(&a, argc, argv, "plot", defs);
    while ((r = cli_args_option(&a, help, &path, 1, &npos, &rc)) > 0) {
        if (strcmp(a.name, "--out") == 0)
            out = a.value;
        else if (strcmp(a.name, "--title") == 0)
            title = a.value;
    }
    if (r < 0)
        return rc;
    if (path == NULL)
        return cli_usage("plot", "needs a LOG file (from 'mlpblas train --log')");
    if (out == NULL || out[0] == '\0')
        return cli_usage("plot", "needs --out FILE.svg");
    cli_inputs in = {0};
    cli_inputs_add(&in, path);
    cli_out w;
    if (cli_out_open(&w, out, &in) != 0)
        return CLI_EDATA;
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (f == NULL) {
        cli_out_abort(&w);
        return cli_fail("%s: cannot open: %s", path, strerror(errno));
    }
    mlpb_epoch_info *h  = NULL;
    size_t           n  = 0;
    rc                  = cli_read_log(path, f, &h, &n);
    if (f != stdin)
        fclose(f);
    char def[320];
    if (title == NULL) {
        const char *b = strrchr(path, '/');
        snprintf(def, sizeof def, "Learning curve: %.280s", b ? b + 1 : path);
        title = def;
    }
    if (rc == CLI_OK && cli_svg_learning_curve(w.f, h, n, title) != 0)
        rc = CLI_EDATA;
    free(h);
    if (rc != CLI_OK) {
        cli_out_abort(&w);
        return rc;
    }
    return cli_out_commit(&w) == 0 ? CLI_OK : CLI_EDATA;
}
