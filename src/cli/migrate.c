/*
 * migrate.c — `tenantd migrate`: create or upgrade the schema (service_open
 * migrates; this command does nothing else).
 */
#include <stdio.h>

#include "cli/commands.h"
#include "service.h"
#include "store/migrations.h"

int cli_open_service(struct config *cfg, struct service *svc)
{
    char err[512];
    if (config_load(cfg, 0, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    if (service_open(svc, cfg, false, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    return 0;
}

int cli_migrate(int argc, char **argv)
{
    if (argc > 0) {
        fprintf(stderr, "tenantd: migrate takes no arguments\n");
        return 2;
    }
    struct config cfg;
    struct service svc;
    int status = cli_open_service(&cfg, &svc);
    if (status != 0)
        return status;
    service_close(&svc);
    printf("tenantd: schema is at version %d\n", migrations_latest());
    return 0;
}
