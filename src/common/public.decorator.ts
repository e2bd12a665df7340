import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'netorch:public';
/** Reachable without an API key: probes and the dashboard shell. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
