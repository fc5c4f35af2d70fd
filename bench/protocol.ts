/** Messages between the runner and its server and load-generator processes (over IPC). */

export interface ServerSample {
  type: 'sample';
  /** `process.cpuUsage()` of the server: user + system microseconds since it started. */
  cpu: NodeJS.CpuUsage;
  rss: number;
  heapUsed: number;
  /** Figures of the variant (hud-error: records exported, dropped, ...). */
  extra: Record<string, number>;
}

export type ServerMessage = { type: 'ready'; port: number } | ServerSample | { type: 'failed'; error: string };
export type ServerCommand = { type: 'sample' } | { type: 'stop' };

export interface LoadRequest {
  type: 'load';
  url: string;
  connections: number;
  durationSeconds: number;
  headers: Record<string, string>;
}

export interface LoadResult {
  type: 'result';
  /** Responses completed in the window. */
  requests: number;
  durationSeconds: number;
  requestsPerSecond: number;
  latencyP50: number;
  latencyP99: number;
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodes: Record<string, number>;
}
