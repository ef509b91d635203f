# tests/sitesview/common.sh - sourced by the call-site tests after
# tests/tui/common.sh or tests/view/common.sh: where sv_prog and its module
# are, what a run of sv_prog reported, and reading call sites out of a JSON
# snapshot (every site is one line there, its frames one line each after it).

SV=$top_builddir/tests/sitesview
SVPROG=$SV/sv_prog
SVMOD=$SV/.libs/symmod.so
[ -r "$SVMOD" ] || SVMOD=$SV/symmod.so
[ -x "$SVPROG" ] && [ -r "$SVMOD" ] || { echo "ERROR: no $SVPROG or $SVMOD" >&2; exit 99; }

# truth OUT KEY: what sv_prog wrote for KEY.
truth() { awk -v k="$2" '$1 == k { print $2; exit }' "$1"; }

# site_lines JSON LIST: the sites of LIST ("sites", "peak",
# "realloc_move_hotspots"), one line each, in their order.
site_lines() {
	awk -v list="$2" '
		/^  "[a-z_]+": / { cur = $1; gsub(/[":]/, "", cur) }
		cur == list && /^    \{"function": / { print }' "$1"
}

# site_named JSON LIST FUNCTION: the first site of LIST named FUNCTION.
site_named() { site_lines "$1" "$2" | grep -F "{\"function\": \"$3\"," | head -n 1; }

# frames_of JSON FUNCTION: the frame lines of the first site named FUNCTION in "sites".
frames_of() {
	awk -v fn="$2" '
		/^  "[a-z_]+": / { cur = $1; gsub(/[":]/, "", cur) }
		cur == "sites" && /^    \{"function": / { on = !done && index($0, "{\"function\": \"" fn "\",") == 5; if (on) done = 1; next }
		on && /^      \{"addr": / { print; next }
		{ on = 0 }' "$1"
}

# field LINE KEY: the value of KEY (a number or a string without commas) in one line.
field() { printf '%s\n' "$1" | sed -n "s/.*\"$2\": \"\{0,1\}\([^\",}]*\)\"\{0,1\}[,}].*/\1/p" | head -n 1; }

# sum_field JSON LIST FUNCTION KEY: KEY summed over every site of LIST named
# FUNCTION (one function reached along different paths makes several sites).
sum_field() {
	site_lines "$1" "$2" | grep -F "{\"function\": \"$3\"," | while read -r l; do field "$l" "$4"; done |
		awk '{ s += $1 } END { printf "%.0f\n", s }'
}
