#!/usr/bin/env node
// Read a Parquet file back with DuckDB, an independent reader, and print the
// result in a stable text form that pg_regress can diff.
//
//   node test/parquet/readback.mjs [--raw] [--hive] <file.parquet> [sql]
//
// The file is visible to the SQL as the view t (read_parquet(<file>)), and
// $FILE stands for its quoted path (for parquet_schema($FILE) and friends).
// With --hive the argument is a dataset directory: t reads every
// <dir>/**/*.parquet with hive_partitioning = true, and $FILE is that glob.
// Default SQL: SELECT * FROM t.
//
// Output: one header line "name: TYPE | ...", then one line per row with the
// values separated by " | ".  NULL is NULL; strings are JSON-quoted so that
// blanks, quotes and the word NULL stay distinguishable; BLOBs print as \x<hex>
// like PostgreSQL's bytea; other values use DuckDB's own text form.  An error prints "ERROR: <message>" and exits 1.
import { DuckDBInstance, DuckDBBlobValue, DuckDBTimestampTZValue } from '@duckdb/node-api';

// TIMESTAMPTZ values print in UTC whatever the machine's zone (the client
// library formats them itself, with this offset)
DuckDBTimestampTZValue.timezoneOffsetInMinutes = 0;

function render(v) {
	if (v === null || v === undefined)
		return 'NULL';
	if (typeof v === 'string')
		return JSON.stringify(v);
	if (typeof v === 'bigint' || typeof v === 'number' || typeof v === 'boolean')
		return String(v);
	if (v instanceof DuckDBBlobValue)	// as PostgreSQL prints bytea
		return '\\x' + Buffer.from(v.bytes).toString('hex');
	return v.toString();
}

async function main() {
	const args = process.argv.slice(2);
	const raw = args[0] === '--raw';
	if (raw)
		args.shift();
	const hive = args[0] === '--hive';
	if (hive)
		args.shift();
	const [file, sqlArg] = args;
	if (!file) {
		console.log('usage: readback.mjs <file.parquet> [sql]');
		process.exit(2);
	}
	const path = hive ? file.replace(/\/+$/, '') + '/**/*.parquet' : file;
	const quoted = "'" + path.replace(/'/g, "''") + "'";
	const sql = (sqlArg || 'SELECT * FROM t').replaceAll('$FILE', quoted);
	const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
	const conn = await instance.connect();
	try {
		await conn.run(`SET TimeZone = 'UTC'`);
		await conn.run(`CREATE VIEW t AS SELECT * FROM read_parquet(${quoted}${hive ? ', hive_partitioning = true' : ''})`);
		const reader = await conn.runAndReadAll(sql);
		const names = reader.columnNames();
		const types = reader.columnTypes();
		if (!raw)
			console.log(names.map((n, i) => `${n}: ${types[i].toString()}`).join(' | '));
		for (const row of reader.getRows())
			console.log(row.map(v => (raw && typeof v === 'string') ? v : render(v)).join(' | '));
	} catch (e) {
		console.log('ERROR: ' + e.message.split('\n')[0]);
		process.exitCode = 1;
	} finally {
		conn.closeSync?.();
	}
}

main();
