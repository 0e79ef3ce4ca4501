/* cmd.h -- the tool's commands, one file each (train.c, demo.c, eval.c,
 * predict.c, info.c, plot.c, onnx.c): each takes its argv (argv[0] the
 * command's name) and returns the exit status (base/msg.h). */
#ifndef MLPB_CLI_CMD_H
#define MLPB_CLI_CMD_H

int cli_cmd_train(int argc, char **argv);
int cli_cmd_demo(int argc, char **argv);
int cli_cmd_eval(int argc, char **argv);
int cli_cmd_predict(int argc, char **argv);
int cli_cmd_info(int argc, char **argv);
int cli_cmd_plot(int argc, char **argv);
int cli_cmd_export(int argc, char **argv); /* onnx.c */
int cli_cmd_import(int argc, char **argv);

#endif /* MLPB_CLI_CMD_H */
