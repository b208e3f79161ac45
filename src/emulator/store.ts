/**
 * Metadata of the emulator: account, keys, buckets, file versions and parts.
 *
 * Persistence (dataDir mode) is an append-only journal of whole-record puts and deletes, one JSON line
 * each with a sequence number, plus a snapshot written atomically (temp file + rename) when the store
 * opens. A crash mid-append leaves at most one torn last line, which replay ignores; the snapshot records
 * the last sequence it contains, so journal lines already folded into it are skipped. Object bytes are
 * committed (renamed into place) before the journal line that references them, so a crash never makes
 * a half-written object visible. In memory mode the same maps are simply never written.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { AccountRecord, BucketRecord, FileRecord, KeyRecord, PartRecord } from './model.js';

interface Tables {
  account: Map<string, AccountRecord>;
  keys: Map<string, KeyRecord>;
  buckets: Map<string, BucketRecord>;
  files: Map<string, FileRecord>;
  parts: Map<string, PartRecord>;
}
type TableName = keyof Tables;
type RecordOf<T extends TableName> = Tables[T] extends Map<string, infer R> ? R : never;

interface JournalLine {
  s: number;
  t: TableName;
  id: string;
  v?: unknown;
}

const SNAPSHOT = 'meta.snapshot.json';
const JOURNAL = 'meta.journal';

export const partKey = (fileId: string, partNumber: number) => `${fileId}/${partNumber}`;

export class MetaStore {
  readonly tables: Tables = {
    account: new Map(),
    keys: new Map(),
    buckets: new Map(),
    files: new Map(),
    parts: new Map(),
  };
  /** Parts per unfinished large file, kept in step with `tables.parts`. */
  private readonly partsByFile = new Map<string, Map<number, PartRecord>>();
  private lineSeq = 0;
  private journalFd: number | undefined;

  /** @param dir where meta files live; undefined = memory only. */
  constructor(dir: string | undefined) {
    if (dir) this.load(dir);
  }

  get<T extends TableName>(table: T, id: string): RecordOf<T> | undefined {
    return (this.tables[table] as Map<string, RecordOf<T>>).get(id);
  }

  values<T extends TableName>(table: T): RecordOf<T>[] {
    return [...(this.tables[table] as Map<string, RecordOf<T>>).values()];
  }

  put<T extends TableName>(table: T, id: string, value: RecordOf<T>): void {
    this.apply({ s: ++this.lineSeq, t: table, id, v: value });
    this.append({ s: this.lineSeq, t: table, id, v: value });
  }

  delete(table: TableName, id: string): void {
    if (!this.tables[table].has(id)) return;
    this.apply({ s: ++this.lineSeq, t: table, id });
    this.append({ s: this.lineSeq, t: table, id });
  }

  partsOf(fileId: string): Map<number, PartRecord> {
    return this.partsByFile.get(fileId) ?? new Map();
  }

  /** Highest creation sequence in use, so new ids keep sorting after old ones across restarts. */
  maxSeq(): number {
    let max = 0;
    for (const f of this.tables.files.values()) max = Math.max(max, f.seq);
    return max;
  }

  close(): void {
    if (this.journalFd !== undefined) closeSync(this.journalFd);
    this.journalFd = undefined;
  }

  private apply(line: JournalLine): void {
    const table = this.tables[line.t] as Map<string, unknown>;
    if (!table) throw new Error(`unknown table ${line.t} in emulator journal`);
    if (line.t === 'parts') this.indexPart(line.id, line.v as PartRecord | undefined);
    if (line.v === undefined) table.delete(line.id);
    else table.set(line.id, line.v);
  }

  private indexPart(id: string, part: PartRecord | undefined): void {
    const old = this.tables.parts.get(id);
    const fileId = part?.fileId ?? old?.fileId;
    if (!fileId) return;
    let parts = this.partsByFile.get(fileId);
    if (part) {
      if (!parts) {
        parts = new Map();
        this.partsByFile.set(fileId, parts);
      }
      parts.set(part.partNumber, part);
    } else if (parts && old) {
      parts.delete(old.partNumber);
      if (parts.size === 0) this.partsByFile.delete(fileId);
    }
  }

  private append(line: JournalLine): void {
    if (this.journalFd === undefined) return;
    appendFileSync(this.journalFd, `${JSON.stringify(line)}\n`);
  }

  private load(dir: string): void {
    const snapshotPath = join(dir, SNAPSHOT);
    const journalPath = join(dir, JOURNAL);
    let lastSeq = 0;
    if (existsSync(snapshotPath)) {
      const snapshot = JSON.parse(readFileSync(snapshotPath, 'utf8')) as {
        lastSeq: number;
        tables: Record<TableName, [string, unknown][]>;
      };
      lastSeq = snapshot.lastSeq;
      for (const name of Object.keys(this.tables) as TableName[]) {
        for (const [id, v] of snapshot.tables[name] ?? []) this.apply({ s: 0, t: name, id, v });
      }
    }
    if (existsSync(journalPath)) {
      const lines = readFileSync(journalPath, 'utf8').split('\n');
      lines.forEach((text, i) => {
        if (!text) return;
        let line: JournalLine;
        try {
          line = JSON.parse(text) as JournalLine;
        } catch (error) {
          // Only the last line can be torn by a crash mid-append; anything else is corruption.
          if (i >= lines.length - 2) return;
          throw new Error(`emulator journal ${journalPath} is corrupt at line ${i + 1}`, { cause: error });
        }
        if (line.s > lastSeq) {
          this.apply(line);
          lastSeq = line.s;
        }
      });
    }
    this.lineSeq = lastSeq;
    this.compact(snapshotPath, journalPath);
  }

  /** Folds the journal into a fresh snapshot (atomic rename), then starts an empty journal. */
  private compact(snapshotPath: string, journalPath: string): void {
    const tables = Object.fromEntries(
      (Object.keys(this.tables) as TableName[]).map((name) => [name, [...this.tables[name].entries()]]),
    );
    const tmp = `${snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w');
    writeFileSync(fd, JSON.stringify({ lastSeq: this.lineSeq, tables }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, snapshotPath);
    this.journalFd = openSync(journalPath, 'w');
  }
}
