// Receipts: signing keys (sealed under the KEK, created on first start), series, gapless numbering and
// the endpoints. Exports ReceiptsService, whose issueReceipt the payment flow calls in its transaction.
import { Inject, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { BillersModule } from '../billers/billers.module';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import { HUB_LOGGER } from '../logging/logging.module';
import type { Logger } from '../logging/logger';
import { JwksController } from './jwks.controller';
import { resolveKeyEncryptionKey } from './key-encryption';
import { ReceiptsController } from './receipts.controller';
import { ReceiptsRepository } from './receipts.repository';
import { ReceiptsService } from './receipts.service';
import { ReceiptSigningKeys } from './signing-keys';

@Module({
  imports: [BillersModule],
  controllers: [ReceiptsController, JwksController],
  providers: [
    ReceiptsRepository,
    ReceiptsService,
    {
      provide: ReceiptSigningKeys,
      inject: [ReceiptsRepository, HUB_CONFIG, HUB_LOGGER],
      useFactory: (repository: ReceiptsRepository, config: HubConfig, logger: Logger) => {
        const kek = resolveKeyEncryptionKey(config);
        // Where a generated KEK is kept, never the key.
        if (kek.path !== null)
          logger.info(
            { path: kek.path },
            kek.created
              ? 'generated the receipt key-encryption key'
              : 'receipt key-encryption key read from file',
          );
        return new ReceiptSigningKeys(repository, kek);
      },
    },
  ],
  exports: [ReceiptsService, ReceiptSigningKeys, ReceiptsRepository],
})
export class ReceiptsModule implements OnApplicationBootstrap {
  constructor(
    private readonly keys: ReceiptSigningKeys,
    @Inject(HUB_LOGGER) private readonly logger: Logger,
  ) {}

  /**
   * The first start creates the signing key. A process whose KEK cannot open the stored key says so
   * loudly but still starts (it serves everything else, and verifying needs no private key); issuing a
   * receipt then fails, so the payment's transaction rolls back rather than commit an unsigned receipt.
   */
  async onApplicationBootstrap(): Promise<void> {
    const key = await this.keys.check();
    if (key.usable) this.logger.info({ kid: key.kid }, 'receipt signing key ready');
    else this.logger.error({ kid: key.kid, problem: key.problem }, 'receipt signing key unusable');
  }
}
