import { AppConfig } from '../config/app-config';

/** netorch's address as a driver's endpoint reaches it: PUBLIC_URL, else ALERT_EXTERNAL_URL. */
export function callbackBase(config: Pick<AppConfig, 'publicUrl' | 'alertExternalUrl'>): string {
  return config.publicUrl ?? config.alertExternalUrl;
}
