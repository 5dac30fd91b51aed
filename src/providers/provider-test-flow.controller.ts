import { UuidParamPipe } from '../common/path-params.js';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { AttributesDto, PreviewTokenDto, TestLoginDto } from './provider-test-flow.dto.js';
import { ProviderTestFlow } from './provider-test-flow.js';

@Controller('v1/admin/providers')
@AdminEndpoint('providers')
export class ProviderTestController {
  constructor(private readonly flow: ProviderTestFlow) {}

  @Get(':id/test')
  @ApiOperation({
    summary: 'Start a test login at the provider',
    description:
      'Redirects (302) to the provider’s authorization endpoint (code flow with PKCE); the body ' +
      'also holds the URL, to open in a browser. After the login the provider sends the browser ' +
      'to the redirect URI, which answers with every attribute the provider gave.',
  })
  @ApiFoundResponse({ type: TestLoginDto })
  @ApiProblems(400, 404)
  async start(
    @Param('id', UuidParamPipe) id: string,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TestLoginDto> {
    const authorizationUrl = await this.flow.start(id);
    void reply.status(302).header('location', authorizationUrl);
    return { authorizationUrl };
  }

  @Post(':id/preview')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Show the attributes a pasted access token carries',
    description:
      'Asks the provider’s userinfo (and introspection) about the token, and decodes it when it ' +
      'is a JWT. The paths become the ones a new usernameAttribute is checked against.',
  })
  @ApiOkResponse({ type: AttributesDto })
  @ApiProblems(400, 404, 502)
  preview(
    @Param('id', UuidParamPipe) id: string,
    @Body() body: PreviewTokenDto,
  ): Promise<AttributesDto> {
    return this.flow.preview(id, body.accessToken);
  }
}

/** Where the provider sends the admin's browser back: not behind admin auth, tied by `state`. */
@Controller('v1/providers')
@ApiTags('providers')
export class ProviderCallbackController {
  constructor(private readonly flow: ProviderTestFlow) {}

  @Get(':id/callback')
  @ApiOperation({ summary: 'The redirect URI of the test login: answers the attributes seen' })
  @ApiQuery({ name: 'code', required: false })
  @ApiQuery({ name: 'state', required: false })
  @ApiQuery({ name: 'error', required: false })
  @ApiOkResponse({ type: AttributesDto })
  @ApiProblems(400, 404, 502)
  callback(
    @Param('id', UuidParamPipe) id: string,
    @Query() query: Record<string, string>,
  ): Promise<AttributesDto> {
    return this.flow.finish(id, { code: query.code, state: query.state, error: query.error });
  }
}
