/**
 * Group commit: work handed in while a round runs joins the next round, and each caller's promise
 * settles with the round that carried its work (rejects if that round failed). Rounds run one at a
 * time, at least `minIntervalMs` apart from start to start. Used for the projector's fact INSERTs
 * (GroupWriter) and its serving refresh rounds (CoalescedRefresh, apps/projector/src/serving).
 */
export class GroupCommit<Round, Member> {
  private next: { round: Round; members: Member[]; settle: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | null = null;
  private running = false;
  private lastStart = 0;

  constructor(
    private readonly fresh: () => Round,
    private readonly run: (round: Round, members: readonly Member[]) => Promise<void>,
    private readonly minIntervalMs = 0,
  ) {}

  /** `join` adds the caller's work to the next round; `member` is handed to `run` with it. */
  add(member: Member, join: (round: Round) => void): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.next ??= { round: this.fresh(), members: [], settle: [] };
      join(this.next.round);
      this.next.members.push(member);
      this.next.settle.push({ resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.next) {
        const wait = this.lastStart + this.minIntervalMs - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        this.lastStart = Date.now();
        const batch = this.next;
        this.next = null;
        try {
          await this.run(batch.round, batch.members);
          for (const s of batch.settle) s.resolve();
        } catch (e) {
          for (const s of batch.settle) s.reject(e);
        }
      }
    } finally {
      this.running = false;
    }
  }
}
