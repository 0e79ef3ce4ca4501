/* utf8.h -- UTF-8 validity for the tool's text escapes (the terminal's, the
 * JSON writer's and the schema text's). */
#ifndef MLPB_CLI_UTF8_H
#define MLPB_CLI_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s, or 0 (also for U+0000):
 * overlong forms, surrogates and values past U+10FFFF are not valid. */
size_t cli_utf8_len(const unsigned char *s);

#endif /* MLPB_CLI_UTF8_H */
