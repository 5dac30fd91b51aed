import { ENV_SECTIONS, ENV_VARIABLES, type EnvSection, type EnvVariable } from './env-variables.js';

/**
 * docs/configuration.md, rendered from ENV_VARIABLES: one table per section. The tables are laid
 * out as Prettier lays out Markdown tables, so `npm run lint` accepts the generated file as is.
 */
export function renderConfigReference(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/env-variables.ts by `npm run docs:config`: edit that file, not this one. -->',
    '',
    'Portcullis reads its configuration from environment variables and validates them at start: a bad',
    'value stops the start with one message naming every bad variable. An empty variable counts as',
    'unset. Durations are whole numbers (`s` seconds, `ms` milliseconds).',
    '',
    'The global switches (service on or off, self-service keys, `maxKeyLifetime`, `trustedProxies`,',
    'the identity header style) are not variables but settings, changed at run time through the admin',
    'API, the CLI, the console or the [config file](config-file.md).',
  ];
  for (const [section, title] of Object.entries(ENV_SECTIONS) as [EnvSection, string][]) {
    const variables = Object.entries(ENV_VARIABLES as Record<string, EnvVariable>).filter(
      ([, variable]) => variable.section === section,
    );
    lines.push('', `## ${title}`, '');
    lines.push(
      ...table(
        ['variable', 'default', 'values', 'meaning'],
        variables.map(([name, variable]) => [
          `\`${name}\``,
          defaultOf(variable),
          valuesOf(variable),
          variable.doc,
        ]),
      ),
    );
    const guides = [...new Set(variables.flatMap(([, variable]) => variable.see ?? []))];
    if (guides.length > 0)
      lines.push('', 'More:', '', ...guides.map((guide) => `- ${link(guide)}`));
  }
  return `${lines.join('\n')}\n`;
}

function defaultOf(variable: EnvVariable): string {
  if ('defaultText' in variable && variable.defaultText !== undefined) return variable.defaultText;
  if ('default' in variable && variable.default !== undefined) {
    const unit = variable.kind === 'integer' && variable.unit !== undefined ? variable.unit : '';
    return `\`${variable.default}\`${unit === '' ? '' : ` ${unit}`}`;
  }
  return '(none)';
}

function valuesOf(variable: EnvVariable): string {
  switch (variable.kind) {
    case 'integer':
      return `${variable.min}-${variable.max}${variable.off ? ', `off`' : ''}`;
    case 'url':
      return variable.protocols.map((protocol) => `\`${protocol}//\``).join(', ');
    case 'choice':
      return variable.values.map((value) => `\`${value}\``).join(', ');
    case 'rate':
      return '`<n> per <period>`, `off`';
    case 'text':
      return variable.format ?? '';
  }
}

/** `production.md#the-server-secret` as [production: the server secret](...). */
function link(target: string): string {
  const [page, anchor] = target.split('#');
  const words = (text: string) => text.replace(/\.md$/, '').replace(/-/g, ' ');
  return `[${words(page!)}${anchor === undefined ? '' : `: ${words(anchor)}`}](${target})`;
}

/** A Markdown table, each column padded to its widest cell, as Prettier writes one. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) =>
    Math.max(3, cell.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}
