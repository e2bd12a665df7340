/** What answers without an API key and outside any rate limit: probes, metrics, the dashboard. */
export const PUBLIC_PATHS = [
  '/health',
  '/health/live',
  '/health/ready',
  '/metrics',
  '/',
  '/dashboard/app.js',
];
