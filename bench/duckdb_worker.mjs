// DuckDB as the Parquet-export yardstick, run as a co-process of bench.py so that its runs can be
// interleaved with PostgreSQL's.  One JSON request per stdin line, one JSON reply per stdout line:
//   {"op":"load","csv":PATH}                 load the CSV into the in-memory table `events`
//   {"op":"export","codec":C,"file":PATH[,"threads":N]}
//                                            time COPY events TO PATH (FORMAT parquet), N threads
//                                            (default 1; wall seconds, CPU seconds of the process,
//                                            bytes)
//   {"op":"query","sql":SQL}                 rows of a query (e.g. reading a Parquet file back)
// Replies: {"ok":true,...} or {"ok":false,"error":MESSAGE}.
import { DuckDBInstance } from '@duckdb/node-api';
import { createInterface } from 'node:readline';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

// The column types of the PostgreSQL tables, so both write the same Parquet schema.
const COLUMNS = `{'id': 'BIGINT', 'user_id': 'VARCHAR', 'ts_micros': 'BIGINT', 'amount': 'DOUBLE',
  'quantity': 'INTEGER', 'is_test': 'BOOLEAN', 'country': 'VARCHAR', 'url': 'VARCHAR',
  'status': 'BIGINT', 'score': 'FLOAT'}`;

const quote = (s) => `'${String(s).replaceAll("'", "''")}'`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();

async function handle(req) {
  switch (req.op) {
    case 'load': {
      const t0 = performance.now();
      await con.run(`CREATE OR REPLACE TABLE events AS SELECT * FROM read_csv(${quote(req.csv)},
        header = false, columns = ${COLUMNS})`);
      const seconds = (performance.now() - t0) / 1000;
      const rows = (await con.runAndReadAll('SELECT count(*) FROM events')).getRowsJson()[0][0];
      return { seconds, rows: Number(rows) };
    }
    case 'export': {
      await con.run(`SET threads = ${Number(req.threads || 1)}`);
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await con.run(`COPY events TO ${quote(req.file)} (FORMAT parquet, COMPRESSION ${req.codec})`);
      const c1 = process.cpuUsage(c0);
      const seconds = (performance.now() - t0) / 1000;
      await con.run('RESET threads');
      // cpu: user + system time of this whole process (all its threads) during the COPY.
      return { seconds, cpu: (c1.user + c1.system) / 1e6, bytes: statSync(req.file).size };
    }
    case 'query':
      return { rows: (await con.runAndReadAll(req.sql)).getRowsJson() };
    default:
      throw new Error(`unknown op ${req.op}`);
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let reply;
  try {
    reply = { ok: true, ...(await handle(JSON.parse(line))) };
  } catch (e) {
    reply = { ok: false, error: String(e && e.message ? e.message : e) };
  }
  process.stdout.write(JSON.stringify(reply) + '\n');
}
con.closeSync();
