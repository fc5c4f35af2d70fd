import { Controller, Get } from '@nestjs/common';
import { HudForensics, type HudChangeReport, type HudSuspectReport } from 'nestjs-hud';

/**
 * What the app can learn from its own traffic: the context values over-represented among each
 * route's failures (`npm run demo` prints them), and the routes whose failures or latency just
 * rose. Behind your own guard in a real app, like the inspector's token.
 */
@Controller('insights')
export class InsightsController {
  constructor(private readonly forensics: HudForensics) {}

  @Get('suspects')
  suspects(): { reports: HudSuspectReport[] } {
    return { reports: this.forensics.suspects() };
  }

  @Get('changes')
  changes(): { reports: HudChangeReport[] } {
    return { reports: this.forensics.changes() };
  }
}
