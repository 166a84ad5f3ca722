/*
 * commands.h — the `tenantd` subcommands. Each returns the process exit status and
 * prints at most one line to stderr on failure.
 */
#ifndef TENANTD_CLI_COMMANDS_H
#define TENANTD_CLI_COMMANDS_H

int cli_serve(int argc, char **argv);

struct config;
struct service;
/* Loads the configuration from the environment and opens the service (which migrates
 * the schema): 0, or the exit status (2 bad configuration, 1 cannot open) after
 * printing why. The one opening of every one-shot subcommand (cli/migrate.c). */
int cli_open_service(struct config *cfg, struct service *svc);
int cli_migrate(int argc, char **argv);
int cli_admin(int argc, char **argv);
int cli_keys(int argc, char **argv);
int cli_demo(int argc, char **argv);
/* `tenantd config [--markdown]`: every setting (cli/config.c). */
int cli_config(int argc, char **argv);
/* `tenantd keys rotate-master` (cli/rotate_master.c). */
int cli_rotate_master(void);

#endif
