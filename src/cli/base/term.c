/* term.c -- text for a terminal. Names, cells and paths the tool prints
 * come from files a stranger may have written: an ESC in a header name can
 * retitle the terminal or clear the screen, a bidirectional override can
 * make a message read backwards. The printers of human-readable text (the
 * messages, info, the metrics reports) write through here, so that every
 * such byte shows as an escape instead of acting. JSON escapes on its own
 * (out/json.c); CSV outputs are data and are written as they are. */
#include "base/term.h"

#include "base/utf8.h"

#include <stdarg.h>
#include <stdlib.h>

unsigned long cli_utf8_control(const unsigned char *s, size_t n)
{
    unsigned long cp;
    if (n == 1)
        cp = s[0];
    else if (n == 2)
        cp = ((unsigned long)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    else if (n == 3)
        cp = ((unsigned long)(s[0] & 0x0F) << 12) | ((unsigned long)(s[1] & 0x3F) << 6) |
             (s[2] & 0x3F);
    else
        return 0; /* no control above U+FFFF */
    /* C0 and DEL, C1, the bidirectional embeddings, overrides and isolates. */
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
        (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069))
        return cp + 1;
    return 0;
}

void cli_term_write(FILE *f, const char *text, int keep_last_newline)
{
    const unsigned char *s   = (const unsigned char *)text;
    const unsigned char *run = s; /* [run, s) is plain text not yet written */
    while (*s != '\0') {
        size_t        len = cli_utf8_len(s);
        unsigned long c   = len > 0 ? cli_utf8_control(s, len) : 0;
        if (len > 0 && c == 0) {
            s += len;
            continue;
        }
        fwrite(run, 1, (size_t)(s - run), f);
        if (len == 0) {
            fprintf(f, "\\x%02X", *s); /* not UTF-8: the byte */
            len = 1;
        } else if (c - 1 == '\n' && keep_last_newline && s[1] == '\0') {
            fputc('\n', f);
        } else if (c - 1 == '\n') {
            fputs("\\n", f);
        } else if (c - 1 == '\r') {
            fputs("\\r", f);
        } else if (c - 1 == '\t') {
            fputs("\\t", f);
        } else {
            fprintf(f, c - 1 < 0x80 ? "\\x%02lX" : "\\u%04lX", c - 1);
        }
        s += len;
        run = s;
    }
    fwrite(run, 1, (size_t)(s - run), f);
}

void cli_term_vprintf(FILE *f, int keep_last_newline, const char *fmt, va_list ap)
{
    char    buf[1024];
    va_list ap2;
    va_copy(ap2, ap);
    int   w    = vsnprintf(buf, sizeof buf, fmt, ap);
    char *text = buf;
    if (w < 0)
        buf[0] = '\0';
    else if ((size_t)w >= sizeof buf && (text = malloc((size_t)w + 1)) != NULL)
        vsnprintf(text, (size_t)w + 1, fmt, ap2);
    else if (text == NULL)
        text = buf; /* out of memory for a long message: its first part */
    va_end(ap2);
    cli_term_write(f, text, keep_last_newline);
    if (text != buf)
        free(text);
}

void cli_tprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cli_term_vprintf(f, 1, fmt, ap);
    va_end(ap);
}
