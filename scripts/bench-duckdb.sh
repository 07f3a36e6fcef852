#!/usr/bin/env bash
# bench-duckdb.sh - the DuckDB peer of the affinity benchmark, driven by
# Node.js through @duckdb/node-api (a prebuilt engine from the npm registry).
# Run by scripts/bench.sh (DUCKDB=1).
#
# usage: bench-duckdb.sh setup DIR | run DIR FILE
# The DuckDB peer of bench.sh's affinity benchmark; see bench-duckdb(1).
#   setup DIR     install @duckdb/node-api under DIR/node with npm
#   run DIR FILE  count(*), entropy(domain) GROUP BY learner_id of the event CSV FILE
#   -h, --help    show this help
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib/usage.sh
. "$(dirname "$0")/lib/usage.sh"   # help, usage: from the header above
case ${1:-} in
-h | --help) help ;;
setup) [ $# -eq 2 ] || usage ;;
run) [ $# -eq 3 ] || usage ;;
*) usage ;;
esac
dir=$2/node
case $1 in
setup)
	mkdir -p "$dir"
	[ -d "$dir/node_modules/@duckdb/node-api" ] && exit 0
	cd "$dir"
	[ -f package.json ] || echo '{"name":"tl-bench","private":true}' > package.json
	npm install --no-audit --no-fund @duckdb/node-api
	;;
run)
	NODE_PATH=$dir/node_modules node - "$3" <<'JS'
const { DuckDBInstance } = require('@duckdb/node-api');
(async () => {
	const file = process.argv[2];
	const db = await DuckDBInstance.create(':memory:');
	const con = await db.connect();
	const sql = `SELECT learner_id, count(*) AS n, entropy(domain) AS h
	             FROM read_csv('${file.replace(/'/g, "''")}', header = true, all_varchar = true)
	             GROUP BY learner_id`;
	const reader = await con.runAndReadAll(sql);
	process.stdout.write(`${reader.getRows().length} learners\n`);
})().catch((e) => { console.error(e); process.exit(1); });
JS
	;;
esac
