// Learning-rate schedules as pure functions of the epoch (fractional epochs allowed).

export type Schedule = (
  | { kind: 'constant' }
  /** lr · gamma^floor(epoch / every) */
  | { kind: 'step'; every: number; gamma: number }
  /** From lr down to minLr over `epochs` along half a cosine. */
  | { kind: 'cosine'; epochs: number; minLr?: number }
) & {
  /**
   * The schedule's epoch at which this training starts (default 0): one schedule spread over
   * several trainings, each going on where the previous one stopped.
   */
  startEpoch?: number;
};

export function learningRate(lr: number, schedule: Schedule, at: number): number {
  const epoch = at + (schedule.startEpoch ?? 0);
  switch (schedule.kind) {
    case 'constant':
      return lr;
    case 'step':
      return lr * schedule.gamma ** Math.floor(epoch / schedule.every);
    case 'cosine': {
      const min = schedule.minLr ?? 0;
      const t = Math.min(1, Math.max(0, epoch / schedule.epochs));
      return min + ((lr - min) * (1 + Math.cos(Math.PI * t))) / 2;
    }
  }
}

export function checkSchedule(schedule: Schedule): Schedule {
  const bad = (what: string) => new RangeError(`schedule '${schedule.kind}': ${what}`);
  if (schedule.startEpoch !== undefined && !(schedule.startEpoch >= 0 && Number.isFinite(schedule.startEpoch))) {
    throw bad(`'startEpoch' must be a finite number ≥ 0, got ${schedule.startEpoch}`);
  }
  if (schedule.kind === 'step') {
    if (!(schedule.every > 0)) throw bad(`'every' must be > 0 epochs, got ${schedule.every}`);
    if (!(schedule.gamma > 0 && schedule.gamma <= 1)) throw bad(`'gamma' must be in (0, 1], got ${schedule.gamma}`);
  } else if (schedule.kind === 'cosine') {
    if (!(schedule.epochs > 0)) throw bad(`'epochs' must be > 0, got ${schedule.epochs}`);
    if (schedule.minLr !== undefined && !(schedule.minLr >= 0)) throw bad(`'minLr' must be ≥ 0, got ${schedule.minLr}`);
  } else if (schedule.kind !== 'constant') {
    throw new RangeError(`schedule: kind must be one of constant, step, cosine; got '${(schedule as { kind: string }).kind}'`);
  }
  return schedule;
}
