/*
 * serve.c — `tenantd serve`: open the service, listen, wait for SIGINT/SIGTERM.
 *
 * Under systemd (Type=notify, NOTIFY_SOCKET set) it tells the manager READY=1 once the
 * socket accepts requests and STOPPING=1 when it starts shutting down (sd_notify from
 * libsystemd; without NOTIFY_SOCKET those calls do nothing).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config.h"
#include "http/server.h"
#include "ops/outbox_sender.h"
#include "routes.h"
#include "oauth/app_cache.h"
#include "util/log.h"
#include "service.h"
#include "store/db.h"

/* `tenantd serve --help`: the usage line and every setting, from the config table. */
static void cli_serve_help(void)
{
    fputs("usage: tenantd serve ", stdout);
    config_write_usage_flags(stdout);
    fputs("\n\nRuns the server until SIGINT or SIGTERM.\n\n", stdout);
    config_write_help(stdout);
}

int cli_serve(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            cli_serve_help();
            return 0;
        }
    }
    if (config_load(&cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 2;
    }
    log_configure(cfg.log_format, cfg.log_level);
    /* Block the stop signals in every thread; the main thread waits for them. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (log_start() != 0) {
        fprintf(stderr, "tenantd: cannot start the access log\n");
        return 1;
    }
    static struct service svc;
    if (service_open(&svc, &cfg, true, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        return 1;
    }
    struct http_server_options opt = {
        .host = cfg.listen_host,
        .port = cfg.listen_port,
        .threads = (unsigned)cfg.threads,
        .dispatch = routes_dispatch,
        .observe = routes_observe,
        .offload = routes_offload,
        .workers = config_write_workers(&cfg),
        .service = &svc,
        .hsts = cfg.cookie_secure,
        .trusted_proxies = &svc.cfg.trusted_proxies,
    };
    struct http_server *server = http_server_listen(&opt, err, sizeof err);
    if (!server) {
        fprintf(stderr, "tenantd: %s\n", err);
        service_close(&svc);
        return 1;
    }
    /* The default issuer names the bound port; set it before any request is served. */
    if (!cfg.issuer_explicit)
        config_default_issuer(&svc.cfg, http_server_port(server));
    if (app_cache_set_issuer(svc.app_cache, svc.cfg.issuer, svc.cfg.audience) != 0) {
        fprintf(stderr, "tenantd: cannot encode the issuer claims\n");
        http_server_stop(server);
        service_close(&svc);
        return 1;
    }
    if (http_server_run(server, err, sizeof err) != 0) {
        fprintf(stderr, "tenantd: %s\n", err);
        http_server_stop(server);
        service_close(&svc);
        return 1;
    }
    /* "database <backend>" names the driver really in use (tests check it against the
     * backend they expect); a SQLite URL also names its file. */
    const char *backend = db_backend(svc.db);
    bool sqlite = strcmp(backend, "sqlite") == 0;
    bool v6 = strchr(cfg.listen_host, ':') != NULL;
    printf("tenantd: listening on http://%s%s%s:%u (issuer %s, database %s%s)\n", v6 ? "[" : "",
           cfg.listen_host, v6 ? "]" : "", (unsigned)http_server_port(server), svc.cfg.issuer,
           backend, sqlite ? cfg.database + strlen("sqlite") : "");
    fflush(stdout);
    struct outbox_sender *mailer = outbox_sender_start(&svc);
    sd_notifyf(0, "READY=1\nSTATUS=listening on %s:%u\nMAINPID=%lu", cfg.listen_host,
               (unsigned)http_server_port(server), (unsigned long)getpid());
    int sig = 0;
    sigwait(&stop, &sig);
    sd_notify(0, "STOPPING=1\nSTATUS=stopping");
    printf("tenantd: stopping (signal %d)\n", sig);
    http_server_stop(server);
    outbox_sender_stop(mailer);
    service_close(&svc);
    log_stop();
    return 0;
}
