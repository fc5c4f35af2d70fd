import { IsInt, IsOptional, IsString, Min, MinLength, ValidateBy, ValidateNested } from 'class-validator';
import { HudFleetOptions, type HudFleetModuleOptions } from './hud-fleet.options.js';

/** Options of the inspector page (off unless given). */
export class HudInspectorOptions {
  /** Path prefix of the page and its JSON. Default: `'/_hud'`. */
  @ValidateBy(
    { name: 'isPathPrefix', validator: { validate: (v) => typeof v === 'string' && /^\/[\w\-./]*$/.test(v) } },
    { message: "inspector.path must be a path starting with '/', for example '/_hud'" },
  )
  path = '/_hud';

  /** Required bearer token (or `?token=`). Without it the inspector is refused at boot. */
  @IsString({ message: 'inspector.token must be a non-empty string (for example process.env.HUD_TOKEN)' })
  @MinLength(1, { message: 'inspector.token must be a non-empty string (for example process.env.HUD_TOKEN)' })
  token!: string;

  /** How many recent records are kept in memory for the page. Default: `200`. */
  @IsInt({ message: 'inspector.maxRecords must be an integer >= 1' })
  @Min(1, { message: 'inspector.maxRecords must be an integer >= 1' })
  maxRecords = 200;

  /**
   * The Fleet section and `GET {path}/fleet.json`: each name's invocations, failure ratio and
   * p99 per version, and the fleet's suspects, from Prometheus. Default: off.
   */
  @IsOptional()
  @ValidateBy(
    { name: 'isFleetOptions', validator: { validate: (v) => v instanceof HudFleetOptions } },
    { message: "inspector.fleet must be { prometheusUrl, timeoutMs }, e.g. { prometheusUrl: 'http://prometheus:9090' }" },
  )
  @ValidateNested()
  fleet?: HudFleetOptions = undefined;
}

/** What users pass as `inspector`: every field optional but the token. */
export type HudInspectorModuleOptions = Partial<Omit<HudInspectorOptions, 'fleet'>> & { token: string; fleet?: HudFleetModuleOptions };
