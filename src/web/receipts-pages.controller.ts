// The public receipt pages: /receipts/:id (printable, with a QR code to its verification), and
// /receipts/:id/verify and /receipts/verify?jws=… (the server's check beside the browser's own). A
// receipt id carries 80 random bits (src/common/ids.ts) and is given only to its payer and biller, so
// the id is the key to the page, as an intent id is to its QR image.
import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toString as qrSvg } from 'qrcode';
import { HubError } from '../common/errors';
import { isId } from '../common/ids';
import { HUB_CONFIG } from '../config/config.module';
import type { HubConfig } from '../config/config.schema';
import type { ReceiptDto } from '../receipts/dto/receipt.dto';
import { JWS_MAX_LENGTH } from '../receipts/dto/verify-receipt.dto';
import { ReceiptsService } from '../receipts/receipts.service';
import { receiptDocument, serverCheckOf, verificationBody } from './receipt-pages';
import { WebPages } from './web-pages';

@ApiTags('pages')
@Controller('receipts')
export class ReceiptsPagesController {
  constructor(
    private readonly pages: WebPages,
    private readonly receipts: ReceiptsService,
    @Inject(HUB_CONFIG) private readonly config: HubConfig,
  ) {}

  @Get('verify')
  @ApiOperation({
    summary: 'Check a receipt’s JWS (HTML): paste it, or ?jws=…; the server and the browser each check it.',
  })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The verification page: valid, cancelled or not valid.' })
  async verifyPasted(
    @Query('jws') jws: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const context = this.pages.context(request, reply);
    const given = typeof jws === 'string' ? jws.trim().slice(0, JWS_MAX_LENGTH) : '';
    const verification = given === '' ? null : await this.receipts.verify(given);
    this.pages.send(reply, context, 200, {
      title: context.t.verify_title,
      status: verification ? serverCheckOf(verification) : 'form',
      body: verificationBody(context.t, given || null, verification, true),
      scripts: ['verify.js'],
    });
  }

  @Get(':id')
  @ApiOperation({ summary: 'A receipt as a printable page (HTML) with a QR code to its verification.' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'The receipt, with the server’s and the browser’s checks of its signature.' })
  @ApiNotFoundResponse({ description: 'No such receipt.' })
  async receipt(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const context = this.pages.context(request, reply);
    const receipt = await this.find(id);
    if (!receipt) return this.pages.sendNotFound(reply, context);
    const verification = await this.receipts.verify(receipt.jws);
    const url = `${this.config.public_url}/receipts/${receipt.id}/verify`;
    const svg = await qrSvg(url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
    this.pages.send(reply, context, 200, {
      title: `${receipt.receipt_name} ${receipt.template_symbol} ${receipt.series_symbol} ${receipt.number}`,
      status: receipt.status,
      body: receiptDocument(
        context.t,
        receipt,
        { url: `/receipts/${receipt.id}/verify`, qr_svg: svg },
        serverCheckOf(verification),
      ),
      scripts: ['verify.js'],
    });
  }

  @Get(':id/verify')
  @ApiOperation({ summary: 'The verification page of a stored receipt (HTML), where its QR code leads.' })
  @ApiProduces('text/html')
  @ApiOkResponse({ description: 'Valid, cancelled or not valid, from the server and from the browser.' })
  @ApiNotFoundResponse({ description: 'No such receipt.' })
  async verifyStored(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply) {
    const context = this.pages.context(request, reply);
    const receipt = await this.find(id);
    if (!receipt) return this.pages.sendNotFound(reply, context);
    const verification = await this.receipts.verify(receipt.jws);
    this.pages.send(reply, context, 200, {
      title: context.t.verify_title,
      status: serverCheckOf(verification),
      body: verificationBody(context.t, receipt.jws, verification, false),
      scripts: ['verify.js'],
    });
  }

  private async find(id: string): Promise<ReceiptDto | null> {
    if (!isId('receipt', id)) return null;
    try {
      return await this.receipts.get({ kind: 'admin' }, id);
    } catch (error) {
      if (error instanceof HubError && error.code === 'receipt_not_found') return null;
      throw error;
    }
  }
}
