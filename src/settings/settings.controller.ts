import { Audited } from '../audit/audited.decorator.js';
import { Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { AdminEndpoint } from '../auth/admin-endpoint.decorator.js';
import { ApiProblems } from '../common/api-problems.decorator.js';
import { SettingsDto, UpdateSettingsDto } from './settings.dto.js';
import { SettingsService } from './settings.service.js';

@Controller('v1/admin/settings')
@AdminEndpoint('settings')
export class SettingsController {
  constructor(private readonly settings: SettingsService) {}

  @Get()
  @ApiOperation({ summary: 'Get the global settings' })
  @ApiOkResponse({ type: SettingsDto })
  get(): Promise<SettingsDto> {
    return this.settings.get();
  }

  @Audited('settings.update')
  @Patch()
  @ApiOperation({
    summary: 'Change some settings; the version increases and every instance reloads',
  })
  @ApiOkResponse({ type: SettingsDto })
  @ApiProblems(400)
  update(@Body() body: UpdateSettingsDto): Promise<SettingsDto> {
    return this.settings.update(body);
  }
}
