import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { outputRefs, publishOutputs, withRenamedOutputs } from '../../editor/server/scale-out/output-files.js';
import { parseRedisUrl } from '../../editor/server/scale-out/redis-connection.js';

describe('publishing an attempt\'s outputs', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'exitgraph-publish-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives attempts racing for the same names distinct files, each with its own bytes', async () => {
    const output = join(dir, 'output');
    await mkdir(join(output, 'sub'), { recursive: true });
    await writeFile(join(output, 'sub', 'blend_00003_.png'), 'older');
    const attempts = await Promise.all(
      Array.from({ length: 8 }, async (_, i) => {
        const attempt = join(dir, `attempt${i}`);
        await mkdir(join(attempt, 'sub'), { recursive: true });
        await writeFile(join(attempt, 'sub', 'blend_00001_.png'), `attempt ${i}`);
        return attempt;
      }),
    );
    const ref = { filename: 'blend_00001_.png', subfolder: 'sub', type: 'output' as const };
    const published = await Promise.all(attempts.map((attempt) => publishOutputs([ref], attempt, output)));
    const names = published.map((p) => [...p.renamed.values()][0]!);
    expect(new Set(names).size).toBe(8);
    for (const name of names) expect(Number(/_(\d{5})_/.exec(name)![1])).toBeGreaterThan(3);
    for (const [i, p] of published.entries()) expect(await readFile(p.paths[0]!, 'utf8')).toBe(`attempt ${i}`);
    expect(await readdir(join(output, 'sub'))).toHaveLength(9);
    // The attempt folders are emptied: nothing is left to publish twice.
    for (const attempt of attempts) expect(await readdir(join(attempt, 'sub'))).toEqual([]);
  });

  it('renames the files in messages and history entries, and only output files', () => {
    const message = { node: '6', output: { images: [{ filename: 'a_00001_.png', subfolder: '', type: 'output' }, { filename: 'p.png', subfolder: '', type: 'temp' }] } };
    expect(outputRefs(message)).toHaveLength(1);
    const renamed = withRenamedOutputs(message, new Map([['\u0000a_00001_.png', 'a_00007_.png']]));
    expect(renamed.output.images.map((i) => i.filename)).toEqual(['a_00007_.png', 'p.png']);
    expect(message.output.images[0]!.filename).toBe('a_00001_.png');
  });
});

describe('--queue URLs', () => {
  it('reads host, port, database and password, and hides the password when shown', () => {
    const address = parseRedisUrl('redis://:s3cret@cache.local:6380/2');
    expect(address.options).toMatchObject({ host: 'cache.local', port: 6380, db: 2, password: 's3cret' });
    expect(address.shown).not.toContain('s3cret');
    expect(parseRedisUrl('redis://127.0.0.1').options.port).toBe(6379);
  });

  it('names what is wrong with a bad URL', () => {
    expect(() => parseRedisUrl('http://127.0.0.1:6379')).toThrow(/redis:\/\/ or rediss:\/\//);
    expect(() => parseRedisUrl('localhost:6379')).toThrow(/"localhost:6379"/);
    expect(() => parseRedisUrl('redis://127.0.0.1:6379/main')).toThrow(/database .* must be a number/);
  });
});
