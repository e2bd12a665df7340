import { startTracing } from './tracing';

// Imported first by main.ts: instrumentations must hook http and pg before they are required.
startTracing(process.env);
