/*
 * config_doc.c — the documentation of every setting, derived from the table in
 * config.c: the usage line of `serve`, the plain-text reference (`tenantd serve
 * --help`, `tenantd config`) and README.md's Markdown table (`tenantd config
 * --markdown`, spliced in by `make readme-config`). Nothing here knows a setting by
 * name: a new row in the table shows up everywhere.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define CONFIG_DOC_WIDTH 80
#define CONFIG_DOC_INDENT 4

void config_write_usage_flags(FILE *out)
{
    const char *sep = "";
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        if (!opt->flag)
            continue;
        fprintf(out, "%s[--%s %s]", sep, opt->flag, opt->flag_value);
        sep = " ";
    }
}

/* What a setting accepts, as Markdown: the text's description, the integer bounds or
 * the choices ("`a`, `b` or `c`"). */
static void config_doc_values(FILE *out, const struct config_option *opt)
{
    switch (opt->type) {
    case CONFIG_INTEGER:
        fprintf(out, "integer %ld-%ld", opt->min, opt->max);
        return;
    case CONFIG_CHOICE:
        for (size_t i = 0; opt->choices[i]; i++)
            fprintf(out, "%s`%s`",
                    i == 0                ? ""
                    : opt->choices[i + 1] ? ", "
                                          : " or ",
                    opt->choices[i]);
        return;
    case CONFIG_TEXT:
        fputs(opt->values ? opt->values : "text", out);
        return;
    }
}

/* The default: its words, or the value (a duration in seconds also in minutes or
 * hours when it is a whole number of them), or "unset". */
static void config_doc_default(FILE *out, const struct config_option *opt)
{
    if (opt->default_text) {
        fputs(opt->default_text, out);
        return;
    }
    if (!opt->default_value) {
        fputs("unset", out);
        return;
    }
    fprintf(out, "`%s`", opt->default_value);
    size_t len = strlen(opt->env), suffix = strlen("_SECONDS");
    if (opt->type != CONFIG_INTEGER || len < suffix ||
        strcmp(opt->env + len - suffix, "_SECONDS") != 0)
        return;
    long seconds = strtol(opt->default_value, NULL, 10);
    if (seconds >= 3600 && seconds % 3600 == 0)
        fprintf(out, " (%ld h)", seconds / 3600);
    else if (seconds >= 60 && seconds % 60 == 0)
        fprintf(out, " (%ld min)", seconds / 60);
}

void config_write_markdown(FILE *out)
{
    fputs("| variable | default | accepts | meaning |\n|---|---|---|---|\n", out);
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        fprintf(out, "| `%s`%s", opt->env, opt->from_file ? " (or `_FILE`)" : "");
        if (opt->flag)
            fprintf(out, " / `--%s`", opt->flag);
        fputs(" | ", out);
        config_doc_default(out, opt);
        fputs(" | ", out);
        config_doc_values(out, opt);
        fprintf(out, " | %s |\n", opt->help);
    }
}

/*
 * Writes Markdown text as plain text: without the `code` backquotes, wrapped at
 * CONFIG_DOC_WIDTH with every line indented by CONFIG_DOC_INDENT, ending the line.
 */
static void config_doc_wrap(FILE *out, const char *markdown)
{
    char text[1024];
    size_t n = 0;
    for (const char *p = markdown; *p && n + 1 < sizeof text; p++)
        if (*p != '`')
            text[n++] = *p;
    text[n] = 0;
    const char *p = text;
    while (*p) {
        size_t room = CONFIG_DOC_WIDTH - CONFIG_DOC_INDENT, len = strlen(p);
        if (len > room) {
            /* Break at the last space that fits (a longer word overflows). */
            size_t cut = room;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = strcspn(p, " ");
            len = cut;
        }
        fprintf(out, "%*s%.*s\n", CONFIG_DOC_INDENT, "", (int)len, p);
        p += len;
        while (*p == ' ')
            p++;
    }
}

void config_write_help(FILE *out)
{
    fputs("Settings (TENANTD_* environment variables, read by every command; a flag of\n"
          "serve overrides its variable; an empty variable counts as unset; NAME_FILE\n"
          "names a file holding the value, one trailing newline removed, never both):\n",
          out);
    for (size_t i = 0; i < config_option_count; i++) {
        const struct config_option *opt = &config_options[i];
        fprintf(out, "\n%s", opt->env);
        if (opt->from_file)
            fprintf(out, " or %s_FILE", opt->env);
        if (opt->flag)
            fprintf(out, ", --%s %s", opt->flag, opt->flag_value);
        fputc('\n', out);
        /* "default X; accepts Y" and the help, each wrapped. */
        char *line = NULL;
        size_t line_size = 0;
        FILE *mem = open_memstream(&line, &line_size);
        if (!mem)
            continue;
        fputs("default ", mem);
        config_doc_default(mem, opt);
        fputs("; ", mem);
        config_doc_values(mem, opt);
        fclose(mem);
        config_doc_wrap(out, line);
        free(line);
        config_doc_wrap(out, opt->help);
    }
}
