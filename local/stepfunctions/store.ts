// Local runtime only: one JSON file per execution under <dataDir>/executions, each write atomic
// (temporary file, fsync, rename), so a crash leaves the previous or the new version, never half.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Json } from './asl.ts';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A history event as GetExecutionHistory returns it, with the timestamp as ISO text. */
export interface HistoryEntry {
  id: number;
  previousEventId: number;
  type: string;
  timestamp: string;
  [details: string]: unknown;
}

/** Where a running execution resumes: the top-level state being executed and its raw input. */
export interface Checkpoint {
  state: string;
  input: Json;
  /** For a Wait state: when it ends (epoch ms), so a resumed wait keeps its end. */
  waitUntil?: number;
}

export interface ExecutionRecord {
  version: 1;
  executionArn: string;
  stateMachineArn: string;
  /** Logical id of the state machine in the template. */
  stateMachine: string;
  name: string;
  /** The input exactly as given to StartExecution. */
  input: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  output?: string;
  error?: string;
  cause?: string;
  history: HistoryEntry[];
  checkpoint?: Checkpoint;
  /** SHA-256 of every task token issued (to answer a spent token TaskTimedOut after a restart; a restart spends them all). */
  tokenHashes: string[];
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

interface Slot {
  latest: ExecutionRecord;
  dirty: boolean;
  writing: Promise<void> | null;
}

export class ExecutionStore {
  private readonly dir: string;
  private readonly slots = new Map<string, Slot>();

  constructor(
    dataDir: string,
    private readonly onError: (message: string, error: unknown) => void,
  ) {
    this.dir = join(dataDir, 'executions');
  }

  private fileOf(executionArn: string): string {
    return join(this.dir, `${createHash('sha256').update(executionArn).digest('hex').slice(0, 40)}.json`);
  }

  /** Reads every stored execution; unreadable files are reported and skipped. */
  async loadAll(): Promise<ExecutionRecord[]> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const records: ExecutionRecord[] = [];
    for (const entry of await readdir(this.dir)) {
      const file = join(this.dir, entry);
      if (entry.endsWith('.tmp')) {
        await rm(file, { force: true });
        continue;
      }
      if (!entry.endsWith('.json')) continue;
      try {
        const record = JSON.parse(await readFile(file, 'utf8')) as ExecutionRecord;
        if (record.version !== 1 || typeof record.executionArn !== 'string') throw new Error('not an execution record');
        records.push(record);
      } catch (error) {
        this.onError(`skipping ${file}`, error);
      }
    }
    return records;
  }

  /** Schedules a write of the record's current state; writes of one execution never overlap. */
  save(record: ExecutionRecord): void {
    let slot = this.slots.get(record.executionArn);
    if (!slot) {
      slot = { latest: record, dirty: false, writing: null };
      this.slots.set(record.executionArn, slot);
    }
    slot.latest = record;
    if (slot.writing) {
      slot.dirty = true;
      return;
    }
    const current = slot;
    current.writing = this.drain(current).finally(() => {
      current.writing = null;
    });
  }

  private async drain(slot: Slot): Promise<void> {
    do {
      slot.dirty = false;
      try {
        await this.writeAtomically(this.fileOf(slot.latest.executionArn), JSON.stringify(slot.latest));
      } catch (error) {
        this.onError(`could not save execution ${slot.latest.executionArn}`, error);
      }
    } while (slot.dirty);
  }

  private async writeAtomically(file: string, text: string): Promise<void> {
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  }

  /** Resolves once every scheduled write is on disk. */
  async flush(): Promise<void> {
    for (;;) {
      const pending = [...this.slots.values()].map((s) => s.writing).filter((w): w is Promise<void> => w !== null);
      if (pending.length === 0) return;
      await Promise.all(pending);
    }
  }
}
