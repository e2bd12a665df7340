/** Raises with one line naming the variable and why, so start-up can print it and stop. */
export class ConfigError extends Error {}
