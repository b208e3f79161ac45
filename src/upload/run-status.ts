/**
 * An upload's state, as one reducer over what happens to it. The run reports where it is (its
 * phase) and what it waits for (the network, the broker); the user pauses and resumes; the run
 * settles once. `stateOf` derives the one `UploadState` an app sees from those facts, so no two
 * places can disagree (a resumed upload reads `uploading` again, whatever the run said meanwhile).
 */
import type { UploadSession } from './broker-client.js';
import type { ProgressTracker } from './progress.js';

export type UploadState =
  | 'preparing'
  | 'waiting'
  | 'uploading'
  | 'paused'
  | 'offline'
  | 'reconnecting'
  | 'finishing'
  | 'done'
  | 'failed'
  | 'cancelled';

/** Where the run is in its work. */
export type RunPhase = 'preparing' | 'waiting' | 'uploading' | 'finishing';

/** What the run is waiting out: the browser being offline, or a broker that stopped answering. */
export type RunAway = 'offline' | 'reconnecting';

/** What a run tells its Upload, through `RunContext.report`. */
export type RunEvent =
  | { type: 'phase'; phase: RunPhase }
  /** Bytes are moving; the tracker is the upload's progress from now on. */
  | { type: 'sending'; progress: ProgressTracker }
  /** The tracker's figures changed. */
  | { type: 'progress' }
  | { type: 'away'; away: RunAway }
  | { type: 'back' }
  /** The upload continues one started earlier (after a reload or crash). */
  | { type: 'resumed' }
  /** The large file exists in B2 under this session: cancel() must clean it up. */
  | { type: 'started'; session: UploadSession; key: string };

/** What moves the state: the run's phase and waits, the user's pause and resume, the run settling. */
export type StatusEvent =
  | Extract<RunEvent, { type: 'phase' | 'away' | 'back' }>
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'settled'; outcome: RunOutcome };

export type RunOutcome = 'done' | 'failed' | 'cancelled';

export interface RunStatus {
  phase: RunPhase;
  paused: boolean;
  away: RunAway | undefined;
  outcome: RunOutcome | undefined;
}

export const INITIAL_STATUS: RunStatus = {
  phase: 'preparing',
  paused: false,
  away: undefined,
  outcome: undefined,
};

/** The next status; a settled upload never changes again. */
export function reduceStatus(status: RunStatus, event: StatusEvent): RunStatus {
  if (status.outcome) return status;
  switch (event.type) {
    case 'phase':
      return { ...status, phase: event.phase };
    case 'away':
      return { ...status, away: event.away };
    case 'back':
      return { ...status, away: undefined };
    case 'pause':
      return { ...status, paused: true };
    case 'resume':
      return { ...status, paused: false };
    case 'settled':
      return { ...status, outcome: event.outcome };
  }
}

/** The state an app sees: the outcome, else a pause, else what the run waits for, else its phase. */
export function stateOf(status: RunStatus): UploadState {
  return status.outcome ?? (status.paused ? 'paused' : (status.away ?? status.phase));
}
