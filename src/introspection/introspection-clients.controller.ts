import { UuidParamPipe } from '../common/path-params.js';
import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { CreateRoute, DeleteRoute, ListRoute, ReadRoute } from '../common/crud-routes.decorator.js';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { PageQueryDto } from '../common/pagination.js';
import type { Principal } from '../keys/api-key-authenticator.js';
import {
  CreatedIntrospectionClientDto,
  CreateIntrospectionClientDto,
  IntrospectionClientDto,
  IntrospectionClientPageDto,
} from './introspection-clients.dto.js';
import { IntrospectionClientsService } from './introspection-clients.service.js';

@Controller('v1/admin/introspection-clients')
@AdminEndpoint('introspection clients')
export class IntrospectionClientsController {
  constructor(private readonly clients: IntrospectionClientsService) {}

  @Audited('introspection-client.create', { secrets: ['clientSecret'] })
  @CreateRoute(
    {
      summary: 'Register a client that may call /oauth2/introspect',
      description: 'The response holds the client secret, once: it is stored only as a hash.',
    },
    CreatedIntrospectionClientDto,
    400,
    409,
  )
  create(
    @Body() body: CreateIntrospectionClientDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedIntrospectionClientDto> {
    return this.clients.create(body, caller.userId);
  }

  @ListRoute('List introspection clients (never their secrets)', IntrospectionClientPageDto)
  list(@Query() query: PageQueryDto): Promise<IntrospectionClientPageDto> {
    return this.clients.list(query);
  }

  @ReadRoute('Get one introspection client (never its secret)', IntrospectionClientDto)
  get(@Param('id', UuidParamPipe) id: string): Promise<IntrospectionClientDto> {
    return this.clients.get(id);
  }

  @Audited('introspection-client.delete')
  @DeleteRoute('Remove an introspection client')
  delete(@Param('id', UuidParamPipe) id: string): Promise<void> {
    return this.clients.delete(id);
  }
}
