#!/usr/bin/env bash
# tools/setup.sh - installs what heaptop needs on Debian 12 (only the missing
# packages), then configures and builds it out of tree in build/ (or $BUILD).
# Used by tools/demo.sh, tools/check.sh and .ci/run.  Idempotent.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$src/build}

packages=(build-essential autoconf automake libtool pkg-config
	libncurses-dev libunwind-dev libdw-dev
	tmux clang libclang-rt-14-dev libjemalloc2 libmimalloc2.0
	python3 perl sqlite3 xz-utils procps)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup: missing Debian packages (${missing[*]}); run as root or install them" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

cd "$src"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	autoreconf -fi >/dev/null
fi
mkdir -p "$build"
cd "$build"
if [ ! -f Makefile ] || [ "$src/configure" -nt config.status ]; then
	"$src/configure" --enable-werror -q ${CONFIGURE_FLAGS:-}
fi
make -j"$(nproc)" >/dev/null
echo "setup: built in $build"
