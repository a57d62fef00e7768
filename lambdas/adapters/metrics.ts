// CloudWatch metrics (embedded metric format, written to the log: no API call in the request path). It implements
// the chat logic's Metrics port and is flushed at the end of every invocation. The local stack gets a silent one.
import { MetricUnit, Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import type { MetricName, Metrics, RoomSizeBucket } from '../chat/ports.js';
import { DEFAULT_SERVICE_NAME } from './logger.js';

export const DEFAULT_METRICS_NAMESPACE = 'ServerlessChat';

export interface FlushableMetrics extends Metrics {
  /** Writes what was counted since the last flush; cheap and silent when nothing was. */
  flush(): void;
}

export function createMetrics(options: {
  enabled: boolean;
  namespace?: string;
  serviceName?: string;
}): FlushableMetrics {
  if (!options.enabled) return silentMetrics();
  const metrics = new PowertoolsMetrics({
    namespace: options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? DEFAULT_METRICS_NAMESPACE,
    serviceName: options.serviceName ?? process.env.POWERTOOLS_SERVICE_NAME ?? DEFAULT_SERVICE_NAME,
  });
  return {
    count(name: MetricName, value = 1): void {
      metrics.addMetric(name, MetricUnit.Count, value);
    },
    fanOutDuration(ms: number, roomSize: RoomSizeBucket): void {
      // A metric of its own: the roomSize dimension must not split the invocation's counters.
      const single = metrics.singleMetric();
      single.addDimension('roomSize', roomSize);
      single.addMetric('FanOutDuration', MetricUnit.Milliseconds, ms);
    },
    flush(): void {
      // Powertools warns on an empty flush; most frames count nothing.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    },
  };
}

export function silentMetrics(): FlushableMetrics {
  return { count() {}, flush() {} };
}
