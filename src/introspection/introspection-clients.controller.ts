import { Audited } from '../audit/audited.decorator.js';
import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
} from '@nestjs/swagger';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { CurrentPrincipal } from '../auth/principal.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
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
  @Post()
  @ApiOperation({
    summary: 'Register a client that may call /oauth2/introspect',
    description: 'The response holds the client secret, once: it is stored only as a hash.',
  })
  @ApiCreatedResponse({ type: CreatedIntrospectionClientDto })
  @ApiProblems(400, 409)
  create(
    @Body() body: CreateIntrospectionClientDto,
    @CurrentPrincipal() caller: Principal,
  ): Promise<CreatedIntrospectionClientDto> {
    return this.clients.create(body, caller.userId);
  }

  @Get()
  @ApiOperation({ summary: 'List introspection clients (never their secrets)' })
  @ApiOkResponse({ type: IntrospectionClientPageDto })
  @ApiProblems(400)
  list(@Query() query: PageQueryDto): Promise<IntrospectionClientPageDto> {
    return this.clients.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get one introspection client (never its secret)' })
  @ApiOkResponse({ type: IntrospectionClientDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<IntrospectionClientDto> {
    return this.clients.get(id);
  }

  @Audited('introspection-client.delete')
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an introspection client' })
  @ApiNoContentResponse()
  @ApiProblems(400, 404)
  delete(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.clients.delete(id);
  }
}
