/*
 * version.h — the version of this build, e.g. "0.1.0+git.123.abcdef0". Defined in
 * build/gen/version.c, which the Makefile writes from VERSION and `git describe`
 * (rewritten only when it changes, so a rebuild relinks only then).
 */
#ifndef TENANTD_VERSION_H
#define TENANTD_VERSION_H

extern const char tenantd_version[];

#endif
