/* bench_svg.c -- mlpblas-bench --batch-sweep --svg: samples/s against the
 * batch size, train and forward, on log axes. */
#include "bench.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct svg_frame {
    double x0, x1, y0, y1; /* data range: log2 batch, log10 samples/s */
    double left, top, w, h;
} svg_frame;

static double svg_x(const svg_frame *f, double batch)
{
    return f->left + (log2(batch) - f->x0) / (f->x1 - f->x0) * f->w;
}

static double svg_y(const svg_frame *f, double v)
{
    return f->top + f->h - (log10(v) - f->y0) / (f->y1 - f->y0) * f->h;
}

/* One line: the results of `mode` (and, with threading >= 0, of that
 * threading mode only), their floor if is_floor, dashed if dashed. */
static void svg_line(FILE *f, const svg_frame *fr, const bench_result *res, size_t n,
                     const char *mode, int threading, int is_floor, int dashed,
                     const char *colour)
{
    fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s points=\"", colour,
            dashed ? " stroke-dasharray=\"6 4\"" : "");
    for (size_t i = 0; i < n; i++) {
        if (strcmp(res[i].mode, mode) != 0 || (threading >= 0 && (int)res[i].threading != threading))
            continue;
        const double v = is_floor ? res[i].floor_samples_per_s : res[i].samples_per_s;
        fprintf(f, "%.1f,%.1f ", svg_x(fr, (double)res[i].c->batch), svg_y(fr, v));
    }
    fprintf(f, "\"/>\n");
    for (size_t i = 0; i < n && !is_floor; i++) {
        if (strcmp(res[i].mode, mode) == 0 &&
            (threading < 0 || (int)res[i].threading == threading))
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>\n",
                    svg_x(fr, (double)res[i].c->batch), svg_y(fr, res[i].samples_per_s), colour);
    }
}

/* Samples/s against batch for a sweep: log2 x axis, log10 y axis. For one
 * threading mode the train and forward lines solid and their GEMM floors
 * dashed; for every mode (threading < 0, --modes) a colour a mode, train
 * solid and forward dashed. */
void write_svg(FILE *f, const bench_result *res, size_t n, int threads, int threading)
{
    svg_frame fr = {0.0, 1.0, 0.0, 1.0, 80.0, 50.0, 600.0, 340.0};
    double bmin = DBL_MAX, bmax = 0.0, vmin = DBL_MAX, vmax = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double b = (double)res[i].c->batch;
        bmin = fmin(bmin, b);
        bmax = fmax(bmax, b);
        vmin = fmin(vmin, fmin(res[i].samples_per_s, res[i].floor_samples_per_s));
        vmax = fmax(vmax, fmax(res[i].samples_per_s, res[i].floor_samples_per_s));
    }
    fr.x0 = log2(bmin);
    fr.x1 = log2(bmax) > fr.x0 ? log2(bmax) : fr.x0 + 1.0;
    fr.y0 = floor(log10(vmin));
    fr.y1 = ceil(log10(vmax));
    if (fr.y1 <= fr.y0)
        fr.y1 = fr.y0 + 1.0;

    const bench_case *c = res[0].c;
    char hid[64];
    case_hidden_str(c, hid, sizeof hid, ',');
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"460\" "
               "font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"900\" height=\"460\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"450\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">mlpblas %s: "
               "samples/s against batch (inputs %zu, hidden %s, outputs %zu, %d BLAS "
               "threads, %s)</text>\n",
            mlpb_version_string(), c->sizes[0], hid, c->sizes[c->n_sizes - 1], threads,
            threading < 0 ? "every mode" : threading_name((mlpb_threading)threading));
    for (double e = fr.y0; e <= fr.y1 + 0.5; e += 1.0) {
        const double yy = svg_y(&fr, pow(10.0, e));
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n",
                fr.left, yy, fr.left + fr.w, yy);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">1e%d</text>\n",
                fr.left - 6.0, yy + 4.0, (int)e);
    }
    for (double b = bmin; b <= bmax; b *= 2.0) {
        const double xx = svg_x(&fr, b);
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>\n",
                xx, fr.top, xx, fr.top + fr.h);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%.0f</text>\n", xx,
                fr.top + fr.h + 18.0, b);
    }
    fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
               "stroke=\"black\"/>\n",
            fr.left, fr.top, fr.w, fr.h);
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">batch size (log2)</text>\n",
            fr.left + fr.w / 2.0, fr.top + fr.h + 38.0);
    fprintf(f, "<text transform=\"translate(22,%.1f) rotate(-90)\" text-anchor=\"middle\">"
               "samples/s (log10)</text>\n",
            fr.top + fr.h / 2.0);
    if (threading < 0) {
        static const char *const colours[BENCH_MODES] = {"#000000", "#1f77b4", "#2ca02c",
                                                         "#d62728"};
        static const mlpb_threading order[BENCH_MODES] = {
            MLPB_THREADING_AUTO, MLPB_THREADING_BLAS, MLPB_THREADING_SERIAL_SMALL,
            MLPB_THREADING_SPLIT};
        for (int m = 0; m < BENCH_MODES; m++) {
            svg_line(f, &fr, res, n, "train", (int)order[m], 0, 0, colours[m]);
            svg_line(f, &fr, res, n, "forward", (int)order[m], 0, 1, colours[m]);
            const double lx = fr.left + fr.w + 20.0, ly = fr.top + 10.0 + 22.0 * m;
            fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                       "stroke-width=\"2\"/>\n",
                    lx, ly, lx + 28.0, ly, colours[m]);
            fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 36.0, ly + 4.0,
                    threading_name(order[m]));
        }
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">solid: train</text>\n", fr.left + fr.w + 20.0,
                fr.top + 10.0 + 22.0 * BENCH_MODES + 4.0);
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">dashed: forward</text>\n",
                fr.left + fr.w + 20.0, fr.top + 10.0 + 22.0 * (BENCH_MODES + 1) + 4.0);
        fprintf(f, "</svg>\n");
        return;
    }
    svg_line(f, &fr, res, n, "train", -1, 0, 0, "#1f77b4");
    svg_line(f, &fr, res, n, "train", -1, 1, 1, "#1f77b4");
    svg_line(f, &fr, res, n, "forward", -1, 0, 0, "#d62728");
    svg_line(f, &fr, res, n, "forward", -1, 1, 1, "#d62728");
    static const char *const labels[4] = {"train", "train GEMM floor", "forward",
                                          "forward GEMM floor"};
    for (int i = 0; i < 4; i++) {
        const double lx = fr.left + fr.w + 20.0, ly = fr.top + 10.0 + 22.0 * i;
        fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                   "stroke-width=\"2\"%s/>\n",
                lx, ly, lx + 28.0, ly, i < 2 ? "#1f77b4" : "#d62728",
                i % 2 ? " stroke-dasharray=\"6 4\"" : "");
        fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%s</text>\n", lx + 36.0, ly + 4.0,
                labels[i]);
    }
    fprintf(f, "</svg>\n");
}

