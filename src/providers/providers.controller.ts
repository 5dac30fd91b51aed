import { UuidParamPipe } from '../common/path-params.js';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { Audited } from '../audit/audited.decorator.js';
import {
  CreateRoute,
  DeleteRoute,
  ListRoute,
  ReadRoute,
  UpdateRoute,
} from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { PageQueryDto } from '../common/pagination.js';
import {
  CreateProviderDto,
  ProviderDto,
  ProviderPageDto,
  UpdateProviderDto,
} from './providers.dto.js';
import { ProvidersService } from './providers.service.js';

@Controller('v1/admin/providers')
@AdminEndpoint('providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Audited('provider.create', { secrets: ['clientSecret'] })
  @CreateRoute(
    {
      summary: 'Add an identity provider',
      description:
        'A preset asks only for what that provider needs (azure: tenant; okta: domain and ' +
        'authorizationServer; keycloak: baseUrl and realm; auth0: domain; cognito: region, ' +
        'userPoolId and domain; gitlab: baseUrl; google, github: nothing) and fills in the rest; ' +
        'custom takes the endpoints. Where the provider publishes OpenID discovery it is read, and ' +
        'the document is returned. Register `redirectUri` at the provider for the test flow.',
    },
    ProviderDto,
    400,
    409,
  )
  create(@Body() body: CreateProviderDto): Promise<ProviderDto> {
    return this.providers.create(body);
  }

  @ListRoute('List identity providers, in the order they are tried', ProviderPageDto)
  list(@Query() query: PageQueryDto): Promise<ProviderPageDto> {
    return this.providers.list(query);
  }

  @ReadRoute('Get an identity provider (never its client secret)', ProviderDto)
  get(@Param('id', UuidParamPipe) id: string): Promise<ProviderDto> {
    return this.providers.get(id);
  }

  @Audited('provider.update', { secrets: ['clientSecret'] })
  @UpdateRoute(
    {
      summary: 'Change an identity provider',
      description:
        'Discovery is read again when the parameters or the issuer change, or with ' +
        '`"discover": true`. Every instance forgets the tokens it cached for this provider.',
    },
    ProviderDto,
    400,
    404,
    409,
  )
  update(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: UpdateProviderDto,
  ): Promise<ProviderDto> {
    return this.providers.update(id, body);
  }

  @Audited('provider.delete')
  @DeleteRoute('Delete an identity provider; its tokens are refused from then on')
  delete(@Param('id', UuidParamPipe) id: string): Promise<void> {
    return this.providers.delete(id);
  }
}
