/*
 * main.c — parses the command line and runs one command (see cli/commands.h).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "config.h"
#include "version.h"

static void main_usage(FILE *out)
{
    fputs("usage: tenantd <command> [options]\n  serve ", out);
    config_write_usage_flags(out); /* the flags come from the config table */
    fputs("\n"
          "  migrate                       create or upgrade the schema\n"
          "  admin create --email E --password-stdin [--display-name NAME]\n"
          "  keys rotate                   start a signing-key rotation\n"
          "  keys rotate-master            re-encrypt secrets at rest under a new master key\n"
          "  demo                          seed demo data and print how to use it\n"
          "  config [--markdown]           list every TENANTD_* setting (README's table)\n"
          "  version, --version            print the version and exit\n"
          "Configuration comes from TENANTD_* environment variables (tenantd config, or\n"
          "tenantd serve --help, lists them).\n",
          out);
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        main_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        if (argc > 2) {
            fprintf(stderr, "tenantd: %s takes no arguments\n", argv[1]);
            return 2;
        }
        printf("tenantd %s\n", tenantd_version);
        return 0;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const char *cmd = argv[1];
    int rc;
    if (strcmp(cmd, "serve") == 0)
        rc = cli_serve(argc - 2, argv + 2);
    else if (strcmp(cmd, "migrate") == 0)
        rc = cli_migrate(argc - 2, argv + 2);
    else if (strcmp(cmd, "admin") == 0)
        rc = cli_admin(argc - 2, argv + 2);
    else if (strcmp(cmd, "keys") == 0 && argc == 3 && strcmp(argv[2], "rotate-master") == 0)
        rc = cli_rotate_master();
    else if (strcmp(cmd, "keys") == 0)
        rc = cli_keys(argc - 2, argv + 2);
    else if (strcmp(cmd, "demo") == 0)
        rc = cli_demo(argc - 2, argv + 2);
    else if (strcmp(cmd, "config") == 0)
        rc = cli_config(argc - 2, argv + 2);
    else {
        fprintf(stderr, "tenantd: unknown command \"%s\" (try --help)\n", cmd);
        rc = 2;
    }
    curl_global_cleanup();
    return rc;
}
