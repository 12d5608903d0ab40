// Makes the gateway adapters injectable: GatewaysService builds them (or starts the simulators standing
// in for unconfigured gateways) at start-up and stops the simulators on shutdown.
import { Module } from '@nestjs/common';
import { GatewaysService } from './gateways.service';

@Module({
  providers: [GatewaysService],
  exports: [GatewaysService],
})
export class GatewaysModule {}
