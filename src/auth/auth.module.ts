// Admin authentication: resolves the admin token once at start-up (logging where a generated one is
// kept, never the token) and provides the guard that admin controllers use.
import { Module } from '@nestjs/common';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { resolveAdminToken, tokenDigest } from './admin-token';
import { ADMIN_TOKEN_DIGEST, AdminGuard } from './admin.guard';

@Module({
  providers: [
    {
      provide: ADMIN_TOKEN_DIGEST,
      inject: [HUB_CONFIG, HUB_LOGGER],
      useFactory: (config: HubConfig, logger: Logger): Buffer => {
        const admin = resolveAdminToken(config);
        if (admin.path !== null) {
          logger.info(
            { path: admin.path },
            admin.created ? 'generated an admin token; it is in this file' : 'admin token read from file',
          );
        }
        return tokenDigest(admin.token);
      },
    },
    AdminGuard,
  ],
  exports: [ADMIN_TOKEN_DIGEST, AdminGuard],
})
export class AuthModule {}
