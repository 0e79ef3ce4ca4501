/* clock.h -- the tool's clock (clock.c). */
#ifndef MLPB_CLI_CLOCK_H
#define MLPB_CLI_CLOCK_H

/* Monotonic seconds. */
double cli_now(void);

#endif /* MLPB_CLI_CLOCK_H */
