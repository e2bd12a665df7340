import { ChildProcess, spawn } from 'node:child_process';
import { loopbackReceivedBytes } from './prometheus-process';

/**
 * Steady TCP traffic over 127.0.0.1 from a child process: `bytesPerSecond` paced in 10 ms steps,
 * so the loopback counters grow at a known, even pace whatever else the machine does.
 */
export function startLoopbackTraffic(bytesPerSecond: number): { stop: () => void } {
  const script = `
    const net = require('node:net');
    const server = net.createServer((s) => s.resume()).listen(0, '127.0.0.1', () => {
      const socket = net.connect(server.address().port, '127.0.0.1');
      const started = Date.now();
      let sent = 0;
      const chunk = Buffer.alloc(64 * 1024, 7);
      setInterval(() => {
        const due = ((Date.now() - started) / 1000) * ${bytesPerSecond};
        while (sent + chunk.length <= due && socket.writableLength < 8 * chunk.length) {
          socket.write(chunk);
          sent += chunk.length;
        }
      }, 10);
    });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  return { stop: kill };
}

/**
 * Reads the kernel's loopback receive counter every 100 ms, so the byte rate over any past
 * interval can be computed (interpolated between readings) to compare with other sources.
 */
export class KernelLoopbackCounter {
  private readonly readings: { at: number; bytes: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.read();
    this.timer = setInterval(() => this.read(), 100);
  }

  private read(): void {
    this.readings.push({ at: Date.now(), bytes: loopbackReceivedBytes() });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** The counter at `at` (ms since the epoch), interpolated; undefined outside the readings. */
  private bytesAt(at: number): number | undefined {
    const after = this.readings.findIndex((r) => r.at >= at);
    if (after <= 0)
      return after === 0 && this.readings[0].at === at ? this.readings[0].bytes : undefined;
    const [a, b] = [this.readings[after - 1], this.readings[after]];
    return a.bytes + ((b.bytes - a.bytes) * (at - a.at)) / (b.at - a.at);
  }

  /** Received bits per second over [from, to], in Gbit/s as netorch stores throughput. */
  gbpsOver(from: number, to: number): number | undefined {
    const [a, b] = [this.bytesAt(from), this.bytesAt(to)];
    if (a === undefined || b === undefined) return undefined;
    return (8 * (b - a)) / ((to - from) / 1000) / 1e9;
  }
}
