import type { Service } from './service';

/** One device sample as POST /deployments/{id}/telemetry takes it. */
export interface PushedSample {
  node_id: number;
  timestamp: string;
  latency_ms: number;
  throughput_gbps: number;
  error_rate: number;
}

/** POST samples to a deployment's telemetry, `chunk` per request, each answered 202. */
export async function pushSamples(
  service: Service,
  deploymentId: number,
  samples: object[],
  chunk = 10_000,
): Promise<void> {
  for (let i = 0; i < samples.length; i += chunk) {
    await service.http
      .post(`/deployments/${deploymentId}/telemetry`)
      .send({ samples: samples.slice(i, i + chunk) })
      .expect(202);
  }
}
