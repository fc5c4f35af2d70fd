import { IsInt, IsString, Min, MinLength, ValidateBy } from 'class-validator';

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
}
