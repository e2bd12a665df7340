/** Every metric netorch exports is prefixed so it cannot collide with another exporter's. */
export const METRIC_PREFIX = 'netorch_';
