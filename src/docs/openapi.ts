// The API's OpenAPI document at /docs/json and a Swagger UI at /docs that loads nothing from the
// internet (the hub's machines are offline). @nestjs/swagger serves its UI through @fastify/static,
// whose release that @nestjs/platform-fastify 12 accepts needs Node 22; so the UI's two files are
// served here from swagger-ui-dist, by name, with a CSP that keeps the page on this origin.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import type { HubConfig } from '../config/config.schema';
import { BILLER_SECURITY } from '../billers/caller.guard';
import { documentIdempotencyKeys } from '../idempotency/idempotency.openapi';
import { ADMIN_SECURITY } from '../ledger/ledger.controller';

export const DOCS_PATH = '/docs';
export const OPENAPI_JSON_PATH = '/docs/json';

const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: ${JSON.stringify(OPENAPI_JSON_PATH)},
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
});
`;

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>payhub API</title>
    <link rel="stylesheet" href="${DOCS_PATH}/assets/swagger-ui.css">
    <link rel="icon" type="image/png" href="${DOCS_PATH}/assets/favicon-32x32.png">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="${DOCS_PATH}/assets/swagger-ui-bundle.js"></script>
    <script src="${DOCS_PATH}/assets/init.js"></script>
  </body>
</html>
`;

/** Same-origin only; Swagger UI sets inline styles and draws some icons as data: URLs. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

/** The only files served from swagger-ui-dist: a name from this list, never a path from the request. */
const ASSETS: Readonly<Record<string, string>> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'application/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

export function buildOpenApiDocument(app: NestFastifyApplication, config: HubConfig): OpenAPIObject {
  const info = new DocumentBuilder()
    .setTitle('payhub')
    .setDescription(
      'Payment hub for public services. Errors answer `{ "error": { "type", "code", "message", "param" } }`; ' +
        'amounts are integers in minor units, sent as decimal strings.',
    )
    .setVersion('0.1.0')
    .addServer(config.public_url)
    // addSecurity rather than addBearerAuth, which would label the opaque admin token a JWT.
    .addSecurity(ADMIN_SECURITY, { type: 'http', scheme: 'bearer', description: 'The admin token.' })
    .addSecurity(BILLER_SECURITY, {
      type: 'http',
      scheme: 'bearer',
      description: 'A biller API key (`phk_…`); it sees only its own biller’s objects.',
    })
    .build();
  const document = SwaggerModule.createDocument(app, info);
  documentIdempotencyKeys(document, '#/components/schemas/ErrorBodyDto');
  return document;
}

export function setupOpenApi(app: NestFastifyApplication, config: HubConfig): void {
  const document = buildOpenApiDocument(app, config);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    ui: false,
    raw: ['json'],
    jsonDocumentUrl: OPENAPI_JSON_PATH,
  });
  registerSwaggerUi(app.getHttpAdapter().getInstance() as unknown as FastifyInstance);
}

function registerSwaggerUi(fastify: FastifyInstance): void {
  const root = dirname(require.resolve('swagger-ui-dist/package.json'));
  const cache = new Map<string, Buffer>();
  fastify.get(DOCS_PATH, async (_request, reply) =>
    reply
      .header('Content-Security-Policy', CONTENT_SECURITY_POLICY)
      .type('text/html; charset=utf-8')
      .send(PAGE),
  );
  fastify.get(`${DOCS_PATH}/assets/init.js`, async (_request, reply) =>
    reply.type('application/javascript; charset=utf-8').send(INIT_SCRIPT),
  );
  for (const [name, type] of Object.entries(ASSETS)) {
    fastify.get(`${DOCS_PATH}/assets/${name}`, async (_request, reply) => {
      let content = cache.get(name);
      if (!content) {
        content = await readFile(join(root, name));
        cache.set(name, content);
      }
      return reply.header('Cache-Control', 'public, max-age=86400').type(type).send(content);
    });
  }
}
