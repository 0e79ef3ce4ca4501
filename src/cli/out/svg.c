/* svg.c -- the tool's charts as plain SVG 1.1, no library: the learning
 * curve of a training run (train and validation loss against epoch, the best
 * epoch marked, a validation metric on a second axis) and the ROC and
 * precision-recall curves of an evaluation. Every plotted point lies inside
 * the rectangle of class "plot-area" drawn before it (its panel); the tests
 * check that. */
#include "out/svg.h"

#include "base/msg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define W_FULL  820.0
#define H_FULL  500.0
#define FONT    "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""

static const char *const colours[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                      "#ff7f0e", "#17becf", "#8c564b", "#e377c2"};
#define N_COLOURS (sizeof colours / sizeof colours[0])

/* Text with XML's five special characters escaped, and control bytes
 * dropped (XML 1.0 forbids them). */
static void put_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&apos;", f); break;
        default:
            if ((unsigned char)*s >= 0x20)
                fputc(*s, f);
        }
    }
}

/* Ticks: a step of 1, 2 or 5 times a power of ten giving about `want`
 * intervals over [lo, hi], and the range widened to whole steps. */
typedef struct axis {
    double lo, hi, step;
    int    decimals;
} axis;

/* Values beyond this are drawn at it: a log can hold anything, and the
 * axis arithmetic must stay finite. */
#define V_MAX 1e30

static double clampv(double v)
{
    return v > V_MAX ? V_MAX : v < -V_MAX ? -V_MAX : v;
}

static axis nice_axis(double lo, double hi, int want, int integer)
{
    axis a;
    lo         = clampv(lo);
    hi         = clampv(hi);
    double mag = fabs(lo) > fabs(hi) ? fabs(lo) : fabs(hi);
    if (!(hi - lo > mag * 1e-9)) {
        /* One value, or a span lost in rounding: a band around it. */
        double pad = mag > 1e-30 ? mag * 0.1 : 1.0;
        lo -= pad;
        hi += pad;
    }
    double raw  = (hi - lo) / (double)want;
    double pw   = pow(10.0, floor(log10(raw)));
    double frac = raw / pw;
    double step = frac <= 1.0 ? 1.0 : frac <= 2.0 ? 2.0 : frac <= 5.0 ? 5.0 : 10.0;
    step *= pw;
    if (integer && step < 1.0)
        step = 1.0;
    a.step     = step;
    a.lo       = floor(lo / step + 1e-9) * step;
    a.hi       = ceil(hi / step - 1e-9) * step;
    a.decimals = step >= 1.0 ? 0 : (int)ceil(-log10(step) - 1e-9);
    return a;
}

/* The ticks of a: lo, lo + step, ..., hi (at most 200, by construction
 * about `want`). */
static int n_ticks(const axis *a)
{
    double n = floor((a->hi - a->lo) / a->step + 0.5) + 1.0;
    return n >= 1.0 && n <= 200.0 ? (int)n : 1;
}

static double tick(const axis *a, int i)
{
    return a->lo + (double)i * a->step;
}

/* A tick label: fixed decimals for ordinary numbers, %g for the rest. */
static void put_tick(FILE *f, const axis *a, double v)
{
    if (a->decimals <= 6 && fabs(v) < 1e7)
        fprintf(f, "%.*f", a->decimals, v + 0.0);
    else
        fprintf(f, "%.4g", v);
}

typedef struct panel {
    double x, y, w, h;  /* the plot area, in SVG units */
    axis   ax, ay, ay2; /* ay2: the right axis, step 0 when there is none */
} panel;

static double px(const panel *p, double v) { return p->x + (v - p->ax.lo) / (p->ax.hi - p->ax.lo) * p->w; }
static double py(const panel *p, const axis *a, double v)
{
    return p->y + p->h - (v - a->lo) / (a->hi - a->lo) * p->h;
}

static void svg_begin(FILE *f, double w, double h, const char *title)
{
    fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" "
               "width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\">\n",
            w, h, w, h);
    fputs("<title>", f);
    put_text(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<rect width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
}

/* Frame, grid, ticks and labels of a panel; the right axis if p->ay2.step. */
static void draw_axes(FILE *f, const panel *p, const char *xlabel, const char *ylabel,
                      const char *y2label, const char *y2colour)
{
    int nx = n_ticks(&p->ax), ny = n_ticks(&p->ay), ny2 = n_ticks(&p->ay2);
    fprintf(f, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
    for (int i = 0; i < ny; i++)
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n", p->x,
                py(p, &p->ay, tick(&p->ay, i)), p->x + p->w, py(p, &p->ay, tick(&p->ay, i)));
    for (int i = 0; i < nx; i++)
        fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\"/>\n",
                px(p, tick(&p->ax, i)), p->y, px(p, tick(&p->ax, i)), p->y + p->h);
    fputs("</g>\n", f);
    fprintf(f, "<rect class=\"plot-area\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
               "height=\"%.2f\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1\"/>\n",
            p->x, p->y, p->w, p->h);
    fprintf(f, "<g class=\"ticks\" %s font-size=\"12\" fill=\"#333333\">\n", FONT);
    for (int i = 0; i < nx; i++) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">",
                px(p, tick(&p->ax, i)), p->y + p->h + 18.0);
        put_tick(f, &p->ax, tick(&p->ax, i));
        fputs("</text>\n", f);
    }
    for (int i = 0; i < ny; i++) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"end\">", p->x - 8.0,
                py(p, &p->ay, tick(&p->ay, i)) + 4.0);
        put_tick(f, &p->ay, tick(&p->ay, i));
        fputs("</text>\n", f);
    }
    for (int i = 0; p->ay2.step > 0.0 && i < ny2; i++) {
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"start\" fill=\"%s\">",
                p->x + p->w + 8.0, py(p, &p->ay2, tick(&p->ay2, i)) + 4.0, y2colour);
        put_tick(f, &p->ay2, tick(&p->ay2, i));
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
    fprintf(f, "<g class=\"labels\" %s font-size=\"13\" fill=\"#222222\">\n", FONT);
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\">", p->x + p->w / 2.0,
            p->y + p->h + 42.0);
    put_text(f, xlabel);
    fprintf(f, "</text>\n<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" "
               "transform=\"rotate(-90 %.2f %.2f)\">",
            p->x - 52.0, p->y + p->h / 2.0, p->x - 52.0, p->y + p->h / 2.0);
    put_text(f, ylabel);
    fputs("</text>\n", f);
    if (y2label != NULL) {
        double x2 = p->x + p->w + 56.0;
        fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" fill=\"%s\" "
                   "transform=\"rotate(90 %.2f %.2f)\">",
                x2, p->y + p->h / 2.0, y2colour, x2, p->y + p->h / 2.0);
        put_text(f, y2label);
        fputs("</text>\n", f);
    }
    fputs("</g>\n", f);
}

static void draw_title(FILE *f, double x, double y, const char *title, double size)
{
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"middle\" %s font-size=\"%.0f\" "
               "font-weight=\"bold\" fill=\"#111111\">",
            x, y, FONT, size);
    put_text(f, title);
    fputs("</text>\n", f);
}

/* A legend entry at (x, y): a line sample, dashed if asked, then the text. */
static double legend_item(FILE *f, double x, double y, const char *colour, int dashed,
                          const char *text)
{
    fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"%s\" "
               "stroke-width=\"2.5\"%s/>\n",
            x, y, x + 24.0, y, colour, dashed ? " stroke-dasharray=\"6 4\"" : "");
    fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" %s font-size=\"12\" fill=\"#222222\">", x + 30.0,
            y + 4.0, FONT);
    put_text(f, text);
    fputs("</text>\n", f);
    /* DejaVu Sans at 12 px: about 7 px a character. */
    return x + 30.0 + 7.0 * (double)strlen(text) + 22.0;
}

/* ------------------------------------------------------ learning curve */
typedef double (*epoch_value)(const mlpb_epoch_info *e);
static double v_train(const mlpb_epoch_info *e) { return e->train_loss; }
static double v_val(const mlpb_epoch_info *e) { return e->val_loss; }
static double v_acc(const mlpb_epoch_info *e) { return e->val.accuracy; }
static double v_auc(const mlpb_epoch_info *e) { return e->val.auc; }

/* A series as polylines (a non-finite value breaks the line), with dots
 * when there are few epochs. */
static void draw_series(FILE *f, const panel *p, const axis *ay, const mlpb_epoch_info *h,
                        size_t n, epoch_value get, const char *colour, int dashed,
                        const char *cls)
{
    fprintf(f, "<g class=\"series %s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
               "stroke-linejoin=\"round\"%s>\n",
            cls, colour, dashed ? " stroke-dasharray=\"6 4\"" : "");
    int open = 0;
    for (size_t i = 0; i < n; i++) {
        double v = get(&h[i]);
        if (!isfinite(v)) {
            if (open)
                fputs("\"/>\n", f);
            open = 0;
            continue;
        }
        fprintf(f, "%s%.2f,%.2f", open ? " " : "<polyline points=\"", px(p, (double)h[i].epoch),
                py(p, ay, clampv(v)));
        open = 1;
    }
    if (open)
        fputs("\"/>\n", f);
    fputs("</g>\n", f);
    if (n <= 40) {
        fprintf(f, "<g class=\"dots %s\" fill=\"%s\">\n", cls, colour);
        for (size_t i = 0; i < n; i++) {
            double v = get(&h[i]);
            if (isfinite(v))
                fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"2.5\"/>\n",
                        px(p, (double)h[i].epoch), py(p, ay, clampv(v)));
        }
        fputs("</g>\n", f);
    }
}

static void range_of(const mlpb_epoch_info *h, size_t n, epoch_value get, double *lo,
                     double *hi)
{
    for (size_t i = 0; i < n; i++) {
        double v = clampv(get(&h[i]));
        if (isfinite(v)) {
            *lo = v < *lo ? v : *lo;
            *hi = v > *hi ? v : *hi;
        }
    }
}

int cli_svg_learning_curve(FILE *f, const mlpb_epoch_info *h, size_t n, const char *title)
{
    if (n == 0)
        return cli_fail("mlpblas: no epochs to plot"), -1;
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    range_of(h, n, v_train, &lo, &hi);
    range_of(h, n, v_val, &lo, &hi);
    if (!isfinite(lo))
        return cli_fail("mlpblas: no finite loss to plot"), -1;
    /* The second axis: validation AUC where it exists (binary and
     * multi-label data with both classes), else accuracy. */
    epoch_value metric = v_auc;
    const char *mname  = "validation AUC";
    double      mlo = (double)INFINITY, mhi = -(double)INFINITY;
    range_of(h, n, v_auc, &mlo, &mhi);
    if (!isfinite(mlo)) {
        metric = v_acc;
        mname  = "validation accuracy";
        range_of(h, n, v_acc, &mlo, &mhi);
    }
    int    has_metric = isfinite(mlo);
    size_t last       = h[n - 1].epoch, first = h[0].epoch;
    size_t best       = h[n - 1].best_epoch;

    panel p;
    memset(&p, 0, sizeof p);
    p.x = 78.0;
    p.y = 78.0;
    p.w = W_FULL - 78.0 - 84.0;
    p.h = H_FULL - 78.0 - 66.0;
    p.ax    = nice_axis((double)first, (double)(last > first ? last : first + 1), 8, 1);
    if (p.ax.lo < 0.0)
        p.ax.lo = 0.0;
    p.ay = nice_axis(lo, hi, 6, 0);
    if (has_metric) {
        p.ay2 = nice_axis(mlo, mhi, 6, 0);
        if (p.ay2.hi > 1.0 && mhi <= 1.0)
            p.ay2.hi = 1.0; /* a rate is at most 1 */
    }

    svg_begin(f, W_FULL, H_FULL, title);
    draw_title(f, W_FULL / 2.0, 28.0, title, 16.0);
    draw_axes(f, &p, "epoch", "loss (binary cross-entropy)", has_metric ? mname : NULL,
              colours[2]);
    if (best > 0) {
        /* The best epoch: a dotted vertical line and a ring on the
         * validation loss there. */
        const mlpb_epoch_info *b = NULL;
        for (size_t i = 0; i < n; i++)
            if (h[i].epoch == best)
                b = &h[i];
        if (b != NULL && isfinite(b->val_loss)) {
            double x = px(&p, (double)best);
            fprintf(f, "<g id=\"best-epoch\" class=\"best-epoch\" data-epoch=\"%zu\">\n", best);
            fprintf(f, "<line x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" stroke=\"#555555\" "
                       "stroke-width=\"1.2\" stroke-dasharray=\"2 3\"/>\n",
                    x, p.y, x, p.y + p.h);
            fprintf(f, "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"6\" fill=\"none\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>\n",
                    x, py(&p, &p.ay, clampv(b->val_loss)), colours[1]);
            /* The label sits above the frame, clear of every curve. */
            int right = x > p.x + p.w * 0.75;
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" text-anchor=\"%s\" %s font-size=\"12\" "
                       "fill=\"#333333\">best epoch %zu</text>\n",
                    x, p.y - 6.0, right ? "end" : "middle", FONT, best);
            fputs("</g>\n", f);
        }
    }
    if (has_metric)
        draw_series(f, &p, &p.ay2, h, n, metric, colours[2], 1, "metric");
    draw_series(f, &p, &p.ay, h, n, v_train, colours[0], 0, "train-loss");
    draw_series(f, &p, &p.ay, h, n, v_val, colours[1], 0, "val-loss");

    double x = p.x;
    fprintf(f, "<g class=\"legend\">\n");
    x = legend_item(f, x, 54.0, colours[0], 0, "training loss");
    int has_val = 0;
    for (size_t i = 0; i < n; i++)
        has_val |= isfinite(h[i].val_loss);
    if (has_val)
        x = legend_item(f, x, 54.0, colours[1], 0, "validation loss");
    if (has_metric)
        x = legend_item(f, x, 54.0, colours[2], 1, mname);
    (void)x;
    fputs("</g>\n</svg>\n", f);
    return ferror(f) ? -1 : 0;
}

/* ------------------------------------------------------------ ROC and PR */
typedef struct scored {
    float p;
    float y;
} scored;

static int by_score_desc(const void *a, const void *b)
{
    float x = ((const scored *)a)->p, y = ((const scored *)b)->p;
    return (x < y) - (x > y);
}

/* One output's curves: points (fpr, tpr) and (recall, precision) at each
 * distinct score, thinned to moves of at least 1/500 of an axis. */
typedef struct curve {
    double *roc, *pr;  /* x, y pairs */
    size_t  n_roc, n_pr;
    double  auc, ap, prevalence;
} curve;

static void thin_add(double *pts, size_t *n, double x, double y, int force)
{
    if (*n > 0 && !force) {
        double dx = x - pts[2 * (*n - 1)], dy = y - pts[2 * (*n - 1) + 1];
        if (fabs(dx) < 0.002 && fabs(dy) < 0.002)
            return;
    }
    pts[2 * *n]     = x;
    pts[2 * *n + 1] = y;
    (*n)++;
}

static int make_curve(scored *s, size_t n, curve *c)
{
    memset(c, 0, sizeof *c);
    size_t pos = 0;
    for (size_t i = 0; i < n; i++)
        pos += s[i].y >= 0.5f;
    size_t neg = n - pos;
    if (pos == 0 || neg == 0)
        return 0; /* no curve with one class */
    qsort(s, n, sizeof *s, by_score_desc);
    c->roc = malloc((n + 2) * 2 * sizeof(double));
    c->pr  = malloc((n + 2) * 2 * sizeof(double));
    if (c->roc == NULL || c->pr == NULL)
        return -1;
    c->prevalence = (double)pos / (double)n;
    thin_add(c->roc, &c->n_roc, 0.0, 0.0, 1);
    size_t tp = 0, fp = 0;
    double prev_r = 0.0, prev_f = 0.0, prev_t = 0.0;
    int    first_pr = 1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && s[j].p == s[i].p) {
            tp += s[j].y >= 0.5f;
            fp += s[j].y < 0.5f;
            j++;
        }
        double tpr = (double)tp / (double)pos, fpr = (double)fp / (double)neg;
        double prec = (double)tp / (double)(tp + fp);
        c->auc += (fpr - prev_f) * (tpr + prev_t) / 2.0;
        c->ap += (tpr - prev_r) * prec;
        if (first_pr) {
            /* The curve starts at recall 0 with the first threshold's
             * precision, as is usual. */
            thin_add(c->pr, &c->n_pr, 0.0, prec, 1);
            first_pr = 0;
        }
        thin_add(c->roc, &c->n_roc, fpr, tpr, j == n);
        /* The precision-recall curve ends where recall first reaches 1:
         * lower thresholds only add false positives. */
        if (prev_r < 1.0)
            thin_add(c->pr, &c->n_pr, tpr, prec, tp == pos);
        prev_r = tpr;
        prev_f = fpr;
        prev_t = tpr;
        i      = j;
    }
    return 1;
}

static void draw_curve(FILE *f, const panel *p, const double *pts, size_t n, const char *colour,
                       const char *cls)
{
    fprintf(f, "<polyline class=\"series %s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
               "stroke-linejoin=\"round\" points=\"",
            cls, colour);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%.2f,%.2f", i ? " " : "", px(p, pts[2 * i]), py(p, &p->ay, pts[2 * i + 1]));
    fputs("\"/>\n", f);
}

int cli_svg_roc_pr(FILE *f, const float *prob, const float *y, size_t n, size_t k,
                   char *const *labels, const char *title, double *auc_out, double *ap_out)
{
    scored *s = malloc((n ? n : 1) * sizeof *s);
    curve  *c = calloc(k ? k : 1, sizeof *c);
    int     rc = 0, drawn = 0;
    if (s == NULL || c == NULL) {
        free(s);
        free(c);
        return cli_fail("mlpblas: out of memory for the curves"), -1;
    }
    size_t shown = k < N_COLOURS ? k : N_COLOURS;
    for (size_t l = 0; l < shown && rc == 0; l++) {
        for (size_t i = 0; i < n; i++) {
            s[i].p = prob[i * k + l];
            s[i].y = y[i * k + l];
        }
        int r = make_curve(s, n, &c[l]);
        if (r < 0)
            rc = (cli_fail("mlpblas: out of memory for the curves"), -1);
        drawn += r > 0;
    }
    if (rc == 0 && drawn == 0)
        rc = (cli_fail("mlpblas: no ROC curve: the labels hold one class only"), -1);
    if (rc == 0) {
        double  w = 1000.0, h = 520.0, side = 330.0;
        panel   roc, pr;
        memset(&roc, 0, sizeof roc);
        roc.x = 80.0;
        roc.y = 96.0;
        roc.w = roc.h = side;
        pr    = roc;
        pr.x  = 80.0 + side + 170.0;
        roc.ax = roc.ay = pr.ax = pr.ay = nice_axis(0.0, 1.0, 5, 0);
        svg_begin(f, w, h, title);
        draw_title(f, w / 2.0, 28.0, title, 16.0);
        fputs("<g id=\"roc\">\n", f);
        draw_title(f, roc.x + side / 2.0, 80.0, "ROC curve", 14.0);
        draw_axes(f, &roc, "false positive rate", "true positive rate", NULL, NULL);
        fprintf(f, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                   "stroke=\"#999999\" stroke-width=\"1\" stroke-dasharray=\"5 4\"/>\n",
                px(&roc, 0.0), py(&roc, &roc.ay, 0.0), px(&roc, 1.0), py(&roc, &roc.ay, 1.0));
        for (size_t l = 0; l < shown; l++)
            if (c[l].n_roc)
                draw_curve(f, &roc, c[l].roc, c[l].n_roc, colours[l], "roc");
        fputs("</g>\n<g id=\"pr\">\n", f);
        draw_title(f, pr.x + side / 2.0, 80.0, "Precision-recall curve", 14.0);
        draw_axes(f, &pr, "recall", "precision", NULL, NULL);
        for (size_t l = 0; l < shown; l++) {
            if (!c[l].n_pr)
                continue;
            /* What a model without skill gets: the share of positives. */
            fprintf(f, "<line class=\"chance\" x1=\"%.2f\" y1=\"%.2f\" x2=\"%.2f\" y2=\"%.2f\" "
                       "stroke=\"%s\" stroke-opacity=\"0.5\" stroke-width=\"1\" "
                       "stroke-dasharray=\"5 4\"/>\n",
                    px(&pr, 0.0), py(&pr, &pr.ay, c[l].prevalence), px(&pr, 1.0),
                    py(&pr, &pr.ay, c[l].prevalence), k == 1 ? "#999999" : colours[l]);
            draw_curve(f, &pr, c[l].pr, c[l].n_pr, colours[l], "pr");
        }
        fputs("</g>\n<g class=\"legend\">\n", f);
        double ly = h - 40.0;
        double lx = 80.0;
        for (size_t l = 0; l < shown; l++) {
            char text[160];
            if (c[l].n_roc)
                snprintf(text, sizeof text, "%.60s: AUC %.3f, AP %.3f", labels[l], c[l].auc,
                         c[l].ap);
            else
                snprintf(text, sizeof text, "%.60s: one class only", labels[l]);
            if (lx > w - 260.0) {
                lx = 80.0;
                ly += 18.0;
            }
            lx = legend_item(f, lx, ly, colours[l], 0, text);
        }
        legend_item(f, lx, ly, "#999999", 1, "chance");
        if (k > shown) {
            char text[64];
            snprintf(text, sizeof text, "(first %zu of %zu outputs shown)", shown, k);
            fprintf(f, "<text x=\"%.2f\" y=\"%.2f\" %s font-size=\"12\" fill=\"#555555\">%s</text>\n",
                    80.0, ly + 20.0, FONT, text);
        }
        fputs("</g>\n</svg>\n", f);
        if (ferror(f))
            rc = -1;
        if (auc_out != NULL)
            *auc_out = c[0].n_roc ? c[0].auc : (double)NAN;
        if (ap_out != NULL)
            *ap_out = c[0].n_roc ? c[0].ap : (double)NAN;
    }
    for (size_t l = 0; l < k && l < N_COLOURS; l++) {
        free(c[l].roc);
        free(c[l].pr);
    }
    free(c);
    free(s);
    return rc;
}
