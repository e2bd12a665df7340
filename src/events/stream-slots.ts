/** Who holds a stream slot: the API key's name, or the client address when the API is open. */
export interface StreamHolder {
  /** Counting key: `key:<name>` or `ip:<address>`. */
  id: string;
  /** How a refusal names it: `API key "ops"` or `client 10.0.0.7`. */
  label: string;
}

/** Why a stream was refused, for the 429's detail. */
export type SlotRefusal = { kind: 'process' | 'holder'; detail: string };

/**
 * The open event streams of one process: at most `max` in all and at most `perHolder` for any
 * one holder (0 = no per-holder share). A slot is taken synchronously before a stream opens
 * and given back when it ends, so two requests arriving together cannot both take the last.
 */
export class StreamSlots {
  private total = 0;
  private readonly held = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly perHolder: number,
  ) {}

  get open(): number {
    return this.total;
  }

  heldBy(holder: string): number {
    return this.held.get(holder) ?? 0;
  }

  /** Takes a slot for the holder, or says why not. */
  take(holder: StreamHolder): SlotRefusal | null {
    const mine = this.heldBy(holder.id);
    if (this.perHolder > 0 && mine >= this.perHolder) {
      return {
        kind: 'holder',
        detail: `${holder.label} has ${mine} event streams open, the most one client may hold (MAX_EVENT_STREAMS_PER_KEY=${this.perHolder}); close one first`,
      };
    }
    if (this.total >= this.max) {
      return {
        kind: 'process',
        detail: `This server has ${this.total} event streams open, the most it serves (MAX_EVENT_STREAMS=${this.max}); retry later`,
      };
    }
    this.total++;
    this.held.set(holder.id, mine + 1);
    return null;
  }

  /** Gives back a slot taken by `take`. */
  release(holder: StreamHolder): void {
    const mine = this.heldBy(holder.id);
    if (mine === 0) return;
    this.total--;
    if (mine === 1) this.held.delete(holder.id);
    else this.held.set(holder.id, mine - 1);
  }
}
