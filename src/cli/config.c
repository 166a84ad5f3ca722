/*
 * config.c — `tenantd config`: every TENANTD_* setting, its flag, default, accepted
 * values and meaning, from the table in src/config.c; `--markdown` prints README.md's
 * configuration table (`make readme-config` splices it in).
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config.h"

int cli_config(int argc, char **argv)
{
    if (argc == 0) {
        config_write_help(stdout);
        return 0;
    }
    if (argc == 1 && strcmp(argv[0], "--markdown") == 0) {
        config_write_markdown(stdout);
        return 0;
    }
    fprintf(stderr, "tenantd: usage: tenantd config [--markdown]\n");
    return 2;
}
