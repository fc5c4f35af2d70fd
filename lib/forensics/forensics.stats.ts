/**
 * Counters of one exporter's lane. Every record handed to the lanes ends, in each lane, in
 * exactly one of `exported`, `failed`, `dropped` or `queued`, so for every exporter
 * `exported + failed + dropped + queued === recorded`.
 *
 * @publicApi
 */
export interface HudExporterStats {
  /** The exporter's class name. */
  name: string;
  /** Records in `export()` calls that finished. */
  exported: number;
  /** Records in `export()` calls that threw, rejected or did not finish within `exportTimeoutMs`. */
  failed: number;
  /** Calls (`export`, `forceFlush`, `shutdown`) that threw or rejected. */
  errors: number;
  /** Calls that did not finish within `exportTimeoutMs`. */
  timeouts: number;
  /**
   * Records this exporter never received: its queue was full (`maxQueueSize`; the oldest are
   * dropped), or they arrived after it was shut down.
   */
  dropped: number;
  /** Records waiting for this exporter now, the batch in its hands included. */
  queued: number;
}

/**
 * Counters of the forensics pipeline. Every failing or slow invocation ends in exactly one
 * of `recorded`, `droppedByRateLimit` or `droppedByHook` (or is still waiting to be built,
 * in `queued`); then each recorded record goes its own way through each exporter's lane
 * (`exporters`).
 *
 * @publicApi
 */
export interface HudForensicsStats {
  /** Records built and handed to the exporters' lanes. */
  recorded: number;
  /** Failures over the `rateLimit` of their invocation name: counted, not built. */
  droppedByRateLimit: number;
  /** Records dropped by a full lane, summed over the exporters (see `exporters[].dropped`). */
  droppedByQueue: number;
  /** Records the `beforeRecord` hook returned `null` for. */
  droppedByHook: number;
  /** Exporter calls that threw or rejected, summed over the exporters. */
  exporterErrors: number;
  /** Exporter calls that did not finish within `exportTimeoutMs`, summed over the exporters. */
  exporterTimeouts: number;
  /** Failures waiting to be built, plus the records waiting in every lane (once per exporter). */
  queued: number;
  /** One entry per exporter, in the order of the `exporters` option. */
  exporters: HudExporterStats[];
}
