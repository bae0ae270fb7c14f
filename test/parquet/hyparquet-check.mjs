#!/usr/bin/env node
// A second, independent reader (hyparquet, pure JavaScript) for the export tests.
//
//   node test/parquet/hyparquet-check.mjs <file.parquet> <column> [<column> ...]
//
// Prints "<rows> <row groups> <md5>" where md5 is over the named top-level
// columns of every row, rendered as text: values joined by ",", NULL as "~",
// rows joined by "|", in file order.  Use it for integer, boolean and string
// columns, whose text is the same in PostgreSQL:
//   md5(string_agg(concat_ws(',', coalesce(a::text, '~'), ...), '|' ORDER BY ...))
import { createHash } from 'node:crypto';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';

const [path, ...columns] = process.argv.slice(2);
try {
	const file = await asyncBufferFromFile(path);
	const meta = await parquetMetadataAsync(file);
	const rows = await parquetReadObjects({ file, compressors, columns });
	const text = rows.map(r => columns.map(c => (r[c] === null || r[c] === undefined) ? '~' : String(r[c])).join(',')).join('|');
	console.log(`${meta.num_rows} ${meta.row_groups.length} ${createHash('md5').update(text, 'utf8').digest('hex')}`);
} catch (e) {
	console.log('ERROR: ' + String(e.message || e).split('\n')[0]);
	process.exitCode = 1;
}
