# usage.sh - the help and usage of a script of scripts/ (sourced by the
# importers, the benches, demo.sh, install-deps.sh, make-deb.sh): both are
# read from the script's header, from its "# usage: " line to its "set -eu"
# or "set -euo pipefail", so the text has one copy (the page is NAME(1)).

# help: the usage and the options on stdout, exit 0.
help() {
	sed -n '/^# usage: /,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'
	exit 0
}

# usage: the usage line on stderr, exit 64.
usage() {
	sed -n 's/^# usage: /usage: /p' "$0" >&2
	exit 64
}

# only_help N ARGS...: the options of a script whose only option is -h or
# --help: the help for either; the usage (exit 64) for another option or
# for other than N operands. The caller then shifts $((OPTIND - 1)).
only_help() {
	n=$1
	shift
	[ "${1:-}" != --help ] || help
	OPTIND=1
	while getopts h opt; do
		case $opt in
		h) help ;;
		*) usage ;;
		esac
	done
	[ $(($# - OPTIND + 1)) -eq "$n" ] || usage
}
