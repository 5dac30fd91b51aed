import { Controller, Get, Header, Injectable } from '@nestjs/common';
import { ApiExcludeController, type OpenAPIObject } from '@nestjs/swagger';
import { toYaml } from './openapi-document.js';

/**
 * Holds the application's OpenAPI document for the controller that serves it. `createApp` hands it
 * a factory once the application is initialised; the document is built on first use, then kept.
 */
@Injectable()
export class OpenApiDocumentHolder {
  private factory: (() => OpenAPIObject) | undefined;
  private built: { document: OpenAPIObject; yaml: string } | undefined;

  provide(factory: () => OpenAPIObject): void {
    this.factory = factory;
    this.built = undefined;
  }

  get document(): OpenAPIObject {
    return this.build().document;
  }

  get yaml(): string {
    return this.build().yaml;
  }

  private build(): { document: OpenAPIObject; yaml: string } {
    if (this.built === undefined) {
      if (this.factory === undefined) throw new Error('The OpenAPI document is not available yet');
      const document = this.factory();
      this.built = { document, yaml: toYaml(document) };
    }
    return this.built;
  }
}

/** The service's own OpenAPI document (the same as the checked-in openapi.yaml), unauthenticated. */
@Controller()
@ApiExcludeController()
export class OpenApiController {
  constructor(private readonly holder: OpenApiDocumentHolder) {}

  @Get('openapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  yaml(): string {
    return this.holder.yaml;
  }

  @Get('openapi.json')
  @Header('content-type', 'application/json; charset=utf-8')
  json(): OpenAPIObject {
    return this.holder.document;
  }
}
