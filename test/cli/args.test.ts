import { describe, expect, it } from 'vitest';
import { parseArgs, wantsHelp } from '../../src/cli/args.ts';
import { CliUsageError } from '../../src/cli/errors.ts';

const SPECS = {
  json: { type: 'boolean' },
  'cluster-size': { type: 'string' },
  'output-format': { type: 'string', short: 'O' },
} as const;
const TWO_FILES = { names: ['IN', 'OUT'], required: 1 } as const;

describe('parseArgs', () => {
  it('separates options from positionals in any order', () => {
    const parsed = parseArgs(['a', '--json', '--cluster-size', '4K', 'b'], SPECS, TWO_FILES);
    expect(parsed.options).toEqual({ json: true, 'cluster-size': '4K', 'output-format': undefined });
    expect(parsed.positionals).toEqual(['a', 'b']);
  });

  it('accepts --name=value and short options with attached or separate values', () => {
    expect(parseArgs(['--cluster-size=8K', 'a'], SPECS, TWO_FILES).options['cluster-size']).toBe('8K');
    expect(parseArgs(['-O', 'raw', 'a'], SPECS, TWO_FILES).options['output-format']).toBe('raw');
    expect(parseArgs(['-Oraw', 'a'], SPECS, TWO_FILES).options['output-format']).toBe('raw');
  });

  it('leaves flags false when absent', () => {
    expect(parseArgs(['a'], SPECS, TWO_FILES).options.json).toBe(false);
  });

  it('treats everything after -- as positional', () => {
    expect(parseArgs(['--', '--json'], SPECS, TWO_FILES).positionals).toEqual(['--json']);
  });

  it('takes a lone - and a +SIZE as positionals', () => {
    expect(parseArgs(['-', '+1G'], SPECS, TWO_FILES).positionals).toEqual(['-', '+1G']);
  });

  it('rejects unknown options', () => {
    expect(() => parseArgs(['--colour', 'a'], SPECS, TWO_FILES)).toThrow(/unknown option '--colour'/);
    expect(() => parseArgs(['-x', 'a'], SPECS, TWO_FILES)).toThrow(/unknown option '-x'/);
  });

  it('rejects an option without its value and a flag with one', () => {
    expect(() => parseArgs(['a', '--cluster-size'], SPECS, TWO_FILES)).toThrow(/needs a value/);
    expect(() => parseArgs(['--json=yes', 'a'], SPECS, TWO_FILES)).toThrow(/does not take a value/);
  });

  it('rejects missing and surplus positionals, naming them', () => {
    expect(() => parseArgs([], SPECS, TWO_FILES)).toThrow(/missing IN/);
    expect(() => parseArgs(['a', 'b', 'c'], SPECS, TWO_FILES)).toThrow(/unexpected argument 'c'/);
    expect(() => parseArgs([], SPECS, TWO_FILES)).toThrow(CliUsageError);
  });
});

describe('wantsHelp', () => {
  it('finds -h or --help before --', () => {
    expect(wantsHelp(['a', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
    expect(wantsHelp(['a'])).toBe(false);
  });
});
