// A parking operator's tariff, under its biller: set by the admin or the operator itself, read back,
// and used by POST /v1/bills to price a parking stay sent without lines.
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '../auth/principal';
import { Authenticated } from '../billers/caller.guard';
import { ErrorBodyDto } from '../common/error-body.dto';
import { BillsService } from './bills.service';
import { ParkingTariffDto, SetParkingTariffDto } from './dto/parking-tariff.dto';

@ApiTags('bills')
@Controller('v1/billers/:id/parking_tariff')
export class ParkingTariffsController {
  constructor(private readonly bills: BillsService) {}

  // PUT, not POST: setting a tariff replaces it whole, so repeating the request is harmless without
  // an Idempotency-Key.
  @Put()
  @Authenticated('admin', 'biller')
  @ApiOperation({
    summary: 'Set the parking tariff, replacing the previous one; issued bills keep their amount.',
  })
  @ApiBody({ type: SetParkingTariffDto })
  @ApiOkResponse({ type: ParkingTariffDto })
  @ApiBadRequestResponse({ type: ErrorBodyDto, description: 'parking_tariff_invalid and the shared codes.' })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller, or another biller’s.' })
  put(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: unknown,
  ): Promise<ParkingTariffDto> {
    return this.bills.putTariff(principal, id, body);
  }

  @Get()
  @Authenticated('admin', 'biller')
  @ApiOperation({ summary: 'Read the parking tariff.' })
  @ApiOkResponse({ type: ParkingTariffDto })
  @ApiNotFoundResponse({ type: ErrorBodyDto, description: 'No such biller, or it has no tariff.' })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ParkingTariffDto> {
    return this.bills.getTariff(principal, id);
  }
}
