#!/usr/bin/env bash
# Builds the tenantd Debian package with dpkg-deb (no debhelper): `make deb` runs
#   scripts/build-deb.sh BINARY VERSION OUTDIR
# and prints the path of the .deb. Contents (docs/OPERATIONS.md "Debian package"):
#   /usr/bin/tenantd                      the binary (stripped)
#   /lib/systemd/system/tenantd.service   hardened Type=notify unit
#   /etc/default/tenantd                  environment (conffile)
#   /usr/share/doc/tenantd/               README.md, OPERATIONS.md, copyright
#   DEBIAN/postinst, prerm, postrm        system user, state dir, `tenantd migrate`
# Depends: from dpkg-shlibdeps over the binary's shared libraries, plus adduser.
set -euo pipefail
bin=$1
version=$2
out=$3
here=$(cd "$(dirname "$0")/.." && pwd)
arch=$(dpkg --print-architecture)
root=$(mktemp -d "${TMPDIR:-/tmp}/tenantd-deb.XXXXXX")
chmod 0755 "$root" # the package's ./ entry: never a 0700 root directory
trap 'rm -rf "$root"' EXIT

install -D -m 0755 "$bin" "$root/usr/bin/tenantd"
strip --strip-unneeded "$root/usr/bin/tenantd"
install -D -m 0644 "$here/packaging/debian/tenantd.service" "$root/lib/systemd/system/tenantd.service"
install -D -m 0644 "$here/packaging/debian/default" "$root/etc/default/tenantd"
install -D -m 0644 "$here/README.md" "$root/usr/share/doc/tenantd/README.md"
install -D -m 0644 "$here/docs/OPERATIONS.md" "$root/usr/share/doc/tenantd/OPERATIONS.md"
cat > "$root/usr/share/doc/tenantd/copyright" <<'TEXT'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: tenantd

Files: *
Copyright: the tenantd authors
License: proprietary
 Built from the tenantd repository; see README.md.
TEXT

# Shared-library dependencies, the Debian way (dpkg-shlibdeps wants a debian/control).
shlibs_dir=$(mktemp -d "${TMPDIR:-/tmp}/tenantd-shlibs.XXXXXX")
mkdir "$shlibs_dir/debian"
printf 'Source: tenantd\n\nPackage: tenantd\nArchitecture: any\n' > "$shlibs_dir/debian/control"
depends=$(cd "$shlibs_dir" && dpkg-shlibdeps -O -e "$root/usr/bin/tenantd" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
rm -rf "$shlibs_dir"
[ -n "$depends" ] || { echo "build-deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

mkdir -p "$root/DEBIAN"
install -m 0755 "$here/packaging/debian/postinst" "$here/packaging/debian/prerm" \
  "$here/packaging/debian/postrm" "$root/DEBIAN/"
echo /etc/default/tenantd > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/control" <<TEXT
Package: tenantd
Version: $version
Architecture: $arch
Maintainer: tenantd maintainers <tenantd@localhost>
Section: net
Priority: optional
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
Depends: adduser, $depends
Description: multi-tenant OAuth 2.0 token service and control plane
 tenantd issues client_credentials access tokens (JWT) for tenant apps, and
 serves the admin API and dashboard that tenants and the platform operator use
 to manage them. This package installs the binary, a hardened systemd unit
 (Type=notify) running as the tenantd user with its state in /var/lib/tenantd,
 and runs \`tenantd migrate\` on install and upgrade.
TEXT

mkdir -p "$out"
deb="$out/tenantd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
