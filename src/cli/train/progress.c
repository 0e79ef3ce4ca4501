/* progress.c -- what training shows on standard error: on a terminal, a bar
 * redrawn in place that fits the terminal's width (asked with TIOCGWINSZ at
 * each redraw, so a resize is followed without a signal handler), with a
 * smoothed loss, rows a second and the time left for the whole run; one line
 * an epoch (on a terminal or not). */
#define _DEFAULT_SOURCE /* TIOCGWINSZ */
#include "train/progress.h"

#include "base/clock.h"
#include "train/fit.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* Weight of the newest batch in the smoothed loss: about the last 50. */
#define EMA_ALPHA 0.04

int cli_term_columns(int fd)
{
    struct winsize ws;
    if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

void cli_progress_init(cli_progress *p, int verbosity, int lines, size_t epochs,
                       size_t n_rows, size_t batch)
{
    memset(p, 0, sizeof *p);
    p->bar     = verbosity > 0 && isatty(fileno(stderr));
    p->lines   = verbosity > 1 || (verbosity > 0 && lines);
    p->verbose = verbosity > 1;
    p->epochs  = epochs;
    p->n_rows  = n_rows;
    p->batch   = batch ? batch : 1;
}

/* "1:02:03", "4:05" or "7s". */
static void fmt_duration(char *buf, size_t n, double s)
{
    if (!isfinite(s) || s < 0.0) {
        snprintf(buf, n, "--");
        return;
    }
    unsigned long t = (unsigned long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
    else if (t >= 60)
        snprintf(buf, n, "%lu:%02lu", t / 60, t % 60);
    else
        snprintf(buf, n, "%lus", t);
}

/* "950", "12.3k", "4.56M". */
static void fmt_rate(char *buf, size_t n, double r)
{
    if (!(r > 0.0))
        snprintf(buf, n, "--");
    else if (r >= 1e6)
        snprintf(buf, n, "%.3gM", r / 1e6);
    else if (r >= 1e3)
        snprintf(buf, n, "%.3gk", r / 1e3);
    else
        snprintf(buf, n, "%.0f", r);
}

int cli_progress_batch(size_t epoch, size_t batch, size_t n_batches, float loss, void *ctx)
{
    cli_progress *p = ((cli_train_ctx *)ctx)->progress;
    if (isfinite(loss)) {
        p->ema_n++;
        p->ema = p->ema_n == 1 ? (double)loss : p->ema + EMA_ALPHA * ((double)loss - p->ema);
    }
    if (!p->bar)
        return 0;
    double now = cli_now();
    if (p->t_start == 0.0)
        p->t_start = now;
    /* Redraw at most ten times a second: a terminal is slow. */
    if (batch < n_batches && now - p->t_draw < 0.1)
        return 0;
    p->t_draw = now;

    size_t rows_epoch = batch * p->batch < p->n_rows ? batch * p->batch : p->n_rows;
    double done       = (double)(epoch - 1) * (double)p->n_rows + (double)rows_epoch;
    double total      = (double)p->epochs * (double)p->n_rows;
    double elapsed    = now - p->t_start;
    double rate       = elapsed > 0.0 ? done / elapsed : 0.0;
    char   eta[32], rs[32], pct[16], line[512];
    fmt_duration(eta, sizeof eta, rate > 0.0 ? (total - done) / rate : (double)NAN);
    fmt_rate(rs, sizeof rs, rate);
    snprintf(pct, sizeof pct, "%3.0f%%",
             100.0 * (double)batch / (double)(n_batches ? n_batches : 1));
    double frac = (double)batch / (double)(n_batches ? n_batches : 1);

    /* One column short of the width, so the cursor never wraps. The bar
     * takes what the text leaves (5 to 40 columns); where even that does not
     * fit, shorter forms drop the words, then the rate, then the bar, and
     * below that the line is cut. */
    int    cols  = cli_term_columns(fileno(stderr));
    size_t width = cols > 1 ? (size_t)cols - 1 : 1;
    for (int form = 0; form < 4; form++) {
        char head[64], tail[160];
        switch (form) {
        case 0:
            snprintf(head, sizeof head, "epoch %zu/%zu ", epoch, p->epochs);
            snprintf(tail, sizeof tail, " %s loss %.4f %s rows/s ETA %s", pct, p->ema, rs, eta);
            break;
        case 1:
            snprintf(head, sizeof head, "%zu/%zu ", epoch, p->epochs);
            snprintf(tail, sizeof tail, " %s loss %.4f %s/s ETA %s", pct, p->ema, rs, eta);
            break;
        case 2:
            snprintf(head, sizeof head, "%zu/%zu ", epoch, p->epochs);
            snprintf(tail, sizeof tail, " %s loss %.4f ETA %s", pct, p->ema, eta);
            break;
        default:
            snprintf(head, sizeof head, "%zu/%zu", epoch, p->epochs);
            snprintf(tail, sizeof tail, " %s loss %.4f ETA %s", pct, p->ema, eta);
        }
        size_t fixed = strlen(head) + strlen(tail) + 2;
        size_t bar   = form == 3 ? 0 : width >= fixed + 5 ? width - fixed : 0;
        if (bar > 40)
            bar = 40;
        if (form < 3 && bar < 5)
            continue;
        size_t fill = (size_t)((double)bar * frac);
        size_t len  = (size_t)snprintf(line, sizeof line, "%s", head);
        if (bar > 0) {
            line[len++] = '[';
            for (size_t i = 0; i < bar && len + 2 < sizeof line; i++)
                line[len++] = i < fill ? '=' : ' ';
            line[len++] = ']';
        }
        snprintf(line + len, sizeof line - len, "%s", tail);
        break;
    }
    if (strlen(line) > width)
        line[width] = '\0';
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = 1;
    return 0;
}

void cli_progress_clear(cli_progress *p)
{
    if (p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        p->drawn = 0;
    }
}

void cli_progress_epoch(cli_progress *p, const mlpb_epoch_info *e)
{
    cli_progress_clear(p);
    if (!p->lines)
        return;
    char   rs[32], line[512];
    int    best = e->best_epoch == e->epoch && isfinite(e->val_loss);
    int    val  = isfinite(e->val_loss);
    size_t len  = 0;
    fmt_rate(rs, sizeof rs, e->samples_per_s);
#define PUT(...) \
    (len += (size_t)snprintf(line + len, len < sizeof line ? sizeof line - len : 0, __VA_ARGS__))
    PUT("%s %zu/%zu  train loss %.4f", e->refit ? "refit" : "epoch", e->epoch, e->epochs,
        e->train_loss);
    if (val)
        PUT("  val loss %.4f  acc %.4f", e->val_loss, e->val.accuracy);
    if (val && p->verbose)
        PUT("  f1 %.4f  auc %.4f", e->val.f1, e->val.auc);
    PUT("  %s rows/s", rs);
    if (p->verbose)
        PUT("  %.2fs", e->seconds);
    PUT("%s", best ? "  *best" : "");
    if (p->bar) {
        /* On a terminal narrower than the line, the short form, then cut:
         * a wrapped line would break the bar's redraw below it. */
        size_t width = (size_t)cli_term_columns(fileno(stderr));
        width        = width > 1 ? width - 1 : 1;
        if (len > width) {
            len = 0;
            PUT("%zu/%zu loss %.4f", e->epoch, e->epochs, e->train_loss);
            if (val)
                PUT(" val %.4f acc %.3f", e->val_loss, e->val.accuracy);
            PUT("%s", best ? " *" : "");
        }
        if (len > width) {
            len = 0;
            PUT("%zu/%zu loss %.4f", e->epoch, e->epochs, e->train_loss);
            if (val)
                PUT(" val %.4f", e->val_loss);
            PUT("%s", best ? " *" : "");
        }
        if (len >= sizeof line)
            len = sizeof line - 1;
        if (len > width)
            line[width] = '\0';
    }
#undef PUT
    fprintf(stderr, "%s\n", line);
}
