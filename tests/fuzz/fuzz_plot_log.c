/* fuzz_plot_log.c -- libFuzzer harness of the learning-curve log reader of
 * `mlpblas plot` (src/cli/out/plot_log.c) and the SVG writer it feeds: any bytes
 * give either a message or a chart, never a crash, a leak or UB. */
#include "base/msg.h"
#include "out/plot_log.h"
#include "out/svg.h"
#include "fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The tool's message function, silenced: the harness only wants the path
 * taken. */
int cli_fail(const char *fmt, ...)
{
    (void)fmt;
    return CLI_EDATA;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    char *text = malloc(size);
    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    FILE *in = fmemopen(text, size, "r");
    if (in == NULL) {
        free(text);
        return 0;
    }
    mlpb_epoch_info *h = NULL;
    size_t           n = 0;
    if (cli_read_log("fuzz.csv", in, &h, &n) == CLI_OK) {
        char  *buf = NULL;
        size_t len = 0;
        FILE  *out = open_memstream(&buf, &len);
        if (out != NULL) {
            (void)cli_svg_learning_curve(out, h, n, "fuzz");
            fclose(out);
        }
        free(buf);
        free(h);
    }
    fclose(in);
    free(text);
    return 0;
}
